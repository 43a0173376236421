"""Monthly reports, reconciliation with published figures, people/cost and directories,
against hand-counted data."""

import datetime as dt

import pytest
from django.urls import reverse

from flights import published_csv, reports
from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.models import (
    Airport,
    CitizenshipCount,
    Country,
    Operator,
    PassengerSegment,
    PublishedFigure,
)
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.django_db

MARCH = dt.date(2024, 3, 1)


def flights_in(month: dt.date, n: int, **fields) -> list:
    return [make_flight(date=month + dt.timedelta(days=i), **fields) for i in range(n)]


@pytest.fixture
def months(reference_data):
    """Hand-counted removal flights to Guatemala (GT) / Honduras (HN):

    2023-03: 2 GT · 2023-09..2024-02: 1, 2, 3, 0, 4, 2 (GT) · 2024-03: 3 GT (1 confirmed) +
    2 HN + 1 lateral to HN + 1 domestic; and 4 synthetic in 2024-03 that never count.
    """
    flights_in(dt.date(2023, 3, 1), 2, route=("KAEX", "MGGT"))
    for month, n in zip(
        [
            dt.date(2023, 9, 1),
            dt.date(2023, 10, 1),
            dt.date(2023, 11, 1),
            dt.date(2023, 12, 1),
            dt.date(2024, 1, 1),
            dt.date(2024, 2, 1),
        ],
        [1, 2, 3, 0, 4, 2],
        strict=True,
    ):
        flights_in(month, n, route=("KAEX", "MGGT"))
    gt = flights_in(MARCH, 3, route=("KAEX", "MGGT"))
    gt[0].status = ReviewStatus.CONFIRMED
    gt[0].save()
    flights_in(dt.date(2024, 3, 10), 2, route=("KHRL", "MHLM"))
    flights_in(dt.date(2024, 3, 20), 1, route=("KHRL", "MHLM"), kind=FlightKind.LATERAL)
    flights_in(dt.date(2024, 3, 25), 1, route=("KHRL", "KAEX"), kind=FlightKind.DOMESTIC)
    flights_in(dt.date(2024, 3, 1), 4, route=("KAEX", "MGGT"), is_synthetic=True)


def test_compare_sets_a_month_beside_the_previous_a_year_earlier_and_six_months():
    counts = {
        dt.date(2024, 3, 1): 10,
        dt.date(2024, 2, 1): 8,
        dt.date(2023, 3, 1): 5,
        dt.date(2023, 9, 1): 6,
        dt.date(2023, 12, 1): 4,
    }
    row = reports.compare(counts, MARCH)
    assert row["n"] == 10 and row["previous"] == 8 and row["year_ago"] == 5
    assert row["trailing"] == pytest.approx((8 + 0 + 4 + 0 + 0 + 6) / 6)  # Sep..Feb
    assert row["change_previous"] == 2
    assert row["pct_previous"] == pytest.approx(0.25)
    assert row["pct_year_ago"] == pytest.approx(1.0)
    assert reports.compare({}, MARCH)["pct_previous"] is None  # 0 before: no percentage


def test_compare_at_the_calendar_start_has_nothing_to_compare():
    row = reports.compare({dt.date(1, 1, 1): 3}, dt.date(1, 1, 1))
    assert row["previous"] is None and row["year_ago"] is None and row["trailing"] is None


def test_the_monthly_report_counts_by_hand(months):
    data = reports.monthly_report(MARCH)
    totals = data["totals"]
    assert totals["flights"]["n"] == 7 and totals["flights"]["confirmed"] == 1
    assert totals["flights"]["previous"] == 2 and totals["flights"]["year_ago"] == 2
    assert totals["flights"]["trailing"] == pytest.approx(12 / 6)
    assert data["effective"]["removal"]["n"] == 5
    assert data["effective"]["lateral"]["n"] == 1
    assert data["effective"]["effective"]["n"] == 6  # removal + lateral
    countries = {r["key"]: r for r in data["countries"]}
    assert countries["GT"]["n"] == 3 and countries["GT"]["previous"] == 2
    assert countries["GT"]["confirmed"] == 1
    assert countries["HN"]["n"] == 3 and countries["HN"]["previous"] == 0
    # Honduras went 0 → 3, Guatemala 2 → 3: Honduras drove the change.
    assert [(d["key"], d["change_previous"]) for d in data["drivers"]] == [("HN", 3), ("GT", 1)]
    # Months with flights: 2023-03 (2), Sep (1), Oct (2), Nov (3), Jan (4), Feb (2), Mar (7).
    assert data["rank"] == {"rank": 1, "months": 7}
    airports = {r["name"].split()[0]: r["n"] for r in data["airports"]}
    assert airports == {"AEX": 3, "HRL": 4}


def test_the_report_page_links_every_figure_to_its_flights(client, months):
    html = client.get(reverse("flights:monthly_report", args=["2024-03"])).content.decode()
    assert "7 flights (1 confirmed)" in html
    assert "6 effective removal flights" in html
    assert "ranks 1 of 7 months" in html
    assert (
        "/flights/?start=2024-03-01&amp;end=2024-03-31&amp;country=GT&amp;kind=removal&amp;kind=lateral"
        in html
    )
    assert 'id="synthetic-banner"' not in html
    printable = client.get(reverse("flights:monthly_report_print", args=["2024-03"]))
    assert printable.status_code == 200 and b"site-header" not in printable.content


def test_the_report_counts_synthetic_flights_only_when_asked(client, months):
    html = client.get(
        reverse("flights:monthly_report", args=["2024-03"]), {"synthetic": "include"}
    ).content.decode()
    assert "11 flights" in html and 'id="synthetic-banner"' in html


@pytest.mark.parametrize("month", ["2024-13", "1989-12", "9999-01", "24-03", "2024-3", "x"])
def test_a_month_that_is_not_one_or_outside_the_window_is_404(client, reference_data, month):
    assert client.get(f"/reports/{month}/").status_code == 404


def test_the_report_runs_a_fixed_number_of_queries(
    client, reference_data, django_assert_max_num_queries
):
    # An empty id list costs no query at all, so the small case has aircraft and operators too.
    flights_in(
        MARCH,
        3,
        route=("KAEX", "MGGT"),
        aircraft=make_aircraft(),
        operator=Operator.objects.create(name="First"),
    )
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("flights:monthly_report", args=["2024-03"]))
    for i in range(25):
        make_flight(
            ("KHRL", "MHLM"),
            MARCH + dt.timedelta(days=i),
            aircraft=make_aircraft(),
            operator=Operator.objects.create(name=f"Op {i}"),
        )
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("flights:monthly_report", args=["2024-03"]))


# --- Reconciliation -------------------------------------------------------------------------


def test_reconciliation_sets_our_count_beside_each_published_figure(client, months):
    PublishedFigure.objects.create(
        source="Monitor",
        period_start=MARCH,
        period_end=dt.date(2024, 3, 31),
        metric="removal_flights",
        value=8,
    )
    PublishedFigure.objects.create(
        source="Monitor",
        period_start=MARCH,
        period_end=dt.date(2024, 3, 31),
        metric="removal_flights",
        country=Country.objects.get(code="GT"),
        value=3,
    )
    PublishedFigure.objects.create(
        source="Agency",
        period_start=dt.date(2023, 9, 1),
        period_end=dt.date(2024, 2, 29),
        metric="total_flights",
        value=20,
    )
    data = reports.reconciliation()
    rows = {
        (r["figure"].source, r["figure"].country_id, r["figure"].metric): r for r in data["figures"]
    }
    assert rows[("Monitor", None, "removal_flights")]["ours"] == 6
    assert rows[("Monitor", None, "removal_flights")]["difference"] == -2
    assert rows[("Monitor", "GT", "removal_flights")]["ours"] == 3
    assert rows[("Agency", None, "total_flights")]["ours"] == 12
    assert rows[("Agency", None, "total_flights")]["month"] is None  # spans months
    march = next(m for m in data["months"] if m["month"] == MARCH)
    assert march["n"] == 7 and march["confirmed"] == 1 and len(march["published"]) == 2
    html = client.get(reverse("flights:reconciliation")).content.decode()
    assert "Monitor" in html and "-2" in html


def test_coverage_counts_how_flights_are_known(reference_data):
    make_flight(date=MARCH, source=make_source(kind=SourceKind.VOLUNTEER))
    make_flight(date=MARCH, source=make_source(kind=SourceKind.ADSB))
    make_flight(date=MARCH, source=make_source(kind=SourceKind.FOIA), status=ReviewStatus.CONFIRMED)
    march = reports.reconciliation()["months"][0]
    assert (
        march["n"],
        march["sighted"],
        march["detected"],
        march["imported"],
        march["confirmed"],
    ) == (3, 1, 1, 1, 1)


GOOD_CSV = (
    "source,url,published_on,period_start,period_end,metric,country,value,notes\n"
    "Monitor,https://example.org/m,2024-04-05,2024-03-01,2024-03-31,removal_flights,,158,\n"
    "Monitor,https://example.org/m,2024-04-05,2024-03-01,2024-03-31,removal_flights,Guatemala,39,\n"
)


def test_a_published_figures_csv_is_stored_once_and_again_changes_nothing(reference_data):
    rows, errors = published_csv.read(GOOD_CSV.encode())
    assert errors == []
    assert published_csv.write(rows).created == 2
    again = published_csv.write(published_csv.read(GOOD_CSV.encode())[0])
    assert (again.created, again.updated) == (0, 2)
    assert PublishedFigure.objects.get(country="GT").value == 39


def test_bad_rows_are_named_by_line_column_and_value_and_nothing_is_stored(reference_data):
    bad = GOOD_CSV + (
        "Monitor,,,2024-03-01,2024-02-01,total_flights,,5,\n"
        "Monitor,,,2024-03-01,2024-03-31,flights,,5,\n"
        "Monitor,,,2024-03-01,2024-03-31,total_flights,ZZ,5,\n"
        "Monitor,,,2024-03-01,2024-03-31,total_flights,,12a,\n"
        "Monitor,,,0001-01-01,2024-03-31,total_flights,,1,\n"
    )
    rows, errors = published_csv.read(bad.encode())
    assert errors == [
        'line 4, column "period_end": the period ends before it starts',
        'line 5, column "metric": "flights" is not one of total_flights, removal_flights, '
        "lateral_flights, domestic_flights",
        'line 6, column "country": unknown country "ZZ"',
        'line 7, column "value": "12a" is not a whole number ≥ 0',
        'line 8, column "period_start": 0001-01-01 is before 1990-01-01, the earliest date the '
        "tracker accepts.",
    ]
    assert PublishedFigure.objects.count() == 0


def test_the_admin_upload_stores_good_files_and_shows_errors_for_bad_ones(
    admin_client, reference_data
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:flights_publishedfigure_upload")
    bad = admin_client.post(url, {"file": SimpleUploadedFile("f.csv", b"source,value\nX,1\n")})
    assert "The header lacks the columns: period_start, period_end, metric" in bad.content.decode()
    good = admin_client.post(url, {"file": SimpleUploadedFile("f.csv", GOOD_CSV.encode())})
    assert good.status_code == 302 and PublishedFigure.objects.count() == 2


def test_the_upload_is_refused_to_anonymous_visitors(client, reference_data):
    response = client.get(reverse("admin:flights_publishedfigure_upload"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- People and cost ------------------------------------------------------------------------


def test_people_page_sums_arts_counts_and_says_no_mission_has_a_released_cost(
    client, reference_data
):
    flight = make_flight(
        ("KAEX", "MGGT"), MARCH, source=make_source(kind=SourceKind.FOIA, title="ARTS FY2024")
    )
    aex, gua = Airport.objects.get(icao="KAEX"), Airport.objects.get(icao="MGGT")
    segment = PassengerSegment.objects.create(
        flight=flight,
        pickup=aex,
        dropoff=gua,
        people=120,
        removals=115,
        transfers=5,
        juveniles=7,
        struck=3,
    )
    CitizenshipCount.objects.create(
        segment=segment,
        country=Country.objects.get(code="GT"),
        reported_name="GUATEMALA",
        people=100,
    )
    CitizenshipCount.objects.create(
        segment=segment, country=Country.objects.get(code="HN"), reported_name="HONDURAS", people=20
    )
    synthetic = make_flight(("KAEX", "MGGT"), MARCH, is_synthetic=True)
    PassengerSegment.objects.create(flight=synthetic, pickup=aex, dropoff=gua, people=999)
    html = client.get(reverse("flights:people")).content.decode()
    assert 'People listed</th><td class="num">120<' in html
    assert 'People flown</th><td class="num">117<' in html
    assert 'Juveniles</th><td class="num">7<' in html
    assert "ARTS FY2024" in html
    assert '<th scope="row">Guatemala</th><td class="num">100</td>' in html
    # The flights have cost and hours fields (ARTS missions import); none of these has a cost.
    assert 'id="cost-missing"' not in html
    assert "No mission with a released cost." in html


# --- Directories ----------------------------------------------------------------------------


def test_directories_count_real_flights_and_search_by_name_or_code(client, reference_data):
    make_flight(("KAEX", "MGGT"), MARCH)
    make_flight(("KAEX", "MHLM"), MARCH)
    make_flight(("KAEX", "MHLM"), MARCH, is_synthetic=True)
    html = client.get(reverse("flights:airport_list")).content.decode()
    assert "3 entries" in html
    assert "Alexandria" in html and "La Aurora" in html
    found = client.get(reverse("flights:airport_list"), {"q": "gua"}).content.decode()
    assert "La Aurora" in found and "Alexandria International" not in found
    countries = client.get(reverse("flights:country_list"), {"q": "Hond"}).content.decode()
    assert '<td class="num">1</td>' in countries
    # NUL bytes in a query string answer 400 before any view (RequestLimitsMiddleware).
    assert client.get(reverse("flights:country_list"), {"q": "hon\x00"}).status_code == 400


def test_the_favicon_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


def test_every_page_says_when_the_data_was_last_updated(client, reference_data):
    make_flight(date=MARCH)
    html = client.get(reverse("flights:methodology")).content.decode()
    assert "Data last updated" in html
