"""Thin Celery tasks: they take ids and call the plain functions of `flights.importers`.

Queue them with `enqueue_import(run_id)`, which waits for the surrounding transaction to commit
so a worker never looks for a run that is not there yet.
"""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from flights import importers
from flights.importers.feeds import FeedUnavailable
from flights.importers.feeds import fetch_feed as fetch_feed_now
from flights.models import ImportRun, ImportStatus

log = logging.getLogger(__name__)
QUEUE_DOWN = (
    "The import queue is unavailable right now. The file is stored as import run #{pk} and "
    "stays queued; it starts by itself once the queue is back."
)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def run_import(run_id: int) -> str | None:
    """Run an import; a redelivered task restarts a run its dead worker left running."""
    run = importers.run_import(run_id)
    return run.status if run else None


@shared_task(
    acks_late=True,
    autoretry_for=(FeedUnavailable,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=5,
    time_limit=600,
    soft_time_limit=540,
)
def fetch_feed(feed_id: int) -> int | None:
    """Fetch a scheduled feed (beat); retried only when the network failed."""
    run = fetch_feed_now(feed_id)
    return run.pk if run else None


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def reap_stale_imports() -> int:
    """Fail the runs a dead worker left "running" (beat, every five minutes)."""
    return importers.reap_stale_runs()


def enqueue_import(run_id: int) -> None:
    # robust: a broker outage must not turn a stored upload into an error page; the run stays
    # queued and the reaper sends it again once the broker is back.
    transaction.on_commit(lambda: _send(run_id), robust=True)


def _send(run_id: int) -> None:
    try:
        run_import.delay(run_id)
    except OperationalError:
        log.warning("import run %s stays queued: the task queue is unavailable", run_id)
        raise


def queue_available() -> bool:
    """Whether the broker answers within a second (always true when tasks run in-process)."""
    app = run_import.app
    if app.conf.task_always_eager:
        return True
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return True
    except (OperationalError, OSError):
        return False


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def requeue_waiting_imports() -> int:
    """Send again the runs still queued long after upload (their first send found no broker)."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    waiting = list(
        ImportRun.objects.filter(status=ImportStatus.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for run_id in waiting:
        run_import.delay(run_id)  # a run already finished by then is left alone
    return len(waiting)


@shared_task(time_limit=60, soft_time_limit=50)
def send_password_reset(user_id: int, domain: str, use_https: bool) -> bool:
    """Mail a password-reset link (flights.passwords): the request does not wait for SMTP."""
    from flights.passwords import send_reset_mail

    return send_reset_mail(user_id, domain, use_https)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def import_traces(paths: list[str], licence: str = "") -> int:
    """Read trace files (an upload saved to disk, or the scheduled feed folder); returns the
    number of candidates created."""
    from flights.adsb.ingest import blobs_from_paths
    from flights.adsb.ingest import import_traces as read_traces

    return read_traces(blobs_from_paths(paths, licence=licence)).candidates_created


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def run_export(job_id: int) -> str:
    """Write a large export to its file (flights.exports_async.write_export)."""
    from flights.exports_async import write_export

    return write_export(job_id).status


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=3,
    time_limit=1800,
    soft_time_limit=1700,
)
def poll_trace_feeds() -> int:
    """The scheduled ADS-B feed (beat): the folders and URLs of settings.ADSB_FEEDS."""
    from flights.adsb.feed import poll_feeds

    return poll_feeds()
