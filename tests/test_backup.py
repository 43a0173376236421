"""export_all writes everything; import_all loads it into an empty database: the same records."""

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from flights.backup import GROUP, backed_up_models, label
from flights.choices import Basis
from flights.exports import FLIGHTLOG_COLUMNS
from flights.models import (
    CitizenshipCount,
    Country,
    FlightChange,
    ImportRun,
    Leg,
    Operator,
    PassengerSegment,
    RejectedRow,
    Sighting,
    SightingPhoto,
    TimelineEvent,
)
from tests.factories import make_aircraft, make_flight, make_source

ROOT = Path(__file__).resolve().parent.parent
PHOTO = b"\x89PNG\r\n\x1a\n fake photo bytes"


def build_record() -> dict:
    """A small but complete record: every kind of row the tracker stores."""
    volunteer = User.objects.create_user("backup-volunteer", password=None)
    volunteer.groups.add(Group.objects.get_or_create(name="volunteer")[0])
    operator = Operator.objects.create(name="Backup Test Air", kind="charter")
    aircraft = make_aircraft("N278GX", "GLF5", operator=operator)
    shenyang = make_flight(
        route=("KIWA", "KELP", "PANC", "ZYTX", "RKSI"),
        date=dt.date(2024, 3, 30),
        aircraft=aircraft,
        source=make_source("AP report", url="https://apnews.com/x"),
    )
    shenyang.set_estimate(None, 14, "seats of a Gulfstream V")
    shenyang.save()
    Leg.objects.filter(flight=shenyang, sequence=1).update(departure_basis=Basis.INFERRED)
    arts = make_flight(route=("KAEX", "MGGT"), date=dt.date(2019, 5, 6), external_ref="arts:3201")
    segment = PassengerSegment.objects.create(
        flight=arts,
        pickup=arts.origin,
        dropoff=arts.destination,
        people=120,
        removals=118,
        transfers=2,
        juveniles=3,
        struck=1,
    )
    CitizenshipCount.objects.create(
        segment=segment, country_id="GT", reported_name="GUATEMALA", people=120
    )
    event = TimelineEvent.objects.create(date=dt.date(2022, 8, 5), title="China suspends")
    event.countries.add(Country.objects.get(code="CN"))
    FlightChange.objects.create(flight=shenyang, actor=volunteer, action="edit", changes={"a": 1})
    sighting = Sighting.objects.create(
        reporter=volunteer,
        seen_at=dt.datetime(2024, 3, 30, 15, tzinfo=dt.UTC),
        airport=shenyang.origin,
        event="departure",
        registration="N278GX",
        flight=shenyang,
    )
    photo = SightingPhoto(sighting=sighting, content_type="image/png", width=1, height=1, size=9)
    photo.image.save("backup.png", ContentFile(PHOTO), save=False)
    photo.save()
    run = ImportRun.objects.create(format="flightlog", file_name="log.csv", status="rejects")
    RejectedRow.objects.create(run=run, line=4, column="to", value="GRG", message="unknown")
    return {"photo": photo.image.name, "legs": Leg.objects.count()}


def snapshot() -> dict[str, list]:
    """Every row of every backed-up table; groups by name (their ids belong to migrations)."""
    rows = {}
    for model in backed_up_models():
        if label(model) in (GROUP, "auth.user_groups"):
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[label(model)] = list(model.objects.order_by("pk").values_list(*fields))
    rows["groups"] = sorted(Group.objects.values_list("name", flat=True))
    rows["memberships"] = sorted(User.groups.through.objects.values_list("user_id", "group__name"))
    return rows


def empty_the_database() -> None:
    tables = [m._meta.db_table for m in backed_up_models() if label(m) != GROUP]
    with connection.cursor() as cursor:
        # The test's transaction holds deferred foreign-key checks; settle them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_the_export_holds_every_leg_as_a_flight_log_and_every_table(db, reference_data, tmp_path):
    built = build_record()
    call_command("export_all", tmp_path / "backup.zip", stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        names = set(archive.namelist())
        rows = list(csv.reader(io.TextIOWrapper(archive.open("flightlog.csv"), "utf-8")))
        manifest = archive.read("manifest.json").decode()
        assert archive.read(f"media/{built['photo']}") == PHOTO
    assert rows[0] == FLIGHTLOG_COLUMNS
    assert len(rows) - 1 == built["legs"] == 5
    assert [row[3:5] for row in rows[1:]] == [
        ["KAEX", "MGGT"],
        ["KIWA", "KELP"],
        ["KELP", "PANC"],
        ["PANC", "ZYTX"],
        ["ZYTX", "RKSI"],
    ]
    for member in (
        "flights.flight.jsonl",
        "flights.leg.jsonl",
        "flights.source.jsonl",
        "flights.passengersegment.jsonl",
        "flights.citizenshipcount.jsonl",
        "flights.timelineevent.jsonl",
        "flights.timelineevent_countries.jsonl",
        "flights.airport.jsonl",
        "flights.operator.jsonl",
        "flights.sighting.jsonl",
        "flights.importrun.jsonl",
        "auth.user.jsonl",
    ):
        assert member in names, member
    assert '"flights.flight": 2' in manifest


def test_a_restore_into_an_empty_database_gives_the_same_records(db, reference_data, tmp_path):
    built = build_record()
    before = snapshot()
    call_command("export_all", tmp_path / "backup.zip", stdout=io.StringIO())
    empty_the_database()
    default_storage.delete(built["photo"])
    assert Leg.objects.count() == 0

    out = io.StringIO()
    call_command("import_all", tmp_path / "backup.zip", stdout=out)

    assert snapshot() == before
    with default_storage.open(built["photo"], "rb") as handle:
        assert handle.read() == PHOTO
    assert "restored" in out.getvalue()
    # The sequences moved past the restored ids: new records do not collide.
    assert make_flight(route=("KAEX", "KHRL")).pk > max(row[0] for row in before["flights.flight"])


def test_a_restore_refuses_a_database_that_holds_records(db, reference_data, tmp_path):
    build_record()
    call_command("export_all", tmp_path / "backup.zip", stdout=io.StringIO())
    with pytest.raises(CommandError) as refused:
        call_command("import_all", tmp_path / "backup.zip", stdout=io.StringIO())
    assert str(refused.value).startswith("the database is not empty: ")
    assert "flights.flight (2)" in str(refused.value)
    assert str(refused.value).endswith("Restore into a freshly migrated database.")


def test_a_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    (tmp_path / "x.zip").write_bytes(b"")
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="is not a tracker backup: it has no manifest.json"):
        call_command("import_all", tmp_path / "x.zip", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_from_the_command_line(reference_data, tmp_path):
    """Export here, migrate a brand-new database, import there, export again: the same files."""
    build_record()
    call_command("export_all", tmp_path / "first.zip", stdout=io.StringIO())
    settings_db = connection.settings_dict
    fresh = f"{settings_db['NAME']}_restore"
    server = f"postgres://{settings_db['USER']}@{settings_db['HOST']}:{settings_db['PORT']}"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": f"{server}/{fresh}",
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        for command in (
            ["migrate", "--noinput"],
            ["import_all", str(tmp_path / "first.zip")],
            ["export_all", str(tmp_path / "second.zip")],
        ):
            result = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    with (
        zipfile.ZipFile(tmp_path / "first.zip") as a,
        zipfile.ZipFile(tmp_path / "second.zip") as b,
    ):
        members = sorted(n for n in a.namelist() if n != "manifest.json")
        assert members == sorted(n for n in b.namelist() if n != "manifest.json")
        different = [n for n in members if a.read(n) != b.read(n)]
        groups = (_groups_by_name(a), _groups_by_name(b))
    # Group and permission ids belong to each database's migrations (matched by name).
    assert set(different) <= set(GROUP_FILES), different
    # The new database may hold more groups (the roles its migrations made), not fewer.
    backed_up = set(groups[0]["groups"])
    assert backed_up <= set(groups[1]["groups"])
    assert groups[0]["members"] == groups[1]["members"]
    assert groups[0]["permissions"] == {
        name: perms for name, perms in groups[1]["permissions"].items() if name in backed_up
    }


GROUP_FILES = (
    "auth.group.jsonl",
    "auth.user_groups.jsonl",
    "auth.group_permissions.json",
    "auth.permission_keys.json",
)


def _groups_by_name(archive: zipfile.ZipFile) -> dict:
    names = {
        row["id"]: row["name"]
        for row in map(json.loads, archive.read("auth.group.jsonl").splitlines())
    }
    members = sorted(
        (row["user_id"], names[row["group_id"]])
        for row in map(json.loads, archive.read("auth.user_groups.jsonl").splitlines())
    )
    permissions = json.loads(archive.read("auth.group_permissions.json"))
    return {"groups": sorted(names.values()), "members": members, "permissions": permissions}
