"""Celery done right: queued after commit, idempotent on redelivery, a killed worker leaves all
or nothing and no run stays "running", feeds skip unchanged content, and a real worker runs an
uploaded import to the end."""

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from flights import tasks
from flights.importers import reap_stale_runs, run_import
from flights.importers.feeds import FeedError, FeedUnavailable, fetch_feed
from flights.models import Flight, ImportFeed, ImportProfile, ImportRun, Leg
from tests.factories import SAMPLES, upload_on_a_real_worker

REPO = Path(__file__).resolve().parent.parent
SAMPLE = SAMPLES / "flightlog_sample.csv"

pytestmark = pytest.mark.usefixtures("reference_data")


def queued_run(fmt="flightlog", data=None) -> ImportRun:
    run = ImportRun(format=fmt, file_name="log.csv")
    run.file.save("log.csv", ContentFile(data if data is not None else SAMPLE.read_bytes()))
    return run


def test_a_run_is_queued_only_after_the_transaction_commits(django_capture_on_commit_callbacks):
    run = queued_run()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.enqueue_import(run.pk)
    run.refresh_from_db()
    assert (len(callbacks), run.status) == (1, "queued")
    callbacks[0]()  # eager: the task runs now
    run.refresh_from_db()
    assert (run.status, run.accepted) == ("rejects", 9)


def test_a_run_whose_first_send_found_no_broker_is_sent_again_later(settings):
    waiting = queued_run()
    fresh = queued_run()
    stale = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_SECONDS + 1)
    ImportRun.objects.filter(pk=waiting.pk).update(created_at=stale)
    assert tasks.requeue_waiting_imports() == 1
    waiting.refresh_from_db()
    fresh.refresh_from_db()
    assert (waiting.status, fresh.status) == ("rejects", "queued")


def test_queue_available_reports_a_broker_that_does_not_answer(settings):
    from tracker.celery import app

    previous = (app.conf.task_always_eager, app.conf.broker_write_url)
    assert tasks.queue_available() is True  # eager: no broker needed
    app.conf.task_always_eager = False
    try:
        assert tasks.queue_available() is True  # the test Redis answers
        app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        assert tasks.queue_available() is False
    finally:
        app.conf.task_always_eager, app.conf.broker_write_url = previous


def test_the_import_task_acks_late_with_time_limits_and_never_retries():
    task = tasks.run_import
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert task.time_limit == django_settings.CELERY_TASK_TIME_LIMIT
    assert task.soft_time_limit == django_settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert not getattr(task, "autoretry_for", ())
    assert tasks.fetch_feed.autoretry_for == (FeedUnavailable,)


def test_a_redelivered_task_leaves_a_finished_run_alone():
    run = queued_run()
    tasks.run_import.delay(run.pk)
    finished = ImportRun.objects.get(pk=run.pk)
    tasks.run_import.delay(run.pk)
    again = ImportRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.finished_at) == (
        "rejects",
        1,
        finished.finished_at,
    )
    assert Leg.objects.count() == 9


def test_a_run_left_running_too_often_fails_instead_of_starting_again(settings):
    settings.IMPORT_MAX_ATTEMPTS = 2
    run = queued_run()
    ImportRun.objects.filter(pk=run.pk).update(status="running", attempts=2)
    run = run_import(run.pk)
    assert (run.status, run.error) == (
        "failed",
        "the worker stopped 2 times in the middle of this import; nothing of it was stored "
        "(start it again)",
    )
    assert Leg.objects.count() == 0


KILLED_WORKER = """
import sys, time
import django
django.setup()
from flights.importers import flightlog, run_import

original = flightlog.FlightlogImporter.write

def write_then_hang(self):
    result = original(self)  # every row is written, inside the still-open transaction
    open(sys.argv[2], "w").write("written")
    time.sleep(120)
    return result

flightlog.FlightlogImporter.write = write_then_hang
run_import(int(sys.argv[1]))
"""


def start_doomed_worker(run: ImportRun, tmp_path) -> subprocess.Popen:
    marker = tmp_path / "written"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, str(run.pk), str(marker)], cwd=REPO, env=env
    )
    for _ in range(600):
        if marker.exists() or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert marker.exists(), "the worker never reached the write"
    return proc


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_stores_nothing_and_the_reaper_fails_the_run(tmp_path):
    run = queued_run()
    proc = start_doomed_worker(run, tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    run.refresh_from_db()
    assert (Leg.objects.count(), Flight.objects.count(), run.status) == (0, 0, "running")
    assert reap_stale_runs() == 0  # its heartbeat is too recent to judge yet
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=2))
    assert reap_stale_runs() == 1

    run.refresh_from_db()
    assert (run.status, run.error) == (
        "failed",
        "the worker stopped once in the middle of this import; nothing of it was stored "
        "(start it again)",
    )
    assert Leg.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_task_restarts_the_run_its_killed_worker_left_running(tmp_path):
    run = queued_run()
    proc = start_doomed_worker(run, tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    run = run_import(run.pk)  # what Celery does with the unacknowledged message

    assert (run.status, run.attempts, run.accepted) == ("rejects", 2, 9)
    assert (Leg.objects.count(), Flight.objects.count()) == (9, 3)


@pytest.mark.django_db(transaction=True)
def test_the_reaper_leaves_a_run_alone_while_its_worker_holds_the_lock(tmp_path):
    run = queued_run()
    proc = start_doomed_worker(run, tmp_path)
    try:
        ImportRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now() - timedelta(minutes=30)
        )
        assert reap_stale_runs() == 0
        assert ImportRun.objects.get(pk=run.pk).status == "running"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


# --- Scheduled feeds ------------------------------------------------------------------------


class Feed(http.server.BaseHTTPRequestHandler):
    body = b""
    etag = ""
    status = 200
    seen_headers: list = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        Feed.seen_headers.append(dict(self.headers))
        if Feed.status != 200:
            self.send_response(Feed.status)
            self.end_headers()
            return
        if Feed.etag and self.headers.get("If-None-Match") == Feed.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        if Feed.etag:
            self.send_header("ETag", Feed.etag)
        self.send_header("Content-Length", str(len(Feed.body)))
        self.end_headers()
        self.wfile.write(Feed.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Feed.body, Feed.etag, Feed.status, Feed.seen_headers = SAMPLE.read_bytes(), "", 200, []
    yield f"http://127.0.0.1:{server.server_address[1]}/network/log.csv"
    server.shutdown()
    server.server_close()


def test_a_feed_gets_a_beat_schedule_that_follows_enabled():
    feed = ImportFeed.objects.create(name="network", url="http://127.0.0.1/x.csv", format="arts")
    task = feed.periodic_task
    assert (task.task, task.args, task.enabled, str(task.interval)) == (
        "flights.tasks.fetch_feed",
        f"[{feed.pk}]",
        True,
        "every 6 hours",
    )
    feed.enabled = False
    feed.save()
    task.refresh_from_db()
    assert task.enabled is False


def test_a_feed_is_imported_when_changed_and_skipped_when_not(
    feed_server, django_capture_on_commit_callbacks
):
    feed = ImportFeed.objects.create(name="network", url=feed_server, format="flightlog")
    with django_capture_on_commit_callbacks(execute=True):
        run = fetch_feed(feed.pk)
    run.refresh_from_db()
    assert (run.status, run.accepted, run.url, run.feed, run.file_name) == (
        "rejects",
        9,
        feed_server,
        feed,
        "log.csv",
    )
    assert fetch_feed(feed.pk) is None  # same bytes: skipped by hash
    feed.refresh_from_db()
    assert feed.last_result == "unchanged since the last import"

    Feed.body = SAMPLE.read_bytes().replace(b"estimate from convoy vans", b"recount")
    with django_capture_on_commit_callbacks(execute=True):
        second = fetch_feed(feed.pk)
    second.refresh_from_db()
    assert second.objects_written["legs"] == {"created": 0, "updated": 1, "unchanged": 8}


ODD_FEED = (
    b"Flown on,Left from,Landed at,Headcount,Comments\n"
    b"2024-03-30,KIWA,KELP,21,fine\n"
    b"2024-03-31,KIWA,XXXX,5,bad airport\n"
)


def test_a_feed_naming_a_profile_is_imported_through_its_column_mapping(
    feed_server, django_capture_on_commit_callbacks
):
    profile = ImportProfile.objects.create(
        name="odd logs",
        format="flightlog",
        mapping={"Flown on": "date", "Left from": "from", "Landed at": "to",
                 "Headcount": "passengers", "Comments": ""},
    )  # fmt: skip
    Feed.body = ODD_FEED
    feed = ImportFeed.objects.create(
        name="odd", url=feed_server, format="flightlog", profile=profile
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = fetch_feed(feed.pk)
    run.refresh_from_db()
    assert (run.status, run.profile, run.accepted, run.rejected) == ("rejects", profile, 1, 1)
    assert list(run.rejected_rows.values_list("line", "column", "value")) == [
        (3, "Landed at", "XXXX")
    ]
    assert Leg.objects.get().passengers == 21


def test_the_same_feed_without_its_profile_is_refused_for_its_header(
    feed_server, django_capture_on_commit_callbacks
):
    Feed.body = ODD_FEED
    feed = ImportFeed.objects.create(name="odd", url=feed_server, format="flightlog")
    with django_capture_on_commit_callbacks(execute=True):
        run = fetch_feed(feed.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "the header has no column for date" in run.error


def test_a_feed_profile_of_another_format_is_refused_by_validation():
    profile = ImportProfile.objects.create(name="arts odd", format="arts", mapping={})
    feed = ImportFeed(name="odd", url="http://127.0.0.1/x.csv", format="flightlog", profile=profile)
    with pytest.raises(ValidationError, match="maps columns of"):
        feed.full_clean()


def test_a_feed_with_an_etag_is_asked_conditionally(feed_server):
    Feed.etag = '"v1"'
    feed = ImportFeed.objects.create(name="network", url=feed_server, format="flightlog")
    assert fetch_feed(feed.pk) is not None
    assert fetch_feed(feed.pk) is None
    assert Feed.seen_headers[-1]["If-None-Match"] == '"v1"'
    feed.refresh_from_db()
    assert feed.last_result == "not modified (HTTP 304)"


def test_a_feed_server_error_is_retryable_and_a_missing_feed_is_not(feed_server):
    feed = ImportFeed.objects.create(name="network", url=feed_server, format="flightlog")
    Feed.status = 503
    with pytest.raises(FeedUnavailable):
        fetch_feed(feed.pk)
    Feed.status = 404
    with pytest.raises(FeedError):
        fetch_feed(feed.pk)
    feed.refresh_from_db()
    assert feed.last_result == "HTTP 404: not imported"
    assert ImportRun.objects.count() == 0


def test_an_unreachable_feed_is_retryable():
    feed = ImportFeed.objects.create(name="gone", url="http://127.0.0.1:9/x.csv", format="arts")
    with pytest.raises(FeedUnavailable):
        fetch_feed(feed.pk)


# --- A real worker ----------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_an_admin_upload_to_completion(client):
    run = upload_on_a_real_worker(client, "flightlog", "log.csv", SAMPLE.read_bytes())
    assert (run.status, run.rows, run.accepted, run.duplicates, run.rejected) == (
        "rejects",
        15,
        9,
        1,
        5,
    )
    assert Leg.objects.count() == 9
    status = client.get(reverse("flights:import_status", args=[run.pk])).json()
    assert (status["finished"], status["percent"]) == (True, 100)
