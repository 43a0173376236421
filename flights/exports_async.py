"""Exports that may outlast a request: a task writes the whole file, a page says when it is ready.

A streamed response that the server's timeout cuts off would reach the client as a file that
looks complete (issue #13, item 5), so an export whose row count passes EXPORT_ASYNC_ROWS is
written by `write_export` (Celery task `flights.tasks.run_export`, or `manage.py shell` for the
same function) into a temporary file, saved to storage only once whole, then marked done.
Equal requests on the same data version share one job.
"""

import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from flights.cache import cached, data_version
from flights.filters import FilterValues, FlightFilterForm
from flights.models import ExportJob, ExportStatus

log = logging.getLogger(__name__)
KINDS = ("flights_csv", "legs_csv")


def row_count(kind: str, values: FilterValues) -> int:
    """Rows the export would hold (cached per data version, as the list pages' counts are)."""
    if kind == "flights_csv":
        return cached("flight_count", values.cache_key(), values.filter_flights().count)
    return cached("leg_count", values.cache_key(), values.filter_legs().count)


def too_large(kind: str, values: FilterValues) -> bool:
    return row_count(kind, values) > settings.EXPORT_ASYNC_ROWS


def start_export(kind: str, query: str, file_name: str, site: str) -> ExportJob:
    """The job writing this export of the current data, queued once per (kind, query, data)."""
    from flights.tasks import run_export

    version = data_version()
    job = (
        ExportJob.objects.filter(kind=kind, query=query, data_version=version, site=site)
        .exclude(status=ExportStatus.FAILED)
        .first()
    )
    if job is None:
        job = ExportJob.objects.create(
            kind=kind, query=query, data_version=version, file_name=file_name, site=site
        )
        transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def _chunks(job: ExportJob):
    from django.http import QueryDict

    from flights.views.exports import flights_csv, legs_csv

    values = FlightFilterForm(QueryDict(job.query)).plain()
    if job.kind == "flights_csv":
        return flights_csv(values, job.site)
    return legs_csv(values)


def write_export(job_id: int) -> ExportJob:
    """Write the job's file whole, then mark it done; any failure marks it failed."""
    job = ExportJob.objects.get(pk=job_id)
    if job.status == ExportStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    try:
        with tempfile.TemporaryFile() as out:
            for chunk in _chunks(job):
                out.write(chunk)
            job.size = out.tell()
            out.seek(0)
            job.file.save(job.file_name, File(out), save=False)
    except Exception as exc:
        log.exception("export %s failed", job.pk)
        job.status, job.error = ExportStatus.FAILED, type(exc).__name__
    else:
        job.status = ExportStatus.DONE
    job.finished_at = timezone.now()
    job.save()
    return job
