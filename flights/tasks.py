"""Thin Celery tasks: they take ids and call the plain functions of `flights.importers`.

Queue them with `enqueue_import(run_id)`, which waits for the surrounding transaction to commit
so a worker never looks for a run that is not there yet.
"""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from flights import importers
from flights.importers.feeds import FeedUnavailable
from flights.importers.feeds import fetch_feed as fetch_feed_now


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
    transaction.on_commit(lambda: run_import.delay(run_id))
