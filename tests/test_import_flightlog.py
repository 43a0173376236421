"""The flight-log importer against DATA.md §1: the sample, reading rules, grouping, identity."""

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flights.importers import import_path, summary
from flights.models import Aircraft, Flight, FlightChange, ImportStatus, Leg, Operator
from tests.factories import SAMPLES

SAMPLE = SAMPLES / "flightlog_sample.csv"
HEADER = "date,departure_time,arrival_time,from,to,tail_number,callsign,operator,passengers,notes"

pytestmark = pytest.mark.usefixtures("reference_data")


def write(tmp_path, text: str, name="log.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_text(tmp_path, text, **kwargs):
    return import_path("flightlog", write(tmp_path, text, **kwargs))


def test_the_sample_stores_9_legs_in_3_flights_with_1_duplicate_and_5_rejected_rows():
    run = import_path("flightlog", SAMPLE)

    result = summary(run)
    assert run.status == ImportStatus.SUCCEEDED_WITH_REJECTS
    assert (result["rows"], result["accepted"], result["duplicates"], result["rejected"]) == (
        15,
        9,
        1,
        5,
    )
    assert result["errors"] == [
        {"line": 12, "column": "from", "value": "GRG", "message": 'unknown airport code "GRG"'},
        {"line": 13, "column": "to", "value": "AEX", "message": 'same airport as "from" (AEX)'},
        {
            "line": 14,
            "column": "passengers",
            "value": "-3",
            "message": 'not a whole number ≥ 0: "-3"',
        },
        {
            "line": 15,
            "column": "date",
            "value": "2025-02-30",
            "message": 'unreadable date "2025-02-30": use YYYY-MM-DD, M/D/YYYY or D Mon YYYY',
        },
        {
            "line": 16,
            "column": "arrival_time",
            "value": "2025-05-10T06:30Z",
            "message": "arrival 2025-05-10 06:30 UTC is not after the departure "
            "2025-05-10 07:45 UTC",
        },
    ]
    assert result["objects"]["flights"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert result["objects"]["legs"] == {"created": 9, "updated": 0, "unchanged": 0}
    routes = {f.external_ref: (f.route, f.leg_count) for f in Flight.objects.all()}
    assert routes == {
        "flightlog:2024-03-30-SHE": ("KIWA → ELP → ANC → SHE → ICN", 4),
        "flightlog-chain:reg:N278GX|2025-05-06|KAEX|KHRL|13:02": ("AEX → HRL → GUA → HRL", 3),
        "flightlog-chain:reg:N660CP|2025-05-07|KMSP|KOMA|09:15": ("MSP → OMA → AEX", 2),
    }
    assert Leg.objects.count() == 9
    assert FlightChange.objects.filter(action="imported").count() == 3


def test_the_sample_records_counts_with_their_basis_and_the_mission_destination():
    import_path("flightlog", SAMPLE)

    mission = Flight.objects.get(external_ref="flightlog:2024-03-30-SHE")
    assert mission.destination.icao == "ZYTX"  # the last leg flies home empty
    assert mission.destination_country_id == "CN"
    assert mission.seat_ceiling == 14  # GLF5, no tail number given
    assert mission.pax_count is None and mission.pax_max is None  # only the return leg counted
    globalx = Flight.objects.get(aircraft__registration="N278GX")
    assert (globalx.pax_min, globalx.pax_max, globalx.pax_basis) == (112, 112, "estimated")
    assert globalx.kind == "removal"
    tyson = Flight.objects.get(aircraft__registration="N660CP")
    assert (tyson.pax_count, tyson.pax_basis) == (20, "observed")
    leg = Leg.objects.get(import_key="reg:N278GX|2025-05-06|MGGT|KHRL|20:30")
    assert (leg.passengers, leg.passengers_basis, leg.callsign) == (0, "observed", "GXA6018")
    assert Aircraft.objects.get(registration="N278GX").icao24 == "a2c4e0"


def test_importing_the_sample_twice_stores_and_changes_nothing():
    import_path("flightlog", SAMPLE)
    before = list(Flight.objects.order_by("pk").values())
    legs_before = list(Leg.objects.order_by("pk").values())
    history = FlightChange.objects.count()

    run = import_path("flightlog", SAMPLE)

    assert run.objects_written["flights"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert run.objects_written["legs"] == {"created": 0, "updated": 0, "unchanged": 9}
    assert list(Flight.objects.order_by("pk").values()) == before
    assert list(Leg.objects.order_by("pk").values()) == legs_before
    assert FlightChange.objects.count() == history


def test_a_changed_optional_field_is_updated_and_reported(tmp_path):
    text = SAMPLE.read_text()
    import_path("flightlog", SAMPLE)
    changed = text.replace("112,estimated,,estimate from convoy vans", "118,estimated,,recount")

    run = run_text(tmp_path, changed)

    assert run.objects_written["legs"] == {"created": 0, "updated": 1, "unchanged": 8}
    assert run.objects_written["flights"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert (
        "line 7: leg N278GX 2025-05-06 HRL → GUA updated: passengers 112 → 118, notes "
        '"estimate from convoy vans" → "recount"'
    ) in run.warnings
    leg = Leg.objects.get(import_key="reg:N278GX|2025-05-06|KHRL|MGGT|16:40")
    assert (leg.passengers, leg.notes) == (118, "recount")
    flight = leg.flight
    assert flight.pax_max == 118
    change = flight.history.get(action="import updated")
    assert change.changes["flight"] == {"pax_min": [112, 118], "pax_max": [112, 118]}


ROWS = [
    "2025-05-06,13:02,15:11,AEX,HRL,N278GX,GXA6017,GlobalX ,,",
    "2025-05-06,16:40,19:02,HRL,GUA,N278GX,GXA6017,globalx,112,Aérea",
]


@pytest.mark.parametrize(
    ("encoding", "bom", "newline", "delimiter"),
    [
        ("utf-8", True, "\n", ","),
        ("utf-8", False, "\r\n", ","),
        ("cp1252", False, "\r\n", ","),
        ("utf-8", False, "\r", ";"),
        ("utf-8", False, "\n", "\t"),
    ],
)
def test_it_reads_bom_windows_1252_any_line_ending_and_semicolon_or_tab(
    tmp_path, encoding, bom, newline, delimiter
):
    lines = [HEADER, *ROWS]
    text = newline.join(line.replace(",", delimiter) for line in lines) + newline
    path = tmp_path / "log.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))

    run = import_path("flightlog", path)

    assert (run.status, run.rows, run.accepted, run.rejected) == ("succeeded", 2, 2, 0)
    assert Leg.objects.get(passengers=112).notes == "Aérea"
    assert Flight.objects.count() == 1
    assert Operator.objects.filter(name__iexact="globalx").count() == 1
    if encoding == "cp1252":
        assert run.warnings == ["the file is not valid UTF-8: read as Windows-1252"]


def test_an_empty_file_fails_with_a_reason(tmp_path):
    run = run_text(tmp_path, "\n\n")
    assert (run.status, run.error) == ("failed", "the file is empty")


def test_a_header_only_file_succeeds_with_no_rows(tmp_path):
    run = run_text(tmp_path, HEADER + "\n")
    assert (run.status, run.rows, run.warnings) == (
        "succeeded",
        0,
        ["the file has a header but no rows"],
    )


def test_binary_garbage_fails_without_storing_anything(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 40)
    run = import_path("flightlog", path)
    assert (run.status, run.error) == (
        "failed",
        "the file is not a CSV text file (it contains NUL bytes)",
    )
    assert Leg.objects.count() == 0


def test_a_file_without_the_required_columns_fails_naming_them(tmp_path):
    run = run_text(tmp_path, "when,where\n2025-01-01,AEX\n")
    assert run.status == "failed"
    assert run.error == (
        "line 1: the header has no column for date (or flight_date, day); "
        "from (or origin, dep, from_airport, departure_airport, departure); "
        "to (or destination, dest, arr, to_airport, arrival_airport, arrival)"
    )


def test_a_1_mb_line_is_rejected_with_its_line_and_the_rest_imported(tmp_path):
    text = HEADER + "\n" + ROWS[0] + "\n" + "x" * (1024 * 1024) + "\n" + ROWS[1] + "\n"
    run = run_text(tmp_path, text)
    assert (run.rows, run.accepted, run.rejected) == (3, 2, 1)
    assert list(run.rejected_rows.values_list("line", "column")) == [
        (3, "date"),
        (3, "from"),
        (3, "to"),
    ]
    date_error = run.rejected_rows.get(column="date")
    assert date_error.value == "x" * 199 + "…"  # values are cut to 200 characters
    assert date_error.message.startswith('unreadable date "xxx')
    assert Leg.objects.count() == 2


def test_header_names_match_ignoring_case_spaces_and_punctuation_and_unknown_ones_are_listed(
    tmp_path,
):
    text = "Flight Date,DEP,Arr,Tail #,Mission-Type,Colour\n30 Mar 2024,KIWA,KELP,n1.,shuffle,red\n"
    run = run_text(tmp_path, text)
    assert run.status == "succeeded"
    assert run.warnings == ["unknown columns ignored: Colour"]
    leg = Leg.objects.get()
    assert (leg.date, leg.kind, leg.flight.aircraft.registration) == (
        dt.date(2024, 3, 30),
        "domestic",
        "N1.",
    )


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path):
    text = (
        HEADER + "\n\n"
        '2025-05-06,13:02,15:11,AEX,HRL,N1,,,,"two\nlines"\n'
        "\n"
        "2025-05-06,16:40,19:02,HRL,ZZZZ,N1,,,,\n"
    )
    run = run_text(tmp_path, text)
    assert (run.rows, run.accepted) == (2, 1)
    assert list(run.rejected_rows.values_list("line", "column", "value")) == [(6, "to", "ZZZZ")]
    assert Leg.objects.get().notes == "two\nlines"


def test_two_codes_of_one_airport_are_the_same_airport(tmp_path):
    run = run_text(tmp_path, HEADER + "\n2025-05-06,,,AEX,KAEX,N1,,,,\n")
    assert list(run.rejected_rows.values_list("column", "message")) == [
        ("to", 'same airport as "from" (AEX)')
    ]


def test_a_three_letter_code_is_iata_before_faa_lid(tmp_path):
    run_text(tmp_path, HEADER + "\n2025-05-06,,,IWA,KELP,N1,,,,\n")
    # IWA is Ivanovo's IATA code before it is Mesa Gateway's FAA LID.
    assert Leg.objects.get().departure_airport.icao == "UUBI"


def test_it_rejects_a_date_more_than_one_day_in_the_future(tmp_path):
    future = dt.date.today() + dt.timedelta(days=3)  # noqa: DTZ011
    run = run_text(tmp_path, HEADER + f"\n{future:%Y-%m-%d},,,AEX,HRL,N1,,,,\n")
    assert list(run.rejected_rows.values_list("line", "column", "message")) == [
        (2, "date", f"date {future:%Y-%m-%d} is more than one day in the future")
    ]


def test_arrival_clock_time_earlier_than_departure_is_the_next_day_and_over_24h_rejected(
    tmp_path,
):
    text = (
        HEADER + "\n"
        "2025-05-06,22:30,01:10,AEX,HRL,N1,,,,\n"
        "2025-05-07,2025-05-07T01:00Z,2025-05-08T02:00Z,HRL,GUA,N2,,,,\n"
        "2025-05-07,10:00,11:00,HRL,GUA,,,,x,\n"
    )
    run = run_text(tmp_path, text)
    leg = Leg.objects.get(date=dt.date(2025, 5, 6))
    assert leg.arrival_time == dt.datetime(2025, 5, 7, 1, 10, tzinfo=dt.UTC)
    assert list(run.rejected_rows.values_list("line", "column", "message")) == [
        (
            3,
            "arrival_time",
            "arrival 2025-05-08 02:00 UTC is more than 24 hours after the departure "
            "2025-05-07 01:00 UTC",
        ),
        (4, "passengers", 'not a whole number ≥ 0: "x"'),
    ]


def test_legs_chain_only_within_six_hours_at_the_same_airport(tmp_path):
    text = (
        HEADER + "\n"
        "2025-05-06,08:00,09:00,AEX,HRL,N1,,,,\n"
        "2025-05-06,15:00,16:00,HRL,GUA,N1,,,,\n"  # 6 h after landing: chained
        "2025-05-06,22:01,23:00,GUA,HRL,N1,,,,\n"  # 6 h 1 min: a new flight
        "2025-05-07,,,HRL,AEX,N1,,,,\n"  # times unknown, another date: a new flight
        "2025-05-07,,,AEX,MSP,N1,,,,\n"  # times unknown, same date: chained
        "2025-05-07,,,AEX,MSP,,,,,\n"  # no aircraft, no mission: alone
    )
    run_text(tmp_path, text)
    routes = sorted(Flight.objects.values_list("route", flat=True))
    assert routes == ["AEX → HRL → GUA", "AEX → MSP", "GUA → HRL", "HRL → AEX → MSP"]


def test_mission_legs_are_ordered_by_departure_time_then_file_order(tmp_path):
    header = "date,departure_time,from,to,mission_id"
    text = (
        header + "\n"
        "2025-05-06,12:00,HRL,GUA,M1\n"
        "2025-05-06,08:00,AEX,HRL,M1\n"
        "2025-05-06,,GUA,SAL,M1\n"
    )
    run_text(tmp_path, text)
    flight = Flight.objects.get()
    assert flight.route == "AEX → HRL → GUA → SAL"
    assert list(flight.legs.values_list("sequence", flat=True)) == [1, 2, 3]


def test_a_leg_moved_to_a_new_chain_keeps_sequences_unique(tmp_path):
    run_text(tmp_path, HEADER + "\n2025-05-06,08:00,09:00,AEX,HRL,N1,,,,\n", name="a.csv")
    text = (
        HEADER + "\n2025-05-06,05:00,07:00,MSP,AEX,N1,,,,\n2025-05-06,08:00,09:00,AEX,HRL,N1,,,,\n"
    )
    run = run_text(tmp_path, text, name="b.csv")
    assert run.status == "succeeded"
    assert run.objects_written["legs"] == {"created": 1, "updated": 0, "unchanged": 1}
    flight = Flight.objects.get(leg_count=2)
    assert flight.route == "MSP → AEX → HRL"
    assert list(flight.legs.values_list("sequence", flat=True)) == [1, 2]


VALUE = st.one_of(
    st.sampled_from(
        ["", "AEX", "KAEX", "HRL", "GRG", "N1", "-3", "12", "2025-05-06", "5/7/2025", "12:00",
         "2025-05-06T07:45Z", "removal", "observed", "x" * 300, "a2c4e0", "https://e.org/"]
    ),
    st.text(max_size=30),
)  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(VALUE, min_size=0, max_size=17), min_size=1, max_size=8))
def test_random_rows_never_raise_and_never_store_a_rejected_row(tmp_path_factory, rows):
    import csv
    import io

    from flights.exports import FLIGHTLOG_COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FLIGHTLOG_COLUMNS)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("prop") / "random.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    Leg.objects.all().delete()
    Flight.objects.all().delete()

    run = import_path("flightlog", path)

    if run.status == "failed":  # a NUL byte makes it a binary file, refused as a whole
        assert run.error == "the file is not a CSV text file (it contains NUL bytes)"
        assert Leg.objects.count() == 0
        return
    assert run.status in ("succeeded", "rejects"), run.error
    assert run.rows == run.accepted + run.duplicates + run.rejected
    rejected_lines = set(run.rejected_rows.values_list("line", flat=True))
    assert len(rejected_lines) == run.rejected
    assert Leg.objects.count() <= run.accepted
    # Every stored leg comes from an accepted row: a valid date and two different airports.
    for leg in Leg.objects.all():
        assert leg.departure_airport_id != leg.arrival_airport_id
