"""Everything the tracker holds, in one zip file, and back.

`export_all` writes:
- `flightlog.csv`: every leg in the flight-log format (DATA.md), via flights.exports, so the
  record can be read by people and imported into any tracker;
- `<app>.<model>.jsonl`: every row of every table the tracker owns (flights, sources, legs,
  segments, events, sightings, import runs, reference data, users, schedules), one JSON object
  per line with its primary key: the exact backup `import_all` restores;
- `media/...`: the uploaded files those rows point at (sighting photos, imported files);
- `manifest.json`: when, which migrations, and how many rows of each model.

Rows stream in chunks both ways, so memory stays flat whatever the data size. Restoring needs a
freshly migrated database: it refuses to mix a backup into existing records, and checks the
whole archive (names, sizes, expansion) before writing anything (docs/security.md, "Backups").
Foreign keys are deferred in PostgreSQL until commit, so tables load in any order inside one
transaction.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from flights.models import rollups as rollup_models

FORMAT_VERSION = 1
BATCH = 5000
APPS = ("auth", "flights", "django_celery_beat")
# Created by migrations (roles, permissions), so matched by name on restore, not by id.
GROUP = "auth.group"
PERMISSION = "auth.permission"
# The data version is a cache key, not a record (flights/cache.py). Rollups are derived from
# flights and legs: the restore's own writes refill them (triggers on PostgreSQL;
# `rebuild_rollups` elsewhere), so they are not part of a backup.
ROLLUPS = {model._meta.label_lower for model in rollup_models.ALL}
SKIPPED = {PERMISSION, "auth.group_permissions", "flights.dataversion", *ROLLUPS}
MEDIA_PREFIX = "media/"
FIXED_MEMBERS = {
    "manifest.json",
    "flightlog.csv",
    "auth.group_permissions.json",
    "auth.permission_keys.json",
}
# Deflate cannot shrink data more than about 1,030 times; JSON lines of real records shrink
# 10 to 30 times, photos not at all. A member claiming more is a zip bomb, not a backup.
MAX_EXPANSION_RATIO = 200


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but keeping microseconds: a backup must give back the same times."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class RestoreError(Exception):
    """The backup cannot be restored here; the message says why."""


def label(model) -> str:
    return model._meta.label_lower


def backed_up_models() -> list[type[models.Model]]:
    """Every table of the tracker's apps, m2m tables included, parents before children."""
    found = []
    for app_label in APPS:
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            if label(model) not in SKIPPED and not model._meta.proxy:
                found.append(model)
    return _parents_first(found)


def _parents_first(found: list) -> list:
    ordered: list = []
    remaining = list(found)
    for _ in range(len(found) + 1):
        if not remaining:
            break
        for model in list(remaining):
            parents = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is not model
            }
            if not (parents & set(remaining)):
                ordered.append(model)
                remaining.remove(model)
    return ordered + remaining


def _rows(model) -> Iterator[dict]:
    fields = [field.attname for field in model._meta.concrete_fields]
    yield from model._default_manager.order_by("pk").values(*fields).iterator(chunk_size=BATCH)


def _file_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def export_all(path: Path) -> dict[str, int]:
    """Write the whole database (and uploaded files) to the zip at `path`; return the counts."""
    from flights.exports import write_flightlog
    from flights.models import Leg

    counts: dict[str, int] = {}
    media: set[str] = set()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # One snapshot for every table: the files agree with each other.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            with archive.open("flightlog.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                counts["flightlog.csv"] = write_flightlog(Leg.objects.all(), text)
                text.flush()
                text.detach()
            for model in backed_up_models():
                counts[label(model)] = _write_model(archive, model, media)
            if GROUP in counts:
                archive.writestr("auth.group_permissions.json", json.dumps(_group_permissions()))
                archive.writestr("auth.permission_keys.json", json.dumps(_permission_keys()))
        for name in sorted(media):
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(f"media/{name}", handle.read())
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "migrations": _applied_migrations(),
            "counts": counts,
            "media_files": len(media),
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return counts


def _write_model(archive: zipfile.ZipFile, model, media: set[str]) -> int:
    file_fields = _file_fields(model)
    count = 0
    with archive.open(f"{label(model)}.jsonl", "w") as raw:
        for row in _rows(model):
            raw.write(json.dumps(row, cls=_Encoder, sort_keys=True).encode() + b"\n")
            media.update(row[name] for name in file_fields if row[name])
            count += 1
    return count


def _group_permissions() -> dict[str, list[str]]:
    from django.contrib.auth.models import Group

    return {
        group.name: sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        )
        for group in Group.objects.prefetch_related("permissions")
    }


def _permission_keys() -> dict[int, str]:
    from django.contrib.auth.models import Permission

    return {
        p.pk: f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }


def _applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        if app_label in APPS and name > latest.get(app_label, ""):
            latest[app_label] = name
    return latest


def import_all(path: Path) -> dict[str, int]:
    """Restore a zip written by `export_all` into a freshly migrated database; return counts.

    The whole archive is checked first (member names, sizes, total expansion: `check_archive`),
    so a hostile or broken file writes nothing. Rows and media files are then written inside
    one transaction; if anything fails, the transaction rolls back and the files already
    written are deleted, so the database stays empty and a retry starts afresh.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return _restore(path, archive)
    except zipfile.BadZipFile as error:
        raise RestoreError(f"{path} is not a readable zip file: {error}") from None


def _restore(path: Path, archive: zipfile.ZipFile) -> dict[str, int]:
    names = set(archive.namelist())
    if "manifest.json" not in names:
        raise RestoreError(f"{path} is not a tracker backup: it has no manifest.json")
    models_here = backed_up_models()
    check_archive(archive, models_here)
    manifest = json.loads(archive.read("manifest.json"))
    if manifest.get("format") != FORMAT_VERSION:
        raise RestoreError(f"backup format {manifest.get('format')!r} is not supported")
    _refuse_unless_empty(models_here)
    counts: dict[str, int] = {}
    written: list[str] = []
    try:
        with transaction.atomic():
            remap = {
                GROUP: _restore_groups(archive, names),
                PERMISSION: _permission_ids(archive, names),
            }
            for model in models_here:
                member = f"{label(model)}.jsonl"
                if label(model) == GROUP or member not in names:
                    continue
                with _stored_timestamps(model):
                    counts[label(model)] = _restore_model(archive, member, model, remap)
            _reset_sequences(models_here)
            for name, count in manifest["counts"].items():
                if name.endswith(".csv") or name == GROUP:
                    continue
                if counts.get(name, 0) != count:
                    raise RestoreError(f"{name}: restored {counts.get(name, 0)} of {count} rows")
            # Before the commit: rows whose files could not be written are never committed.
            _restore_media(archive, names, written)
    except BaseException:
        for name in written:
            default_storage.delete(name)  # only files this restore created (existing: skipped)
        raise
    counts[GROUP] = len(remap[GROUP])
    return counts


def _restore_media(archive: zipfile.ZipFile, names: set[str], written: list[str]) -> None:
    for member in sorted(n for n in names if n.startswith(MEDIA_PREFIX)):
        target = member.removeprefix(MEDIA_PREFIX)
        if default_storage.exists(target):
            continue
        written.append(target)  # before saving: a save that fails half-way leaves a file too
        with archive.open(member) as handle:
            saved = default_storage.save(target, File(handle, name=target))
        if saved != target:
            written.append(saved)
            raise RestoreError(f"{member}: the storage would rename it to {saved!r}")


def check_archive(archive: zipfile.ZipFile, models_here=None) -> None:
    """Refuse the archive, before anything is written, unless every member is one a backup
    holds (known tables, safe media paths), no name repeats, no media file is larger than an
    upload may be, nothing expands more than MAX_EXPANSION_RATIO times, and the whole stays
    within BACKUP_MAX_EXPANDED_BYTES."""
    models_here = backed_up_models() if models_here is None else models_here
    known = {f"{label(model)}.jsonl" for model in models_here} | {f"{GROUP}.jsonl"} | FIXED_MEMBERS
    media_limit = max(settings.IMPORT_MAX_UPLOAD_BYTES, settings.PHOTO_MAX_UPLOAD_BYTES)
    seen: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = info.filename
        if name in seen:
            raise RestoreError(f"{name!r} appears twice in the archive")
        seen.add(name)
        if name.startswith(MEDIA_PREFIX):
            _check_media_name(name)
            if info.file_size > media_limit:
                raise RestoreError(
                    f"{name!r} is {info.file_size} bytes; no uploaded file exceeds {media_limit}"
                )
        elif name not in known:
            raise RestoreError(f"{name!r} is not part of a tracker backup")
        if info.file_size > MAX_EXPANSION_RATIO * max(info.compress_size, 1) + 1024 * 1024:
            raise RestoreError(
                f"{name!r} expands from {info.compress_size} to {info.file_size} bytes: "
                "more than any backup member compresses"
            )
        total += info.file_size
    if total > settings.BACKUP_MAX_EXPANDED_BYTES:
        raise RestoreError(
            f"the archive expands to {total} bytes; the limit is "
            f"{settings.BACKUP_MAX_EXPANDED_BYTES} (BACKUP_MAX_EXPANDED_BYTES)"
        )


def _check_media_name(name: str) -> None:
    relative = name.removeprefix(MEDIA_PREFIX)
    parts = PurePosixPath(relative).parts
    if (
        not relative
        or relative.endswith("/")
        or "\\" in relative
        or "\x00" in relative
        or relative.startswith("/")
        or any(part in ("..", ".") for part in parts)
        or str(PurePosixPath(*parts)) != relative
    ):
        raise RestoreError(f"{name!r} is not a safe media path")


def _refuse_unless_empty(models_here) -> None:
    busy = {
        label(model): model._default_manager.count()
        for model in models_here
        if label(model) != GROUP and model._default_manager.exists()
    }
    if busy:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(busy.items()))
        raise RestoreError(
            f"the database is not empty: {listed}. Restore into a freshly migrated database."
        )


def _restore_groups(archive: zipfile.ZipFile, names: set[str]) -> dict[int, int]:
    """Groups by name (the roles migration already made some); old id -> new id."""
    from django.contrib.auth.models import Group, Permission

    ids: dict[int, int] = {}
    if f"{GROUP}.jsonl" not in names:
        return ids
    for line in archive.open(f"{GROUP}.jsonl"):
        row = json.loads(line)
        group, _ = Group.objects.get_or_create(name=row["name"])
        ids[row["id"]] = group.pk
    if "auth.group_permissions.json" in names:
        for name, perms in json.loads(archive.read("auth.group_permissions.json")).items():
            wanted = [tuple(p.split(".", 1)) for p in perms]
            found = [
                p
                for p in Permission.objects.select_related("content_type")
                if (p.content_type.app_label, p.codename) in set(wanted)
            ]
            Group.objects.get(name=name).permissions.set(found)
    return ids


@contextmanager
def _stored_timestamps(model):
    """Keep created/updated times as backed up: auto_now fields would stamp them with now."""
    stamped = [
        (field, field.auto_now, field.auto_now_add)
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    for field, _, _ in stamped:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in stamped:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _permission_ids(archive: zipfile.ZipFile, names: set[str]) -> dict[int, int]:
    """Old permission id -> this database's id, by app label and codename."""
    from django.contrib.auth.models import Permission

    if "auth.permission_keys.json" not in names:
        return {}
    here = {
        f"{p.content_type.app_label}.{p.codename}": p.pk
        for p in Permission.objects.select_related("content_type")
    }
    keys = json.loads(archive.read("auth.permission_keys.json"))
    return {int(old): here[key] for old, key in keys.items() if key in here}


def _restore_model(archive, member: str, model, remap: dict[str, dict[int, int]]) -> int:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    remapped = {
        f.attname: remap[label(f.related_model)]
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is not None and label(f.related_model) in remap
    }
    count = 0
    batch: list = []
    for line in archive.open(member):
        row = json.loads(line)
        values = {name: fields[name].to_python(value) for name, value in row.items()}
        missing = [c for c, ids in remapped.items() if values.get(c) not in ids]
        if any(values.get(c) is not None for c in missing):
            continue  # a permission this database does not have: nothing to attach it to
        for column, ids in remapped.items():
            if values.get(column) is not None:
                values[column] = ids[values[column]]
        batch.append(model(**values))
        if len(batch) >= BATCH:
            model._default_manager.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch)
        count += len(batch)
    return count


def _reset_sequences(models_here) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_here)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
