"""Counts for the analyst pages read from the rollup tables instead of the flights and legs.

The rollups (`flights.models.rollups`) hold flights and legs summed by day or month and the
dimensions the pages filter and group on, each sized for one page part; on PostgreSQL triggers
keep them current in the writing transaction (`flights.rollup_sql`), and `rebuild()` recomputes
them from the fact tables (`manage.py rebuild_rollups`, tests). See docs/operations.md,
"Rollups".

Every reader takes the plain filter values (`flights.filters.FilterValues`), groups and sums in
the database (a page gets at most a few thousand rows) and answers None when no rollup can
answer exactly: a filter on aircraft or source, a period that does not fall on month bounds
where only a monthly rollup has the grouping, or a database without the triggers (SQLite). The
caller then runs its indexed query on the fact tables, so a page is never wrong, only slower.
"""

import dataclasses
import datetime as dt

from django.db import connections, transaction
from django.db.models import BigIntegerField, BooleanField, Count, F, Func, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth

from flights.choices import FlightKind
from flights.filters import FilterValues, Synthetic
from flights.models import (
    AircraftLegRollup,
    AircraftRollup,
    Flight,
    FlightDayRollup,
    FlightMonthKindRollup,
    FlightMonthRollup,
    FlightOperatorAllRollup,
    FlightOperatorRollup,
    FlightOriginRollup,
    Leg,
    LegRollup,
    PairMonthRollup,
    PairRollup,
)
from flights.models import rollups as keys

ESTIMATED_BASES = ("estimated", "inferred")
# Filters (FilterValues fields) each rollup can apply; any other active filter means "ask the
# fact tables". The synthetic switch is a column of every rollup.
DAY_FILTERS = {"start", "end", "country", "kinds", "statuses", "synthetic"}
UNDATED_FILTERS = DAY_FILTERS - {"start", "end"}
FILTERS = {
    FlightOriginRollup: UNDATED_FILTERS | {"airport_id"},
    FlightOperatorAllRollup: UNDATED_FILTERS | {"operator_id"},
    FlightMonthKindRollup: DAY_FILTERS,
    FlightDayRollup: DAY_FILTERS,
    FlightMonthRollup: DAY_FILTERS | {"airport_id"},
    FlightOperatorRollup: DAY_FILTERS | {"operator_id"},
    AircraftRollup: DAY_FILTERS | {"operator_id"},
    AircraftLegRollup: DAY_FILTERS,
    LegRollup: {"start", "end", "country", "kinds", "synthetic"},
    PairRollup: {"kinds", "statuses", "synthetic"},
    PairMonthRollup: {"synthetic"},
}
KEYS = {
    FlightOriginRollup: keys.ORIGIN_KEYS,
    FlightOperatorAllRollup: keys.OPERATOR_ALL_KEYS,
    FlightMonthKindRollup: keys.MONTH_KIND_KEYS,
    FlightDayRollup: keys.DAY_KEYS,
    FlightMonthRollup: keys.MONTH_KEYS,
    FlightOperatorRollup: keys.OPERATOR_KEYS,
    AircraftRollup: keys.AIRCRAFT_KEYS,
    AircraftLegRollup: keys.AIRCRAFT_LEG_KEYS,
    LegRollup: keys.LEG_KEYS,
    PairRollup: keys.PAIR_KEYS,
    PairMonthRollup: keys.PAIR_MONTH_KEYS,
}
# The flight rollups a grouping may come from, smallest first (rows at 1,000,000 generated
# flights: docs/benchmarks.md).
FLIGHT_ROLLUPS = (
    FlightOperatorAllRollup,
    FlightOriginRollup,
    FlightMonthKindRollup,
    FlightOperatorRollup,
    FlightMonthRollup,
    FlightDayRollup,
)
UNDATED = (FlightOriginRollup, FlightOperatorAllRollup, PairRollup, PairMonthRollup)
TOTALS = (FlightDayRollup, FlightMonthKindRollup)


def enabled(using: str | None = None) -> bool:
    """Only PostgreSQL keeps the rollups current (triggers); elsewhere they may be stale."""
    return connections[using or "default"].vendor == "postgresql"


def _rows(model, using: str | None):
    """The rollup's rows on `using`, or where the router sends reads (a replica, for pages)."""
    return model.objects.using(using) if using else model.objects.all()


def _active(values: FilterValues) -> set[str]:
    """The filters that narrow anything (the synthetic switch always counts as one)."""
    return {
        field.name
        for field in dataclasses.fields(values)
        if getattr(values, field.name) != field.default
    } | {"synthetic"}


def _month_aligned(values: FilterValues) -> bool:
    starts_on_first = values.start is None or values.start.day == 1
    ends_on_last = values.end is None or (values.end + dt.timedelta(days=1)).day == 1
    return starts_on_first and ends_on_last


def answers(model, values: FilterValues) -> bool:
    """Whether `model` can apply every active filter exactly (whole months for monthly ones)."""
    if not _active(values) <= FILTERS[model]:
        return False
    return model is FlightDayRollup or _month_aligned(values)


def _conditions(values: FilterValues, date_field: str | None) -> tuple[str, list]:
    """The rollup rows matching the filter values (as `FilterValues.filter_flights`), as an SQL
    condition on the rollup's own columns and its parameters: the one place the rollups'
    filters are written. Plain SQL rather than the ORM's lookups: building and compiling those
    cost 0.4 ms a read, several reads a page (docs/benchmarks.md, "Analyst pages, cold: fifth
    session")."""
    conditions, params = [], []

    def equal(column: str, value) -> None:
        conditions.append(f'"{column}" = %s')
        params.append(value)

    def one_of(column: str, choices: tuple) -> None:
        conditions.append(f'"{column}" IN ({", ".join(["%s"] * len(choices))})')
        params.extend(choices)

    if values.country:
        equal("country", values.country.upper())
    if values.kinds:
        one_of("kind", values.kinds)
    if values.statuses:
        one_of("status", values.statuses)
    if values.airport_id:
        equal("origin", values.airport_id)
    if values.operator_id:
        equal("operator", values.operator_id)
    if values.synthetic == Synthetic.EXCLUDE:
        conditions.append('NOT "is_synthetic"')
    elif values.synthetic == Synthetic.ONLY:
        conditions.append('"is_synthetic"')
    if date_field and values.start:
        conditions.append(f'"{date_field}" >= %s')
        params.append(values.start)
    if date_field and values.end:
        conditions.append(f'"{date_field}" <= %s')
        params.append(values.end)
    return " AND ".join(conditions) or "TRUE", params


def _date_field(model) -> str | None:
    if model in UNDATED:
        return None
    return "date" if model is FlightDayRollup else "month"


def _matching(model, values: FilterValues, using: str | None):
    """The rollup's rows matching the filters, as a queryset (for reads the ORM writes)."""
    sql, params = _conditions(values, _date_field(model))
    return _rows(model, using).filter(RawSQL(sql, params, output_field=BooleanField()))


def _sums(
    model, values: FilterValues, using: str | None, by: tuple[str, ...], measure: str, **equal
) -> list[tuple]:
    """(*by, sum of measure) rows of the matching rollup rows (and `equal`: column = value),
    fetched by a plain cursor: a map reads thousands of groups, and the ORM's per-row
    converters cost more than the query (docs/benchmarks.md, "Analyst pages"). The counts are
    summed as integers (no rollup row holds two billion flights): PostgreSQL sums those in a
    bigint, a third faster than its numeric sum of bigints, and it comes back an int, as the
    ORM gives it."""
    db = _rows(model, using).db
    where, params = _conditions(values, _date_field(model))
    for column, value in equal.items():
        where += f' AND "{column}" = %s'
        params.append(value)
    columns = ", ".join(f'"{column}"' for column in by)
    table = connections[db].ops.quote_name(model._meta.db_table)
    sql = (
        f'SELECT {columns}, SUM("{measure}"::integer) FROM {table} '  # noqa: S608 - our names
        f"WHERE {where} GROUP BY {columns}"
    )
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def span(values: FilterValues, using: str | None = None) -> tuple | None:
    """(first, last) date of the matching flights, (None, None) if there are none: two walks
    of the day rollup's key index from either end, in one query. None if the day rollup cannot
    answer."""
    if not enabled(using) or not answers(FlightDayRollup, values):
        return None
    dates = _matching(FlightDayRollup, values, using).values_list("date", flat=True)
    ends = sorted(dates.order_by("date")[:1].union(dates.order_by("-date")[:1], all=True))
    return (ends[0], ends[-1]) if ends else (None, None)


def flight_counts(
    values: FilterValues, by: tuple[str, ...], using: str | None = None
) -> list | None:
    """Flights matching the filters grouped by `by` (rollup column names: date or month, kind,
    status, is_synthetic, country, origin or operator), as (*by, n) tuples, from the smallest
    rollup that can answer; None if none can."""
    if not enabled(using):
        return None
    for model in FLIGHT_ROLLUPS:
        if set(by) <= set(KEYS[model]) and answers(model, values):
            return _sums(model, values, using, by, "flights")
    return None


def _whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last whole month (as month starts) within start..end, if any."""
    first = start if start.day == 1 else _next_month(start)
    after = _next_month(end) if (end + dt.timedelta(days=1)).day == 1 else end.replace(day=1)
    last = _previous_month(after)
    return (first, last) if first <= last else None


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


TOTALS_MEASURES = (
    "flights",
    "legs",
    "pax_counted",
    "pax_counted_flights",
    "pax_estimated_doubled",
    "pax_estimated_flights",
)


def _ranges(column: str, ranges: list[tuple[dt.date, dt.date]]) -> tuple[str, list]:
    sql = " OR ".join(f"{column} BETWEEN %s AND %s" for _ in ranges)
    return f"({sql})", [day for pair in ranges for day in pair]


def _period_sums(model, values, periods: dict, using) -> list[dict]:
    """Measures per country of one totals rollup, for the part of each period it covers
    (`periods`: name → inclusive date ranges). Written as SQL around the filters' conditions
    (`_conditions`): as fourteen filtered Sum() expressions the ORM spent longer building the
    query than PostgreSQL spent running it (docs/benchmarks.md, "Analyst pages")."""
    periods = {name: ranges for name, ranges in periods.items() if ranges}
    if not periods:
        return []
    db = _rows(model, using).db
    where, params = _conditions(values, _date_field(model))
    table = connections[db].ops.quote_name(model._meta.db_table)
    column = f'{table}."{"date" if model is FlightDayRollup else "month"}"'
    selects, select_params, reach, reach_params = [], [], [], []
    for ranges in periods.values():
        within, days = _ranges(column, ranges)
        selects.append(f"SUM(flights) FILTER (WHERE {within} AND kind IN (%s, %s))")
        select_params += [*days, FlightKind.REMOVAL.value, FlightKind.LATERAL.value]
        for measure in TOTALS_MEASURES:
            selects.append(f"SUM({measure}) FILTER (WHERE {within})")
            select_params += days
        reach.append(within)
        reach_params += days
    names = [f"{name}__{m}" for name in periods for m in ("removals", *TOTALS_MEASURES)]
    sql = (
        f"SELECT country, {', '.join(selects)} FROM {table} "  # noqa: S608 - our names
        f"WHERE ({where}) AND ({' OR '.join(reach)}) GROUP BY country"
    )
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [*select_params, *params, *reach_params])
        rows = cursor.fetchall()
    return [{"country": row[0], **dict(zip(names, row[1:], strict=True))} for row in rows]


def period_totals(values: FilterValues, periods: dict, using: str | None = None) -> list | None:
    """The totals rollups' measures per destination country for each named (start, end)
    period, as dicts keyed like `aggregates.totals`' query ("<period>__<measure>", NULL as 0);
    the filters' own period is ignored (periods compare across it). Whole months are read
    from the month rollup, the days before and after them from the day rollup, so a year is
    about 12 month rows and at most two months of day rows per group. None if the rollups
    cannot answer."""
    values = dataclasses.replace(values, start=None, end=None)
    if not enabled(using) or not answers(FlightDayRollup, values):
        return None
    by_month, by_day = {}, {}
    for name, (start, end) in periods.items():
        months = _whole_months(start, end)
        if months is None:
            by_day[name] = [(start, end)]
            continue
        by_month[name] = [months]
        before = months[0] - dt.timedelta(days=1)
        after = _next_month(months[1])
        by_day[name] = [r for r in ((start, before), (after, end)) if r[0] <= r[1]]
    groups: dict = {}
    for model, parts in ((FlightMonthKindRollup, by_month), (FlightDayRollup, by_day)):
        for row in _period_sums(model, values, parts, using):
            group = groups.setdefault(row["country"], {"country": row["country"]})
            for key, value in row.items():
                if key != "country":
                    group[key] = group.get(key, 0) + (value or 0)
    for group in groups.values():
        for name in periods:
            for measure in (*TOTALS_MEASURES, "removals"):
                group.setdefault(f"{name}__{measure}", 0)
    return list(groups.values())


def pair_counts(values: FilterValues, using: str | None = None) -> list | None:
    """Legs per (departure, arrival, flight kind) of the matching flights; None if no rollup
    can answer. Without a period or country the undated pair rollup does."""
    if not enabled(using):
        return None
    for model in (PairRollup, LegRollup):
        if answers(model, values):
            return _sums(model, values, using, ("departure", "arrival", "kind"), "legs")
    return None


def leg_counts(
    values: FilterValues,
    by: tuple[str, ...],
    departure: int | None = None,
    arrival: int | None = None,
    using: str | None = None,
) -> list | None:
    """Legs of the matching flights grouped by `by` (month, leg_month, is_synthetic, country,
    kind, departure, arrival), optionally from or to one airport, as (*by, n) tuples, from the
    pair-month rollup when it can answer (no filter but the synthetic switch), else the leg
    rollup; None if neither can."""
    if not enabled(using):
        return None
    for model in (PairMonthRollup, LegRollup):
        if set(by) <= set(KEYS[model]) and answers(model, values):
            ends = {"departure": departure, "arrival": arrival}
            equal = {column: pk for column, pk in ends.items() if pk is not None}
            return _sums(model, values, using, by, "legs", **equal)
    return None


def aircraft_counts(values: FilterValues, aircraft: int, using: str | None = None) -> list | None:
    """(month, operator, flights) of one aircraft's matching flights; None if no rollup can."""
    if not enabled(using) or not answers(AircraftRollup, values):
        return None
    return _sums(AircraftRollup, values, using, ("month", "operator"), "flights", aircraft=aircraft)


def aircraft_legs(values: FilterValues, aircraft: int, using: str | None = None) -> dict | None:
    """Legs, whole metres and block time of one aircraft's matching flights (the measures of
    `AircraftLegRollup`); None if the rollup cannot answer."""
    if not enabled(using) or not answers(AircraftLegRollup, values):
        return None
    qs = _matching(AircraftLegRollup, values, using).filter(aircraft=aircraft)
    names = ("legs", "metres", "timed_legs", "timed_us", "untimed_metres")
    return qs.aggregate(**{n: Coalesce(Sum(n), 0) for n in names})


# Rebuilding and checking: the rollups as grouped queries on the fact tables.


class Metres(Func):
    """A distance in km as whole metres (0 if unknown): what the triggers sum, so sums added and
    taken away never drift."""

    template = "COALESCE(CAST(ROUND(%(expressions)s * 1000) AS bigint), 0)"
    output_field = BigIntegerField()


class Microseconds(Func):
    """arrival - departure in whole microseconds."""

    template = "CAST(ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000000) AS bigint)"
    arg_joiner = " - "
    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400000000) AS bigint)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _flight_measures(model) -> dict:
    if model not in TOTALS:
        return {"flights": Count("*")}
    estimated_basis = Q(pax_basis__in=ESTIMATED_BASES)
    counted = Q(pax_count__isnull=False) & ~estimated_basis
    estimate = Q(pax_count__isnull=False) & estimated_basis | Q(
        pax_count__isnull=True, pax_min__isnull=False, pax_max__isnull=False
    )
    whole = BigIntegerField()
    doubled = Coalesce(F("pax_count") * 2, F("pax_min") + F("pax_max"), output_field=whole)
    return {
        "flights": Count("*"),
        "legs": Coalesce(Sum("leg_count"), 0),
        "pax_counted": Coalesce(Sum("pax_count", filter=counted), 0),
        "pax_counted_flights": Count("id", filter=counted),
        "pax_estimated_doubled": Coalesce(Sum(doubled, filter=estimate), 0),
        "pax_estimated_flights": Count("id", filter=estimate),
    }


def leg_measures(model) -> dict:
    """What a leg rollup sums, over legs (also the aircraft page's query on the fact tables)."""
    if model is not AircraftLegRollup:
        return {"legs": Count("*")}
    timed = Q(departure_time__isnull=False, arrival_time__isnull=False)
    return {
        "legs": Count("*"),
        "metres": Coalesce(Sum(Metres("distance_km")), 0),
        "timed_legs": Count("id", filter=timed),
        "timed_us": Coalesce(Sum(Microseconds("arrival_time", "departure_time"), filter=timed), 0),
        "untimed_metres": Coalesce(Sum(Metres("distance_km"), filter=~timed), 0),
    }


FLIGHT_COLUMNS = {
    "month": TruncMonth("date"),
    "date": F("date"),
    "kind": F("kind"),
    "status": F("status"),
    "is_synthetic": F("is_synthetic"),
    "country": F("destination_country_id"),
    "origin": F("origin_id"),
    "operator": F("operator_id"),
    "aircraft": F("aircraft_id"),
}
LEG_COLUMNS = {
    "month": TruncMonth("flight__date"),
    "leg_month": TruncMonth("date"),
    "is_synthetic": F("flight__is_synthetic"),
    "country": F("flight__destination_country_id"),
    "kind": F("flight__kind"),
    "status": F("flight__status"),
    "aircraft": F("flight__aircraft_id"),
    "departure": F("departure_airport_id"),
    "arrival": F("arrival_airport_id"),
}
LEG_ROLLUPS = (LegRollup, PairRollup, PairMonthRollup, AircraftLegRollup)
ROLLUPS = (*FLIGHT_ROLLUPS, AircraftRollup, *LEG_ROLLUPS)


def direct(model, using: str = "default"):
    """The rollup `model` computed from the fact tables, as a values() queryset of its columns."""
    if model in LEG_ROLLUPS:
        columns, measures = LEG_COLUMNS, leg_measures(model)
        base = Leg.objects.using(using)
    else:
        columns, measures = FLIGHT_COLUMNS, _flight_measures(model)
        base = Flight.objects.using(using)
    aliases = {f"k_{key}": columns[key] for key in KEYS[model]}
    return (
        (
            base.order_by()
            .annotate(**aliases)
            .values(*aliases)
            .annotate(**measures)
            .values_list(*aliases, *measures)
        ),
        KEYS[model],
        tuple(measures),
    )


def stored(model, using: str = "default") -> set[tuple]:
    """Every row of a rollup, as (*keys, *measures) tuples."""
    _, key_names, measures = direct(model, using)
    return set(model.objects.using(using).values_list(*key_names, *measures))


def computed(model, using: str = "default") -> set[tuple]:
    qs, _, _ = direct(model, using)
    return set(qs)


def rebuild(using: str = "default", only: tuple = ROLLUPS) -> dict[str, int]:
    """Recompute every rollup (or those in `only`) from the fact tables in one transaction;
    rows per rollup.

    One INSERT ... SELECT per rollup: the grouping runs in the database, not in Python.
    """
    counts = {}
    with transaction.atomic(using=using):
        connection = connections[using]
        for model in only:
            qs, key_names, measures = direct(model, using)
            sql, params = qs.query.sql_with_params()
            table = model._meta.db_table
            columns = ", ".join(connection.ops.quote_name(c) for c in (*key_names, *measures))
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
                cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
                counts[table] = cursor.rowcount
    return counts
