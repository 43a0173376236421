"""Monthly reports and reconciliation with published counts: plain data for the report pages.

A month is compared with the month before, the same month a year earlier and the average of the
six months before it (docs/dashboard.md, "Monthly report"). Every figure carries how many of its
flights are confirmed. Each breakdown is one grouped query over the thirteen months involved;
names come after in one query per breakdown, so the cost does not grow with the rows shown.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import TruncMonth

from flights import synthetic
from flights.aggregates import REMOVAL_KINDS, airport_label, share
from flights.cache import cached
from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.models import Aircraft, Airport, Country, FlightSource, Operator, PublishedFigure
from flights.models.published import PublishedMetric

TRAILING = 6
TOP = 10
# Which flights each published metric counts (docs/reconciliation.md).
METRIC_KINDS = {
    PublishedMetric.TOTAL_FLIGHTS: None,
    PublishedMetric.REMOVAL_FLIGHTS: REMOVAL_KINDS,
    PublishedMetric.LATERAL_FLIGHTS: (FlightKind.LATERAL,),
    PublishedMetric.DOMESTIC_FLIGHTS: (FlightKind.DOMESTIC,),
}
CONFIRMED = Q(status=ReviewStatus.CONFIRMED)


def add_months(month: dt.date, k: int) -> dt.date | None:
    """The first day of the month k months from `month`, or None outside years 1..9999."""
    index = month.year * 12 + month.month - 1 + k
    year, m = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    return dt.date(year, m + 1, 1)


def month_end(month: dt.date) -> dt.date:
    following = add_months(month, 1)
    return following - dt.timedelta(days=1) if following else dt.date.max


def compare(counts: dict[dt.date, int], month: dt.date) -> dict:
    """A month's count beside the previous month, the same month a year earlier and the
    trailing six-month average, with the changes (None where there is nothing to compare)."""
    current = counts.get(month, 0)
    previous_month = add_months(month, -1)
    year_ago = add_months(month, -12)
    previous = counts.get(previous_month, 0) if previous_month else None
    last_year = counts.get(year_ago, 0) if year_ago else None
    trailing_months = [add_months(month, -i) for i in range(1, TRAILING + 1)]
    trailing = (
        sum(counts.get(m, 0) for m in trailing_months) / TRAILING if all(trailing_months) else None
    )
    return {
        "n": current,
        "previous": previous,
        "year_ago": last_year,
        "trailing": trailing,
        "change_previous": None if previous is None else current - previous,
        "pct_previous": pct(current, previous),
        "pct_year_ago": pct(current, last_year),
        "pct_trailing": pct(current, trailing),
    }


def pct(current: float, before: float | None) -> float | None:
    if before is None or before == 0:
        return None
    return (current - before) / before


def _grouped(flights, field: str) -> tuple[dict, dict]:
    """{key: {month: n}} and {key: confirmed in the report month} from one GROUP BY."""
    counts: dict = defaultdict(dict)
    confirmed: dict = defaultdict(dict)
    for month, key, n, ok in (
        flights.annotate(m=TruncMonth("date"))
        .values_list("m", field)
        .annotate(n=Count("*"), ok=Count("id", filter=CONFIRMED))
        .order_by()
    ):
        counts[key][month] = n
        confirmed[key][month] = ok
    return counts, confirmed


def _breakdown(flights, field: str, month: dt.date, names: dict) -> list[dict]:
    counts, confirmed = _grouped(flights, field)
    rows = [
        {
            "key": key,
            "name": names.get(key, key) if key is not None else None,
            "confirmed": confirmed[key].get(month, 0),
            **compare(per_month, month),
        }
        for key, per_month in counts.items()
    ]
    rows = [r for r in rows if r["n"] or r["previous"]]
    rows.sort(key=lambda r: (-r["n"], -(r["previous"] or 0), str(r["name"])))
    return rows


def _names(field: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if field == "kind":
        return dict(FlightKind.choices)
    if field == "destination_country_id":
        return dict(Country.objects.filter(code__in=keys).values_list("code", "name"))
    if field == "origin_id":
        return {
            a["id"]: f"{airport_label(a['icao'], a['iata'], a['lid'])} {a['name']}"
            for a in Airport.objects.filter(id__in=keys).values("id", "icao", "iata", "lid", "name")
        }
    if field == "operator_id":
        return dict(Operator.objects.filter(id__in=keys).values_list("id", "name"))
    return dict(Aircraft.objects.filter(id__in=keys).values_list("id", "registration"))


def _keys_of(flights, field: str) -> set:
    return set(flights.order_by().values_list(field, flat=True).distinct())


def monthly_report(month: dt.date, mode: str = synthetic.EXCLUDE) -> dict:
    """Everything the report page shows for one month (its first day)."""

    def compute() -> dict:
        start = add_months(month, -12) or dt.date.min
        flights = synthetic.real_flights(mode).in_period(start, month_end(month)).order_by()
        sections = {}
        for name, field, qs in (
            ("kinds", "kind", flights),
            ("countries", "destination_country_id", flights.removals()),
            ("airports", "origin_id", flights),
            ("operators", "operator_id", flights),
            ("aircraft", "aircraft_id", flights),
        ):
            names = _names(field, _keys_of(qs, field) if field != "kind" else ())
            sections[name] = _breakdown(qs, field, month, names)
        totals = _totals(flights, month)
        kinds = {r["key"]: r for r in sections["kinds"]}
        blank = compare({}, month)
        effective = {
            "removal": kinds.get(FlightKind.REMOVAL, blank),
            "lateral": kinds.get(FlightKind.LATERAL, blank),
            "effective": totals["removals"],
        }
        drivers = sorted(
            (r for r in sections["countries"] if r["change_previous"]),
            key=lambda r: (-abs(r["change_previous"]), str(r["name"])),
        )[:5]
        return {
            "month": month,
            "totals": totals,
            "effective": effective,
            "drivers": drivers,
            "rank": _rank(mode, month, totals["flights"]["n"]),
            **{k: v if k == "kinds" else v[:TOP] for k, v in sections.items()},
        }

    return cached("monthly_report", (month, mode), compute)


def _totals(flights, month: dt.date) -> dict:
    per_month: dict = defaultdict(lambda: defaultdict(int))
    confirmed: dict = defaultdict(int)
    for m, removal, n, ok in (
        flights.annotate(
            m=TruncMonth("date"),
            removal=ExpressionWrapper(Q(kind__in=REMOVAL_KINDS), output_field=BooleanField()),
        )
        .values_list("m", "removal")
        .annotate(n=Count("*"), ok=Count("id", filter=CONFIRMED))
        .order_by()
    ):
        per_month["flights"][m] += n
        per_month["removals" if removal else "other"][m] += n
        if m == month:
            confirmed["flights"] += ok
            confirmed["removals" if removal else "other"] += ok
    return {
        key: compare(per_month[key], month) | {"confirmed": confirmed[key]}
        for key in ("flights", "removals")
    }


def _rank(mode: str, month: dt.date, n: int) -> dict:
    """The month's place among every month with a flight (1 = busiest) and how many there are."""
    counts = list(
        synthetic.real_flights(mode)
        .annotate(m=TruncMonth("date"))
        .values_list("m")
        .annotate(n=Count("*"))
        .values_list("n", flat=True)
        .order_by()
    )
    if not n:
        return {"rank": None, "months": len(counts)}
    return {"rank": 1 + sum(1 for c in counts if c > n), "months": len(counts)}


def months_tracked(mode: str = synthetic.EXCLUDE) -> list[dict]:
    """Every month with a flight, newest first, with its flight and removal counts."""
    return cached(
        "months_tracked",
        mode,
        lambda: [
            {"month": m, "n": n, "removals": r}
            for m, n, r in synthetic.real_flights(mode)
            .annotate(m=TruncMonth("date"))
            .values_list("m")
            .annotate(n=Count("*"), r=Count("id", filter=Q(kind__in=REMOVAL_KINDS)))
            .order_by("-m")
        ],
    )


def _figure_filter(figure: PublishedFigure) -> Q:
    q = Q(date__range=(figure.period_start, figure.period_end))
    kinds = METRIC_KINDS[figure.metric]
    if kinds:
        q &= Q(kind__in=kinds)
    if figure.country_id:
        q &= Q(destination_country_id=figure.country_id)
    return q


def _coverage(flights) -> dict[dt.date, dict]:
    """Per month: flights, and how many are confirmed, sighted, imported and detected."""
    sources = FlightSource.objects.filter(flight=OuterRef("pk"))
    marked = flights.annotate(
        m=TruncMonth("date"),
        sighted=Exists(sources.filter(source__kind=SourceKind.VOLUNTEER)),
        detected=Exists(sources.filter(source__kind=SourceKind.ADSB)),
        imported=Exists(
            sources.filter(source__kind__in=[SourceKind.ADVOCACY, SourceKind.FOIA, SourceKind.NEWS])
        ),
    )
    rows = (
        marked.values("m")
        .annotate(
            n=Count("*"),
            removals=Count("id", filter=Q(kind__in=REMOVAL_KINDS)),
            confirmed=Count("id", filter=CONFIRMED),
            sighted_n=Count("id", filter=Q(sighted=True)),
            detected_n=Count("id", filter=Q(detected=True)),
            imported_n=Count("id", filter=Q(imported=True)),
        )
        .order_by("m")
    )
    return {
        r["m"]: {
            "month": r["m"],
            "n": r["n"],
            "removals": r["removals"],
            "confirmed": r["confirmed"],
            "sighted": r["sighted_n"],
            "detected": r["detected_n"],
            "imported": r["imported_n"],
            "confirmed_share": share(r["confirmed"], r["n"]),
        }
        for r in rows
    }


def reconciliation(mode: str = synthetic.EXCLUDE) -> dict:
    """Each published figure beside our count for its period, metric and country, and our
    coverage per month. Our counts come from one query with one FILTER per figure."""

    def compute() -> dict:
        figures = list(PublishedFigure.objects.select_related("country"))
        flights = synthetic.real_flights(mode).order_by()
        ours: dict = {}
        for i in range(0, len(figures), 200):
            batch = figures[i : i + 200]
            ours |= flights.aggregate(
                **{f"f{f.pk}": Count("id", filter=_figure_filter(f)) for f in batch}
            )
        rows = []
        for figure in figures:
            n = ours[f"f{figure.pk}"]
            rows.append(
                {
                    "figure": figure,
                    "ours": n,
                    "difference": n - figure.value,
                    "ratio": share(n, figure.value),
                    "month": figure.period_start.replace(day=1)
                    if month_end(figure.period_start.replace(day=1)) >= figure.period_end
                    else None,
                }
            )
        coverage = _coverage(flights)
        by_month = defaultdict(list)
        for row in rows:
            if row["month"]:
                by_month[row["month"]].append(row)
        months = sorted(set(coverage) | set(by_month), reverse=True)
        return {
            "figures": rows,
            "months": [
                {
                    **coverage.get(
                        m,
                        {
                            "month": m,
                            "n": 0,
                            "removals": 0,
                            "confirmed": 0,
                            "sighted": 0,
                            "detected": 0,
                            "imported": 0,
                            "confirmed_share": None,
                        },
                    ),
                    "published": by_month.get(m, []),
                }
                for m in months
            ],
        }

    return cached("reconciliation", mode, compute)
