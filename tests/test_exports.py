"""CSV and JSON exports of the filtered flights and legs; the legs CSV imports back unchanged."""

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from flights.choices import Basis, FlightKind, ReviewStatus, SourceKind
from flights.exports import FLIGHTLOG_COLUMNS
from flights.importers import import_path
from flights.models import Aircraft, Flight, FlightSource, Leg, Operator
from flights.views.exports import FLIGHT_COLUMNS, LEG_COLUMNS, LEG_PROVENANCE_COLUMNS
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.usefixtures("reference_data")

UTC = dt.UTC
TODAY = dt.datetime.now(tz=UTC).strftime("%Y-%m-%d")


def download(client, name: str, **query):
    response = client.get(reverse(f"flights:{name}"), query)
    assert response.status_code == 200, response.content
    assert response.streaming
    return response, b"".join(response.streaming_content).decode("utf-8")


def csv_rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def missions(db):
    """Three flights to China and one to Guatemala, with what the flight log can carry."""
    operator = Operator.objects.create(name="Roundtrip Air")
    glf5 = make_aircraft("N278GX", type_code="GLF5", icao24="A1B2C3", operator=operator)
    a320 = make_aircraft("N401TS", type_code="A320", operator=operator)
    day = dt.date(2024, 3, 30)
    shenyang = make_flight(
        route=("KIWA", "KELP", "PANC", "ZYTX", "RKSI"),
        date=day,
        aircraft=glf5,
        operator=operator,
        callsign="GXA6017",
        status=ReviewStatus.CONFIRMED,
        times=[
            (at(day, 14, 5), at(day, 15, 40)),
            (at(day, 16, 30), at(day, 23, 55)),
            (at(day + dt.timedelta(days=1), 1, 10), at(day + dt.timedelta(days=1), 9, 45)),
            (at(day + dt.timedelta(days=1), 11, 20), at(day + dt.timedelta(days=1), 12, 55)),
        ],
        source=make_source("AP", kind=SourceKind.NEWS, url="https://apnews.com/a"),
    )
    legs = list(shenyang.legs.order_by("sequence"))
    legs[2].passengers, legs[2].passengers_basis = 12, Basis.REPORTED
    legs[2].notes = "number published by the ministry"
    legs[3].kind, legs[3].passengers, legs[3].passengers_basis = FlightKind.RETURN, 0, "observed"
    legs[3].source_url = "https://apnews.com/a"
    for leg in legs:
        leg.save()
    shenyang.refresh_route()
    # A mission with no aircraft: its legs hold together by the mission id alone.
    mission = make_flight(route=("KAEX", "KHRL", "ZSPD"), date=dt.date(2024, 6, 2))
    mission.external_ref = "flightlog:ICE-2024-0602"
    mission.save()
    later = make_flight(
        route=("KAEX", "ZYTX"),
        date=dt.date(2024, 9, 9),
        aircraft=a320,
        operator=operator,
        callsign="",
        times=[(at(dt.date(2024, 9, 9), 3), None)],
    )
    guatemala = make_flight(route=("KAEX", "MGGT"), date=dt.date(2024, 5, 5), aircraft=a320)
    return {"shenyang": shenyang, "mission": mission, "later": later, "guatemala": guatemala}


def leg_facts(legs) -> list[tuple]:
    """What a leg is, independent of database ids: what must survive an export and import."""
    return sorted(
        (
            leg.departure_airport.icao,
            leg.arrival_airport.icao,
            leg.date,
            leg.departure_time,
            leg.arrival_time,
            leg.flight.aircraft.registration if leg.flight.aircraft else None,
            leg.flight.aircraft.aircraft_type.designator if leg.flight.aircraft else None,
            leg.callsign or leg.flight.callsign,
            leg.kind,
            leg.passengers,
            leg.passengers_basis,
            leg.source_url,
            leg.notes,
        )
        for leg in legs.select_related("flight__aircraft__aircraft_type", "departure_airport")
    )


def flight_groups(legs) -> set[frozenset]:
    groups: dict[int, set] = {}
    for leg in legs.select_related("departure_airport", "arrival_airport"):
        groups.setdefault(leg.flight_id, set()).add(
            (leg.departure_airport.icao, leg.arrival_airport.icao, leg.date, leg.sequence)
        )
    return {frozenset(group) for group in groups.values()}


def test_a_filtered_legs_csv_imports_back_into_an_empty_database_with_the_same_legs(
    client, missions, tmp_path
):
    exported = Leg.objects.filter(flight__destination_country="CN")
    before, groups_before = leg_facts(exported), flight_groups(exported)
    assert len(before) == 4 + 2 + 1
    _, text = download(client, "export_legs_csv", country="CN")
    path = tmp_path / "legs.csv"
    path.write_text(text, encoding="utf-8")

    FlightSource.objects.all().delete()
    Leg.objects.all().delete()
    Flight.objects.all().delete()
    Aircraft.objects.all().delete()
    run = import_path("flightlog", path)

    assert (run.status, run.rows, run.accepted, run.rejected) == ("succeeded", 7, 7, 0)
    assert run.warnings == [f"unknown columns ignored: {', '.join(LEG_PROVENANCE_COLUMNS)}"]
    assert Flight.objects.count() == 3
    assert leg_facts(Leg.objects.all()) == before
    assert flight_groups(Leg.objects.all()) == groups_before
    # Exported again, the flight-log columns are the same file.
    _, again = download(client, "export_legs_csv")
    flightlog = [[row[c] for c in FLIGHTLOG_COLUMNS] for row in csv_rows(text)]
    assert [[row[c] for c in FLIGHTLOG_COLUMNS] for row in csv_rows(again)] == flightlog


def test_legs_csv_is_the_flightlog_format_followed_by_provenance(client, missions):
    response, text = download(client, "export_legs_csv", country="CN", start="2024-03-01")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="legs_start-2024-03-01_country-CN_{TODAY}.csv"'
    )
    assert text.splitlines()[0] == "\ufeff" + ",".join(LEG_COLUMNS)
    rows = csv_rows(text)
    assert len(rows) == 7
    first = rows[0]
    assert first == {
        "date": "2024-03-30",
        "departure_time": "2024-03-30T14:05Z",
        "arrival_time": "2024-03-30T15:40Z",
        "from": "KIWA",
        "to": "KELP",
        "tail_number": "N278GX",
        "icao24": "a1b2c3",
        "callsign": "GXA6017",
        "operator": "Roundtrip Air",
        "aircraft_type": "GLF5",
        "kind": "removal",
        "mission_id": f"tracker-{missions['shenyang'].pk}",
        "passengers": "",
        "passengers_method": "",
        "source_url": "",
        "notes": "",
        "tracker_flight_id": str(missions["shenyang"].pk),
        "tracker_flight_status": "confirmed",
        "tracker_departure_basis": "reported",
        "tracker_arrival_basis": "reported",
        "tracker_source_kinds": "news",
        "tracker_synthetic": "no",
    }
    assert [row["mission_id"] for row in rows[4:6]] == ["ICE-2024-0602"] * 2
    assert [(row["from"], row["to"]) for row in rows] == [
        ("KIWA", "KELP"),
        ("KELP", "PANC"),
        ("PANC", "ZYTX"),
        ("ZYTX", "RKSI"),
        ("KAEX", "KHRL"),
        ("KHRL", "ZSPD"),
        ("KAEX", "ZYTX"),
    ]


def test_flights_csv_has_one_row_per_matching_flight_with_provenance(client, missions):
    missions["guatemala"].is_synthetic = True
    missions["guatemala"].save()

    response, text = download(
        client, "export_flights_csv", kind="removal", status="reported", synthetic="include"
    )
    rows = csv_rows(text)

    assert response["Content-Disposition"] == (
        f'attachment; filename="flights_kind-removal_status-reported_synthetic-include_{TODAY}.csv"'
    )
    assert list(rows[0]) == FLIGHT_COLUMNS
    assert [int(row["id"]) for row in rows] == [
        missions["guatemala"].pk,
        missions["mission"].pk,
        missions["later"].pk,
    ]
    guatemala = rows[0]
    assert guatemala["is_synthetic"] == "yes"
    assert guatemala["route"] == "AEX → GUA"
    assert (guatemala["origin"], guatemala["destination"]) == ("KAEX", "MGGT")
    assert guatemala["destination_country"] == "GT"
    assert guatemala["aircraft"] == "N401TS" and guatemala["aircraft_type"] == "A320"
    assert guatemala["status"] == "reported"
    assert guatemala["source_kinds"] == "news"
    assert guatemala["url"] == f"http://testserver/flights/{missions['guatemala'].pk}/"
    assert rows[1]["mission_id"] == "ICE-2024-0602"


def test_flights_csv_defuses_spreadsheet_formulas(client, db):
    flight = make_flight(source=make_source('=HYPERLINK("http://x")', kind=SourceKind.NEWS))
    flight.set_estimate(None, 10, "-seats")
    flight.save()

    rows = csv_rows(download(client, "export_flights_csv")[1])

    assert rows[0]["source_titles"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["pax_method"] == "'-seats"
    assert rows[0]["pax_max"] == "10"


def test_json_exports_hold_the_api_shapes_of_the_filtered_records(client, missions):
    response, text = download(client, "export_flights_json", country="CN", kind="removal")
    body = json.loads(text)

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="flights_country-CN_kind-removal_{TODAY}.json"'
    )
    assert body["filters"] == {"country": "CN", "kind": ["removal"]}
    api = client.get(reverse("flights:api_flights"), {"country": "CN", "kind": "removal"}).json()
    assert body["flights"] == list(reversed(api["results"]))

    legs = json.loads(download(client, "export_legs_json", country="CN")[1])
    assert legs["filters"] == {"country": "CN"}
    assert [(leg["from"]["icao"], leg["to"]["icao"]) for leg in legs["legs"]][:2] == [
        ("KIWA", "KELP"),
        ("KELP", "PANC"),
    ]
    assert len(legs["legs"]) == 7
    assert legs["legs"][3]["passengers"] == 0
    assert legs["legs"][3]["passengers_basis"] == "observed"
    assert legs["legs"][0]["flight"]["status"] == "confirmed"


def test_an_export_with_nothing_matching_is_a_header_or_an_empty_list(client, missions):
    text = download(client, "export_legs_csv", country="FR")[1]
    assert text == "\ufeff" + ",".join(LEG_COLUMNS) + "\r\n"
    body = json.loads(download(client, "export_flights_json", country="FR")[1])
    assert body["flights"] == []


@pytest.mark.parametrize(
    "name",
    ["export_flights_csv", "export_flights_json", "export_legs_csv", "export_legs_json"],
)
def test_an_export_with_a_bad_filter_is_a_400_not_everything(client, db, name):
    make_flight()

    response = client.get(reverse(f"flights:{name}"), {"end": "yesterday"})

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"parameter": "end", "value": "yesterday", "message": "Enter a valid date."}]
    }


def test_exports_ignore_the_pages_other_parameters(client, missions):
    rows = csv_rows(download(client, "export_flights_csv", country="GT", sort="-date", page=3)[1])
    assert [int(row["id"]) for row in rows] == [missions["guatemala"].pk]


def _make_flights(count: int) -> None:
    operator = Operator.objects.create(name=f"Export Air {count}")
    for i in range(count):
        flight = make_flight(
            route=("KAEX", "KELP", "MGGT") if i % 2 else ("KIWA", "ZYTX"),
            date=dt.date(2024, 1, 1) + dt.timedelta(days=i),
            aircraft=make_aircraft(operator=operator) if i % 3 else None,
            operator=operator,
            source=make_source(f"Report {i}"),
        )
        FlightSource.objects.create(flight=flight, source=make_source("Shared", SourceKind.ADSB))


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize(
    "name",
    ["export_flights_csv", "export_flights_json", "export_legs_csv", "export_legs_json"],
)
def test_an_export_is_one_query_whatever_its_size(
    client, db, django_assert_max_num_queries, size, name
):
    _make_flights(size)
    per_flight = {"export_flights_csv": 1, "export_flights_json": 1}.get(name, 0)
    # The operators for the filter form, the country filter's check, then the export itself.
    with django_assert_max_num_queries(3):
        response = client.get(reverse(f"flights:{name}"), {"country": "GT"})
        content = b"".join(response.streaming_content)
    lines = content.count(b"\n")
    expected_rows = (size // 2) * (1 if per_flight else 2)
    if name.endswith("csv"):
        assert lines == expected_rows + 1
    else:
        assert len(json.loads(content)[name.split("_")[1]]) == expected_rows


def test_a_file_name_keeps_only_safe_characters_of_the_filters(client, db):
    make_flight(aircraft=make_aircraft("N1TS"))

    response = client.get(reverse("flights:export_flights_csv"), {"aircraft": 'N1"; rm /'})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="flights_aircraft-N1-rm-_{TODAY}.csv"'
    )


def test_head_of_an_export_answers_with_its_headers(client, missions):
    response = client.head(reverse("flights:export_legs_csv"), {"country": "CN"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="legs_country-CN_{TODAY}.csv"'
    )
