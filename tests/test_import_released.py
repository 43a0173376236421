"""Real shapes (issue 10): ARTS as released, ARTS missions, station logs, flight-history
exports, and every kind of upload the reader takes. Fixtures are fabricated here."""

import csv
import datetime as dt
import gzip
import io
import threading
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models

from flights.importers import arts, import_path
from flights.models import Airport, Flight, ImportRun, Leg, PassengerSegment

pytestmark = pytest.mark.usefixtures("reference_data")

PERSON = {"ANumber": "A999000111", "LastName": "Qzxwvutsr", "FirstName": "Jqpxyzw",
          "DOB": "1901-02-03"}  # fmt: skip


def arts_row(mid="5001", **values) -> dict:
    row = {name: "" for name in (*arts.PERSON_COLUMNS, *arts.ARTS_COLUMNS)}
    row.update(
        MissionID=mid, MissionNumber="190053.0", MissionDate="10/1/2018", PULOC="KAEX",
        DropLoc="MGGT", **{"R-T": "Removal"}, Juvenile="No", CountryOfCitizenship="GUATEMALA",
        AlienMasterID="99887766", Sex="M", Age="33",
    )  # fmt: skip
    row.update(PERSON)
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict], delimiter=",", opener=open) -> Path:
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def released_rows() -> list[dict]:
    return [
        arts_row(**{"R-T": "REMOVAL"}),
        arts_row(**{"R-T": "reMOVAL"}, Juvenile="Yes"),
        arts_row(**{"R-T": "Transfer"}, DropLoc="KELP", Juvenile="1.0"),
        arts_row(**{"R-T": "No-show"}),
        arts_row(**{"R-T": "Ineligible"}, Juvenile="0.0"),
        arts_row(**{"R-T": "CBP"}, DropLoc="KELP", StrikeFromList="(B)(6)"),
        arts_row(**{"R-T": "r"}, ANumber="(B)(6);(B)(7)(C) ", LastName="(b)(6), (b)(7)(c)"),
    ]


def _text_values() -> set[str]:
    found = set()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField | models.JSONField):
                    table, column = model._meta.db_table, field.column
                    cursor.execute(f'SELECT "{column}"::text FROM "{table}"')  # noqa: S608
                    found.update(value for (value,) in cursor.fetchall() if value)
    return found


def assert_no_person_value_stored():
    stored = "\n".join(_text_values())
    for value in (*PERSON.values(), "99887766"):
        assert value not in stored


def test_a_pipe_separated_gzipped_47_column_release_imports_every_spelling(tmp_path):
    path = write_csv(tmp_path / "arts.csv.gz", released_rows(), "|", gzip.open)

    run = import_path("arts", path)

    assert (run.status, run.rows, run.accepted, run.rejected) == ("succeeded", 7, 7, 0)
    flight = Flight.objects.get(external_ref="arts:5001")
    assert (flight.callsign, flight.date, flight.pax_count) == ("190053", dt.date(2018, 10, 1), 5)
    segments = {
        s.dropoff.icao: (s.people, s.removals, s.transfers, s.juveniles, s.struck)
        for s in PassengerSegment.objects.select_related("dropoff")
    }
    # No-show and Ineligible are listed but did not fly: counted with the struck.
    assert segments == {"MGGT": (5, 3, 0, 1, 2), "KELP": (2, 0, 2, 1, 0)}
    assert "read from a gzip file" in run.warnings
    assert_no_person_value_stored()


def test_the_52_column_research_layout_imports_with_its_extra_columns(tmp_path):
    rows = [
        {**arts_row(), "air_LatitudeDecimalDegrees": "31.3", "NonCriminal": "1.0"} for _ in range(2)
    ]
    run = import_path("arts", write_csv(tmp_path / "arts52.csv", rows))
    assert (run.status, run.accepted, run.warnings) == ("succeeded", 2, [])


def test_a_redacted_pickup_is_found_by_the_airport_name_and_marked_inferred(tmp_path):
    aex = Airport.objects.get(icao="KAEX")
    rows = [
        arts_row(PULOC="(B)(7)(E) ", air_AirportName=aex.name, air_City=aex.city,
                 air_Country="USA"),
        arts_row(PULOC="(b) (7)(e)", air_AirportName=aex.name.upper()),
    ]  # fmt: skip
    run = import_path("arts", write_csv(tmp_path / "arts.csv", rows))

    assert (run.status, run.accepted) == ("succeeded", 2)
    segment = PassengerSegment.objects.get()
    assert (segment.pickup.icao, segment.people, segment.airports_basis) == ("KAEX", 2, "inferred")
    assert run.warnings == [
        "2 rows gave a redacted or unknown pickup code: the airport was found by the airport "
        "name in the row and stored as inferred"
    ]


def test_bad_codes_are_corrected_once_and_junk_without_a_name_is_rejected(tmp_path):
    rows = [
        arts_row(DropLoc="KHNL"),
        arts_row(DropLoc="KHNL"),
        arts_row(DropLoc="ELP"),
        arts_row(DropLoc="*Times Updated*"),
    ]
    run = import_path("arts", write_csv(tmp_path / "arts.csv", rows))

    assert (run.accepted, run.rejected) == (3, 1)
    assert run.warnings == [
        'line 2: airport code "KHNL" read as PHNL (US K prefix on a Pacific code (Honolulu)); '
        "the same for every row with it"
    ]
    assert list(run.rejected_rows.values_list("line", "column", "message")) == [
        (5, "DropLoc", '"*TIMES UPDATED*" is not an airport code, and the row names no known '
         "airport"),
    ]  # fmt: skip
    assert {s.dropoff.icao for s in PassengerSegment.objects.all()} == {"PHNL", "KELP"}


def test_an_xlsx_release_with_excel_dates_and_floats_imports(tmp_path):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("ARTS")
    header = [*arts.PERSON_COLUMNS, *arts.ARTS_COLUMNS]
    ws.append(header)
    for row in released_rows()[:3]:
        row.update(MissionDate=dt.datetime(2018, 10, 1), MissionID=5001.0)  # noqa: DTZ001 - Excel has no zones
        ws.append([row[name] for name in header])
    path = tmp_path / "release.xlsx"
    wb.save(path)

    run = import_path("arts", path)

    assert (run.status, run.accepted) == ("succeeded", 3)
    assert Flight.objects.get(external_ref="arts:5001").date == dt.date(2018, 10, 1)
    assert "read from the first sheet of an Excel workbook" in run.warnings
    assert_no_person_value_stored()


def test_a_zip_of_two_files_imports_both_as_one(tmp_path):
    first, second = io.StringIO(), io.StringIO()
    for buffer, mid in ((first, "7001"), (second, "7002")):
        writer = csv.DictWriter(buffer, fieldnames=list(arts_row()))
        writer.writeheader()
        writer.writerow(arts_row(mid))
    path = tmp_path / "arts.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", first.getvalue())
        archive.writestr("b.csv", second.getvalue())

    run = import_path("arts", path)

    assert (run.status, run.accepted) == ("succeeded", 2)
    assert set(Flight.objects.values_list("external_ref", flat=True)) == {"arts:7001", "arts:7002"}


def test_a_utf16_file_with_its_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("date\tfrom\tto\n2024-03-30\tKIWA\tKELP\n", encoding="utf-16")
    run = import_path("flightlog", path)
    assert (run.status, run.accepted, run.warnings) == ("succeeded", 1, ["read as UTF-16"])


def test_a_label_row_a_repeated_column_and_a_pandas_index_are_handled(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        ",,Observations,,\n,date,from,to,from,passengers\n0,2024-03-30,KIWA,KELP,KAEX,21.0\n"
    )
    run = import_path("flightlog", path)
    assert (run.status, run.accepted) == ("succeeded", 1)
    assert run.warnings == [
        "line 1: a label row above the header, skipped",
        "repeated columns ignored (the first is used): from",
    ]
    leg = Leg.objects.get()
    assert (leg.departure_airport.icao, leg.passengers) == ("KIWA", 21)


def test_an_unclosed_quote_rejects_its_line_and_the_next_rows_are_read(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "date,from,to,notes\n"
        "2024-03-30,KIWA,KELP,fine\n"
        '2024-03-31,KIWA,KELP,"about 100 people\n'
        "2024-04-01,KELP,KIWA,ok\n"
        "2024-04-02,KIWA,KELP,ok\n"
    )
    run = import_path("flightlog", path)

    assert (run.rows, run.accepted, run.rejected) == (4, 3, 1)
    assert list(run.rejected_rows.values_list("line", "message")) == [
        (3, "the line cannot be read as CSV: a quote opened on this line is not closed before "
            "line 4, which is read as a row of its own"),
    ]  # fmt: skip
    assert run.status == "rejects"


def test_a_quoted_value_over_two_lines_is_still_one_value(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('date,from,to,notes\n2024-03-30,KIWA,KELP,"two\nlines"\n')
    run = import_path("flightlog", path)
    assert (run.accepted, Leg.objects.get().notes) == (1, "two\nlines")


def test_a_nul_byte_after_64_kb_rejects_that_row_only(tmp_path):
    good = "".join(f"2024-03-{1 + i % 28:02d},KIWA,KELP,{'x' * 60},N{i}X\n" for i in range(1200))
    path = tmp_path / "log.csv"
    path.write_bytes(
        b"date,from,to,notes,tail\n" + good.encode() + b"2024-03-30,KIWA,KELP,a\x00b,N1\n"
    )
    assert path.stat().st_size > 64 * 1024

    run = import_path("flightlog", path)

    assert (run.rows, run.accepted, run.rejected) == (1201, 1200, 1)
    assert list(run.rejected_rows.values_list("line", "message")) == [
        (1202, "the line cannot be read as CSV: the line contains a NUL byte, which no text "
               "value holds"),
    ]  # fmt: skip


def test_dates_outside_the_window_are_rejected_rows_with_their_line(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("date,from,to\n1989-12-31,KIWA,KELP\n0001-01-05,KIWA,KELP\n")
    run = import_path("flightlog", path)
    assert list(run.rejected_rows.values_list("line", "column")) == [(2, "date"), (3, "date")]
    assert "1989-12-31 is before 1990-01-01" in run.rejected_rows.first().message

    run = import_path("arts", write_csv(tmp_path / "arts.csv", [arts_row(MissionDate="1/5/1989")]))
    assert list(run.rejected_rows.values_list("line", "column")) == [(2, "MissionDate")]


MISSIONS_HEADER = (
    ",MissionID,MissionNumber,MsnTailNumber,MissionDate,MsnStart,MsnStpOne,MsnStpTwo,MsnEnd,"
    "msnVendor,MissionPassengers,ManifestedPassengers,StruckPassengers,msnFlightHoursActual,"
    "MissionTotalCost\n"
)


def missions_file(tmp_path) -> Path:
    path = tmp_path / "missions.csv"
    path.write_text(
        MISSIONS_HEADER
        + "4,5001,190053.0,N802TJ,2018-10-01,KAEX,(B)(7)(E) ,,MGGT,CAC,120.0,125.0,5.0,4.5,"
        "64357.20\n"
        + "5,5002,190054.0,(B)(7)(E) ,2018-10-02,(B)(7)(E) ,(B)(7)(E) ,,(B)(7)(E) ,CAC,,,,"
        "1.2,(B)(4)\n"
    )
    return path


@pytest.mark.parametrize("order", ["missions first", "passengers first"])
def test_a_mission_and_its_passenger_records_are_one_flight_in_either_order(tmp_path, order):
    passengers = write_csv(tmp_path / "arts.csv", released_rows())
    steps = [("arts_missions", missions_file(tmp_path)), ("arts", passengers)]
    if order == "passengers first":
        steps.reverse()
    for fmt, path in steps:
        assert import_path(fmt, path).status == "succeeded"

    flight = Flight.objects.get(external_ref="arts:5001")
    assert flight.route == "AEX–GUA" or flight.legs.count() == 1
    assert [
        (leg.departure_airport.icao, leg.arrival_airport.icao) for leg in flight.legs.all()
    ] == [("KAEX", "MGGT")]
    assert (flight.aircraft.registration, flight.operator.name) == ("N802TJ", "CAC")
    assert (flight.flight_hours, str(flight.cost_usd)) == (4.5, "64357.20")
    # The passenger records are the finer count: 5 flew of 7 listed.
    assert (flight.pax_count, flight.callsign) == (5, "190053")
    assert "route is partial" in flight.notes
    unknown = Flight.objects.get(external_ref="arts:5002")
    assert (unknown.legs.count(), unknown.flight_hours, unknown.cost_usd) == (0, 1.2, None)
    assert Flight.objects.count() == 2


def test_missions_alone_give_manifested_less_struck_people(tmp_path):
    run = import_path("arts_missions", missions_file(tmp_path))
    assert (run.accepted, run.rejected) == (2, 0)
    flight = Flight.objects.get(external_ref="arts:5001")
    assert (flight.pax_count, flight.pax_basis) == (120, "reported")


STATION_LOG = (
    "Minibus,Origin,Aircraft Route (Day),Callsign,Tracking,Depart,Arrive,Destination,"
    "Count Method (Detainees On),Reg,Notes,Day,Airline,Detainees Off,Detainees On,Date\n"
    ",AEX,AEX-MSP-OMA-AEX,TYSON41,https://example.org/t/1,2025-10-01T17:52:00.000Z,"
    "2025-10-01T16:58:00.000Z,OMA,counted at the stairs,N900XX,,Wed Oct 1 2025,Example Air,"
    "12,30,2025-10-01\n"
)


def test_a_station_log_visit_becomes_a_flight_over_the_day_route(tmp_path):
    path = tmp_path / "msp.csv"
    path.write_text(STATION_LOG)
    run = import_path("stationlog", path, station="MSP")

    assert (run.status, run.accepted) == ("succeeded", 1)
    flight = Flight.objects.get()
    legs = list(flight.legs.order_by("sequence"))
    assert [(leg.departure_airport.icao, leg.arrival_airport.icao) for leg in legs] == [
        ("KAEX", "KMSP"), ("KMSP", "KOMA"), ("KOMA", "KAEX")
    ]  # fmt: skip
    assert legs[0].arrival_time == dt.datetime(2025, 10, 1, 16, 58, tzinfo=dt.UTC)
    assert legs[1].departure_time == dt.datetime(2025, 10, 1, 17, 52, tzinfo=dt.UTC)
    assert (legs[1].passengers, legs[1].passengers_basis) == (30, "observed")
    assert (legs[0].passengers, legs[0].passengers_basis) == (12, "reported")
    assert "counted at the stairs" in legs[1].notes


def test_a_station_log_with_a_label_row_and_local_times_chains_previous_and_next(tmp_path):
    path = tmp_path / "ykm.csv"
    path.write_text(
        ",,,,YIRN Observations,,\n"
        "Date,Flight number,Tail number,Previous Airport,Next Airport,Arrive,Depart,"
        "Detainees On,Detainees Off\n"
        '"Tuesday, May 7, 2019",RPN529,N529XX,KIWA,KELP,09:40,10:30,92,40\n'
    )
    run = import_path("stationlog", path, station="KYKM")

    assert (run.status, run.accepted) == ("succeeded", 1)
    legs = list(Flight.objects.get().legs.order_by("sequence"))
    assert [(leg.departure_airport.icao, leg.arrival_airport.icao) for leg in legs] == [
        ("KIWA", "KYKM"), ("KYKM", "KELP")
    ]  # fmt: skip
    # Yakima keeps Pacific time: 10:30 PDT is 17:30 UTC.
    assert legs[1].departure_time == dt.datetime(2019, 5, 7, 17, 30, tzinfo=dt.UTC)
    assert (legs[0].passengers, legs[1].passengers) == (40, 92)


def test_a_station_log_needs_its_station(tmp_path):
    path = tmp_path / "msp.csv"
    path.write_text(STATION_LOG)
    run = import_path("stationlog", path)
    assert (run.status, run.error) == ("failed", "a station log needs its airport: give "
                                       "--station CODE")  # fmt: skip


def test_a_flight_history_export_keeps_flown_legs_with_local_times(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        ",Date,Flight,Departure,STD,Arrival,STA,Aircraft,Status,Duration,Day\n"
        '0,2020-04-27, WQ500,"Miami, FL(MIA/KMIA)",07:00 EDT,Guatemala City(GUA/MGGT),,'
        "B733 (N811XX),Landed 08:41 CST,02h41m,Mon\n"
        '1,2020-04-27, WQ501,Guatemala City(GUA/MGGT),10:00 CST,"Miami, FL(MIA/KMIA)",,'
        "B733 (N811XX),Est. Arrival 14:17 EDT,02h25m,Mon\n"
        '2,2020-04-28, WQ502,"Miami, FL(MIA/KMIA)",07:00 EDT,Guatemala City(GUA/MGGT),,'
        "B733 (N811XX),Scheduled,,Tue\n"
        '3,2020-04-28, WQ503,"Miami, FL(MIA/KMIA)",07:00 CST,Guatemala City(GUA/MGGT),,'
        "B733 (N811XX),Landed,,Tue\n"
    )
    run = import_path("flightlog", path)

    assert (run.rows, run.accepted, run.rejected) == (4, 2, 2)
    assert list(run.rejected_rows.values_list("line", "column")) == [
        (4, "Status"), (5, "STD")
    ]  # fmt: skip
    flight = Flight.objects.get()
    assert (flight.aircraft.registration, flight.aircraft_type.designator) == ("N811XX", "B733")
    legs = list(flight.legs.order_by("sequence"))
    assert legs[0].departure_time == dt.datetime(2020, 4, 27, 11, 0, tzinfo=dt.UTC)
    assert legs[0].arrival_time == dt.datetime(2020, 4, 27, 14, 41, tzinfo=dt.UTC)
    assert legs[1].callsign == "WQ501"


def test_a_flight_history_export_with_real_world_oddities_is_read_row_by_row(tmp_path):
    """As such exports come: a South American arrival named BRT (the zone database says -03),
    an arrival printed at the departure's minute, a local time at an airport with no code, an
    airport with only its ICAO code in brackets. Odd rows are rejected with their reason;
    none stops the import."""
    path = tmp_path / "history.csv"
    path.write_text(
        ",Date,Flight,Departure,STD,Arrival,STA,Aircraft,Status,Duration\n"
        '0,2020-04-24, WQ3528,San Juan(SJU/TJSJ),06:25 AST,"Belo Horizonte, MG(CNF/SBCF)",,'
        "B738 (N820XX),Landed 14:20 BRT,05h56m\n"
        '1,2020-01-16, WQ6852,"Oklahoma City, OK(OKC/KOKC)",16:52 CST,'
        '"Wichita, KS(ICT/KICT)",,B737 (N623XX),Landed 16:52 CST,00h00m\n'
        '2,2020-02-01, WQ7001,"Somewhere, UT ",10:00 MST,"Phoenix, AZ(AZA/KIWA)",,'
        "B734 (N440XX),Landed 11:30 MST,01h30m\n"
        '3,2020-02-02, WQ7002,"Wendover, UT (KENV)",09:00 MST,"Phoenix, AZ(AZA/KIWA)",,'
        "B734 (N440XX),Landed 10:40 MST,01h40m\n"
    )
    run = import_path("flightlog", path)

    assert (run.status, run.rows, run.accepted, run.rejected) == ("rejects", 4, 2, 2)
    brazil = Leg.objects.get(arrival_airport__icao="SBCF")
    assert brazil.arrival_time == dt.datetime(2020, 4, 24, 17, 20, tzinfo=dt.UTC)
    # An airport without an IATA code is printed with its ICAO code alone.
    wendover = Leg.objects.get(departure_airport__icao="KENV")
    assert wendover.departure_time == dt.datetime(2020, 2, 2, 16, 0, tzinfo=dt.UTC)
    messages: dict[int, str] = {}
    for rejected in run.rejected_rows.all():
        messages[rejected.line] = messages.get(rejected.line, "") + rejected.message + "; "
    assert "is not after the departure" in messages[3]
    assert 'unknown airport code "Somewhere, UT"' in messages[4]
    assert '"10:00 MST" is a local time: it needs the airport it is local to' in messages[4]


@pytest.mark.django_db(transaction=True)
def test_two_identical_imports_at_once_both_finish_and_store_the_file_once(tmp_path):
    path = write_csv(tmp_path / "arts.csv", released_rows() * 50)
    runs = []

    def one():
        try:
            runs.append(import_path("arts", path))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(run.status for run in runs) == ["succeeded", "succeeded"]
    assert sorted(run.objects_written["flights"]["created"] for run in runs) == [0, 1]
    assert Flight.objects.count() == 1
    assert ImportRun.objects.filter(error__startswith="internal error").count() == 0


def test_every_printed_airport_code_reads_back_as_the_same_airport():
    from flights.importers.base import AirportCodes

    codes = AirportCodes()
    assert [pk for pk in codes.info if codes.resolve(codes.code_of(pk)) != pk] == []
    mesa, ivanovo = Airport.objects.get(icao="KIWA"), Airport.objects.get(icao="UUBI")
    assert (mesa.code, ivanovo.code) == ("KIWA", "IWA")
    assert Airport.objects.resolve(mesa.code) == mesa
    assert Airport.objects.resolve(Airport.objects.get(icao="KAEX").code).icao == "KAEX"


def test_a_route_through_mesa_prints_a_code_that_finds_mesa(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("date,from,to,mission_id\n2024-03-30,KIWA,KELP,M1\n")
    import_path("flightlog", path)
    assert Flight.objects.get().route == "KIWA → ELP"
