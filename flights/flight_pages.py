"""The flight list's pages: keyset (cursor) steps in index order, totals from the rollups.

A page is the next 50 rows after (or before) the last row the reader saw, found by seeking the
sort's index (migration 0004, `flight_dash_*`) to that row's (value, id): page 20,000 costs what
page 1 costs. `?page=N` links made before cursors keep working with OFFSET over the same index,
ids only (no joins), which is O(N) on a narrow index.

The total comes from the rollups (flights.rollups) when they can answer the filters; otherwise
(an aircraft, a source, a period off month bounds with an airport or operator) the list counts
at most COUNT_CAP matches and says "more than" beyond that: counting every match is the one
part of a list page that grows with the data (docs/dashboard.md, "Flight list").

Sorts with NULLs (distance, people on board) put them last in both directions, as the indexes
do; the NULL rows are a second segment, read by id, after the rows that have a value.
"""

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL

from flights import rollups
from flights.filters import FilterValues
from flights.models import Flight

PAGE_SIZE = 50
COUNT_CAP = 10_000
MAX_OFFSET_PAGE = 1_000_000 // PAGE_SIZE


@dataclasses.dataclass(frozen=True)
class Order:
    field: str
    descending: bool
    nullable: bool
    parse: Callable[[Any], Any]

    def expressions(self, reverse: bool = False) -> tuple:
        """ORDER BY matching the sort's index, read forwards or (reverse) backwards."""
        descending = self.descending != reverse
        if self.nullable:
            # NULLS LAST read forwards is NULLS FIRST read backwards: the same index either way.
            value = F(self.field).desc if descending else F(self.field).asc
            key = value(nulls_last=True) if not reverse else value(nulls_first=True)
        else:
            key = F(self.field).desc() if descending else F(self.field).asc()
        return key, F("id").desc() if descending else F("id").asc()


def _int(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(value)
    return value


def _float(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    return float(value)


def _str(value):
    if not isinstance(value, str):
        raise ValueError(value)
    return value


ORDERS = {
    "date": Order("date", False, False, dt.date.fromisoformat),
    "-date": Order("date", True, False, dt.date.fromisoformat),
    "route": Order("route", False, False, _str),
    "-route": Order("route", True, False, _str),
    "legs": Order("leg_count", False, False, _int),
    "-legs": Order("leg_count", True, False, _int),
    "distance": Order("distance_km", False, True, _float),
    "-distance": Order("distance_km", True, True, _float),
    "pax": Order("pax_count", False, True, _int),
    "-pax": Order("pax_count", True, True, _int),
}
DEFAULT_SORT = "-date"


@dataclasses.dataclass(frozen=True)
class Position:
    """Where a page starts or ends: a row's sort value and id, and the page's number."""

    value: Any
    id: int
    number: int

    def encode(self, direction: str) -> str:
        value = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        raw = json.dumps([direction, value, self.id, self.number], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, order: Order) -> tuple[str, Position] | None:
    """(direction, position) of a cursor; None for anything else (the first page is shown)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, value, pk, number = json.loads(raw)
        value = None if value is None else order.parse(value)
        if value is None and not order.nullable:
            return None
        if direction not in ("next", "prev"):
            return None
        return direction, Position(value, _int(pk), max(1, _int(number)))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def _row_compare(order: Order, value, pk: int, after: bool) -> RawSQL:
    # A row comparison, which PostgreSQL reads as one range of the (value, id) index.
    operator = ">" if after != order.descending else "<"
    table = Flight._meta.db_table
    column = Flight._meta.get_field(order.field).column
    sql = f'("{table}"."{column}", "{table}"."id") {operator} (%s, %s)'
    return RawSQL(sql, (value, pk), output_field=BooleanField())


def _id_beyond(order: Order, pk: int, after: bool) -> Q:
    return Q(id__gt=pk) if after != order.descending else Q(id__lt=pk)


def _segments(qs, order: Order, start: Position | None, forward: bool) -> list:
    """Querysets of (value, id) to read in turn: rows with a value, then (nullable) NULL rows."""
    with_value = qs.filter(**{f"{order.field}__isnull": False}) if order.nullable else qs
    nulls = qs.filter(**{f"{order.field}__isnull": True})
    if start is not None and start.value is not None:
        with_value = with_value.filter(_row_compare(order, start.value, start.id, forward))
    if start is not None and start.value is None:
        nulls = nulls.filter(_id_beyond(order, start.id, forward))
        with_value = None if forward else with_value
    elif start is not None and not forward:
        nulls = None  # before a row with a value come only rows with values
    parts = [with_value, nulls] if forward else [nulls, with_value]
    if not order.nullable:
        parts = [with_value]
    ordering = order.expressions(reverse=not forward)
    return [p.order_by(*ordering).values_list(order.field, "id") for p in parts if p is not None]


def _read(qs, order: Order, start: Position | None, forward: bool, limit: int) -> list[tuple]:
    rows: list[tuple] = []
    for part in _segments(qs, order, start, forward):
        rows.extend(part[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows if forward else rows[::-1]


def total(values: FilterValues, qs) -> tuple[int, bool]:
    """(matching flights, exact): from the rollups, else counted up to COUNT_CAP + 1."""
    counts = rollups.flight_counts(values, ("is_synthetic",))
    if counts is not None:
        return sum(n for _, n in counts), True
    bounded = qs.order_by().values("id")[: COUNT_CAP + 1].count()
    return bounded, bounded <= COUNT_CAP


@dataclasses.dataclass
class Page:
    """One page of the list, as the template reads it."""

    ids: list[int]
    number: int
    count: int
    exact: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    # The table's rows as written when the page was computed (flights.flight_table): the page
    # is cached with its markup, not with fifty flights and their related rows, whose pickling
    # cost more than writing them (docs/benchmarks.md, "Analyst pages, cold: fifth session").
    rows: str = ""

    @property
    def object_list(self) -> list:
        """The page's flights in order, loaded from the database at each use."""
        by_id = Flight.objects.for_table().in_bulk(self.ids)
        return [by_id[pk] for pk in self.ids if pk in by_id]

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.ids else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.ids)

    @property
    def num_pages(self) -> int | None:
        return max(1, -(-self.count // PAGE_SIZE)) if self.exact else None

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self):
        return iter(self.object_list)


def _legacy_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_OFFSET_PAGE)


def page(qs, values: FilterValues, sort: str, cursor: str, number: str | None) -> Page:
    """The page a request asks for: by cursor, by a legacy page number, or the first."""
    order = ORDERS[sort]
    count, exact = total(values, qs)
    decoded = decode(cursor, order) if cursor else None
    if not count:
        return Page([], 1, 0, exact)
    if decoded is not None:
        direction, position = decoded
        forward = direction == "next"
        rows = _read(qs, order, position, forward, PAGE_SIZE + 1)
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE] if forward else rows[-PAGE_SIZE:]
        current = position.number + 1 if forward else max(1, position.number - 1)
        has_next = more or not forward
        if not forward and not more:
            current = 1  # read back to the start: this is the first page whatever was counted
    else:
        current = _legacy_number(number)
        if exact:
            current = min(current, max(1, -(-count // PAGE_SIZE)))
        offset = (current - 1) * PAGE_SIZE
        ids = qs.order_by(*order.expressions()).values_list(order.field, "id")
        rows = list(ids[offset : offset + PAGE_SIZE + 1])
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    result = Page([pk for _, pk in rows], current, count, exact)
    if rows and has_next:
        result.next_cursor = Position(*rows[-1], current).encode("next")
    if rows and current > 1:
        result.previous_cursor = Position(*rows[0], current).encode("prev")
    return result
