"""Big files read in parts by forked processes, and rows written in bulk: the same result as one
process reading the whole file, and no row pointing at nothing."""

import csv
import datetime as dt

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from flights.importers import arts, bulk, import_path, parallel, summary
from flights.models import Airport, Flight, ImportRun, Leg, Source
from tests.factories import SAMPLES, upload_on_a_real_worker

pytestmark = pytest.mark.usefixtures("reference_data")
DAY = dt.date(2024, 3, 30)


def sample_rows() -> list[dict]:
    with open(SAMPLES / "arts_sample.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def big_arts_file(tmp_path, copies=40):
    """The sample many times over (CRLF, quoted commas and line breaks, blank lines, bad rows),
    with one mission in every part and another whose date changes halfway."""
    base = sample_rows()
    rows = []
    for n in range(copies):
        for row in base:
            row = dict(row)
            if row["MissionID"] != "3201":  # 3201 runs through the whole file
                row["MissionID"] = f"{row['MissionID']}-{n}"
            if row["MissionID"] == "3202-0" or n < copies // 2:
                pass
            elif row["MissionID"].startswith("3202-"):
                row["MissionID"] = "3202-0"  # the same mission, another date, much later
                row["MissionDate"] = "2018-10-09"
            if n % 7 == 3 and row["PULOC"] == "KAEX":
                row["PULOC"] = "KXXX"  # rejected: no airport name to fall back on either
                row["air_AirportName"] = row["air_City"] = row["air_Country"] = ""
            elif n % 11 == 5 and row["PULOC"] == "KAEX":
                row["PULOC"] = "(B)(7)(E) "  # found by its name, in whichever part it is
            if n % 5 == 1 and row["StrikeFromList"].lower() in ("true", "1"):
                row["ReasonStruck"] = "Medical,\r\nsee note"
            rows.append(row)
    path = tmp_path / "arts_big.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(base[0]), lineterminator="\r\n")
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow(row)
            if i % 97 == 0:
                fh.write("\r\n")
    return path


def stored() -> list:
    """Every imported flight with its segments and counts, by natural keys."""
    result = []
    for flight in Flight.objects.order_by("external_ref").prefetch_related(
        "segments__citizenships", "segments__pickup", "segments__dropoff"
    ):
        segments = sorted(
            (
                s.pickup.icao, s.dropoff.icao, s.people, s.removals, s.transfers, s.juveniles,
                s.struck, sorted((c.reported_name, c.country_id, c.people)
                                 for c in s.citizenships.all()),
            )
            for s in flight.segments.all()
        )  # fmt: skip
        result.append(
            (flight.external_ref, flight.date, flight.callsign, flight.pax_count,
             flight.origin_id, flight.destination_id, segments)
        )  # fmt: skip
    return result


def forget_imports():
    Flight.objects.all().delete()
    Source.objects.all().delete()


@pytest.fixture
def parts_spy(monkeypatch, settings):
    """Read every file in 3 parts when it can be, and record whether it was."""
    settings.IMPORT_READ_PROCESSES = 3
    settings.IMPORT_COLUMNAR_MIN_BYTES = 10**12  # these test the row-by-row readers
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    outcomes = []
    real = parallel.read_in_parts

    def spy(*args):
        outcomes.append(real(*args))
        return outcomes[-1]

    monkeypatch.setattr(parallel, "read_in_parts", spy)
    return outcomes


def read_in_one_piece(path, settings):
    settings.IMPORT_READ_PROCESSES = 1
    result = summary(import_path("arts", path)), stored()
    forget_imports()
    return result


def test_a_file_read_in_parts_gives_what_one_process_gives(
    tmp_path, settings, monkeypatch, parts_spy
):
    path = big_arts_file(tmp_path)
    expected, expected_rows = read_in_one_piece(path, settings)
    assert expected["rejected"] > 0 and len(expected["warnings"]) == 2
    assert "found by the airport name" in expected["warnings"][0]

    settings.IMPORT_READ_PROCESSES = 3
    monkeypatch.setattr(arts, "MISSIONS_PER_BATCH", 7)  # and written in many batches
    result = summary(import_path("arts", path))

    assert parts_spy == [True]
    assert result == expected
    assert stored() == expected_rows


def test_a_part_that_ends_inside_a_quoted_value_is_read_again_in_one_piece(
    tmp_path, settings, monkeypatch, parts_spy
):
    path = big_arts_file(tmp_path)
    expected, expected_rows = read_in_one_piece(path, settings)
    data = path.read_bytes()
    inside = data.index(b"Medical,\r\n", len(data) // 2) + len(b"Medical,\r\n")
    cut_parts = [
        parallel.Part(data.index(b"\n") + 1, inside, 1),
        parallel.Part(inside, len(data), data.count(b"\n", 0, inside)),
    ]
    monkeypatch.setattr(parallel, "plan_parts", lambda path, count: cut_parts)
    settings.IMPORT_READ_PROCESSES = 2

    result = summary(import_path("arts", path))

    assert parts_spy == [False]
    assert result == expected
    assert stored() == expected_rows


def test_parts_are_cut_at_line_starts_outside_quoted_values(tmp_path):
    path = tmp_path / "quoted.csv"
    lines = [b"a,b\r\n"] + [b'1,"x\r\ny"\r\n', b"2,z\r\n"] * 50
    path.write_bytes(b"".join(lines))
    data = path.read_bytes()

    parts = parallel.plan_parts(path, 4)

    assert len(parts) == 4
    assert parts[0].start == len(lines[0]) and parts[-1].end == len(data)
    for before, after in zip(parts, parts[1:], strict=False):
        assert before.end == after.start
        assert data[after.start - 1 : after.start] == b"\n"
        assert data.count(b'"', 0, after.start) % 2 == 0
        assert after.lines_before == data.count(b"\n", 0, after.start)


def test_a_file_with_lone_carriage_returns_is_read_in_one_piece(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b\n" + b"1,2\r" * 1000)
    with pytest.raises(parallel.NotSplittable):
        parallel.plan_parts(path, 2)


def test_without_the_privilege_the_database_checks_every_row(monkeypatch):
    monkeypatch.setattr(bulk, "may_check_keys_in_batch", lambda: False)
    run = import_path("flightlog", SAMPLES / "flightlog_sample.csv")
    assert (run.status, run.objects_written["legs"]["created"]) == ("rejects", 9)


@pytest.mark.parametrize("batch", [True, False], ids=["checked in batch", "checked per row"])
def test_rows_pointing_at_nothing_roll_the_write_back(transactional_db, monkeypatch, batch):
    monkeypatch.setattr(bulk, "may_check_keys_in_batch", lambda: batch)
    flight = Flight.objects.create(date=DAY)
    iwa, elp = (Airport.objects.get(icao=code).pk for code in ("KIWA", "KELP"))
    legs = [
        {"flight_id": flight.pk, "sequence": 1, "date": DAY,
         "departure_airport_id": iwa, "arrival_airport_id": elp},
        {"flight_id": flight.pk, "sequence": 2, "date": DAY,
         "departure_airport_id": elp, "arrival_airport_id": 999_999_999},
    ]  # fmt: skip

    with pytest.raises(IntegrityError, match="999999999"):
        with transaction.atomic():
            bulk.insert_records(Leg, legs)

    assert not Leg.objects.exists()


def test_rows_checked_in_batch_hold_what_they_point_at_until_commit(transactional_db):
    if not bulk.may_check_keys_in_batch():
        pytest.skip("this database role may not check foreign keys in batch")
    spare = Airport.objects.create(
        icao="ZZZZ", name="Spare", country_id="US", latitude=0, longitude=0
    )
    flight = Flight.objects.create(date=DAY)
    db = connection.settings_dict
    leg = {"flight_id": flight.pk, "sequence": 1, "date": DAY,
           "departure_airport_id": spare.pk,
           "arrival_airport_id": Airport.objects.get(icao="KELP").pk}  # fmt: skip
    with transaction.atomic():
        bulk.insert_records(Leg, [leg])
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as other:
            other.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM flights_airport WHERE id = %s", [spare.pk])
    assert Leg.objects.filter(departure_airport=spare).exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reads_an_uploaded_file_in_parts(client, tmp_path, settings, parts_spy):
    path = big_arts_file(tmp_path)
    expected, expected_rows = read_in_one_piece(path, settings)
    ImportRun.objects.all().delete()
    settings.IMPORT_READ_PROCESSES = 2

    run = upload_on_a_real_worker(client, "arts", "arts_big.csv", path.read_bytes())

    assert parts_spy == [True]
    assert summary(run) == expected
    assert stored() == expected_rows


@pytest.mark.parametrize("processes", [1, 3], ids=["one reader", "three readers"])
def test_a_file_read_and_written_in_passes_gives_what_one_pass_gives(
    tmp_path, settings, monkeypatch, parts_spy, processes
):
    path = big_arts_file(tmp_path)
    expected, expected_rows = read_in_one_piece(path, settings)
    passes = []
    begin = arts.ArtsImporter.begin_pass
    monkeypatch.setattr(
        arts.ArtsImporter,
        "begin_pass",
        lambda self, number, count: (passes.append((number, count)), begin(self, number, count)),
    )
    settings.IMPORT_READ_PROCESSES = processes
    settings.IMPORT_ARTS_PASS_BYTES = path.stat().st_size // 3 + 1
    monkeypatch.setattr(arts, "MISSIONS_PER_BATCH", 7)

    result = summary(import_path("arts", path))

    assert passes == [(0, 3), (1, 3), (2, 3)]
    assert result == expected
    assert stored() == expected_rows
