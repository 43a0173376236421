"""Aggregates behind the analyst pages: SQL does the counting, Python gets plain lists and dicts.

Every public function here takes the filter form (and the page's subject, if any), runs a fixed
number of grouped queries whatever the data size, and caches the result under the filters and
the data version (`flights.cache.cached`), so an import or an approved sighting shows up at once.
"""

import dataclasses
import datetime as dt
from collections import defaultdict

from django.db import connections
from django.db.models import Count, F, FloatField, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from flights import flight_table, rollups, synthetic
from flights.cache import cached
from flights.choices import Basis, FlightKind
from flights.filters import FilterValues, FlightFilterForm, operator_choices
from flights.models import Aircraft, AircraftLegRollup, Airport, Country, TimelineEvent
from flights.models.reference import short_code

REMOVAL_KINDS = (FlightKind.REMOVAL, FlightKind.LATERAL)
ESTIMATED_BASES = (Basis.ESTIMATED, Basis.INFERRED)
TOP = 10
HUBS = 8
# Estimated block hours for legs without times: cruise speed plus a fixed allowance per leg for
# taxi, climb and descent. A rough, stated method (shown on the aircraft page), not a measurement.
CRUISE_KMH = 780
LEG_ALLOWANCE_H = 0.5


def airport_label(code_icao: str, iata: str, lid: str) -> str:
    """The short code people use (Airport.code's rule), from values() columns."""
    return short_code(code_icao, iata, lid)


def _airport_row(row: dict, prefix: str) -> dict:
    return {
        "icao": row[f"{prefix}__icao"],
        "code": airport_label(
            row[f"{prefix}__icao"], row[f"{prefix}__iata"], row[f"{prefix}__lid"]
        ),
        "name": row[f"{prefix}__name"],
        "n": row["n"],
    }


def _airport_columns(prefix: str) -> list[str]:
    return [f"{prefix}__icao", f"{prefix}__iata", f"{prefix}__lid", f"{prefix}__name"]


def _rolled_totals(rows: list[dict]) -> list[dict]:
    """The day rollup's groups (`rollups.period_totals`) in the shape of `totals`' query."""
    for row in rows:
        # Sum(... FILTER) over no rows is NULL where the fact tables' Count gives 0.
        row.update({k: v or 0 for k, v in row.items() if k != "country"})
        for key in [k for k in row if k.endswith("__pax_estimated_doubled")]:
            name = key.split("__", 1)[0]
            doubled = row.pop(key)
            row[f"{name}__pax_estimated"] = doubled / 2 if doubled else doubled
            row[f"{name}__pax_any_flights"] = (
                row[f"{name}__pax_counted_flights"] + row[f"{name}__pax_estimated_flights"]
            )
        row["destination_country_id"] = row.pop("country")
    return rows


def totals(
    qs, periods: dict[str, tuple[dt.date, dt.date]], values: FilterValues | None = None
) -> dict[str, dict]:
    """Headline numbers of a flight queryset for each named period, in one query.

    Grouped by destination country (a few hundred groups at most) and summed here: one pass
    gives both the sums and "countries reached" (the groups with a flight in the period), where
    COUNT(DISTINCT ...) FILTER would sort every row once per period. With the queryset's filter
    `values`, the day rollup answers when it can (`rollups.period_totals`).
    """
    counted = Q(pax_count__isnull=False) & ~Q(pax_basis__in=ESTIMATED_BASES)
    estimated = Q(pax_count__isnull=False, pax_basis__in=ESTIMATED_BASES) | Q(
        pax_count__isnull=True, pax_min__isnull=False, pax_max__isnull=False
    )
    central = Coalesce("pax_count", (F("pax_min") + F("pax_max")) / 2.0, output_field=FloatField())
    measures = {}
    for name, (start, end) in periods.items():
        within = Q(date__range=(start, end))
        measures |= {
            f"{name}__flights": Count("date", filter=within),
            f"{name}__removals": Count("date", filter=within & Q(kind__in=REMOVAL_KINDS)),
            f"{name}__legs": Sum("leg_count", filter=within),
            # People on board, kept apart by how they are known (docs/dashboard.md): counts a
            # source reported or someone observed; estimates as their central value (a count
            # marked estimated, else the midpoint of a range with both bounds).
            f"{name}__pax_counted": Sum("pax_count", filter=within & counted),
            f"{name}__pax_counted_flights": Count("pax_count", filter=within & counted),
            f"{name}__pax_estimated": Sum(central, filter=within & estimated),
            f"{name}__pax_estimated_flights": Count("date", filter=within & estimated),
            f"{name}__pax_any_flights": Count("date", filter=within & (counted | estimated)),
        }
    first = min(start for start, _ in periods.values())
    last = max(end for _, end in periods.values())
    rolled = None if values is None else rollups.period_totals(values, periods, qs.db)
    groups = (
        _rolled_totals(rolled)
        if rolled is not None
        else (
            qs.in_period(first, last)
            .order_by()
            .values("destination_country_id")
            .annotate(**measures)
            .order_by()
        )
    )
    result: dict[str, dict] = {
        name: {key.split("__", 1)[1]: 0 for key in measures if key.startswith(f"{name}__")}
        | {"countries": 0}
        for name in periods
    }
    for group in groups:
        for key in measures:
            name, measure = key.split("__", 1)
            result[name][measure] += group[key] or 0
        if group["destination_country_id"] is not None:
            for name in periods:
                result[name]["countries"] += group[f"{name}__flights"] > 0
    return result


def _bucket(first: dt.date | None, last: dt.date | None) -> str:
    """Weeks for spans up to half a year, months beyond: the series stays a few hundred points."""
    if first and last and (last - first).days <= 183:
        return "week"
    return "month"


def _bucket_start(day: dt.date, bucket: str) -> dt.date:
    """The same bucket as TruncWeek (ISO weeks, from Monday) / TruncMonth on a date."""
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _series_from_days(days: dict[tuple[dt.date, str], int], bucket: str) -> list[dict]:
    """Flights per (bucket, kind), ordered by both, from counts per (date, kind): what
    GROUP BY TruncWeek/TruncMonth, kind would give, without truncating every row in SQL."""
    counts: dict[tuple[dt.date, str], int] = defaultdict(int)
    starts: dict[dt.date, dt.date] = {}
    for (day, kind), n in days.items():
        start = starts.get(day)
        if start is None:
            start = starts[day] = _bucket_start(day, bucket)
        counts[(start, kind)] += n
    return [{"bucket": b, "kind": k, "n": n} for (b, k), n in sorted(counts.items())]


def _rows(qs) -> list[tuple]:
    """A values_list() queryset's rows; on PostgreSQL straight from the cursor, which skips
    Django's per-row converters (the driver already gives dates and ints) for thousands of rows.
    """
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return list(qs)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _top(counts: dict, limit: int, db: str = "default") -> list[tuple]:
    """(key, n) as ORDER BY n DESC, key would give them: None last on PostgreSQL, first on
    SQLite (`nulls_order_largest`), so the order is the database's as before."""
    nulls_last = connections[db].features.nulls_order_largest
    ordered = sorted(
        counts.items(), key=lambda kv: (-kv[1], (kv[0] is None) != (not nulls_last), kv[0])
    )
    return ordered[:limit]


def _values(form) -> FilterValues:
    """The filters the rollups read; a form without the synthetic switch is given its mode."""
    return dataclasses.replace(form.plain(), synthetic=synthetic.mode(form))


def _overview_parts(flights, values: FilterValues) -> dict:
    """Span, series, top countries, US origins and operators of the flights.

    From the rollups when the filters let them answer (`values`, the flights' own filters):
    the span from the two ends of the day rollup's index, a monthly series from the month
    rollup (a few thousand rows at any data size) and a weekly one from the days of at most
    half a year. Otherwise from the flights: (kind, date) read in the order of the (kind,
    date) index without hashing (two GROUP BYs measured faster than one GROUPING SETS query).
    """
    span = rollups.span(values, flights.db)
    rolled = None
    if span is not None and span[0] is not None:
        if _bucket(*span) == "month":
            rolled = rollups.flight_counts(values, ("kind", "month"), flights.db)
        if rolled is None:
            rolled = rollups.flight_counts(values, ("kind", "date"), flights.db)
    elif span is None:
        rolled = _rows(flights.values_list("kind", "date").annotate(n=Count("*")).order_by())
    days = {(day, kind): n for kind, day, n in rolled or ()}
    if not days:
        return {"first": None, "last": None, "n": 0}
    countries, origins, operators, us_airports = _top_lists(flights, values)
    first, last = span or (min(day for day, _ in days), max(day for day, _ in days))
    return {
        "first": first,
        "last": last,
        "n": sum(days.values()),
        "series": lambda bucket: _series_from_days(days, bucket),
        "countries": countries,
        "origins": origins,
        "us_airports": us_airports,
        "operators": operators,
    }


def _top_lists(flights, values: FilterValues) -> tuple[list, list, list, dict]:
    """Top destination countries, US origins and operators of the flights, and the US origin
    airports by id: from the operator
    rollup (countries, operators) and the origin rollup when both can answer, else from one
    GROUP BY (country, origin, operator) of the flights."""
    by_operator = rollups.flight_counts(values, ("country", "operator"), flights.db)
    by_origin = rollups.flight_counts(values, ("origin",), flights.db)
    if by_operator is None or by_origin is None:
        groups = _rows(
            flights.values_list("destination_country_id", "origin_id", "operator_id")
            .annotate(n=Count("*"))
            .order_by()
        )
        by_operator = [(country, operator, n) for country, _, operator, n in groups]
        by_origin = [(origin, n) for _, origin, _, n in groups]
    countries: dict = defaultdict(int)
    origins: dict = defaultdict(int)
    operators: dict = defaultdict(int)
    for country, operator, n in by_operator:
        if country is not None:
            countries[country] += n
        operators[operator] += n
    # The US origins whole (what the page prints of them), in the query that picks them out.
    us_airports = (
        Airport.objects.filter(country_id="US", id__in={o for o, _ in by_origin if o})
        .only("id", "icao", "iata", "lid", "name")
        .in_bulk()
    )
    for origin, n in by_origin:
        if origin in us_airports:
            origins[origin] += n
    return (
        _top(countries, TOP, flights.db),
        _top(origins, TOP, flights.db),
        _top(operators, TOP - 2, flights.db),
        us_airports,
    )


def _events(first: dt.date | None, last: dt.date | None, country: str = "") -> list[dict]:
    qs = TimelineEvent.objects.all()
    if first and last:
        qs = qs.filter(date__range=(first, last))
    if country:
        qs = qs.filter(countries=country)
    return list(qs.order_by("date").values("date", "title", "url").distinct()[:30])


def shift(day: dt.date, days: int) -> dt.date | None:
    """`day` moved by `days`, or None past the calendar's ends (year 1 or 9999): any date a row
    holds must give a page, not an OverflowError."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def comparison_periods(
    start: dt.date | None, end: dt.date | None, last: dt.date
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date] | None]:
    """The period shown (a year to the last flight when open) and the one of equal length
    before it, which is None when it would start before the calendar does."""
    end = end or last
    start = start or shift(end, -364) or dt.date.min
    prev_end = shift(start, -1)
    prev_start = shift(prev_end, -(end - start).days) if prev_end else None
    return (start, end), (prev_start, prev_end) if prev_start else None


def share(n: int, total: int) -> float | None:
    """n as a fraction of the whole filtered total (not of the rows shown); None without one."""
    return n / total if total else None


def overview(form: FlightFilterForm) -> dict:
    def compute() -> dict:
        flights = synthetic.flights(form).order_by()
        span = _overview_parts(flights, _values(form))
        if not span["n"]:
            return {"empty": True}
        start, end = form.period()
        period, previous = comparison_periods(start, end, span["last"])
        undated = synthetic.flights(form, dates=False).order_by()
        periods = {"current": period} | ({"previous": previous} if previous else {})
        sums = totals(undated, periods, _values(form))
        bucket = _bucket(span["first"], span["last"])
        # The names of the top countries only: all 250 (country_names) cost 1 ms of a cold
        # overview to read and to cache.
        top = [c for c, _ in span["countries"]]
        names = dict(Country.objects.filter(pk__in=top).values_list("code", "name"))
        operator_names = dict(operator_choices())
        airports = span["us_airports"]
        total = span["n"]
        shown = sum(n for _, n in span["operators"])
        operator_rows = [
            {"id": o, "name": operator_names.get(o, _("Unknown")), "n": n}
            for o, n in span["operators"]
        ]
        if total > shown:
            operator_rows.append({"id": None, "name": _("All others"), "n": total - shown})
        return {
            "empty": False,
            "first": span["first"],
            "last": span["last"],
            "count": total,
            "period": period,
            "previous_period": previous,
            "current": sums["current"],
            "previous": sums.get("previous"),
            "bucket": bucket,
            "series": span["series"](bucket),
            "events": _events(span["first"], span["last"], form.values.get("country", "")),
            "countries": [
                {"code": c, "name": names.get(c, c), "n": n, "share": share(n, total)}
                for c, n in span["countries"]
            ],
            "airports": [
                {
                    "icao": airports[o].icao,
                    "code": airports[o].code,
                    "name": airports[o].name,
                    "n": n,
                    "share": share(n, total),
                }
                for o, n in span["origins"]
            ],
            "operators": [r | {"share": share(r["n"], total)} for r in operator_rows],
        }

    return cached("overview", synthetic.key(form), compute)


def _pairs(legs, values: FilterValues) -> list[dict]:
    """Legs per directed airport pair, with the kind most of them flew as (ties: first in
    FlightKind order), largest first: every route, however rare (docs/dashboard.md)."""
    order = {kind: i for i, kind in enumerate(FlightKind.values)}
    rolled = rollups.pair_counts(values, legs.db)
    if rolled is None:
        rolled = _rows(
            legs.values_list("departure_airport_id", "arrival_airport_id", "flight__kind")
            .annotate(n=Count("*"))
            .order_by()
        )
    # One pass over the (departure, arrival, kind) groups, thousands on a map, keeping per pair
    # its total and its main kind so far as a sort key (most legs, then the kind's order).
    pairs: dict[tuple[int, int], list] = {}
    for dep, arr, kind, n in rolled:
        rank = (-n, order.get(kind, 99))
        pair = pairs.get((dep, arr))
        if pair is None:
            pairs[dep, arr] = [n, rank, kind]
            continue
        pair[0] += n
        if rank < pair[1]:
            pair[1], pair[2] = rank, kind
    found = [
        {"from": dep, "to": arr, "n": n, "kind": kind}
        for (dep, arr), (n, _rank, kind) in pairs.items()
    ]
    return sorted(found, key=lambda p: (-p["n"], p["from"], p["to"]))


def _removal_countries(form: FlightFilterForm) -> list[dict]:
    """Removal flights per destination country (the choropleth), largest first."""
    rolled = rollups.flight_counts(_values(form), ("country", "kind"))
    if rolled is None:
        rows = (
            synthetic.flights(form)
            .removals()
            .exclude(destination_country=None)
            .values_list("destination_country_id")
            .annotate(n=Count("*"))
        )
    else:
        per_country: dict = defaultdict(int)
        for country, kind, n in rolled:
            if country is not None and kind in REMOVAL_KINDS:
                per_country[country] += n
        rows = per_country.items()
    counts = sorted(rows, key=lambda row: (-row[1], row[0]))
    # Codes, names and alpha-3 codes of just these countries, in one query.
    found = Country.objects.filter(pk__in=[c for c, _ in counts]).values_list(
        "pk", "alpha3", "name"
    )
    described = {code: (alpha3, name) for code, alpha3, name in found}
    return [
        {"code": c, "alpha3": described[c][0], "name": described[c][1], "n": n} for c, n in counts
    ]


def _map_airports(pairs: list[dict]) -> tuple[dict[int, dict], list[int]]:
    """Each airport of the routes described once (the same dict serves every route that
    touches it), and the airport ids busiest first. Labelled on the map: the busiest hubs,
    and every airport outside the US that a removal route lands at."""
    movements: dict[int, int] = defaultdict(int)
    for pair in pairs:
        movements[pair["from"]] += pair["n"]
        movements[pair["to"]] += pair["n"]
    columns = ("id", "icao", "iata", "lid", "name", "country_id", "latitude", "longitude")
    described = {
        pk: {
            "icao": icao,
            "code": airport_label(icao, iata, lid),
            "name": name,
            "country": country,
            "lat": round(latitude, 3),
            "lon": round(longitude, 3),
            "n": movements[pk],
            "label": False,
        }
        for pk, icao, iata, lid, name, country, latitude, longitude in Airport.objects.filter(
            id__in=list(movements)
        ).values_list(*columns)
    }
    busiest = [a for a, _ in sorted(movements.items(), key=lambda kv: (-kv[1], kv[0]))]
    for pk in busiest[:HUBS]:
        described[pk]["label"] = True
    for pair in pairs:
        landing = described[pair["to"]]
        if pair["kind"] in REMOVAL_KINDS and landing["country"] != "US":
            landing["label"] = True
    return described, busiest


def route_map(form: FlightFilterForm) -> dict:
    """Every route flown (directed airport pairs) with its main kind, every airport's movements,
    and removal flights per destination country for the choropleth."""

    def compute() -> dict:
        pairs = _pairs(synthetic.legs(form).order_by(), _values(form))
        airports, busiest = _map_airports(pairs)
        return {
            "legs": sum(p["n"] for p in pairs),
            "route_count": len(pairs),
            "airport_count": len(busiest),
            "routes": [
                {
                    "from": airports[p["from"]],
                    "to": airports[p["to"]],
                    "n": p["n"],
                    "kind": p["kind"],
                }
                for p in pairs
            ],
            "airports": [airports[a] for a in busiest],
            "countries": _removal_countries(form),
        }

    return cached("route_map", synthetic.key(form), compute)


def _airport_legs(legs, *by: str):
    """Legs per month (and `by`) from the fact tables, for filters no rollup answers. Departures
    and arrivals apart, each an index-only scan of an index that starts with the airport
    (0005_dashboard_rollup_indexes): an OR of both would read the legs' rows."""
    return (
        legs.annotate(month=TruncMonth("date"))
        .values_list("month", *by)
        .annotate(n=Count("*"))
        .order_by()
    )


def airport_activity(airport: Airport, form: FlightFilterForm) -> dict:
    def compute() -> dict:
        legs = synthetic.legs(form).order_by()
        values = _values(form)
        departures = rollups.leg_counts(values, ("leg_month", "arrival"), departure=airport.pk)
        if departures is None:
            departures = _airport_legs(legs.filter(departure_airport=airport), "arrival_airport_id")
        arrivals = rollups.leg_counts(values, ("leg_month",), arrival=airport.pk)
        if arrivals is None:
            arrivals = _airport_legs(legs.filter(arrival_airport=airport))
        per_month: dict = {}
        per_destination: dict = defaultdict(int)

        def month_row(month) -> dict:
            return per_month.setdefault(month, {"month": month, "departures": 0, "arrivals": 0})

        for month, arrival_airport_id, n in departures:
            month_row(month)["departures"] += n
            per_destination[arrival_airport_id] += n
        for month, n in arrivals:
            month_row(month)["arrivals"] += n
        months = [per_month[m] for m in sorted(per_month)]
        destinations = [
            {"arrival_airport_id": a, "n": n} for a, n in _top(per_destination, TOP, legs.db)
        ]
        names = Airport.objects.select_related("country").in_bulk(
            [r["arrival_airport_id"] for r in destinations]
        )
        return {
            "months": months,
            "departures": sum(m["departures"] for m in months),
            "arrivals": sum(m["arrivals"] for m in months),
            "destinations": [
                {
                    "icao": names[r["arrival_airport_id"]].icao,
                    "code": names[r["arrival_airport_id"]].code,
                    "name": names[r["arrival_airport_id"]].name,
                    "country": names[r["arrival_airport_id"]].country.name,
                    "n": r["n"],
                }
                for r in destinations
            ],
        }

    return cached("airport", (airport.pk, synthetic.key(form)), compute)


def _aircraft_months(flights, values: FilterValues, aircraft: Aircraft) -> tuple[list, list]:
    """Flights per month, and per operator with first and last dates, of one aircraft.

    From the aircraft rollup when it can answer: it gives each operator's months, and the
    exact first and last dates are read from the flights of only the first and last of those
    months (the (aircraft, operator, date) index), so the cost does not grow with the years.
    """
    rolled = rollups.aircraft_counts(values, aircraft.pk, flights.db)
    if rolled is None:
        rolled = list(
            flights.annotate(month=TruncMonth("date"))
            .values_list("month", "operator_id")
            .annotate(n=Count("*"))
            .order_by()
        )
    per_month: dict = defaultdict(int)
    per_operator: dict = {}
    for month, operator, n in rolled:
        per_month[month] += n
        first, last, total = per_operator.get(operator, (month, month, 0))
        per_operator[operator] = (min(first, month), max(last, month), total + n)
    months = [{"month": m, "n": n} for m, n in sorted(per_month.items())]
    edges = Q(pk__in=[])
    for operator, (first, last, _n) in per_operator.items():
        for month in {first, last}:
            edges |= Q(operator_id=operator, date__range=(month, _month_end(month)))
    dates = {
        operator: (first, last)
        for operator, first, last in flights.filter(edges)
        .values_list("operator_id")
        .annotate(first=Min("date"), last=Max("date"))
        .order_by()
    }
    names = dict(operator_choices())
    by_name: dict = {}
    for operator, (_first, _last, n) in per_operator.items():
        first, last = dates[operator]
        name = names.get(operator) if operator else None
        if name in by_name:
            seen = by_name[name]
            first, last, n = min(first, seen[0]), max(last, seen[1]), n + seen[2]
        by_name[name] = (first, last, n)
    operators = [
        {"name": name or _("Unknown"), "n": n, "first": first, "last": last}
        for name, (first, last, n) in sorted(by_name.items(), key=lambda kv: kv[1][0])
    ]
    return months, operators


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def aircraft_history(aircraft: Aircraft, form: FlightFilterForm) -> dict:
    def compute() -> dict:
        flights = synthetic.flights(form).filter(aircraft=aircraft).order_by()
        values = _values(form)
        months, operators = _aircraft_months(flights, values, aircraft)
        legs = rollups.aircraft_legs(values, aircraft.pk, flights.db)
        if legs is None:
            legs = (
                synthetic.legs(form)
                .filter(flight__aircraft=aircraft)
                .aggregate(**rollups.leg_measures(AircraftLegRollup))
            )
        timed_hours = legs["timed_us"] / 3.6e9
        untimed_legs = legs["legs"] - legs["timed_legs"]
        estimated = untimed_legs * LEG_ALLOWANCE_H + legs["untimed_metres"] / 1000 / CRUISE_KMH
        return {
            "months": months,
            "flights": sum(m["n"] for m in months),
            "operators": operators,
            "legs": legs["legs"],
            "km": round(legs["metres"] / 1000),
            "timed_legs": legs["timed_legs"],
            "timed_hours": round(timed_hours, 1),
            "estimated_hours": round(estimated, 1),
            "hours": round(timed_hours + estimated, 1),
        }

    return cached("aircraft", (aircraft.pk, synthetic.key(form)), compute)


def country_activity(country: Country, form: FlightFilterForm) -> dict:
    def compute() -> dict:
        flights = synthetic.flights(form).filter(destination_country=country).order_by()
        # Grouped by (kind, date) and by origin id, each read in the order of an index
        # (0005_dashboard_rollup_indexes) without hashing; names for the origins come after.
        values = _values(form)
        # A country filter naming another country leaves no flights: the fact tables say so.
        clash = values.country not in ("", country.pk)
        values = dataclasses.replace(values, country=country.pk)
        rolled = None if clash else rollups.flight_counts(values, ("kind", "month"), flights.db)
        if rolled is None and not clash:
            rolled = rollups.flight_counts(values, ("kind", "date"), flights.db)
        if rolled is None:
            rolled = _rows(flights.values_list("kind", "date").annotate(n=Count("*")).order_by())
        days = {(day, kind): n for kind, day, n in rolled}
        series = _series_from_days(days, "month")
        rolled = None if clash else rollups.flight_counts(values, ("origin",), flights.db)
        if rolled is None:
            rolled = flights.values_list("origin_id").annotate(n=Count("*")).order_by()
        per_origin = dict(rolled)
        columns = _airport_columns("origin")
        found = {
            a["id"]: {f"origin__{k}": a[k] for k in ("icao", "iata", "lid", "name")}
            for a in Airport.objects.filter(id__in=[o for o in per_origin if o]).values(
                "id", "icao", "iata", "lid", "name"
            )
        }
        blank = dict.fromkeys(columns)
        by_icao: dict = defaultdict(int)
        rows: dict = {}
        for origin, n in per_origin.items():
            row = found.get(origin, blank)
            by_icao[row["origin__icao"]] += n
            rows[row["origin__icao"]] = row
        origins = [rows[icao] | {"n": n} for icao, n in _top(by_icao, TOP, flights.db)]
        events = list(
            TimelineEvent.objects.filter(countries=country)
            .order_by("date")
            .values("date", "title", "description", "url")[:30]
        )
        return {
            "series": series,
            "flights": sum(r["n"] for r in series),
            "removals": sum(r["n"] for r in series if r["kind"] in REMOVAL_KINDS),
            "origins": [_airport_row(r, "origin") for r in origins if r["origin__icao"]],
            "events": events,
        }

    return cached("country", (country.pk, synthetic.key(form)), compute)


def flights_of(qs, name: str, key, limit: int = 20) -> SafeString:
    """The rows of a subject page's table of recent flights (`flight_table.SHORT`), one query
    when computed. Cached as written: pickling twenty flights with their related rows cost
    more than writing them (docs/benchmarks.md, "Analyst pages, cold: fifth session")."""
    return cached(
        f"recent:{name}",
        key,
        lambda: flight_table.rows(
            list(qs.for_table().order_by("-date", "-id")[:limit]), flight_table.SHORT
        ),
    )
