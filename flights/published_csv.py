"""Published figures from a CSV file (format: docs/reconciliation.md): read every row, report
every bad one by line, column and value, and write nothing unless every row is good."""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from flights import dates
from flights.models import Country, PublishedFigure
from flights.models.published import PublishedMetric

COLUMNS = (
    "source",
    "url",
    "published_on",
    "period_start",
    "period_end",
    "metric",
    "country",
    "value",
    "notes",
)
REQUIRED = ("source", "period_start", "period_end", "metric", "value")
MAX_BYTES = 2_000_000


class RowError(ValueError):
    pass


@dataclass
class Result:
    created: int = 0
    updated: int = 0


def _text(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise RowError(_("The file is larger than 2 MB."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise RowError(_("The file contains NUL bytes; it is not a CSV text file."))
    return text


def _date(value: str, column: str, required: bool) -> dt.date | None:
    if not value:
        if required:
            raise RowError(_('column "%(column)s": a date is required') % {"column": column})
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(
            _('column "%(column)s": "%(value)s" is not a date (YYYY-MM-DD)')
            % {"column": column, "value": value[:40]}
        ) from None
    problem = dates.window_error(day)
    if problem:
        raise RowError(f'column "{column}": {problem}')
    return day


def _country(value: str, countries: dict[str, str]) -> str | None:
    if not value:
        return None
    code = countries.get(value.strip().upper())
    if code is None:
        raise RowError(_('column "country": unknown country "%(value)s"') % {"value": value[:60]})
    return code


def _value(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise RowError(
            _('column "value": "%(value)s" is not a whole number ≥ 0') % {"value": value[:40]}
        )
    return int(value)


def read_row(row: dict[str, str], countries: dict[str, str]) -> dict:
    """One row's values, or RowError naming the column and value."""
    for column in REQUIRED:
        if not row.get(column):
            raise RowError(_('column "%(column)s" is empty') % {"column": column})
    if row["metric"] not in PublishedMetric.values:
        raise RowError(
            _('column "metric": "%(value)s" is not one of %(choices)s')
            % {"value": row["metric"][:40], "choices": ", ".join(PublishedMetric.values)}
        )
    start = _date(row["period_start"], "period_start", True)
    end = _date(row["period_end"], "period_end", True)
    if end < start:
        raise RowError(_('column "period_end": the period ends before it starts'))
    return {
        "source": row["source"][:200],
        "url": row.get("url", "")[:500],
        "published_on": _date(row.get("published_on", ""), "published_on", False),
        "period_start": start,
        "period_end": end,
        "metric": row["metric"],
        "country_id": _country(row.get("country", ""), countries),
        "value": _value(row["value"]),
        "notes": row.get("notes", ""),
    }


def read(raw: bytes) -> tuple[list[dict], list[str]]:
    """Rows and errors ("line 3, column "value": ..."); line 1 is the header."""
    reader = csv.DictReader(io.StringIO(_text(raw), newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RowError(
            _("The header lacks the columns: %(columns)s") % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    countries = {code: code for code in Country.objects.values_list("code", flat=True)}
    countries |= {name.upper(): code for code, name in Country.objects.values_list("code", "name")}
    rows, errors = [], []
    for row in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(cells.values()):
            continue
        try:
            rows.append(read_row(cells, countries))
        except RowError as error:
            errors.append(f"line {line}, {error}")
    return rows, errors


@transaction.atomic
def write(rows: list[dict]) -> Result:
    """Upsert on (source, metric, period, country): loading a file again changes nothing."""
    result = Result()
    for row in rows:
        key = {k: row[k] for k in ("source", "metric", "period_start", "period_end", "country_id")}
        values = {k: v for k, v in row.items() if k not in key}
        _, created = PublishedFigure.objects.update_or_create(**key, defaults=values)
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result
