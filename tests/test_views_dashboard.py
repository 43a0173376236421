import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.models import Country, FlightChange, Operator, TimelineEvent
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.django_db

ROUTES = [
    ("KAEX", "MGGT"),
    ("KIWA", "KELP", "PANC", "ZYTX"),
    ("KHRL", "MHLM"),
    ("KAEX", "MHLM", "KAEX"),
]


def make_flights(count: int, start: dt.date = dt.date(2024, 1, 3)) -> list:
    """`count` flights over routes, kinds and weeks, all on one aircraft and operator."""
    operator = Operator.objects.get_or_create(name="Test Charter Air")[0]
    aircraft = make_aircraft(type_code="B738", operator=operator)
    kinds = [FlightKind.REMOVAL, FlightKind.REMOVAL, FlightKind.LATERAL, FlightKind.DOMESTIC]
    return [
        make_flight(
            route=ROUTES[i % len(ROUTES)],
            date=start + dt.timedelta(days=7 * i),
            kind=kinds[i % len(kinds)],
            aircraft=aircraft,
            operator=operator,
            pax_count=100 if i % 2 == 0 else None,
        )
        for i in range(count)
    ]


def page_urls(flights) -> dict[str, str]:
    aircraft = flights[0].aircraft
    return {
        "dashboard": reverse("flights:dashboard"),
        "route_map": reverse("flights:route_map"),
        "flight_list": reverse("flights:flight_list"),
        "flight_detail": reverse("flights:flight_detail", args=[flights[1].pk]),
        "airport_detail": reverse("flights:airport_detail", args=["KAEX"]),
        "aircraft_detail": reverse("flights:aircraft_detail", args=[aircraft.registration]),
        "country_detail": reverse("flights:country_detail", args=["CN"]),
    }


def chart_data(html: str, chart_id: str) -> dict:
    match = re.search(
        rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S
    )
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


def headline(html: str, measure: str) -> str:
    match = re.search(rf'data-measure="{measure}">([^<]*)<', html)
    assert match, f"no headline {measure}"
    return match.group(1)


# --- Overview ---------------------------------------------------------------------------------


def test_overview_shows_headlines_against_the_previous_period(client, reference_data):
    make_flights(4, start=dt.date(2024, 1, 3))  # previous period
    make_flights(6, start=dt.date(2024, 3, 6))  # current period
    response = client.get(
        reverse("flights:dashboard"), {"start": "2024-03-01", "end": "2024-04-29"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert headline(html, "flights") == "6"
    assert headline(html, "removal-flights") == "5"  # removal and lateral
    # Routes 0..3 then 0,1: legs 1+3+1+2+1+3.
    assert headline(html, "legs") == "11"
    assert headline(html, "countries-reached") == "4"
    # Counts of 100 on three of the six flights; no estimates, so "not reported", not 0.
    assert headline(html, "people-counted") == "300"
    assert headline(html, "people-estimated") == "not reported"
    assert headline(html, "people-coverage") == "50%"
    assert "1 Jan 2024 – 29 Feb 2024" in html  # the previous period of equal length (60 days)
    assert re.search(
        r'data-measure="flights">6</td><td class="num">4</td><td class="num">\+50%', html
    )


def test_overview_draws_flights_by_kind_with_events_and_its_numbers(client, reference_data):
    make_flights(8)
    china = Country.objects.get(code="CN")
    event = TimelineEvent.objects.create(date=dt.date(2024, 1, 20), title="Policy change")
    event.countries.add(china)
    html = client.get(reverse("flights:dashboard")).content.decode()
    figure = chart_data(html, "chart-time")
    by_name = {trace["name"]: sum(trace["y"]) for trace in figure["data"]}
    assert by_name == {"Removal": 4, "Lateral / third-country removal": 2, "Domestic transfer": 2}
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["Jan 2024: Policy change"]
    assert '<th scope="col" class="num">Removal</th>' in html
    for chart in ("chart-countries", "chart-airports", "chart-operators"):
        assert chart_data(html, chart)["data"][0]["x"]
    assert '>Test Charter Air</td><td class="num">8</td>' in html


def test_a_filter_in_the_url_changes_the_numbers(client, reference_data):
    make_flights(8)
    url = reverse("flights:dashboard")
    everything = client.get(url, {"start": "2024-01-01", "end": "2024-12-31"}).content.decode()
    to_china = client.get(
        url, {"start": "2024-01-01", "end": "2024-12-31", "country": "cn"}
    ).content.decode()
    assert headline(everything, "flights") == "8"
    assert headline(to_china, "flights") == "2"
    assert 'value="cn"' in to_china


def test_pages_say_when_no_flights_match(client, reference_data):
    flights = make_flights(2)
    for name, url in page_urls(flights).items():
        if name == "flight_detail":
            continue
        response = client.get(url, {"end": "1995-01-01"})
        assert response.status_code == 200, name
        assert "No flights match these filters." in response.content.decode(), name


def test_bad_filters_are_explained_not_a_server_error(client, reference_data):
    response = client.get(
        reverse("flights:dashboard"),
        {"airport": "ZZZZ", "country": "XX", "start": "2024-05-01", "end": "2024-01-01"},
    )
    html = response.content.decode()
    assert response.status_code == 400  # issue 12 item 2: never every flight under a bad filter
    assert "Unknown airport code “ZZZZ”." in html
    assert "Unknown country code “XX”." in html
    assert "The end date is before the start date." in html


def test_aggregates_are_cached_and_refreshed_when_a_flight_is_added(
    client, reference_data, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    make_flights(3)
    url = reverse("flights:dashboard")
    params = {"start": "2024-01-01", "end": "2024-12-31"}
    assert headline(client.get(url, params).content.decode(), "flights") == "3"
    with django_assert_max_num_queries(1):  # the operator choices; every aggregate is cached
        client.get(url, params)
    with django_capture_on_commit_callbacks(execute=True):
        make_flight(date=dt.date(2024, 6, 1))
    assert headline(client.get(url, params).content.decode(), "flights") == "4"


# --- Route map --------------------------------------------------------------------------------


def test_route_map_weights_routes_and_sizes_airports_with_links(client, reference_data):
    make_flights(8)
    html = client.get(reverse("flights:route_map")).content.decode()
    figure = chart_data(html, "chart-map")
    assert {trace["type"] for trace in figure["data"]} == {"scattergeo"}
    airports = figure["data"][-1]
    assert "AEX Alexandria International Airport: 6 takeoffs and landings" in airports["hovertext"]
    assert reverse("flights:airport_detail", args=["KAEX"]) in airports["customdata"]
    spec = figure["routes"]  # drawn as arcs by static/js/charts.js
    aex, gua = spec["codes"].index("AEX"), spec["codes"].index("GUA")
    removal = [k["name"] for k in spec["kinds"]].index("Removal")
    assert [aex, gua, 2, removal] in [r[:4] for r in spec["routes"]]
    assert spec["urls"][aex] == reverse("flights:airport_detail", args=["KAEX"])
    assert '<a href="/airports/MGGT/">GUA</a>' in html  # the table of routes links both ends
    assert "14 legs on 7 routes between 8 airports." in html


# --- Flight list and detail -------------------------------------------------------------------


def test_flight_list_sorts_and_paginates_keeping_the_filters(client, reference_data):
    flights = make_flights(60)
    url = reverse("flights:flight_list")
    html = client.get(url, {"kind": "removal", "sort": "date"}).content.decode()
    assert "30 flights; showing 1–30." in html
    first_removal = min((f for f in flights if f.kind == "removal"), key=lambda f: f.date)
    assert html.index(first_removal.get_absolute_url()) < html.index("</tbody>")
    html = client.get(url, {"sort": "-legs"}).content.decode()
    assert "60 flights; showing 1–50." in html
    following = re.search(r'href="\?(sort=-legs&amp;cursor=[\w-]+)" rel="next"', html)
    rows = re.findall(r'<td class="num">(\d+)</td>\s*<td class="num">', html)
    assert rows[:3] == ["3", "3", "3"]
    page2 = client.get(url + "?" + following[1].replace("&amp;", "&")).content.decode()
    assert "showing 51–60." in page2
    assert "Page 2 of 2" in page2
    # Links made before cursors still open the same page.
    assert "showing 51–60." in client.get(url, {"sort": "-legs", "page": 2}).content.decode()
    assert client.get(url, {"sort": "; DROP TABLE"}).status_code == 200


def test_flight_detail_shows_legs_people_sources_status_history_and_map(client, reference_data):
    aircraft = make_aircraft(type_code="GLF5")
    source = make_source("Witness at the Border flight log", kind=SourceKind.ADVOCACY)
    flight = make_flight(
        route=("KIWA", "KELP", "PANC", "ZYTX"),
        date=dt.date(2024, 3, 30),
        aircraft=aircraft,
        status=ReviewStatus.CONFIRMED,
        source=source,
    )
    flight.set_estimate(None, None, "seats of a Gulfstream V")
    flight.save()
    FlightChange.objects.create(flight=flight, action="import", summary="Imported from the log")
    html = client.get(flight.get_absolute_url()).content.decode()
    assert "IWA → ELP → ANC → SHE" in html
    assert "at most 14 (estimated)" in html
    assert "seats of a Gulfstream V" in html
    assert "Witness at the Border flight log" in html
    assert '<dd id="review-status">Confirmed</dd>' in html
    assert "import: Imported from the log" in html
    figure = chart_data(html, "chart-flight")
    # Mesa is KIWA: its LID "IWA" reads back as Ivanovo (Airport.code).
    assert figure["data"][1]["text"] == ["KIWA", "ELP", "ANC", "SHE"]
    assert html.count("/airports/") >= 6


def test_flight_detail_includes_the_sightings_partial(client, reference_data):
    from django.template.loader import get_template

    flight = make_flight()
    source = get_template("flights/flight_detail.html").template.source
    assert '{% include "flights/flight_detail_sightings.html" %}' in source
    assert client.get(flight.get_absolute_url()).status_code == 200


# --- Airport, aircraft, country -----------------------------------------------------------------


def test_airport_page_counts_departures_arrivals_and_destinations(client, reference_data):
    make_flights(8)
    html = client.get(reverse("flights:airport_detail", args=["aex"])).content.decode()
    # Routes 0 and 3 leave AEX twice each; route 3 also lands there twice.
    assert "4 departures and 2 arrivals of matching flights." in html
    assert chart_data(html, "chart-movements")["data"][0]["name"] == "Departures"
    assert ">MHLM</a>" not in html  # codes shown are the short ones
    assert ">SAP</a>" in html
    assert client.get(reverse("flights:airport_detail", args=["NOPE"])).status_code == 404


def test_aircraft_page_shows_flights_operator_seats_and_hours(client, reference_data):
    aircraft = make_aircraft("N123AB", type_code="B738")
    t0 = dt.datetime(2024, 2, 1, 14, tzinfo=dt.UTC)
    make_flight(
        aircraft=aircraft, date=dt.date(2024, 2, 1), times=[(t0, t0 + dt.timedelta(hours=3))]
    )
    make_flight(route=("KHRL", "MHLM"), aircraft=aircraft, date=dt.date(2024, 3, 1))
    html = client.get(reverse("flights:aircraft_detail", args=["n123ab"])).content.decode()
    assert "2 flights, 2 legs" in html
    assert "3.0 h from the 1 legs with recorded times" in html
    assert "<dt>Seats</dt><dd>181 (typical for the type)</dd>" in html
    assert sum(chart_data(html, "chart-aircraft")["data"][0]["y"]) == 2


def test_country_page_marks_its_events_on_the_monthly_chart(client, reference_data):
    china = Country.objects.get(code="CN")
    for day, title in [
        (dt.date(2022, 8, 5), "China suspends deportation cooperation"),
        (dt.date(2023, 11, 15), "Removals to China resume"),
    ]:
        TimelineEvent.objects.create(date=day, title=title).countries.add(china)
    make_flight(route=("KIWA", "ZYTX"), date=dt.date(2024, 3, 30))
    html = client.get(reverse("flights:country_detail", args=["cn"])).content.decode()
    figure = chart_data(html, "chart-country")
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "Aug 2022: China suspends deportation cooperation",
        "Nov 2023: Removals to China resume",
    ]
    assert figure["layout"]["xaxis"]["range"][0] < "2022-08-05"
    assert "1 flight to China, 1 of them removal flights." in html
    assert client.get(reverse("flights:country_detail", args=["QQ"])).status_code == 404


# --- Budgets: queries, size, offline ------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 60])
@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "route_map",
        "flight_list",
        "flight_detail",
        "airport_detail",
        "aircraft_detail",
        "country_detail",
    ],
)
def test_every_page_runs_at_most_15_queries_whatever_the_size(
    client, reference_data, django_assert_max_num_queries, name, size
):
    flights = make_flights(size)
    url = page_urls(flights)[name]
    filters = {"start": "2023-01-01", "country": "CN", "airport": "KIWA", "kind": "removal"}
    for params in ({}, filters):
        with django_assert_max_num_queries(15):
            response = client.get(url, params)
        assert response.status_code == 200
        assert len(response.content) < 300_000


def test_pages_load_plotly_and_outlines_from_our_own_static_files(client, reference_data):
    flights = make_flights(5)
    html = client.get(reverse("flights:route_map")).content.decode()
    assert (
        '<script src="/static/vendor/plotly-partial/plotly-partial.min.js" defer></script>' in html
    )
    assert 'data-topojson-url="/static/vendor/plotly-geo/"' in html
    assert not re.search(r"(src|href)=\"https?://", html)
    assert "cdn.plot.ly" not in html
    assert "<script>" not in html and " on" + "click=" not in html
    assert finders.find("vendor/plotly-partial/plotly-partial.min.js")
    assert finders.find("vendor/plotly-partial/LICENSE")
    assert finders.find("vendor/plotly-geo/world_110m.json")
    assert finders.find("vendor/plotly-geo/LICENSE")
    for name, url in page_urls(flights).items():
        assert "https://" not in re.sub(
            r'href="https://[^"]*"', "", client.get(url).content.decode()
        ), name


@pytest.mark.parametrize("sightings", [1, 6])
def test_flight_detail_queries_stay_constant_with_its_sightings(
    client, reference_data, django_assert_max_num_queries, django_user_model, sightings
):
    from flights.models import Airport, Sighting

    flight = make_flight()
    reporter = django_user_model.objects.create_user("spotter")
    for i in range(sightings):
        Sighting.objects.create(
            reporter=reporter,
            airport=Airport.objects.get(icao="KAEX"),
            seen_at=dt.datetime(2025, 5, 6, 15, i, tzinfo=dt.UTC),
            registration="N278GX",
            event="departure",
            flight=flight,
            status="approved",
        )
    # One more than before ADS-B: the stored tracks of the flight's legs, in one query; the
    # destination country and operator by id, not joined (Flight.objects.for_detail); an
    # aircraft and its type would be one query each more.
    with django_assert_max_num_queries(11):
        html = client.get(flight.get_absolute_url()).content.decode()
    assert html.count("Volunteer sighting ·") == sightings
