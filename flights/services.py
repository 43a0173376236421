"""Writes that touch several models: turning sightings into flight records.

Every moderation decision goes through one of `attach_sighting`, `create_flight_from_sighting`,
`mark_duplicate` or `reject_sighting`, whether it comes from the queue or the admin's bulk
actions. Each runs in one transaction, records a `SightingDecision`, and, when a flight changes,
a `FlightChange` in that flight's history with the moderator and the fields that changed.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from flights.cache import bump_data_version
from flights.choices import Basis, FlightKind, ReviewStatus, SourceKind
from flights.dates import in_window, window_error
from flights.models import (
    Aircraft,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    PeopleMethod,
    Sighting,
    SightingDecision,
    SightingEvent,
    SightingStatus,
    Source,
)

MATCH_WINDOW = dt.timedelta(hours=12)
INDEPENDENT_SOURCES_TO_CONFIRM = 2


class ModerationError(Exception):
    """A decision that cannot be made, with a message for the moderator."""


# --- Likely matches -----------------------------------------------------------------------------


@dataclass
class Matches:
    legs: list[Leg] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)

    def flights(self) -> list[Flight]:
        seen: dict[int, Flight] = {}
        for leg in self.legs:
            seen.setdefault(leg.flight_id, leg.flight)
        for other in self.sightings:
            if other.flight_id:
                seen.setdefault(other.flight_id, other.flight)
        return list(seen.values())


def _identity_q(regs: set[str], calls: set[str]) -> models.Q:
    """Legs flown by one of these aircraft or under one of these callsigns."""
    return (
        models.Q(flight__aircraft__registration__in=regs)
        | models.Q(callsign__in=calls)
        | models.Q(flight__callsign__in=calls)
    )


def _identities(sighting: Sighting) -> tuple[set[str], set[str]]:
    """Registrations and callsigns a sighting can match: a registration, with or without its
    dash, is also the callsign of a private flight."""
    regs = {sighting.registration, sighting.registration.replace("-", "")} - {""}
    calls = ({sighting.callsign} | {r.replace("-", "") for r in regs}) - {""}
    return regs, calls


def _leg_time(leg: Leg, airport_id: int) -> dt.datetime | None:
    if leg.departure_airport_id == airport_id and leg.departure_time:
        return leg.departure_time
    if leg.arrival_airport_id == airport_id and leg.arrival_time:
        return leg.arrival_time
    return None


def likely_matches(sightings: list[Sighting]) -> dict[int, Matches]:
    """For each sighting, legs and other sightings of the same aircraft or callsign within 12
    hours at that airport (or on a leg touching it).

    Two queries for any number of sightings: one over legs, one over other sightings; the
    pairing happens in memory on the few candidate rows.
    """
    result = {s.pk: Matches() for s in sightings}
    if not sightings:
        return result
    # One OR-ed condition per sighting (its airport, its own window, its own identities), so
    # PostgreSQL reads a few index ranges instead of every leg between the oldest and newest.
    leg_filter = models.Q(pk__in=[])
    sighting_filter = models.Q(pk__in=[])
    # A time outside the date window (a row stored before the forms checked it) matches
    # nothing: twelve hours around year 1 or 9999 is not even a datetime.
    sightings = [s for s in sightings if in_window(s.seen_at.date())]
    for sighting in sightings:
        regs, calls = _identities(sighting)
        lo, hi = sighting.seen_at - MATCH_WINDOW, sighting.seen_at + MATCH_WINDOW
        leg_filter |= (
            (
                models.Q(departure_airport_id=sighting.airport_id)
                | models.Q(arrival_airport_id=sighting.airport_id)
            )
            & models.Q(date__gte=lo.date() - dt.timedelta(days=1), date__lte=hi.date())
            & _identity_q(regs, calls)
        )
        sighting_filter |= models.Q(
            airport_id=sighting.airport_id, seen_at__gte=lo, seen_at__lte=hi
        ) & (models.Q(registration__in=regs) | models.Q(callsign__in=calls))

    legs = list(
        Leg.objects.filter(leg_filter)
        .select_related(
            "flight__aircraft", "flight__origin", "departure_airport", "arrival_airport"
        )
        .order_by("date", "flight_id", "sequence")
    )
    others = list(
        Sighting.objects.filter(sighting_filter)
        .filter(status__in=[SightingStatus.PENDING, SightingStatus.APPROVED])
        .select_related("flight", "airport")
        .order_by("seen_at")
    )

    for sighting in sightings:
        idents = {sighting.registration, sighting.registration.replace("-", ""), sighting.callsign}
        idents.discard("")
        found = result[sighting.pk]
        for leg in legs:
            if sighting.airport_id not in (leg.departure_airport_id, leg.arrival_airport_id):
                continue
            leg_idents = {leg.callsign, leg.flight.callsign}
            if leg.flight.aircraft_id:
                leg_idents.add(leg.flight.aircraft.registration)
            if not idents & leg_idents:
                continue
            when = _leg_time(leg, sighting.airport_id)
            if when is not None:
                if abs(when - sighting.seen_at) > MATCH_WINDOW:
                    continue
            else:
                # No time on the leg: its UTC date must fall within the window.
                lo = (sighting.seen_at - MATCH_WINDOW).date()
                hi = (sighting.seen_at + MATCH_WINDOW).date()
                if not lo <= leg.date <= hi:
                    continue
            found.legs.append(leg)
        for other in others:
            if other.pk == sighting.pk or other.airport_id != sighting.airport_id:
                continue
            if abs(other.seen_at - sighting.seen_at) > MATCH_WINDOW:
                continue
            if {other.registration, other.callsign} & idents:
                found.sightings.append(other)
    return result


# --- Recomputing a flight from what supports it -------------------------------------------------


def independent_support(flight: Flight) -> int:
    """How many independent sources support a flight.

    Every non-volunteer source counts once; volunteer sightings count once per volunteer, since
    one person reporting twice is not two witnesses.
    """
    others = (
        FlightSource.objects.filter(flight=flight)
        .exclude(source__kind=SourceKind.VOLUNTEER)
        .count()
    )
    volunteers = (
        Sighting.objects.filter(flight=flight, status=SightingStatus.APPROVED)
        .values("reporter_id")
        .distinct()
        .count()
    )
    return others + volunteers


def _pax_state(flight: Flight) -> dict:
    return {
        "pax_count": flight.pax_count,
        "pax_min": flight.pax_min,
        "pax_max": flight.pax_max,
        "pax_basis": flight.pax_basis,
        "pax_method": flight.pax_method,
    }


def _apply_people(flight: Flight) -> None:
    """Feed the people figures of the flight's approved sightings into its count or estimate.

    A count reported by a document (basis "reported") outranks what volunteers saw and is left
    alone. Otherwise an exact count by a volunteer becomes an observed count; ranges and
    estimates become an estimated range. Nothing ends up above the seat ceiling.
    """
    if flight.pax_basis == Basis.REPORTED and (
        flight.pax_count is not None or flight.pax_max is not None
    ):
        return
    figures = list(
        Sighting.objects.filter(flight=flight, status=SightingStatus.APPROVED)
        .filter(
            models.Q(people_count__isnull=False)
            | models.Q(people_min__isnull=False)
            | models.Q(people_max__isnull=False)
        )
        .order_by("seen_at")
        .values("pk", "people_count", "people_min", "people_max", "people_method")
    )
    if not figures:
        return
    ceiling = flight.seat_capacity()
    counted = [f for f in figures if f["people_count"] is not None]
    if counted:
        best = max(counted, key=lambda f: f["people_count"])
        count = best["people_count"]
        method = f"counted by a volunteer (sighting #{best['pk']})"
        if ceiling is not None and count > ceiling:
            count = ceiling
            method += f"; held to the {ceiling} seats"
        flight.pax_count, flight.pax_min, flight.pax_max = count, None, None
        flight.pax_basis, flight.pax_method = Basis.OBSERVED, method
        return
    lows = [f["people_min"] for f in figures if f["people_min"] is not None]
    highs = [f["people_max"] for f in figures if f["people_max"] is not None]
    low = max(lows) if lows else None
    high = max(highs) if highs else None
    if low is not None and high is not None and low > high:
        high = low
    methods = sorted({PeopleMethod(f["people_method"]).label.lower() for f in figures})
    ids = ", ".join(f"#{f['pk']}" for f in figures)
    who = "by a volunteer (sighting" if len(figures) == 1 else "by volunteers (sightings"
    flight.set_estimate(low, high, f"{' and '.join(methods)} {who} {ids})", Basis.ESTIMATED)


def recompute_flight(flight: Flight, verified: bool = False) -> dict:
    """Update status and people on board from the flight's support; return what changed."""
    before = {"status": flight.status, **_pax_state(flight)}
    _apply_people(flight)
    if flight.status in (ReviewStatus.REPORTED, ReviewStatus.DISPUTED) and verified:
        flight.status = ReviewStatus.CONFIRMED
    elif (
        flight.status == ReviewStatus.REPORTED
        and independent_support(flight) >= INDEPENDENT_SOURCES_TO_CONFIRM
    ):
        flight.status = ReviewStatus.CONFIRMED
    after = {"status": flight.status, **_pax_state(flight)}
    return {key: [before[key], after[key]] for key in before if before[key] != after[key]}


# --- Decisions -----------------------------------------------------------------------------------


def _require_pending(sighting: Sighting) -> None:
    if sighting.status != SightingStatus.PENDING:
        raise ModerationError(
            f"Sighting #{sighting.pk} was already decided: {sighting.get_status_display()}."
        )


def _lock(sighting: Sighting, actor) -> Sighting:
    locked = Sighting.objects.select_for_update().get(pk=sighting.pk)
    _require_pending(locked)
    if actor is not None and locked.reporter_id == actor.pk:
        # A second pair of eyes is the point of moderation.
        raise ModerationError("You reported this sighting: another moderator must decide on it.")
    if locked.aircraft_id is None and locked.registration:
        # The airframe may have been recorded since the volunteer reported it.
        locked.aircraft = Aircraft.objects.filter(
            registration__in={locked.registration, locked.registration.replace("-", "")}
        ).first()
    return locked


def _require_in_window(sighting: Sighting) -> None:
    """Approving would store a flight on the sighting's date; rejecting it stays possible."""
    problem = window_error(sighting.seen_at.date())
    if problem:
        raise ModerationError(
            f"Sighting #{sighting.pk} cannot be approved: {problem} Correct its time first."
        )


def _volunteer_source(sighting: Sighting) -> Source:
    # One source per sighting, titled without the volunteer's name.
    source, _ = Source.objects.get_or_create(
        kind=SourceKind.VOLUNTEER,
        title=f"Volunteer sighting #{sighting.pk}",
        url="",
        defaults={"note": f"Seen at {sighting.airport.code} ({sighting.get_event_display()})"},
    )
    return source


def _fill_leg_time(sighting: Sighting, leg: Leg) -> dict:
    """A departure or arrival seen at the leg's airport gives the leg its missing time."""
    changes = {}
    if (
        sighting.event == SightingEvent.DEPARTURE
        and leg.departure_airport_id == sighting.airport_id
        and leg.departure_time is None
        and (leg.arrival_time is None or leg.arrival_time > sighting.seen_at)
    ):
        leg.departure_time, leg.departure_basis = sighting.seen_at, Basis.OBSERVED
        changes[f"leg {leg.sequence} departure_time"] = [None, sighting.seen_at.isoformat()]
    elif (
        sighting.event == SightingEvent.ARRIVAL
        and leg.arrival_airport_id == sighting.airport_id
        and leg.arrival_time is None
        and (leg.departure_time is None or leg.departure_time < sighting.seen_at)
    ):
        leg.arrival_time, leg.arrival_basis = sighting.seen_at, Basis.OBSERVED
        changes[f"leg {leg.sequence} arrival_time"] = [None, sighting.seen_at.isoformat()]
    if changes:
        leg.save()
    return changes


_VERBS = {"sighting_attached": "attached", "sighting_approved": "approved"}


def _approve_into(
    sighting: Sighting,
    flight: Flight,
    leg: Leg | None,
    actor,
    action: str,
    reason: str,
    verified: bool,
    extra_changes: dict | None = None,
) -> Flight:
    source = _volunteer_source(sighting)
    FlightSource.objects.get_or_create(
        flight=flight,
        source=source,
        defaults={"note": f"{sighting.get_event_display().lower()} at {sighting.airport.code}"},
    )
    sighting.status = SightingStatus.APPROVED
    sighting.flight, sighting.leg, sighting.source = flight, leg, source
    sighting.moderated_by, sighting.moderated_at = actor, timezone.now()
    sighting.reason = reason
    sighting.save()

    changes = dict(extra_changes or {})
    if leg is not None:
        changes.update(_fill_leg_time(sighting, leg))
    if flight.aircraft_id is None and sighting.aircraft_id is not None:
        flight.aircraft_id, flight.aircraft_basis = sighting.aircraft_id, Basis.OBSERVED
        changes["aircraft"] = [None, sighting.aircraft.registration]
    if not flight.callsign and sighting.callsign:
        flight.callsign = sighting.callsign
        changes["callsign"] = ["", sighting.callsign]
    changes.update(recompute_flight(flight, verified=verified))
    changes["sighting"] = sighting.pk
    flight.updated_by = actor
    flight.save()
    where = f" (leg {leg.sequence})" if leg is not None else ""
    FlightChange.objects.create(
        flight=flight,
        actor=actor,
        action=action,
        summary=(
            f"Volunteer sighting at {sighting.airport.code} "
            f"({sighting.get_event_display().lower()}) "
            f"{_VERBS.get(action, action)}{where}" + (f": {reason}" if reason else "")
        )[:500],
        changes=changes,
    )
    SightingDecision.objects.create(
        sighting=sighting,
        actor=actor,
        action=action,
        reason=reason,
        flight=flight,
        changes=changes,
    )
    transaction.on_commit(bump_data_version)
    return flight


def attach_sighting(
    sighting: Sighting,
    flight: Flight,
    actor,
    leg: Leg | None = None,
    verified: bool = False,
    reason: str = "",
) -> Flight:
    """Approve a sighting as support for an existing flight (and optionally one of its legs)."""
    if leg is not None and leg.flight_id != flight.pk:
        raise ModerationError(f"Leg {leg.pk} is not part of flight {flight.pk}.")
    with transaction.atomic():
        sighting = _lock(sighting, actor)
        _require_in_window(sighting)
        flight = Flight.objects.select_for_update().get(pk=flight.pk)
        return _approve_into(sighting, flight, leg, actor, "sighting_attached", reason, verified)


def create_flight_from_sighting(
    sighting: Sighting, actor, other_airport=None, verified: bool = False, reason: str = ""
) -> Flight:
    """Approve a sighting as the first record of a new flight.

    With the other end known, the flight gets its leg (the sighting's time on the seen end);
    without it, the flight records only the airport that was seen.
    """
    with transaction.atomic():
        sighting = _lock(sighting, actor)
        _require_in_window(sighting)
        flight = Flight.objects.create(
            date=sighting.seen_at.date(),
            aircraft=sighting.aircraft,
            aircraft_basis=Basis.OBSERVED,
            aircraft_type=sighting.aircraft_type
            or (sighting.aircraft.aircraft_type if sighting.aircraft_id else None),
            callsign=sighting.callsign or "",
            kind=FlightKind.UNKNOWN,
            status=ReviewStatus.REPORTED,
            created_by=actor,
            updated_by=actor,
        )
        leg = None
        created = {"date": str(flight.date)}
        if other_airport is not None:
            departs_here = sighting.event != SightingEvent.ARRIVAL
            leg = Leg.objects.create(
                flight=flight,
                sequence=1,
                date=sighting.seen_at.date(),
                departure_airport=sighting.airport if departs_here else other_airport,
                arrival_airport=other_airport if departs_here else sighting.airport,
                departure_time=sighting.seen_at if departs_here else None,
                arrival_time=None if departs_here else sighting.seen_at,
                departure_basis=Basis.OBSERVED if departs_here else Basis.REPORTED,
                arrival_basis=Basis.REPORTED if departs_here else Basis.OBSERVED,
                callsign=sighting.callsign or "",
            )
            flight.refresh_route(save=False)
            created["route"] = flight.route
        elif sighting.event == SightingEvent.ARRIVAL:
            flight.destination = sighting.airport
            flight.destination_country_id = sighting.airport.country_id
            created["destination"] = sighting.airport.code
        else:
            flight.origin = sighting.airport
            created["origin"] = sighting.airport.code
        FlightChange.objects.create(
            flight=flight,
            actor=actor,
            action="created_from_sighting",
            summary=f"Flight created from a volunteer sighting at {sighting.airport.code}",
            changes=created,
        )
        return _approve_into(
            sighting, flight, leg, actor, "sighting_approved", reason, verified, created
        )


def mark_duplicate(sighting: Sighting, original: Sighting, actor, reason: str = "") -> Sighting:
    """Close a sighting as a repeat of another; the original's flight records it."""
    if original.pk == sighting.pk:
        raise ModerationError("A sighting cannot duplicate itself.")
    with transaction.atomic():
        sighting = _lock(sighting, actor)
        original = Sighting.objects.get(pk=original.pk)
        sighting.status = SightingStatus.DUPLICATE
        sighting.duplicate_of = original
        sighting.moderated_by, sighting.moderated_at = actor, timezone.now()
        sighting.reason = reason or f"Already reported as sighting #{original.pk}."
        sighting.save()
        changes = {"duplicate_of": original.pk}
        SightingDecision.objects.create(
            sighting=sighting,
            actor=actor,
            action="duplicate",
            reason=sighting.reason,
            flight=original.flight,
            changes=changes,
        )
        if original.flight_id:
            FlightChange.objects.create(
                flight_id=original.flight_id,
                actor=actor,
                action="sighting_duplicate",
                summary=f"A repeat report of sighting #{original.pk} was closed as a duplicate",
                changes={"sighting": sighting.pk, **changes},
            )
    return sighting


def reject_sighting(sighting: Sighting, actor, reason: str) -> Sighting:
    """Close a sighting that cannot be used; the reason is shown to the volunteer."""
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Give a reason: the volunteer sees it.")
    with transaction.atomic():
        sighting = _lock(sighting, actor)
        sighting.status = SightingStatus.REJECTED
        sighting.reason = reason
        sighting.moderated_by, sighting.moderated_at = actor, timezone.now()
        sighting.save()
        SightingDecision.objects.create(
            sighting=sighting, actor=actor, action="rejected", reason=reason
        )
    return sighting


def approve_best_match(sighting: Sighting, actor, reason: str = "") -> Flight:
    """Bulk approval: attach to the one likely flight, or create a new flight when there is none.

    Several candidate flights need a moderator's judgement: refused.
    """
    matches = likely_matches([sighting])[sighting.pk]
    flights = matches.flights()
    if len(flights) > 1:
        raise ModerationError(
            f"Sighting #{sighting.pk} matches {len(flights)} flights; choose one in the queue."
        )
    if flights:
        legs = [leg for leg in matches.legs if leg.flight_id == flights[0].pk]
        return attach_sighting(
            sighting, flights[0], actor, leg=legs[0] if len(legs) == 1 else None, reason=reason
        )
    return create_flight_from_sighting(sighting, actor, reason=reason)
