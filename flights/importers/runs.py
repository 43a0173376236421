"""Running an import as an `ImportRun`: locks, reading (in parts when big), one write.

The file is read and every row validated first, outside any transaction (progress and a
heartbeat are saved as it goes); then everything is written in ONE transaction. A worker killed
at any point therefore leaves all of the run's data or none of it, and the run itself is marked
failed by the reaper (or restarted when Celery redelivers the task).

This sits above base.py, sources.py and parallel.py, which never import it: no import cycle.
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from flights.cache import bump_data_version
from flights.models import ImportRun, ImportStatus

from . import parallel
from .base import Importer, Report, add_counts, check_readable, count_lines
from .errors import ImportFailed
from .sources import MemberLines, plain_csv

log = logging.getLogger(__name__)


def read_file(importer: Importer, path: Path, encoding: str) -> None:
    """Read the file into the importer: a block at a time when the importer can (ARTS:
    columnar.py, faster than any number of row-by-row readers), else in parts by several
    processes when it is big enough (parallel.py), else row by row in this one."""
    if importer.read_blocks(path, encoding):
        return
    processes = parallel.processes_for(importer, path, settings.IMPORT_READ_PROCESSES)
    if processes > 1 and parallel.read_in_parts(importer, path, encoding, processes):
        return
    importer.read(path, encoding)


LOCK_CLASS = 0x1F11  # advisory-lock namespace of import runs (PostgreSQL)


def hold_run_lock(run_id: int) -> bool:
    """Take the run's session lock: True when this process may run it (or locks are unavailable).

    The lock lives as long as the database session, so it vanishes with a killed worker: a run
    marked running whose lock is free has nobody working on it.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, run_id])
        return bool(cursor.fetchone()[0])


def release_run_lock(run_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, run_id])


def execute(run: ImportRun, importer_class: type[Importer], path: Path | None = None) -> ImportRun:
    """Run an import to the end: read and validate, then write once in a transaction.

    `path` is a local file to read instead of the run's stored upload (the command line).
    A run already finished, or being run by another live process, is returned as it is; a run
    left "running" by a killed worker is started again, up to IMPORT_MAX_ATTEMPTS times.
    """
    if not hold_run_lock(run.pk):
        run.refresh_from_db()
        return run
    try:
        run.refresh_from_db()
        if run.is_finished:
            return run
        if run.status == ImportStatus.RUNNING and run.attempts >= settings.IMPORT_MAX_ATTEMPTS:
            report = Report(run)
            report.reset()
            return _finish(run, report, ImportStatus.FAILED, {}, worker_lost_message(run))
        return _execute(run, importer_class, path)
    finally:
        release_run_lock(run.pk)


def worker_lost_message(run: ImportRun) -> str:
    times = "once" if run.attempts <= 1 else f"{run.attempts} times"
    return (
        f"the worker stopped {times} in the middle of this import; "
        "nothing of it was stored (start it again)"
    )


def _execute(run: ImportRun, importer_class: type[Importer], path: Path | None) -> ImportRun:
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        attempts=run.attempts + 1,
        phase="reading",
        error="",
    )
    run.refresh_from_db()
    report = Report(run)
    report.reset()
    objects: dict = {}
    try:
        if path is None:
            if not run.file:
                raise ImportFailed("the run has no file")
            path = Path(run.file.path)
        report.members = MemberLines()
        with plain_csv(Path(path), report.warn, report.members) as csv_path:
            objects = _read_and_write(run, importer_class, report, csv_path)
    except ImportFailed as exc:
        return _finish(run, report, ImportStatus.FAILED, objects, report.place(str(exc)))
    except SoftTimeLimitExceeded:
        return _finish(
            run, report, ImportStatus.FAILED, {}, "the import took longer than its time limit"
        )
    except IntegrityError:
        # The write lock (WRITE_LOCK) serialises imports; this is another writer of the same
        # records (an admin edit, a sighting) committing in between: nothing of ours stayed.
        log.warning("import run %s met a concurrent write", run.pk, exc_info=True)
        return _finish(
            run,
            report,
            ImportStatus.FAILED,
            {},
            "another change wrote the same records at the same moment; nothing of this import "
            "was stored: start it again",
        )
    except Exception as exc:
        log.exception("import run %s failed", run.pk)
        return _finish(
            run, report, ImportStatus.FAILED, objects, f"internal error: {type(exc).__name__}"
        )
    status = ImportStatus.SUCCEEDED_WITH_REJECTS if report.rejected else ImportStatus.SUCCEEDED
    return _finish(run, report, status, objects, "")


# Transaction-level advisory lock every import's write takes (PostgreSQL): two imports of the
# same file at once write one after the other, and the second finds the first's rows stored
# ("unchanged") instead of colliding with them on a unique constraint.
WRITE_LOCK = (LOCK_CLASS, 0)


def take_write_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(WRITE_LOCK))


def _read_and_write(run, importer_class, report, path: Path) -> dict:
    check_readable(path)
    run.rows_total = max(count_lines(path) - 1, 0)
    run.save(update_fields=["rows_total"])
    importer = importer_class(run, report)
    passes = importer.passes(path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            importer.begin_pass(0, passes)
            read_file(importer, path, encoding)
            break
        except UnicodeDecodeError:
            report.reset()
            importer.reset()
            report.warn("the file is not valid UTF-8: read as Windows-1252")
    ImportRun.objects.filter(pk=run.pk).update(
        phase="writing", rows_done=report.rows, heartbeat_at=timezone.now()
    )
    with transaction.atomic():
        take_write_lock()
        objects = importer.write()
        # A file too big to hold at once: later passes read it again for their share,
        # inside the same transaction, so the run still stores all of it or nothing.
        for number in range(1, passes):
            importer.begin_pass(number, passes)
            read_file(importer, path, encoding)
            objects = add_counts(objects, importer.write())
        importer.report = report
        importer.finish_writing()
        transaction.on_commit(bump_data_version)
    return objects


def _finish(run, report: Report, status, objects, error: str) -> ImportRun:
    report.flush()
    run.status = status
    run.phase = ""
    run.error = error
    run.rows = run.rows_done = report.rows
    run.accepted, run.duplicates, run.rejected = report.accepted, report.duplicates, report.rejected
    run.objects_written = objects
    run.warnings = report.all_warnings()
    run.finished_at = run.heartbeat_at = timezone.now()
    run.save()
    return run
