"""The read-only JSON API: shapes, filters, pagination, 400s for bad parameters, query counts."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from flights.choices import Basis, FlightKind, ReviewStatus, SourceKind
from flights.models import (
    Airport,
    CitizenshipCount,
    Country,
    FlightSource,
    Operator,
    PassengerSegment,
)
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.usefixtures("reference_data")

FLIGHTS = reverse("flights:api_flights")
LEGS = reverse("flights:api_legs")


def get(client, url, **query):
    response = client.get(url, query)
    assert response["Content-Type"] == "application/json"
    return response


@pytest.fixture
def china_flight(db):
    aircraft = make_aircraft("N278GX", type_code="GLF5")
    flight = make_flight(
        route=("KIWA", "KELP", "PANC", "ZYTX"),
        date=dt.date(2024, 3, 30),
        aircraft=aircraft,
        callsign="GXA6017",
        status=ReviewStatus.CONFIRMED,
        source=make_source("AP report", kind=SourceKind.NEWS, url="https://apnews.com/x"),
    )
    FlightSource.objects.create(
        flight=flight, source=make_source("Witness at the ramp", kind=SourceKind.VOLUNTEER)
    )
    flight.set_estimate(None, None, "seats of a GLF5")
    flight.save()
    return flight


def test_flight_list_shows_a_flight_with_route_aircraft_people_and_sources(client, china_flight):
    body = get(client, FLIGHTS).json()

    assert body["count"] == 1
    assert body["page"] == 1 and body["pages"] == 1
    assert body["next"] is None and body["previous"] is None
    flight = body["results"][0]
    assert flight["id"] == china_flight.pk
    assert flight["date"] == "2024-03-30"
    assert flight["route"] == "KIWA → ELP → ANC → SHE"
    assert flight["origin"]["icao"] == "KIWA"
    assert flight["destination"]["icao"] == "ZYTX"
    assert flight["destination_country"] == {"code": "CN", "name": "China"}
    assert flight["leg_count"] == 3
    assert flight["status"] == "confirmed"
    assert flight["is_synthetic"] is False
    assert flight["mission_id"] == f"tracker-{china_flight.pk}"
    assert flight["aircraft"] == {
        "registration": "N278GX",
        "icao24": None,
        "type": "GLF5",
        "type_name": china_flight.aircraft.aircraft_type.name,
        "seats": 14,
    }
    assert flight["people_on_board"] == {
        "count": None,
        "min": None,
        "max": 14,
        "basis": "estimated",
        "method": "seats of a GLF5",
        "seat_ceiling": 14,
        "summary": "at most 14 (estimated)",
    }
    assert flight["sources"] == [
        {"kind": "news", "title": "AP report", "url": "https://apnews.com/x"},
        {"kind": "volunteer", "title": "Witness at the ramp", "url": ""},
    ]


def test_flight_list_is_newest_first_with_ties_broken_by_id(client, db):
    older = make_flight(date=dt.date(2024, 1, 1))
    first_same_day = make_flight(date=dt.date(2024, 6, 1))
    second_same_day = make_flight(date=dt.date(2024, 6, 1))

    ids = [f["id"] for f in get(client, FLIGHTS).json()["results"]]

    assert ids == [second_same_day.pk, first_same_day.pk, older.pk]


def test_flight_list_applies_the_pages_filters(client, db):
    to_china = make_flight(route=("KIWA", "ZYTX"), date=dt.date(2024, 3, 30))
    to_guatemala = make_flight(route=("KAEX", "MGGT"), date=dt.date(2024, 3, 30))
    last_year = make_flight(route=("KIWA", "ZYTX"), date=dt.date(2023, 3, 30))
    lateral = make_flight(route=("KIWA", "ZYTX"), date=dt.date(2024, 4, 2), kind="lateral")

    def ids(**query):
        return sorted(f["id"] for f in get(client, FLIGHTS, **query).json()["results"])

    assert ids(country="cn", start="2024-01-01") == sorted([to_china.pk, lateral.pk])
    assert ids(country="CN", start="2024-01-01", kind="removal") == [to_china.pk]
    assert ids(kind=["removal", "lateral"], airport="KIWA", end="2024-03-31") == sorted(
        [to_china.pk, last_year.pk]
    )
    assert ids(country="", start="", kind=[]) == sorted(
        [to_china.pk, last_year.pk, lateral.pk, to_guatemala.pk]
    )


def test_flight_list_filters_by_operator_aircraft_status_and_source_kind(client, db):
    operator = Operator.objects.create(name="Test Charter Air")
    aircraft = make_aircraft("N900TS", operator=operator)
    wanted = make_flight(
        aircraft=aircraft,
        operator=operator,
        status=ReviewStatus.DISPUTED,
        source=make_source("FOIA release", kind=SourceKind.FOIA),
    )
    make_flight(status=ReviewStatus.DISPUTED)

    body = get(
        client,
        FLIGHTS,
        operator=operator.pk,
        aircraft="n900ts",
        status="disputed",
        source="foia",
    ).json()

    assert [f["id"] for f in body["results"]] == [wanted.pk]
    assert body["results"][0]["operator"] == {"id": operator.pk, "name": "Test Charter Air"}


def test_source_filter_lists_a_flight_with_two_such_sources_once(client, db):
    flight = make_flight(source=make_source("One", kind=SourceKind.NEWS))
    FlightSource.objects.create(flight=flight, source=make_source("Two", kind=SourceKind.NEWS))

    body = get(client, FLIGHTS, source="news").json()

    assert body["count"] == 1
    assert [f["id"] for f in body["results"]] == [flight.pk]
    assert [s["title"] for s in body["results"][0]["sources"]] == ["One", "Two"]


def test_pagination_pages_in_order_and_links_keep_the_filters(client, db):
    flights = [make_flight(date=dt.date(2024, 1, day)) for day in range(1, 6)]

    first = get(client, FLIGHTS, page_size=2, kind="removal").json()
    last = get(client, FLIGHTS, page_size=2, kind="removal", page=3).json()

    assert first["count"] == 5 and first["pages"] == 3 and first["page_size"] == 2
    assert [f["id"] for f in first["results"]] == [flights[4].pk, flights[3].pk]
    assert first["next"] == "http://testserver/api/v1/flights/?page_size=2&kind=removal&page=2"
    assert first["previous"] is None
    assert [f["id"] for f in last["results"]] == [flights[0].pk]
    assert last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/flights/?page_size=2&kind=removal&page=2"


def test_an_empty_result_is_page_one_of_one(client, db):
    body = get(client, FLIGHTS, country="FR").json()
    assert body == {
        "count": 0,
        "page": 1,
        "page_size": 50,
        "pages": 1,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (
            {"start": "2024-13-01"},
            [{"parameter": "start", "value": "2024-13-01", "message": "Enter a valid date."}],
        ),
        (
            {"start": "2024-05-01", "end": "2024-04-01"},
            [
                {
                    "parameter": "end",
                    "value": "2024-04-01",
                    "message": "The end date is before the start date.",
                }
            ],
        ),
        (
            {"kind": ["removal", "bogus"]},
            [
                {
                    "parameter": "kind",
                    "value": "bogus",
                    "message": "Select a valid choice. bogus is not one of the available choices.",
                }
            ],
        ),
        (
            {"operator": "abc"},
            [
                {
                    "parameter": "operator",
                    "value": "abc",
                    "message": "Select a valid choice. abc is not one of the available choices.",
                }
            ],
        ),
        (
            {"operator": "99999999999999999999999"},
            [
                {
                    "parameter": "operator",
                    "value": "99999999999999999999999",
                    "message": "Select a valid choice. 99999999999999999999999 is not one of the "
                    "available choices.",
                }
            ],
        ),
        (
            {"contry": "CN"},
            [{"parameter": "contry", "value": "CN", "message": "Unknown parameter “contry”."}],
        ),
        (
            {"page": "0"},
            [
                {
                    "parameter": "page",
                    "value": "0",
                    "message": "“page” must be a whole number of at least 1.",
                }
            ],
        ),
        (
            {"page": "2"},
            [{"parameter": "page", "value": "2", "message": "Page 2 is beyond the last page (1)."}],
        ),
        (
            {"page_size": "501"},
            [
                {
                    "parameter": "page_size",
                    "value": "501",
                    "message": "“page_size” must be at most 500.",
                }
            ],
        ),
        (
            {"page_size": "½"},
            [
                {
                    "parameter": "page_size",
                    "value": "½",
                    "message": "“page_size” must be a whole number of at least 1.",
                }
            ],
        ),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter_and_the_value(client, db, query, errors):
    make_flight()

    response = get(client, FLIGHTS, **query)

    assert response.status_code == 400
    assert response.json() == {"errors": errors}


def test_an_unknown_airport_code_is_a_400_naming_it(client, db):
    response = get(client, LEGS, airport="QQQQ")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["parameter"] == "airport"
    assert error["value"] == "QQQQ"
    assert "QQQQ" in error["message"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, db, method):
    response = getattr(client, method)(FLIGHTS)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_head_answers_like_get(client, db):
    assert client.head(FLIGHTS).status_code == 200


def test_flight_detail_has_legs_sources_and_passenger_segments(client, china_flight):
    legs = list(china_flight.legs.order_by("sequence"))
    legs[0].passengers, legs[0].passengers_basis = 7, Basis.OBSERVED
    legs[0].departure_time = dt.datetime(2024, 3, 30, 14, 5, tzinfo=dt.UTC)
    legs[0].arrival_time = dt.datetime(2024, 3, 30, 15, 40, tzinfo=dt.UTC)
    legs[0].save()
    kiwa, zytx = Airport.objects.get(icao="KIWA"), Airport.objects.get(icao="ZYTX")
    segment = PassengerSegment.objects.create(
        flight=china_flight, pickup=kiwa, dropoff=zytx, people=5, removals=5, struck=1
    )
    CitizenshipCount.objects.create(
        segment=segment,
        country=Country.objects.get(code="CN"),
        reported_name="CHINA, PEOPLES REPUBLIC OF",
        people=5,
    )

    body = get(client, reverse("flights:api_flight", args=[china_flight.pk])).json()

    assert body["id"] == china_flight.pk
    assert [(leg["sequence"], leg["from"]["icao"], leg["to"]["icao"]) for leg in body["legs"]] == [
        (1, "KIWA", "KELP"),
        (2, "KELP", "PANC"),
        (3, "PANC", "ZYTX"),
    ]
    assert body["legs"][0]["departure_time"] == "2024-03-30T14:05:00+00:00"
    assert body["legs"][0]["passengers"] == 7
    assert body["legs"][0]["passengers_basis"] == "observed"
    assert body["legs"][1]["departure_time"] is None
    assert [s["title"] for s in body["sources"]] == ["AP report", "Witness at the ramp"]
    assert body["sources"][0]["publisher"] is None
    assert body["segments"] == [
        {
            "pickup": {
                "code": "KIWA",
                "icao": "KIWA",
                "iata": "AZA",
                "name": kiwa.name,
                "country": "US",
            },
            "dropoff": {
                "code": "SHE",
                "icao": "ZYTX",
                "iata": "SHE",
                "name": zytx.name,
                "country": "CN",
            },
            "people": 5,
            "removals": 5,
            "transfers": 0,
            "juveniles": 0,
            "struck": 1,
            "citizenships": [
                {"country": "CN", "reported_name": "CHINA, PEOPLES REPUBLIC OF", "people": 5}
            ],
        }
    ]


def test_a_missing_flight_is_a_json_404(client, db):
    response = get(client, reverse("flights:api_flight", args=[987654]))
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"parameter": None, "value": None, "message": "No flight has the id 987654."}]
    }


def test_no_user_field_or_name_leaves_through_the_api(client, db):
    user = get_user_model().objects.create_user("volunteer-jane", "jane@example.org", "x")
    flight = make_flight(created_by=user, updated_by=user)
    urls = [
        FLIGHTS,
        LEGS,
        reverse("flights:api_flight", args=[flight.pk]),
        reverse("flights:export_flights_csv"),
        reverse("flights:export_flights_json"),
        reverse("flights:export_legs_csv"),
        reverse("flights:export_legs_json"),
    ]
    for url in urls:
        response = client.get(url)
        content = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert "jane" not in content, url
        assert "created_by" not in content and "updated_by" not in content, url


def test_leg_list_has_each_leg_with_its_flight_and_provenance(client, china_flight):
    other = make_flight(route=("KAEX", "MGGT"), date=dt.date(2024, 5, 1))

    body = get(client, LEGS).json()

    assert body["count"] == 4
    assert [(leg["flight_id"], leg["sequence"]) for leg in body["results"]] == [
        (other.pk, 1),
        (china_flight.pk, 1),
        (china_flight.pk, 2),
        (china_flight.pk, 3),
    ]
    leg = body["results"][1]
    assert leg["flight"] == {
        "id": china_flight.pk,
        "url": f"/flights/{china_flight.pk}/",
        "mission_id": f"tracker-{china_flight.pk}",
        "status": "confirmed",
        "is_synthetic": False,
        "callsign": "GXA6017",
        "aircraft": "N278GX",
        "aircraft_type": "GLF5",
        "operator": None,
    }
    assert leg["departure_basis"] == "reported"
    assert [s["kind"] for s in leg["sources"]] == ["news", "volunteer"]


def test_leg_list_applies_the_filters_to_flights(client, china_flight):
    make_flight(route=("KAEX", "MGGT"), date=dt.date(2024, 5, 1))

    body = get(client, LEGS, country="CN").json()

    assert body["count"] == 3
    assert {leg["flight_id"] for leg in body["results"]} == {china_flight.pk}


def test_airports_by_code_and_country(client, db):
    by_iata = get(client, reverse("flights:api_airports"), code="aex").json()
    assert [a["icao"] for a in by_iata["results"]] == ["KAEX"]

    detail = get(client, reverse("flights:api_airport", args=["KIWA"])).json()
    assert detail["icao"] == "KIWA" and detail["code"] == "KIWA" and detail["country"] == "US"

    guatemala = get(client, reverse("flights:api_airports"), country="gt", page_size=500).json()
    assert guatemala["count"] == Airport.objects.filter(country_id="GT").count()
    assert {a["country"] for a in guatemala["results"]} == {"GT"}

    bad = get(client, reverse("flights:api_airports"), country="GTM")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["parameter"] == "country"

    missing = get(client, reverse("flights:api_airport", args=["QQQQ"]))
    assert missing.status_code == 404


def test_countries_and_operators_are_listed_in_full(client, db):
    countries = get(client, reverse("flights:api_countries")).json()["results"]
    operators = get(client, reverse("flights:api_operators")).json()["results"]

    assert len(countries) == Country.objects.count()
    assert {"code": "CN", "alpha3": "CHN", "name": "China"} in countries
    assert len(operators) == Operator.objects.count()
    assert set(operators[0]) == {"id", "name", "kind", "icao_code"}


def test_the_index_links_every_endpoint(client, db):
    body = get(client, reverse("flights:api_root")).json()
    assert body["schema"] == "http://testserver/api/v1/openapi.json"
    assert set(body["endpoints"]) == {"flights", "legs", "airports", "countries", "operators"}


def _make_flights(count: int) -> None:
    operator = Operator.objects.create(name=f"Counted Air {count}")
    for i in range(count):
        aircraft = make_aircraft(operator=operator) if i % 2 else None
        flight = make_flight(
            route=("KAEX", "KELP", "MGGT") if i % 3 else ("KIWA", "ZYTX"),
            date=dt.date(2024, 1, 1) + dt.timedelta(days=i),
            aircraft=aircraft,
            operator=operator if aircraft else None,
            kind=FlightKind.REMOVAL if i % 4 else FlightKind.LATERAL,
            source=make_source(f"Report {i}", kind=SourceKind.NEWS if i % 2 else SourceKind.FOIA),
        )
        FlightSource.objects.create(flight=flight, source=make_source("Shared", SourceKind.ADSB))


# The filter form reads the operators once (cached in Redis between requests; the tests clear
# the cache), a count, a page, and one query per filter that is checked against the database.
QUERY_BUDGETS = [
    (FLIGHTS, {}, 3),
    (FLIGHTS, {"airport": "AEX", "source": "news", "kind": ["removal", "lateral"]}, 4),
    (LEGS, {"page_size": 500}, 3),
    (LEGS, {"country": "GT", "start": "2024-01-02"}, 4),
    (reverse("flights:api_airports"), {"country": "US"}, 2),
    (reverse("flights:api_countries"), {}, 1),
    (reverse("flights:api_operators"), {}, 1),
]


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize(("url", "query", "budget"), QUERY_BUDGETS)
def test_query_count_does_not_grow_with_the_data(
    client, db, django_assert_max_num_queries, size, url, query, budget
):
    _make_flights(size)
    with django_assert_max_num_queries(budget):
        response = client.get(url, query)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_flight_detail_query_count_does_not_grow_with_legs_or_sources(
    client, db, django_assert_max_num_queries, size
):
    route = ("KIWA", "KELP", "PANC", "ZYTX", "RKSI", "PANC", "KIWA")[: size % 6 + 2]
    flight = make_flight(route=route)
    for i in range(size):
        FlightSource.objects.create(flight=flight, source=make_source(f"Extra {i}"))
    with django_assert_max_num_queries(5):
        response = client.get(reverse("flights:api_flight", args=[flight.pk]))
    assert response.status_code == 200
    assert len(response.json()["sources"]) == size + 1


def test_a_nul_character_is_a_400_or_404_not_a_500(client, db):
    response = get(client, reverse("flights:api_airports"), code="AE\x00X")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "code"
    assert get(client, FLIGHTS, aircraft="N\x00").status_code == 400
    assert get(client, "/api/v1/airports/AE%00X/").status_code == 404


@pytest.mark.parametrize("name", ["page", "page_size"])
@pytest.mark.parametrize(
    ("value", "message"),
    [("9" * 5000, "is too large."), ("1" + "x" * 5000, "at least 1")],
)
def test_page_numbers_of_thousands_of_digits_are_a_400_not_a_500(client, db, name, value, message):
    for url in ("flights:api_flights", "flights:api_legs", "flights:api_airports"):
        response = client.get(reverse(url), {name: value})
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["parameter"] == name
        assert len(error["value"]) <= 21
        assert message in error["message"]


def test_lists_revalidate_by_etag_and_last_modified_until_the_data_changes(client, db):
    from flights.cache import bump_data_version

    make_flight()
    url = reverse("flights:api_flights")
    first = client.get(url, {"page_size": 1})
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, {"page_size": 1}, headers={"if-none-match": etag}).status_code == 304
    since = client.get(url, {"page_size": 1}, headers={"if-modified-since": modified})
    assert since.status_code == 304
    assert client.get(url, {"page_size": 2}, headers={"if-none-match": etag}).status_code == 200
    bump_data_version()
    assert client.get(url, {"page_size": 1}, headers={"if-none-match": etag}).status_code == 200


@pytest.mark.parametrize("name", ["flights:api_flights", "flights:api_legs"])
def test_cursor_pages_walk_every_record_once_in_list_order(client, db, name):
    for i in range(7):
        make_flight(("KAEX", "KHRL", "MGGT"), date=dt.date(2024, 1, 1 + i % 3))
    url = reverse(name)
    expected = [r["id"] for r in client.get(url, {"page_size": 500}).json()["results"]]
    seen, following = [], f"{url}?cursor=&page_size=3"
    while following:
        body = client.get(following).json()
        assert body["count"] is None and len(body["results"]) <= 3
        seen += [r["id"] for r in body["results"]]
        following = body["next"]
    assert seen == expected


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyIyMDI0LTAxLTAxIiwgLTFd", "x" * 5000])
def test_a_garbled_cursor_is_a_400(client, db, cursor):
    response = client.get(reverse("flights:api_flights"), {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "cursor"


def test_a_deep_cursor_page_has_no_offset_and_no_count(client, db, django_assert_num_queries):
    for i in range(5):
        make_flight(date=dt.date(2024, 1, 1 + i))
    url = reverse("flights:api_flights")
    following = client.get(url, {"cursor": "", "page_size": 2}).json()["next"]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert len(client.get(following).json()["results"]) == 2
    assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in captured)


def test_anonymous_clients_are_throttled_per_minute(client, db, settings):
    import uuid

    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"  # a fresh window
    settings.API_ANON_RATE = 2
    url = reverse("flights:api_countries")
    assert [client.get(url, REMOTE_ADDR=address).status_code for _ in range(2)] == [200, 200]
    response = client.get(url, REMOTE_ADDR=address)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["errors"][0]["message"] == "Too many requests; retry later."


def test_the_example_requests_of_docs_api_md_still_work(client, reference_data):
    """docs/api.md, "Example": the same URLs answer in the same shape (v1 stays compatible)."""
    wanted = make_flight(("KIWA", "PANC", "ZYTX"), date=dt.date(2024, 3, 30))
    make_flight(("KAEX", "MGGT"), date=dt.date(2024, 3, 30))
    body = client.get(
        "/api/v1/flights/?country=CN&start=2024-01-01&kind=removal&page_size=2"
    ).json()
    assert set(body) == {"count", "page", "page_size", "pages", "next", "previous", "results"}
    assert [f["id"] for f in body["results"]] == [wanted.pk]
    response = client.get("/legs/export.csv?country=CN&start=2024-01-01")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("date,departure_time,arrival_time,from,to,tail_number,")
    assert len(lines) == 3


def test_a_forwarded_for_header_does_not_open_a_fresh_throttle_window(client, db, settings):
    import uuid

    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"
    settings.API_ANON_RATE = 1
    url = reverse("flights:api_countries")
    assert client.get(url, REMOTE_ADDR=address).status_code == 200
    spoofed = client.get(url, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert spoofed.status_code == 429


def test_signed_in_users_are_not_throttled(client, db, settings):
    user = get_user_model().objects.create_user("analyst-throttle", "a@example.org", "x")
    client.force_login(user)
    settings.API_ANON_RATE = 1
    url = reverse("flights:api_countries")
    assert [client.get(url, REMOTE_ADDR="10.9.9.9").status_code for _ in range(3)] == [200] * 3


def test_a_disallowed_method_answers_in_the_error_format(client, db):
    response = client.post(FLIGHTS)
    assert response.status_code == 405
    assert response.json() == {
        "errors": [{"parameter": None, "value": None, "message": 'Method "POST" not allowed.'}]
    }


def test_a_cursor_page_link_keeps_the_filters_and_drops_page(client, db):
    for day in range(1, 4):
        make_flight(date=dt.date(2024, 1, day))
    body = client.get(FLIGHTS, {"kind": "removal", "cursor": "", "page_size": 2}).json()
    assert body["next"].startswith("http://testserver/api/v1/flights/?kind=removal&cursor=")
    assert body["next"].endswith("&page_size=2")
