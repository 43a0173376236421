"""Counts for the analyst pages read from the rollup tables instead of the flights and legs.

The rollups (`flights.models.rollups`) hold flights and legs summed by month or day and the
dimensions the pages filter and group on; on PostgreSQL triggers keep them current in the
writing transaction (migration 0007_rollups_tables), and `rebuild()` recomputes them from the
fact tables (`manage.py rebuild_rollups`, tests). See docs/operations.md, "Rollups".

Every reader takes the plain filter values (`flights.filters.FilterValues`) and answers None
when a rollup cannot answer exactly: a filter on aircraft or source, a period that does not fall
on month bounds where only a monthly rollup has the grouping, or a database without the
triggers (SQLite). The caller then runs its indexed query on the fact tables, so a page is never
wrong, only slower.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.db import connections, transaction
from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from flights.filters import FilterValues, Synthetic
from flights.models import Flight, FlightDayRollup, FlightMonthRollup, Leg, LegRollup
from flights.models.rollups import DAY_KEYS, LEG_KEYS, MONTH_KEYS

# Filters (FilterValues fields) the rollups can apply; any other active filter means "ask the
# fact tables". The synthetic switch is a column of every rollup.
DAY_FILTERS = {"start", "end", "country", "kinds", "statuses", "synthetic"}
MONTH_FILTERS = DAY_FILTERS | {"airport_id", "operator_id"}
LEG_FILTERS = {"start", "end", "country", "synthetic"}


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


def _filter(qs, values: FilterValues, date_field: str | None):
    """The rollup rows matching the filter values (as `FilterValues.filter_flights`)."""
    if values.country:
        qs = qs.filter(country=values.country.upper())
    if values.kinds:
        qs = qs.filter(kind__in=values.kinds)
    if values.statuses:
        qs = qs.filter(status__in=values.statuses)
    if values.airport_id:
        qs = qs.filter(origin=values.airport_id)
    if values.operator_id:
        qs = qs.filter(operator=values.operator_id)
    if values.synthetic == Synthetic.EXCLUDE:
        qs = qs.filter(is_synthetic=False)
    elif values.synthetic == Synthetic.ONLY:
        qs = qs.filter(is_synthetic=True)
    if date_field and values.start:
        qs = qs.filter(**{f"{date_field}__gte": values.start})
    if date_field and values.end:
        qs = qs.filter(**{f"{date_field}__lte": values.end})
    return qs


def _flight_rollup(values: FilterValues, by: Iterable[str], using: str | None):
    """The smaller rollup that can answer: by day if it has the columns, else by month."""
    by, active = set(by), _active(values)
    if by <= set(DAY_KEYS) and active <= DAY_FILTERS:
        return _filter(_rows(FlightDayRollup, using), values, "date")
    if by <= set(MONTH_KEYS) and active <= MONTH_FILTERS and _month_aligned(values):
        return _filter(_rows(FlightMonthRollup, using), values, "month")
    return None


def flight_counts(
    values: FilterValues, by: tuple[str, ...], using: str | None = None
) -> list | None:
    """Flights matching the filters grouped by `by` (rollup column names: date or month, kind,
    status, is_synthetic, country, origin, operator), as (*by, n) tuples; None if no rollup
    can answer."""
    if not enabled(using):
        return None
    qs = _flight_rollup(values, by, using)
    if qs is None:
        return None
    return list(qs.values_list(*by).annotate(n=Sum("flights")).order_by())


def leg_counts(
    values: FilterValues,
    by: tuple[str, ...],
    departure: int | None = None,
    arrival: int | None = None,
    using: str | None = None,
) -> list | None:
    """Legs of the matching flights grouped by `by` (month, leg_month, is_synthetic, country,
    departure, arrival), optionally from or to one airport, as (*by, n) tuples; None if the
    leg rollup cannot answer."""
    if not enabled(using) or not _active(values) <= LEG_FILTERS or not _month_aligned(values):
        return None
    qs = _filter(_rows(LegRollup, using), values, "month")
    if departure is not None:
        qs = qs.filter(departure=departure)
    if arrival is not None:
        qs = qs.filter(arrival=arrival)
    return list(qs.values_list(*by).annotate(n=Sum("legs")).order_by())


# Rebuilding and checking: the rollups as grouped queries on the fact tables.


def _flight_measures() -> dict:
    whole = IntegerField()
    unbounded = Q(pax_count__isnull=True, pax_max__isnull=True, seat_ceiling__isnull=True)
    return {
        "flights": Count("*"),
        "legs": Coalesce(Sum("leg_count"), 0),
        "pax_reported": Coalesce(Sum("pax_count"), 0),
        "pax_reported_flights": Count("pax_count"),
        "pax_low": Coalesce(Sum(Coalesce("pax_count", "pax_min", 0, output_field=whole)), 0),
        "pax_high": Coalesce(
            Sum(Coalesce("pax_count", "pax_max", "seat_ceiling", 0, output_field=whole)), 0
        ),
        "pax_unbounded": Count("id", filter=unbounded),
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
}
LEG_COLUMNS = {
    "month": TruncMonth("flight__date"),
    "leg_month": TruncMonth("date"),
    "is_synthetic": F("flight__is_synthetic"),
    "country": F("flight__destination_country_id"),
    "departure": F("departure_airport_id"),
    "arrival": F("arrival_airport_id"),
}


def direct(model, using: str = "default"):
    """The rollup `model` computed from the fact tables, as a values() queryset of its columns."""
    if model is LegRollup:
        keys, columns, measures = LEG_KEYS, LEG_COLUMNS, {"legs": Count("*")}
        base = Leg.objects.using(using)
    else:
        keys = MONTH_KEYS if model is FlightMonthRollup else DAY_KEYS
        columns, measures = FLIGHT_COLUMNS, _flight_measures()
        base = Flight.objects.using(using)
    aliases = {f"k_{key}": columns[key] for key in keys}
    return (
        (
            base.order_by()
            .annotate(**aliases)
            .values(*aliases)
            .annotate(**measures)
            .values_list(*aliases, *measures)
        ),
        keys,
        tuple(measures),
    )


def stored(model, using: str = "default") -> set[tuple]:
    """Every row of a rollup, as (*keys, *measures) tuples."""
    _, keys, measures = direct(model, using)
    return set(model.objects.using(using).values_list(*keys, *measures))


def computed(model, using: str = "default") -> set[tuple]:
    qs, _, _ = direct(model, using)
    return set(qs)


ROLLUPS = (FlightMonthRollup, FlightDayRollup, LegRollup)


def rebuild(using: str = "default") -> dict[str, int]:
    """Recompute every rollup from the fact tables in one transaction; rows per rollup.

    One INSERT ... SELECT per rollup: the grouping runs in the database, not in Python.
    """
    counts = {}
    with transaction.atomic(using=using):
        connection = connections[using]
        for model in ROLLUPS:
            qs, keys, measures = direct(model, using)
            sql, params = qs.query.sql_with_params()
            table = model._meta.db_table
            columns = ", ".join(connection.ops.quote_name(c) for c in (*keys, *measures))
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
                cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
                counts[table] = cursor.rowcount
    return counts
