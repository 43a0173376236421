"""How flights, legs and reference records look outside the tracker.

One shape for the JSON API and the exports. The querysets here cost one query whatever their
size: a flight's sources come back as a JSON array from a correlated subquery instead of a
prefetch, because a prefetch over `.iterator()` costs a query per chunk.

No user fields (created_by, updated_by, history actors) leave through these functions: the
people who enter and review flights are not part of the published record.
"""

from functools import lru_cache

from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.urls import get_script_prefix, reverse

from flights.exports import mission_id_of
from flights.models import Airport, Country, Flight, FlightSource, Leg, Operator


class JSONArrayAgg(models.Aggregate):
    """A JSON array of the aggregated values, on PostgreSQL and SQLite alike.

    JSONB rather than JSON on PostgreSQL: Django reads jsonb as text and decodes it itself, and
    jsonb compares for equality, so a DISTINCT query over it still works.
    """

    function = "JSONB_AGG"
    output_field = models.JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def sources_of(flight_ref) -> Subquery:
    """Every source of the flight `flight_ref` points at, as [{kind, title, url}] (or NULL)."""
    return Subquery(
        FlightSource.objects.filter(flight=flight_ref)
        .order_by()
        .values("flight")
        .annotate(
            items=JSONArrayAgg(
                JSONObject(kind=F("source__kind"), title=F("source__title"), url=F("source__url"))
            )
        )
        .values("items"),
        output_field=models.JSONField(),
    )


def flights_for_output(flights: models.QuerySet) -> models.QuerySet:
    """Filtered flights with everything a flight row shows, in one query (unordered)."""
    if flights.query.distinct:
        # The source filter joins sources and needs DISTINCT; keep it out of the wide query.
        flights = Flight.objects.filter(pk__in=flights.values("pk"))
    return flights.with_route().annotate(source_list=sources_of(OuterRef("pk")))


def legs_for_output(legs: models.QuerySet) -> models.QuerySet:
    """Filtered legs with their flight, aircraft, operator and airports, in one query."""
    return legs.select_related(
        "flight__aircraft__aircraft_type",
        "flight__aircraft_type",
        "flight__operator",
        "departure_airport",
        "arrival_airport",
    ).annotate(source_list=sources_of(OuterRef("flight_id")))


@lru_cache(maxsize=8)
def _flight_url_parts(script_prefix: str) -> tuple[str, str]:
    head, _, tail = reverse("flights:flight_detail", args=[987654321]).rpartition("987654321")
    return head, tail


def flight_url(pk: int) -> str:
    """The flight page's path; reversing once per row was a quarter of an export's time."""
    head, tail = _flight_url_parts(get_script_prefix())
    return f"{head}{pk}{tail}"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def sorted_sources(items) -> list[dict]:
    return sorted(items or [], key=lambda s: (s["kind"], s["title"], s["url"]))


def airport_brief(airport: Airport | None) -> dict | None:
    if airport is None:
        return None
    return {
        "code": airport.code,
        "icao": airport.icao,
        "iata": airport.iata or None,
        "name": airport.name,
        "country": airport.country_id,
    }


def airport_dict(airport: Airport) -> dict:
    return {
        "code": airport.code,
        "icao": airport.icao,
        "iata": airport.iata or None,
        "lid": airport.lid or None,
        "name": airport.name,
        "city": airport.city,
        "region": airport.region,
        "country": airport.country_id,
        "latitude": airport.latitude,
        "longitude": airport.longitude,
        "tz": airport.tz,
    }


def country_dict(country: Country) -> dict:
    return {"code": country.code, "alpha3": country.alpha3 or None, "name": country.name}


def operator_dict(operator: Operator) -> dict:
    return {
        "id": operator.pk,
        "name": operator.name,
        "kind": operator.kind,
        "icao_code": operator.icao_code or None,
    }


def aircraft_brief(aircraft) -> dict | None:
    if aircraft is None:
        return None
    aircraft_type = aircraft.aircraft_type
    return {
        "registration": aircraft.registration,
        "icao24": aircraft.icao24,
        "type": aircraft_type.designator if aircraft_type else None,
        "type_name": aircraft_type.name if aircraft_type else None,
        "seats": aircraft.seat_capacity,
    }


def type_designator(flight: Flight) -> str | None:
    """The aircraft type: the aircraft's, else the flight's own (registration unknown)."""
    aircraft = flight.aircraft
    if aircraft is not None and aircraft.aircraft_type_id:
        return aircraft.aircraft_type.designator
    return flight.aircraft_type.designator if flight.aircraft_type_id else None


def flight_dict(flight: Flight, sources: list[dict] | None = None) -> dict:
    """A flight as the API lists it; `sources` defaults to the `source_list` annotation."""
    country = flight.destination_country
    return {
        "id": flight.pk,
        "url": flight_url(flight.pk),
        "date": flight.date.isoformat(),
        "mission_id": mission_id_of(flight),
        "kind": flight.kind,
        "status": flight.status,
        "is_synthetic": flight.is_synthetic,
        "route": flight.route,
        "origin": airport_brief(flight.origin),
        "destination": airport_brief(flight.destination),
        "destination_country": {"code": country.code, "name": country.name} if country else None,
        "leg_count": flight.leg_count,
        "distance_km": flight.distance_km,
        "aircraft": aircraft_brief(flight.aircraft),
        "aircraft_type": type_designator(flight),
        "aircraft_basis": flight.aircraft_basis,
        "operator": {"id": flight.operator.pk, "name": flight.operator.name}
        if flight.operator
        else None,
        "callsign": flight.callsign or None,
        "people_on_board": {
            "count": flight.pax_count,
            "min": flight.pax_min,
            "max": flight.pax_max,
            "basis": flight.pax_basis or None,
            "method": flight.pax_method or None,
            "seat_ceiling": flight.seat_ceiling,
            "summary": flight.people_on_board(),
        },
        "sources": sorted_sources(flight.source_list) if sources is None else sources,
        "updated_at": _iso(flight.updated_at),
    }


def leg_dict(leg: Leg, with_flight: bool = True) -> dict:
    """A leg with its provenance; `with_flight` adds the flight fields a flat list needs."""
    row = {
        "id": leg.pk,
        "flight_id": leg.flight_id,
        "sequence": leg.sequence,
        "date": leg.date.isoformat(),
        "departure_time": _iso(leg.departure_time),
        "arrival_time": _iso(leg.arrival_time),
        "from": airport_brief(leg.departure_airport),
        "to": airport_brief(leg.arrival_airport),
        "departure_basis": leg.departure_basis,
        "arrival_basis": leg.arrival_basis,
        "distance_km": leg.distance_km,
        "kind": leg.kind,
        "callsign": leg.callsign or None,
        "passengers": leg.passengers,
        "passengers_basis": leg.passengers_basis or None,
        "source_url": leg.source_url or None,
        "notes": leg.notes,
    }
    if with_flight:
        flight = leg.flight
        aircraft = flight.aircraft
        row["flight"] = {
            "id": flight.pk,
            "url": flight_url(flight.pk),
            "mission_id": mission_id_of(flight),
            "status": flight.status,
            "is_synthetic": flight.is_synthetic,
            "callsign": flight.callsign or None,
            "aircraft": aircraft.registration if aircraft else None,
            "aircraft_type": type_designator(flight),
            "operator": flight.operator.name if flight.operator else None,
        }
        row["sources"] = sorted_sources(leg.source_list)
    return row


def segment_dict(segment) -> dict:
    """ARTS counts for one pickup/drop-off pair: counts only, never people."""
    return {
        "pickup": airport_brief(segment.pickup),
        "dropoff": airport_brief(segment.dropoff),
        "people": segment.people,
        "removals": segment.removals,
        "transfers": segment.transfers,
        "juveniles": segment.juveniles,
        "struck": segment.struck,
        "citizenships": [
            {"country": c.country_id, "reported_name": c.reported_name, "people": c.people}
            for c in segment.citizenships.all()
        ],
    }


def source_detail_dict(link: FlightSource) -> dict:
    source = link.source
    return {
        "kind": source.kind,
        "title": source.title,
        "url": source.url,
        "publisher": source.publisher or None,
        "retrieved_on": _iso(source.retrieved_on),
        "note": link.note or None,
    }


def flight_detail_dict(flight: Flight) -> dict:
    """A flight with its legs, detailed sources and ARTS segments (prefetched)."""
    sources = sorted(
        (source_detail_dict(link) for link in flight.flight_sources.all()),
        key=lambda s: (s["kind"], s["title"], s["url"]),
    )
    data = flight_dict(flight, sources=sources)
    data["legs"] = [leg_dict(leg, with_flight=False) for leg in flight.legs.all()]
    data["segments"] = [segment_dict(segment) for segment in flight.segments.all()]
    return data
