"""Exports above EXPORT_ASYNC_ROWS are written whole by a task and fetched when ready."""

import datetime as dt

import pytest
from django.urls import reverse

from flights.exports_async import write_export
from flights.models import ExportJob, ExportStatus
from tests.factories import make_flight

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def flights(db):
    return [
        make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 1) + dt.timedelta(days=i))
        for i in range(3)
    ]


def test_a_large_export_is_written_by_a_task_and_served_whole(
    client, settings, flights, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("flights.tasks.run_export.delay", queued.append)
    settings.EXPORT_ASYNC_ROWS = 100
    small = client.get(reverse("flights:export_legs_csv"), {"country": "GT"})
    settings.EXPORT_ASYNC_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("flights:export_legs_csv"), {"country": "GT"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("flights:export_status", args=[job.token])
    assert queued == [job.pk]
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in page
    assert client.get(reverse("flights:export_download", args=[job.token])).status_code == 404

    assert write_export(job.pk).status == ExportStatus.DONE
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page
    download = client.get(reverse("flights:export_download", args=[job.token]))
    body = b"".join(download.streaming_content)
    job.refresh_from_db()
    assert int(download["Content-Length"]) == len(body) == job.size
    assert body == b"".join(small.streaming_content)


def test_equal_large_exports_share_one_job(client, settings, flights, monkeypatch):
    monkeypatch.setattr("flights.tasks.run_export.delay", lambda pk: None)
    settings.EXPORT_ASYNC_ROWS = 1
    first = client.get(reverse("flights:export_flights_csv"), {"kind": "removal"})
    second = client.get(reverse("flights:export_flights_csv"), {"kind": "removal"})
    assert first["Location"] == second["Location"]
    assert ExportJob.objects.count() == 1


def test_a_failed_export_says_so_and_offers_no_file(client, flights, monkeypatch):
    job = ExportJob.objects.create(kind="legs_csv", query="", data_version="x", file_name="a.csv")

    def boom(_job):
        raise RuntimeError("disk full")

    monkeypatch.setattr("flights.exports_async._chunks", boom)
    assert write_export(job.pk).status == ExportStatus.FAILED
    page = client.get(reverse("flights:export_status", args=[job.token])).content.decode()
    assert 'data-status="failed"' in page
    assert client.get(reverse("flights:export_download", args=[job.token])).status_code == 404
