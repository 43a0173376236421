"""The flight-log writer: DATA.md's columns, one row per leg, and a file that re-imports cleanly."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flights.exports import FLIGHTLOG_COLUMNS, flightlog_row, write_flightlog
from flights.importers import import_path
from flights.models import Flight, Leg
from tests.factories import SAMPLES, make_aircraft, make_flight

SAMPLE = SAMPLES / "flightlog_sample.csv"

pytestmark = pytest.mark.usefixtures("reference_data")


def export() -> str:
    out = io.StringIO()
    write_flightlog(Leg.objects.all(), out)
    return out.getvalue()


def test_it_writes_the_data_md_columns_one_row_per_leg():
    import_path("flightlog", SAMPLE)
    out = io.StringIO()
    assert write_flightlog(Leg.objects.all(), out) == 9
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == FLIGHTLOG_COLUMNS
    first = next(r for r in rows if r["callsign"] == "GXA6018")
    assert first == {
        "date": "2025-05-06",
        "departure_time": "2025-05-06T20:30Z",
        "arrival_time": "2025-05-06T23:10Z",
        "from": "MGGT",
        "to": "KHRL",
        "tail_number": "N278GX",
        "icao24": "a2c4e0",
        "callsign": "GXA6018",
        "operator": "GlobalX",
        "aircraft_type": "A320",
        "kind": "return",
        "mission_id": "",
        "passengers": "0",
        "passengers_method": "observed",
        "source_url": "",
        "notes": "",
    }
    mission = [r for r in rows if r["mission_id"] == "2024-03-30-SHE"]
    assert [r["from"] for r in mission] == ["KIWA", "KELP", "PANC", "ZYTX"]


def test_an_export_reimports_without_rejects_or_changes():
    import_path("flightlog", SAMPLE)
    flights = list(Flight.objects.order_by("pk").values())
    text = export()
    path = Path(connection.settings_dict["NAME"] + "-export.csv")
    tmp = Path("/tmp") / path.name
    tmp.write_text(text, encoding="utf-8")
    try:
        run = import_path("flightlog", tmp)
    finally:
        tmp.unlink()
    assert (run.status, run.rows, run.accepted, run.rejected) == ("succeeded", 9, 9, 0)
    assert run.objects_written["legs"] == {"created": 0, "updated": 0, "unchanged": 9}
    assert run.objects_written["flights"]["created"] == 0
    assert list(Flight.objects.order_by("pk").values()) == flights


def test_an_export_into_an_empty_database_rebuilds_the_same_flights(tmp_path):
    import_path("flightlog", SAMPLE)
    routes = sorted(Flight.objects.values_list("route", "leg_count"))
    path = tmp_path / "export.csv"
    path.write_text(export(), encoding="utf-8")
    Flight.objects.all().delete()

    import_path("flightlog", path)

    assert sorted(Flight.objects.values_list("route", "leg_count")) == routes


def test_a_flight_entered_by_hand_exports_with_its_own_mission_id():
    plane = make_aircraft("N500AB", type_code="B738")
    flight = make_flight(
        route=("KAEX", "KHRL", "MGGT"),
        aircraft=plane,
        times=[
            (dt.datetime(2025, 5, 6, 8, 0, 30, tzinfo=dt.UTC), None),
            (None, None),
        ],
    )
    rows = list(csv.DictReader(io.StringIO(export())))
    assert [r["mission_id"] for r in rows] == [f"tracker-{flight.pk}"] * 2
    assert rows[0]["departure_time"] == "2025-05-06T08:00:30Z"
    assert rows[0]["tail_number"] == "N500AB"
    assert flightlog_row(flight.legs.first())["to"] == "KHRL"


def test_it_streams_in_a_constant_number_of_queries():
    import_path("flightlog", SAMPLE)
    with CaptureQueriesContext(connection) as queries:
        export()
    assert len(queries) <= 2
