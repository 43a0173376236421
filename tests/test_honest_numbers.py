"""Honest totals: synthetic flights never count unless asked, shares of the whole, "not
reported" instead of 0, no date a row holds breaks a page, and data never becomes markup."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from flights import aggregates, charts
from flights.choices import Basis, FlightKind
from flights.models import Flight, Operator, TimelineEvent
from tests.factories import make_flight

pytestmark = pytest.mark.django_db

EVIL = '<a href="https://evil.example/phish">Official ICE data</a>'


def chart_data(html: str, chart_id: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S
    )
    assert found, f"no chart {chart_id}"
    return json.loads(found.group(1))


def headline_row(html: str, measure: str) -> list[str]:
    """The four cells of a headline row: this period, previous, change (after the label)."""
    found = re.search(
        rf'data-measure="{measure}">([^<]*)</td><td class="num">([^<]*)</td>'
        rf'<td class="num">([^<]*)</td>',
        html,
    )
    assert found, f"no headline {measure}"
    return list(found.groups())


@pytest.fixture
def real_and_synthetic(reference_data):
    """3 real flights (2 to Guatemala, 1 to Honduras) and 5 synthetic ones to Guatemala."""
    real = [
        make_flight(("KAEX", "MGGT"), dt.date(2024, 3, 5)),
        make_flight(("KAEX", "MGGT"), dt.date(2024, 3, 12)),
        make_flight(("KHRL", "MHLM"), dt.date(2024, 3, 19), kind=FlightKind.DOMESTIC),
    ]
    fake = [
        make_flight(("KAEX", "MGGT"), dt.date(2024, 3, 6 + i), is_synthetic=True) for i in range(5)
    ]
    return real, fake


# --- Synthetic flights ----------------------------------------------------------------------


def test_overview_counts_no_synthetic_flight_and_shows_no_banner_by_default(
    client, real_and_synthetic
):
    html = client.get(reverse("flights:dashboard")).content.decode()
    assert headline_row(html, "flights")[0] == "3"
    assert 'id="synthetic-banner"' not in html


@pytest.mark.parametrize(("mode", "flights"), [("include", "8"), ("only", "5")])
def test_overview_counts_synthetic_flights_only_when_asked_and_says_so(
    client, real_and_synthetic, mode, flights
):
    html = client.get(reverse("flights:dashboard"), {"synthetic": mode}).content.decode()
    assert headline_row(html, "flights")[0] == flights
    assert 'id="synthetic-banner"' in html
    assert "includes synthetic flights" in html  # under every chart
    # Links to the other pages keep the switch on.
    assert f"synthetic={mode}" in html


@pytest.mark.parametrize(
    "name",
    ["flights:route_map", "flights:report_index", "flights:airport_list", "flights:people"],
)
def test_every_page_says_when_synthetic_flights_are_included(client, real_and_synthetic, name):
    assert (
        'id="synthetic-banner"'
        in client.get(reverse(name), {"synthetic": "include"}).content.decode()
    )
    assert 'id="synthetic-banner"' not in client.get(reverse(name)).content.decode()


def test_route_map_and_country_page_leave_synthetic_flights_out(client, real_and_synthetic):
    html = client.get(reverse("flights:route_map")).content.decode()
    assert "3 legs on 2 routes between 4 airports." in html
    country = client.get(reverse("flights:country_detail", args=["GT"])).content.decode()
    assert "2 flights to Guatemala" in country


def test_an_unknown_synthetic_value_never_counts_synthetic_flights(client, real_and_synthetic):
    # The one filter definition (flights.filters) answers a bad value with 400 and the form:
    # no number at all, so nothing synthetic is counted as real.
    response = client.get(reverse("flights:dashboard"), {"synthetic": "yes"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice." in html
    assert 'data-measure="flights"' not in html


# --- Shares, "not reported", changes --------------------------------------------------------


def test_shares_are_of_the_whole_filtered_total_not_of_the_rows_shown(client, reference_data):
    # 12 flights to 12 countries' worth of rows would be cut at 10; here 3 countries, and the
    # operators chart shows 8 operators + "All others": shares are always of all 10 flights.
    for i in range(6):
        make_flight(("KAEX", "MGGT"), dt.date(2024, 3, 1) + dt.timedelta(days=i))
    for i in range(3):
        make_flight(("KAEX", "MHLM"), dt.date(2024, 3, 10) + dt.timedelta(days=i))
    make_flight(("KAEX", "MSLP"), dt.date(2024, 3, 20))
    html = client.get(reverse("flights:dashboard")).content.decode()
    figure = chart_data(html, "chart-countries")
    assert figure["data"][0]["text"] == ["1 (10%)", "3 (30%)", "6 (60%)"]
    assert re.search(r">Guatemala</a></td><td class=\"num\">6</td><td class=\"num\">60%", html)


def test_a_measure_no_flight_carries_is_not_reported_with_a_blank_change(client, reference_data):
    make_flight(date=dt.date(2024, 1, 10))
    make_flight(date=dt.date(2024, 3, 10))
    html = client.get(
        reverse("flights:dashboard"), {"start": "2024-03-01", "end": "2024-04-29"}
    ).content.decode()
    assert headline_row(html, "people-counted") == ["not reported", "not reported", ""]
    assert headline_row(html, "people-estimated") == ["not reported", "not reported", ""]
    assert headline_row(html, "flights") == ["1", "1", "+0%"]


def test_people_are_kept_apart_by_basis_with_the_share_of_flights_counted(reference_data):
    make_flight(date=dt.date(2024, 3, 1), pax_count=100, pax_basis=Basis.REPORTED)
    make_flight(date=dt.date(2024, 3, 2), pax_count=40, pax_basis=Basis.OBSERVED)
    make_flight(date=dt.date(2024, 3, 3), pax_count=50, pax_basis=Basis.ESTIMATED)
    make_flight(date=dt.date(2024, 3, 4), pax_min=20, pax_max=31, pax_basis=Basis.ESTIMATED)
    make_flight(date=dt.date(2024, 3, 5), pax_max=14, pax_basis=Basis.ESTIMATED)  # no centre
    make_flight(date=dt.date(2024, 3, 6))
    result = aggregates.totals(
        Flight.objects.all(), {"p": (dt.date(2024, 3, 1), dt.date(2024, 3, 31))}
    )
    p = result["p"]
    assert (p["pax_counted"], p["pax_counted_flights"]) == (140, 2)
    assert (p["pax_estimated"], p["pax_estimated_flights"]) == (75.5, 2)  # 50 + (20+31)/2
    assert p["pax_any_flights"] == 4
    assert p["flights"] == 6


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (6, 4, "+50%"),
        (3, 4, "-25%"),
        (2, 0, "new"),
        (0, 0, "no change"),
        (None, 3, ""),
        (3, None, ""),
    ],
)
def test_change_arithmetic(current, previous, expected):
    from flights.views.dashboard import change

    assert change(current, previous) == expected


# --- Dates at the calendar's ends -----------------------------------------------------------


def test_the_previous_period_has_equal_length_and_none_before_year_one():
    period, previous = aggregates.comparison_periods(
        dt.date(2024, 3, 1), dt.date(2024, 4, 29), dt.date(2024, 4, 1)
    )
    assert period == (dt.date(2024, 3, 1), dt.date(2024, 4, 29))
    assert previous == (dt.date(2024, 1, 1), dt.date(2024, 2, 29))  # 60 days each
    assert (
        aggregates.comparison_periods(dt.date(1, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 1))[1]
        is None
    )
    period, previous = aggregates.comparison_periods(None, None, dt.date(1, 1, 5))
    assert period == (dt.date(1, 1, 1), dt.date(1, 1, 5)) and previous is None


@pytest.mark.parametrize(
    "query",
    [{"start": "2024-01-01", "end": "9999-12-31"}, {"start": "1000-01-01"}, {"end": "0001-01-02"}],
)
def test_extreme_dates_in_the_url_never_500(client, reference_data, query):
    make_flight(date=dt.date(2024, 3, 1))
    assert client.get(reverse("flights:dashboard"), query).status_code in (200, 400)


def test_a_stored_year_one_flight_does_not_break_the_pages(client, reference_data):
    make_flight(date=dt.date(2024, 3, 1))
    make_flight(date=dt.date(1, 1, 5))  # as an unguarded import once stored
    make_flight(date=dt.date(9999, 12, 30))
    TimelineEvent.objects.create(date=dt.date(1, 1, 3), title="Very early")
    for name in (
        "flights:dashboard",
        "flights:route_map",
        "flights:report_index",
        "flights:reconciliation",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("flights:country_detail", args=["GT"])).status_code == 200


def test_charts_take_any_date_without_overflow():
    fig = charts.flights_over_time(
        [
            {"bucket": dt.date(1, 1, 1), "kind": "removal", "n": 1},
            {"bucket": dt.date(9999, 12, 1), "kind": "removal", "n": 2},
        ],
        [
            {"date": dt.date(1, 1, 3), "title": "early"},
            {"date": dt.date(9999, 12, 31), "title": "late"},
        ],
    )
    assert fig.layout.xaxis.range[0] == "0001-01-01"
    assert fig.layout.xaxis.range[1] == "9999-12-31"


# --- Charts that hold up with little data ---------------------------------------------------


def test_a_single_month_has_integer_ticks_no_clock_times_and_a_bar_that_reads():
    fig = charts.flights_over_time([{"bucket": dt.date(2024, 3, 1), "kind": "removal", "n": 1}])
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis.dtick == 1
    assert fig.layout.xaxis.tickformat == "%b %Y" and fig.layout.xaxis.dtick == "M1"
    bar = fig.data[0]
    assert bar.width == (26 * charts.DAY_MS,)
    start, end = (dt.date.fromisoformat(x) for x in fig.layout.xaxis.range)
    assert (end - start).days >= 170  # room for six months: the bar is a bar, not the plot


def test_weekly_axes_show_dates_only():
    fig = charts.flights_over_time(
        [{"bucket": dt.date(2024, 3, 4), "kind": "removal", "n": 2}], bucket="week"
    )
    assert fig.layout.xaxis.tickformat == "%d %b %Y"
    assert fig.layout.xaxis.dtick == 7 * charts.DAY_MS


def test_large_counts_keep_automatic_integer_ticks():
    fig = charts.monthly_counts(
        [{"month": dt.date(2024, m, 1), "n": 100 * m} for m in range(1, 13)]
    )
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis.dtick is None


def test_late_event_labels_hang_left_so_they_are_not_clipped():
    fig = charts.flights_over_time(
        [{"bucket": dt.date(2024, m, 1), "kind": "removal", "n": 1} for m in range(1, 13)],
        [
            {"date": dt.date(2024, 2, 1), "title": "early"},
            {"date": dt.date(2024, 11, 20), "title": "late"},
        ],
    )
    assert [a.xanchor for a in fig.layout.annotations] == ["left", "right"]


# --- Data never becomes markup --------------------------------------------------------------


def test_an_operator_named_like_a_link_stays_text_in_the_operators_chart(client, reference_data):
    evil = Operator.objects.create(name=EVIL)
    make_flight(date=dt.date(2024, 3, 1), operator=evil)
    html = client.get(reverse("flights:dashboard")).content.decode()
    figure = chart_data(html, "chart-operators")
    labels = figure["data"][0]["y"]
    assert '&lt;a href="https://evil.example/phish"&gt;Official ICE data&lt;/a&gt;' in labels
    assert not any("<a" in label for label in labels)
    assert '<a href="https://evil.example' not in html  # nor raw in the tables


def test_every_data_label_and_hover_text_is_escaped():
    place = {
        "code": "<b>X</b>",
        "icao": "KXXX",
        "name": EVIL,
        "lat": 1.0,
        "lon": 2.0,
        "n": 1,
        "label": True,
    }
    other = place | {"code": "Y", "lat": 3.0, "lon": 4.0}
    figures = [
        charts.ranking([{"label": EVIL, "n": 1}]),
        charts.route_map([{"from": place, "to": other, "n": 1, "kind": "removal"}], [place, other]),
        charts.flight_map([{"from": place, "to": other}]),
        charts.removals_choropleth([{"alpha3": "GTM", "name": EVIL, "n": 1}]),
        charts.flights_over_time(
            [{"bucket": dt.date(2024, 1, 1), "kind": "removal", "n": 1}],
            [{"date": dt.date(2024, 1, 1), "title": EVIL}],
        ),
    ]
    for fig in figures:
        text = fig.to_json()
        assert "<a " not in text and "<b>" not in text, text[:200]


# --- Route map: every route -----------------------------------------------------------------


def test_the_map_draws_every_route_however_rare_with_its_main_kind(reference_data):
    from flights.filters import FlightFilterForm

    for i in range(200):
        make_flight(("KAEX", "MGGT"), dt.date(2024, 1, 1) + dt.timedelta(days=i % 300))
    make_flight(("KIWA", "KELP", "PANC", "ZYTX"), dt.date(2024, 3, 30), kind=FlightKind.LATERAL)
    data = aggregates.route_map(FlightFilterForm())
    routes = {(r["from"]["code"], r["to"]["code"]): r for r in data["routes"]}
    assert routes[("ANC", "SHE")]["n"] == 1 and routes[("ANC", "SHE")]["kind"] == "lateral"
    assert routes[("AEX", "GUA")]["n"] == 200
    labelled = {a["code"] for a in data["airports"] if a["label"]}
    assert {"SHE", "AEX"} <= labelled  # a destination, a hub
