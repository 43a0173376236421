"""People, nationality and cost from ICE ARTS records (counts only; docs/dashboard.md).

ARTS passenger segments hold how many people a mission carried from a pickup to a drop-off
airport, how many were removals, transfers, juveniles or struck (did not fly), and counts per
country of citizenship. Nothing here touches a person: only those stored counts are summed.
Mission costs and flight hours come from the ARTS missions table when the flight model has the
fields (the ARTS missions importer adds them); until then the cost section is left out.
"""

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import ExtractYear

from flights import synthetic
from flights.aggregates import airport_label
from flights.cache import cached
from flights.choices import SourceKind
from flights.models import CitizenshipCount, Flight, PassengerSegment, Source

TOP = 15
COST_FIELD, HOURS_FIELD = "cost_usd", "flight_hours"


def has_field(name: str) -> bool:
    return any(f.name == name for f in Flight._meta.get_fields())


def _segment_totals(segments) -> dict:
    return segments.aggregate(
        segments=Count("id"),
        missions=Count("flight_id", distinct=True),
        people=Sum("people", default=0),
        removals=Sum("removals", default=0),
        transfers=Sum("transfers", default=0),
        juveniles=Sum("juveniles", default=0),
        struck=Sum("struck", default=0),
        first=Min("flight__date"),
        last=Max("flight__date"),
    )


def _by_year_and_country(counts) -> tuple[list[int], list[dict]]:
    """Top countries of citizenship, each with people per calendar year."""
    rows = (
        counts.annotate(year=ExtractYear("segment__flight__date"))
        .values_list("country_id", "country__name", "reported_name", "year")
        .annotate(n=Sum("people"))
        .order_by()
    )
    per_country: dict = {}
    years: set[int] = set()
    for code, name, reported, year, n in rows:
        key = code or reported
        entry = per_country.setdefault(
            key, {"code": code, "name": name or reported.title(), "years": {}, "n": 0}
        )
        entry["years"][year] = entry["years"].get(year, 0) + n
        entry["n"] += n
        years.add(year)
    ordered = sorted(per_country.values(), key=lambda r: (-r["n"], r["name"]))[:TOP]
    years_sorted = sorted(years)
    for entry in ordered:
        entry["per_year"] = [entry["years"].get(y, 0) for y in years_sorted]
    return years_sorted, ordered


def _by_airport(segments, field: str) -> list[dict]:
    prefix = f"{field}__"
    rows = (
        segments.values(
            f"{prefix}icao",
            f"{prefix}iata",
            f"{prefix}lid",
            f"{prefix}name",
            f"{prefix}country__name",
        )
        .annotate(
            people=Sum("people"),
            removals=Sum("removals"),
            transfers=Sum("transfers"),
            juveniles=Sum("juveniles"),
            struck=Sum("struck"),
        )
        .order_by("-people", f"{prefix}icao")[:TOP]
    )
    return [
        {
            "icao": r[f"{prefix}icao"],
            "code": airport_label(r[f"{prefix}icao"], r[f"{prefix}iata"], r[f"{prefix}lid"]),
            "name": r[f"{prefix}name"],
            "country": r[f"{prefix}country__name"],
            **{k: r[k] for k in ("people", "removals", "transfers", "juveniles", "struck")},
        }
        for r in rows
    ]


def _by_destination_country(segments) -> list[dict]:
    return [
        {"code": r["dropoff__country_id"], "name": r["dropoff__country__name"], **r}
        for r in segments.values("dropoff__country_id", "dropoff__country__name")
        .annotate(people=Sum("people"), removals=Sum("removals"), transfers=Sum("transfers"))
        .order_by("-people")[:TOP]
    ]


def _costs(flights, people_flown: int) -> dict | None:
    """Cost per mission, per flight hour and per person, over missions that report a cost."""
    if not (has_field(COST_FIELD) and has_field(HOURS_FIELD)):
        return None
    costed = flights.filter(**{f"{COST_FIELD}__isnull": False})
    sums = costed.aggregate(
        missions=Count("id"),
        cost=Sum(COST_FIELD),
        hours=Sum(HOURS_FIELD, filter=Q(**{f"{HOURS_FIELD}__isnull": False})),
        # Per flight hour over the missions that report both, not all costs over some hours.
        hours_cost=Sum(COST_FIELD, filter=Q(**{f"{HOURS_FIELD}__isnull": False})),
        hours_missions=Count("id", filter=Q(**{f"{HOURS_FIELD}__isnull": False})),
        first=Min("date"),
        last=Max("date"),
    )
    cost_people = PassengerSegment.objects.filter(flight__in=costed.values("pk")).aggregate(
        n=Sum("people", default=0) - Sum("struck", default=0)
    )["n"]
    cost = float(sums["cost"] or 0)
    return {
        **sums,
        "per_mission": cost / sums["missions"] if sums["missions"] else None,
        "per_hour": float(sums["hours_cost"]) / float(sums["hours"]) if sums["hours"] else None,
        "per_person": cost / cost_people if cost_people else None,
        "people": cost_people,
    }


def summary(mode: str = synthetic.EXCLUDE) -> dict:
    def compute() -> dict:
        flights = synthetic.real_flights(mode)
        segments = PassengerSegment.objects.filter(flight__in=flights.values("pk"))
        totals = _segment_totals(segments)
        counts = CitizenshipCount.objects.filter(segment__in=segments.values("pk"))
        years, countries = _by_year_and_country(counts)
        sources = list(
            Source.objects.filter(
                kind=SourceKind.FOIA, flights__in=flights.filter(segments__isnull=False)
            )
            .distinct()
            .values("title", "url", "publisher", "retrieved_on")[:10]
        )
        flown = (totals["people"] or 0) - (totals["struck"] or 0)
        return {
            "totals": totals,
            "flown": flown,
            "years": years,
            "countries": countries,
            "pickups": _by_airport(segments, "pickup"),
            "dropoffs": _by_airport(segments, "dropoff"),
            "destinations": _by_destination_country(segments),
            "sources": sources,
            "costs": _costs(flights, flown),
            "cost_fields": has_field(COST_FIELD) and has_field(HOURS_FIELD),
        }

    return cached("people", mode, compute)
