"""Column mapping for files of any other shape (docs/imports.md, "Column mapping").

The upload page reads a held run's header and first rows, guesses each column's field with
the format's own aliases, and shows the rows as they would import, with their errors, by
running the format's own row reader on them under the mapping (nothing is written). A mapping
is saved as an `ImportProfile`; `import_flights --profile NAME` and runs started with a profile
rename the header by it (Importer.mapped_header).
"""

from __future__ import annotations

from pathlib import Path

from flights.models import ImportProfile, ImportRun

from .base import CsvFile, Report, header_lookup, normalise_header
from .errors import ImportFailed

PREVIEW_ROWS = 20
IGNORE = ""


class PreviewReport(Report):
    """Counts and rejects kept in memory: a preview writes nothing."""

    def __init__(self, run):
        super().__init__(run)
        self.errors: dict[int, list[str]] = {}

    def reject(self, line, errors) -> None:
        self.rejected += 1
        self.errors[line] = [
            f"{self.column_names.get(c, c) or 'line'}: {message}" for c, _, message in errors
        ]

    def flush(self) -> None:
        pass

    def progress(self) -> None:
        pass


def preview_mapping(run: ImportRun, posted=None) -> dict:
    """The columns with their guessed (or posted) fields and the first rows read under them."""
    from . import importer_for
    from .sources import plain_csv

    importer_class = importer_for(run.format)
    fields = list(importer_class.columns)
    with plain_csv(Path(run.file.path), lambda message: None) as path:
        header, rows = _head(path)
        mapping = _mapping(header, fields, importer_class, posted)
        run.profile = ImportProfile(name="preview", format=run.format, mapping=mapping)
        report = PreviewReport(run)
        importer = importer_class(run, report)
        source = CsvFile(path, "utf-8-sig")
        source.header, source.header_line = header, 1
        try:
            importer.check_header(source)
            importer.consume(iter(rows))
        except ImportFailed as exc:  # a required field not chosen yet: say which
            report.warn(str(exc))
    values = []
    for line, cells, _ in rows:
        values.append((line, cells or [], report.errors.get(line, [])))
    return {
        "columns": [(i, name, mapping.get(name, IGNORE)) for i, name in enumerate(header)],
        "fields": fields,
        "rows": values,
        "mapping": mapping,
        "warnings": report.warnings,
    }


def _head(path: Path):
    for encoding in ("utf-8-sig", "cp1252"):
        source = CsvFile(path, encoding)
        try:
            with source.lines() as lines:
                rows = []
                for record in source.rows(lines):
                    rows.append(record)
                    if len(rows) >= PREVIEW_ROWS:
                        break
            return source.header, rows
        except UnicodeDecodeError:
            continue
    raise ImportFailed("the file cannot be read as text")


def _mapping(header, fields, importer_class, posted) -> dict[str, str]:
    """Header name → field: the posted choice, else the format's own alias, else ignored."""
    lookup = header_lookup(importer_class.columns)
    mapping = {}
    for i, name in enumerate(header):
        if not name:
            continue
        guess = lookup.get(normalise_header(name), IGNORE)
        choice = posted.get(f"col_{i}", guess) if posted is not None else guess
        mapping[name] = choice if choice in fields else IGNORE
    return mapping


def save_profile(run: ImportRun, name: str, mapping: dict, user) -> ImportProfile:
    profile, _ = ImportProfile.objects.update_or_create(
        name=name,
        defaults={"format": run.format, "mapping": mapping, "created_by": user},
    )
    ImportRun.objects.filter(pk=run.pk).update(profile=profile)
    run.profile = profile
    return profile


def enqueue_after_mapping(run: ImportRun) -> None:
    from flights.tasks import enqueue_import

    enqueue_import(run.pk)
