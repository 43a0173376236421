"""Importers, one module per data source, on the shared run mechanics of `base`.

Public API (used by the command, the tasks, the views and other areas):
- `import_path(fmt, path, started_by=None)`: import a local file now; returns the finished run.
- `run_import(run_id)`: run a queued `ImportRun` (its stored file) to the end.
- `importer_for(fmt)`, `ImportFailed`, `FORMATS`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from flights.models import ImportRun, ImportStatus

from .arts import ArtsImporter
from .base import Report
from .errors import ImportFailed
from .flightlog import FlightlogImporter
from .missions import ArtsMissionsImporter
from .runs import _finish, execute, hold_run_lock, release_run_lock, worker_lost_message
from .stationlog import StationlogImporter

IMPORTERS = {
    "flightlog": FlightlogImporter,
    "arts": ArtsImporter,
    "arts_missions": ArtsMissionsImporter,
    "stationlog": StationlogImporter,
}
FORMATS = tuple(IMPORTERS)

__all__ = [
    "FORMATS",
    "ImportFailed",
    "import_path",
    "importer_for",
    "reap_stale_runs",
    "run_import",
    "summary",
]


def importer_for(fmt: str):
    try:
        return IMPORTERS[fmt]
    except KeyError:
        raise ImportFailed(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None


def import_path(fmt: str, path, *, started_by=None, station: str = "", profile=None) -> ImportRun:
    """Import a local file synchronously (no copy is stored); return the finished run.
    `station` is the airport a station log was kept at (stationlog); `profile` an
    ImportProfile whose column mapping renames the file's header."""
    importer = importer_for(fmt)
    path = Path(path)
    run = ImportRun.objects.create(
        format=fmt,
        file_name=path.name[:300],
        started_by=started_by,
        status=ImportStatus.QUEUED,
        station=station.strip().upper()[:8],
        profile=profile,
    )
    return execute(run, importer, path=path)


def run_import(run_id: int) -> ImportRun | None:
    """Run a queued import run to the end; a finished run is left alone (redelivered task)."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.is_finished:
        return run
    return execute(run, importer_for(run.format))


def reap_stale_runs() -> int:
    """Mark failed the runs left "running" by a worker that died; return how many.

    On PostgreSQL a run is dead when its session lock is free (the lock dies with the worker's
    connection) and it has not saved a heartbeat for a minute; elsewhere when it has not saved
    one for IMPORT_STALE_SECONDS.
    """
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    quiet = dt.timedelta(seconds=60 if postgres else settings.IMPORT_STALE_SECONDS)
    reaped = 0
    for run in ImportRun.objects.filter(status=ImportStatus.RUNNING, heartbeat_at__lt=now - quiet):
        if not hold_run_lock(run.pk):
            continue  # a live worker holds it (for example in a long write)
        try:
            run.refresh_from_db()
            if run.status != ImportStatus.RUNNING:
                continue
            report = Report(run)
            report.reset()
            _finish(run, report, ImportStatus.FAILED, {}, worker_lost_message(run))
            reaped += 1
        finally:
            release_run_lock(run.pk)
    return reaped


def summary(run: ImportRun) -> dict:
    """The run as the JSON the command prints (issue 3's shape, plus warnings)."""
    errors = [
        {"line": r.line, "column": r.column, "value": r.value, "message": r.message}
        for r in run.rejected_rows.order_by("line", "id").iterator(chunk_size=2000)
    ]
    result = {
        "status": run.status,
        "rows": run.rows,
        "accepted": run.accepted,
        "duplicates": run.duplicates,
        "rejected": run.rejected,
        "errors": errors,
        "objects": run.objects_written,
        "warnings": run.warnings,
    }
    if run.error:
        result["error"] = run.error
    return result
