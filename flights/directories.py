"""Directories of airports, aircraft, operators and countries with their flight counts.

Counts are of real flights (synthetic ones only when asked), one GROUP BY per directory, cached
under the data version; a search narrows by name or code after counting, so every search of a
directory reuses the same counts.
"""

from collections import defaultdict

from django.db.models import Count, Q

from flights import synthetic
from flights.aggregates import REMOVAL_KINDS, airport_label
from flights.cache import cached
from flights.models import Aircraft, Airport, Country, Operator

LIMIT = 300


def clean_query(text: str | None) -> str:
    """A search as typed, without NUL bytes (PostgreSQL refuses them) and bounded in length."""
    return " ".join((text or "").replace("\x00", "").split())[:80]


def _airport_counts(mode: str) -> dict[int, dict]:
    def compute() -> dict:
        legs = synthetic.real_legs(mode).order_by()
        counts: dict = defaultdict(lambda: {"departures": 0, "arrivals": 0})
        for airport, n in legs.values_list("departure_airport_id").annotate(n=Count("*")):
            counts[airport]["departures"] = n
        for airport, n in legs.values_list("arrival_airport_id").annotate(n=Count("*")):
            counts[airport]["arrivals"] = n
        return dict(counts)

    return cached("directory:airports", mode, compute)


def airports(query: str, mode: str) -> list[dict]:
    counts = _airport_counts(mode)
    found = Airport.objects.filter(id__in=list(counts))
    if query:
        found = found.filter(
            Q(name__icontains=query)
            | Q(city__icontains=query)
            | Q(icao__iexact=query)
            | Q(iata__iexact=query)
            | Q(lid__iexact=query)
        )
    rows = [
        {
            "icao": a["icao"],
            "code": airport_label(a["icao"], a["iata"], a["lid"]),
            "name": a["name"],
            "city": a["city"],
            "country": a["country__name"],
            **counts[a["id"]],
            "n": counts[a["id"]]["departures"] + counts[a["id"]]["arrivals"],
        }
        for a in found.values("id", "icao", "iata", "lid", "name", "city", "country__name")
    ]
    return sorted(rows, key=lambda r: (-r["n"], r["code"]))[:LIMIT]


def _flight_counts(mode: str, field: str) -> dict:
    return cached(
        f"directory:{field}",
        mode,
        lambda: {
            key: {"n": n, "removals": r}
            for key, n, r in synthetic.real_flights(mode)
            .exclude(**{field: None})
            .values_list(field)
            .annotate(n=Count("*"), r=Count("id", filter=Q(kind__in=REMOVAL_KINDS)))
            .order_by()
        },
    )


def aircraft(query: str, mode: str) -> list[dict]:
    counts = _flight_counts(mode, "aircraft_id")
    found = Aircraft.objects.filter(id__in=list(counts))
    if query:
        found = found.filter(
            Q(registration__icontains=query)
            | Q(operator__name__icontains=query)
            | Q(aircraft_type__designator__iexact=query)
            | Q(aircraft_type__name__icontains=query)
        )
    rows = [
        {
            "registration": a["registration"],
            "type": a["aircraft_type__designator"] or "",
            "type_name": a["aircraft_type__name"] or "",
            "operator": a["operator__name"] or "",
            **counts[a["id"]],
        }
        for a in found.values(
            "id",
            "registration",
            "aircraft_type__designator",
            "aircraft_type__name",
            "operator__name",
        )
    ]
    return sorted(rows, key=lambda r: (-r["n"], r["registration"]))[:LIMIT]


def operators(query: str, mode: str) -> list[dict]:
    counts = _flight_counts(mode, "operator_id")
    found = Operator.objects.filter(id__in=list(counts))
    if query:
        found = found.filter(Q(name__icontains=query) | Q(icao_code__iexact=query))
    rows = [
        {"id": o["id"], "name": o["name"], "kind": o["kind"], **counts[o["id"]]}
        for o in found.values("id", "name", "kind")
    ]
    return sorted(rows, key=lambda r: (-r["n"], r["name"]))[:LIMIT]


def countries(query: str, mode: str) -> list[dict]:
    counts = _flight_counts(mode, "destination_country_id")
    found = Country.objects.filter(code__in=list(counts))
    if query:
        found = found.filter(Q(name__icontains=query) | Q(code__iexact=query))
    rows = [{"code": c["code"], "name": c["name"], **counts[c["code"]]} for c in found.values()]
    return sorted(rows, key=lambda r: (-r["n"], r["name"]))[:LIMIT]
