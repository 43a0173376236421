"""The ARTS importer against DATA.md §2: counts only, per mission and segment; nothing personal."""

import csv
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models

from flights.importers import arts, import_path
from flights.models import CitizenshipCount, Flight, FlightChange, PassengerSegment
from tests.factories import SAMPLES

SAMPLE = SAMPLES / "arts_sample.csv"
# The columns about one person (DATA.md: "AlienMasterID and the personal columns").
PERSONAL = [
    "Status", "Sex", "Convictions", "GangMember", "ClassLvl", "Age", "ReasonStruck", "Code",
    "Criminality", "FamilyUnitFlag", "UnaccompaniedFlag", "AlienMasterID",
]  # fmt: skip

pytestmark = pytest.mark.usefixtures("reference_data")


def sample_rows() -> list[dict]:
    with open(SAMPLE, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write(tmp_path, rows: list[dict], name="arts.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_sample_becomes_3_flights_whose_totals_match_the_file():
    run = import_path("arts", SAMPLE)

    assert (run.status, run.rows, run.accepted, run.rejected) == ("succeeded", 34, 34, 0)
    assert run.objects_written["flights"] == {"created": 3, "updated": 0, "unchanged": 0}
    rows = sample_rows()
    for flight in Flight.objects.all():
        mission = flight.external_ref.removeprefix("arts:")
        listed = [r for r in rows if r["MissionID"] == mission]
        struck = [r for r in listed if r["StrikeFromList"].lower() in ("true", "1", "y")]
        segments = flight.segments.all()
        assert sum(s.people for s in segments) == len(listed)
        assert sum(s.struck for s in segments) == len(struck)
        assert flight.pax_count == len(listed) - len(struck)
        assert (flight.pax_basis, flight.status, flight.leg_count) == ("reported", "reported", 0)
        assert flight.sources.get().kind == "foia"
    assert {f.external_ref: f.pax_count for f in Flight.objects.all()} == {
        "arts:3201": 10,
        "arts:3202": 5,
        "arts:3203": 16,
    }


def test_segments_count_removals_transfers_juveniles_and_struck_apart():
    import_path("arts", SAMPLE)
    seg = PassengerSegment.objects.get(
        flight__external_ref="arts:3201", pickup__icao="KBFI", dropoff__icao="MGGT"
    )
    # 6 listed, 2 struck (TRUE, 1): 4 removals flew, 1 of them a juvenile (Y).
    assert (seg.people, seg.removals, seg.transfers, seg.juveniles, seg.struck) == (6, 4, 0, 1, 2)
    seg = PassengerSegment.objects.get(
        flight__external_ref="arts:3201", pickup__icao="KBFI", dropoff__icao="KAEX"
    )
    assert (seg.people, seg.removals, seg.transfers, seg.juveniles, seg.struck) == (6, 0, 6, 1, 0)
    counts = {c.reported_name: (c.country_id, c.people) for c in seg.citizenships.all()}
    assert counts == {
        "CHINA, PEOPLES REPUBLIC OF": ("CN", 2),
        "MEXICO": ("MX", 2),
        "HONDURAS": ("HN", 2),
    }
    flight = Flight.objects.get(external_ref="arts:3201")
    assert (flight.kind, flight.callsign, str(flight.date)) == (
        "removal",
        "BFI AEX 2",
        "2018-10-02",
    )
    assert (flight.origin.icao, flight.destination.icao, flight.destination_country_id) == (
        "KBFI",
        "MGGT",
        "GT",
    )
    assert Flight.objects.get(external_ref="arts:3202").date.isoformat() == "2018-10-03"


def test_importing_the_sample_twice_changes_nothing():
    import_path("arts", SAMPLE)
    before = list(Flight.objects.order_by("pk").values())
    history = FlightChange.objects.count()

    run = import_path("arts", SAMPLE)

    assert run.objects_written == {
        "flights": {"created": 0, "updated": 0, "unchanged": 3},
        "passenger_segments": {"created": 0, "updated": 0, "unchanged": 6, "deleted": 0},
        "citizenship_counts": {"created": 0, "updated": 0, "unchanged": 10, "deleted": 0},
        "sources": {"created": 0, "updated": 0, "unchanged": 1},
    }
    assert list(Flight.objects.order_by("pk").values()) == before
    assert FlightChange.objects.count() == history


@pytest.mark.parametrize("batch", [2000, 1], ids=["one batch", "a batch per mission"])
def test_a_changed_file_updates_the_counts_and_drops_segments_it_no_longer_lists(
    tmp_path, monkeypatch, batch
):
    monkeypatch.setattr(arts, "MISSIONS_PER_BATCH", batch)
    import_path("arts", SAMPLE)
    rows = [r for r in sample_rows() if not (r["MissionID"] == "3203" and r["PULOC"] == "KHRL")]

    run = import_path("arts", write(tmp_path, rows))

    assert run.objects_written["passenger_segments"]["deleted"] == 1
    assert run.objects_written["flights"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Flight.objects.get(external_ref="arts:3203").pax_count == 12
    change = FlightChange.objects.get(action="import updated")
    assert change.changes["flight"] == {"pax_count": [16, 12]}


def test_bad_rows_are_rejected_with_line_column_and_reason(tmp_path):
    rows = sample_rows()[:4]
    rows[0]["PULOC"] = "KXXX"
    rows[0]["air_AirportName"] = rows[0]["air_City"] = "Qqzzx Field"
    rows[1]["MissionDate"] = "2018-13-02"
    rows[2]["R-T"] = "X"
    rows[3]["Juvenile"] = "maybe"

    run = import_path("arts", write(tmp_path, rows))

    assert list(run.rejected_rows.values_list("line", "column", "value", "message")) == [
        (2, "PULOC", "KXXX", 'unknown airport code "KXXX"'),
        (
            3,
            "MissionDate",
            "2018-13-02",
            'unreadable date "2018-13-02": use YYYY-MM-DD or M/D/YYYY',
        ),
        (
            4,
            "R-T",
            "X",
            '"X" is not an R-T value: use R/Removal, T/Transfer, CBP, Ineligible or No-show',
        ),
        (
            5,
            "Juvenile",
            "maybe",
            'not a yes/no value "maybe": use yes/no, true/false, Y/N or 1/0',
        ),
    ]
    assert run.status == "rejects"
    assert Flight.objects.count() == 0


def test_unknown_country_spellings_are_kept_and_reported(tmp_path):
    rows = sample_rows()[:3]
    rows[0]["CountryOfCitizenship"] = "ATLANTIS"
    run = import_path("arts", write(tmp_path, rows))
    assert run.warnings == ['unknown country spelling "ATLANTIS" (1 people): kept as written']
    count = CitizenshipCount.objects.get(reported_name="ATLANTIS")
    assert (count.country_id, count.people) == (None, 1)


def test_a_new_country_in_a_stored_segment_is_added_to_that_segment(tmp_path):
    import_path("arts", SAMPLE)
    rows = sample_rows()
    row = next(r for r in rows if r["StrikeFromList"].lower() not in ("true", "1", "y"))
    segment = PassengerSegment.objects.get(
        flight__external_ref=f"arts:{row['MissionID']}",
        pickup__icao=row["PULOC"],
        dropoff__icao=row["DropLoc"],
    )
    row["CountryOfCitizenship"] = "Ñandú  Øland"

    run = import_path("arts", write(tmp_path, rows))

    assert run.objects_written["citizenship_counts"]["created"] == 1
    assert run.objects_written["flights"]["updated"] == 1
    count = CitizenshipCount.objects.get(reported_name="ÑANDÚ ØLAND")
    assert (count.segment_id, count.country_id, count.people) == (segment.pk, None, 1)
    assert sum(c.people for c in segment.citizenships.all()) == segment.people - segment.struck


def _text_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                yield model._meta.db_table, field.column


def _matches(values: set[str], ids: set[str]) -> set[tuple[str, str, str]]:
    """(table, column, value) of every text value equal to a personal value or containing an ID."""
    found = set()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            col = f"{qn(column)}::text"
            cursor.execute(
                f"SELECT {col} FROM {qn(table)} WHERE {col} = ANY(%s) OR {col} ~ %s",
                [sorted(values), "|".join(sorted(ids))],
            )
            found |= {(table, column, row[0]) for row in cursor.fetchall()}
    return found


def test_no_alien_id_or_personal_value_is_stored_anywhere():
    rows = sample_rows()
    ids = {r["AlienMasterID"] for r in rows}
    values = {r[c].strip() for r in rows for c in PERSONAL if r[c].strip()}
    assert ids and {"M", "F", "52", "2B", "Medical", "NC"} <= values
    before = _matches(values, ids)  # reference data may hold "NC" (a region) already

    run = import_path("arts", SAMPLE)

    assert run.status == "succeeded"
    assert _matches(values, ids) - before == set()
    assert not any(i in str(run.warnings) for i in ids)
