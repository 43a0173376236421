"""Import runs as admins see them: the staff page, the admin, progress, rejected rows as CSV."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flights.importers import import_path
from flights.models import ImportRun, Leg
from tests.factories import SAMPLES

SAMPLE = SAMPLES / "flightlog_sample.csv"

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def staff(client):
    user = User.objects.create_user("importer", is_staff=True)
    user.user_permissions.add(*_import_permissions())
    client.force_login(user)
    return user


@pytest.fixture
def admin_client_user(client):
    user = User.objects.create_superuser("root", "root@example.org", None)
    client.force_login(user)
    return user


def _import_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="flights", codename__in=["add_importrun", "view_importrun"]
    )


def upload(name="log.csv", data=None):
    return SimpleUploadedFile(name, data if data is not None else SAMPLE.read_bytes(), "text/csv")


def test_a_staff_upload_is_stored_and_run_after_the_commit(
    client, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("flights:imports"), {"format": "flightlog", "file": upload()}
        )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("flights:import_detail", args=[run.pk])
    assert len(callbacks) >= 1
    assert (run.status, run.rows, run.accepted, run.rejected) == ("rejects", 15, 9, 5)
    assert (run.started_by, run.file_name) == (staff, "log.csv")
    assert Path(run.file.path).read_bytes() == SAMPLE.read_bytes()
    assert Leg.objects.count() == 9


def test_an_upload_over_the_size_limit_is_refused(client, staff, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    response = client.post(reverse("flights:imports"), {"format": "flightlog", "file": upload()})
    assert response.status_code == 200
    assert "The file is 1.8\xa0KB; the limit is 1000\xa0bytes." in response.context["form"].errors[
        "file"
    ][0].replace("1.8 KB", "1.8\xa0KB")
    assert ImportRun.objects.count() == 0


def test_the_status_endpoint_reports_progress_and_counts(client, staff):
    run = import_path("flightlog", SAMPLE)
    data = client.get(reverse("flights:import_status", args=[run.pk])).json()
    assert {k: data[k] for k in ("status", "finished", "percent", "rows", "rejected")} == {
        "status": "rejects",
        "finished": True,
        "percent": 100,
        "rows": 15,
        "rejected": 5,
    }
    ImportRun.objects.filter(pk=run.pk).update(status="running", rows_done=5, rows_total=20)
    data = client.get(reverse("flights:import_status", args=[run.pk])).json()
    assert (data["percent"], data["finished"], data["rows_done"]) == (25, False, 5)


def test_the_rejected_rows_download_as_csv(client, staff):
    run = import_path("flightlog", SAMPLE)
    response = client.get(reverse("flights:import_rejected_csv", args=[run.pk]))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.splitlines()[:3] == [
        "line,column,value,message",
        '12,from,GRG,"unknown airport code ""GRG"""',
        '13,to,AEX,"same airport as ""from"" (AEX)"',
    ]
    assert len(body.splitlines()) == 6


def test_the_run_page_shows_progress_counts_and_rejected_rows(client, staff):
    run = import_path("flightlog", SAMPLE)
    page = client.get(reverse("flights:import_detail", args=[run.pk])).content.decode()
    assert 'id="import-progress"' in page
    assert "js/import_progress.js" in page
    assert "15 read: 9 accepted, 1 duplicates, 5 rejected" in page
    assert "unknown airport code &quot;GRG&quot;" in page


def test_non_staff_users_cannot_see_imports(client):
    client.force_login(User.objects.create_user("someone"))
    assert client.get(reverse("flights:imports")).status_code == 403


def test_an_admin_upload_queues_a_run_that_shows_its_result(
    client, admin_client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:flights_importrun_add"),
            {"format": "arts", "file": upload("arts.csv", Path(str(SAMPLE).replace(
                "flightlog_sample", "arts_sample")).read_bytes()), "source_kind": ""},
        )  # fmt: skip
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:flights_importrun_change", args=[run.pk])
    assert (run.status, run.rows, run.started_by) == ("succeeded", 34, admin_client_user)
    page = client.get(response["Location"]).content.decode()
    assert "<strong>flights</strong>: 3 created, 0 updated, 0 unchanged" in page
    assert 'data-finished="1"' in page


def test_the_admin_refuses_an_upload_over_the_limit(client, admin_client_user, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = client.post(
        reverse("admin:flights_importrun_add"), {"format": "flightlog", "file": upload()}
    )
    assert response.status_code == 200
    assert ImportRun.objects.count() == 0
