"""Column mapping (issue 10, item 6): the upload page maps the columns of an unknown CSV, shows
the first rows with their errors, saves the mapping as a profile and imports with it; the
profile works from the command line."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from flights.models import Flight, ImportProfile, ImportRun, Leg

pytestmark = pytest.mark.usefixtures("reference_data")

UNKNOWN = (
    "Flown on,Left from,Landed at,Headcount,Comments\n"
    "2024-03-30,KIWA,KELP,21,fine\n"
    "2024-03-31,KIWA,XXXX,5,bad airport\n"
)


@pytest.fixture
def staff(client):
    # Starting an import takes the one import permission (flights.permissions).
    user = User.objects.create_user("mapper", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_importrun", "view_importrun"])
    )
    client.force_login(user)
    return client


def upload(staff) -> ImportRun:
    response = staff.post(
        "/imports/map/",
        {"format": "flightlog", "file": SimpleUploadedFile("odd.csv", UNKNOWN.encode())},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{run.pk}/map/"
    return run


MAPPING = {"col_0": "date", "col_1": "from", "col_2": "to", "col_3": "passengers", "col_4": ""}


def test_the_mapping_page_guesses_fields_and_shows_rows_with_their_errors(staff):
    run = upload(staff)
    page = staff.get(f"/imports/{run.pk}/map/")
    assert page.status_code == 200
    # Only "Comments" is a known alias (of notes); the rest wait for a choice.
    assert [chosen for _, _, chosen in page.context["columns"]] == ["", "", "", "", "notes"]

    page = staff.post(f"/imports/{run.pk}/map/", {**MAPPING, "preview": "1"})
    rows = page.context["rows"]
    assert [(line, errors) for line, _, errors in rows] == [
        (2, []),
        (3, ['Landed at: unknown airport code "XXXX"']),
    ]
    assert Flight.objects.count() == 0  # a preview writes nothing


def test_saving_the_mapping_imports_the_file_with_it(staff, django_capture_on_commit_callbacks):
    run = upload(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/imports/{run.pk}/map/", {**MAPPING, "save": "1", "profile_name": "odd logs"}
        )
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.accepted, run.rejected) == ("rejects", 1, 1)
    assert ImportProfile.objects.get(name="odd logs").mapping == {
        "Flown on": "date", "Left from": "from", "Landed at": "to", "Headcount": "passengers",
        "Comments": "",
    }  # fmt: skip
    assert Leg.objects.get().passengers == 21


def test_a_profile_works_from_the_command_line(tmp_path, capsys):
    ImportProfile.objects.create(
        name="odd logs",
        format="flightlog",
        mapping={"Flown on": "date", "Left from": "from", "Landed at": "to", "Comments": ""},
    )
    path = tmp_path / "odd.csv"
    path.write_text(UNKNOWN)
    call_command("import_flights", "--profile", "odd logs", str(path), "--json")
    result = json.loads(capsys.readouterr().out)
    assert (result["accepted"], result["rejected"], result["warnings"]) == (
        1, 1, ["unknown columns ignored: Headcount"]
    )  # fmt: skip


def test_a_run_that_is_not_waiting_for_a_mapping_is_sent_to_its_page(staff):
    run = ImportRun.objects.create(format="flightlog", file_name="x.csv", status="succeeded")
    response = staff.get(f"/imports/{run.pk}/map/")
    assert (response.status_code, response.url) == (302, f"/imports/{run.pk}/")
