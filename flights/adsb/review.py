"""Moderators decide ADS-B candidates: confirm into a flight, edit, or dismiss (docs/adsb.md)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flights.choices import Basis, FlightKind, ReviewStatus
from flights.models import (
    Aircraft,
    CallsignPattern,
    CandidateStatus,
    DetectedLeg,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    LegCandidate,
    WatchedAddress,
    WatchedAircraft,
)

from .ingest import adsb_source


class CandidateError(Exception):
    """A decision that cannot be made, with a message for the moderator."""


def _pending(candidate: LegCandidate) -> None:
    if candidate.status != CandidateStatus.PENDING:
        raise CandidateError(_("This candidate was already decided."))


@transaction.atomic
def confirm(candidate: LegCandidate, user, reason: str = "") -> Flight:
    candidate = LegCandidate.objects.select_for_update().get(pk=candidate.pk)
    _pending(candidate)
    legs = list(candidate.legs.select_related("trace_file").order_by("first_seen"))
    if not legs or any(not (d.departure_airport_id and d.arrival_airport_id) for d in legs):
        raise CandidateError(_("Every leg needs both airports: edit the candidate first."))
    if any(d.departure_airport_id == d.arrival_airport_id for d in legs):
        raise CandidateError(_("A leg cannot land where it took off."))
    first = legs[0]
    aircraft = (
        Aircraft.objects.filter(registration=first.registration).first()
        if (first.registration)
        else Aircraft.objects.filter(icao24=first.icao24).first()
    )
    flight = Flight.objects.create(
        date=(first.departure_time or first.first_seen).date(),
        aircraft=aircraft,
        aircraft_basis=Basis.OBSERVED,
        callsign=first.callsign,
        kind=candidate.kind,
        status=ReviewStatus.CONFIRMED,
        created_by=user,
        updated_by=user,
        notes=_("From ADS-B positions (candidate #%(pk)s).") % {"pk": candidate.pk},
    )
    for sequence, detected in enumerate(legs, start=1):
        basis = Basis.OBSERVED if detected.confidence == "high" else Basis.INFERRED
        leg = Leg.objects.create(
            flight=flight,
            sequence=sequence,
            date=(detected.departure_time or detected.first_seen).date(),
            departure_airport_id=detected.departure_airport_id,
            arrival_airport_id=detected.arrival_airport_id,
            departure_time=detected.departure_time,
            arrival_time=detected.arrival_time,
            departure_basis=basis,
            arrival_basis=basis,
            kind=candidate.kind,
            callsign=detected.callsign,
        )
        source = adsb_source(detected)
        FlightSource.objects.get_or_create(flight=flight, source=source)
        detected.leg, detected.source = leg, source
        detected.save(update_fields=["leg", "source"])
    flight.refresh_route()
    _decide(candidate, user, CandidateStatus.CONFIRMED, reason, flight)
    FlightChange.objects.create(
        flight=flight,
        actor=user,
        action="adsb_confirmed",
        summary=_("Confirmed from ADS-B candidate #%(pk)s.") % {"pk": candidate.pk},
    )
    return flight


def _decide(candidate, user, status, reason, flight=None) -> None:
    candidate.status, candidate.decided_by, candidate.decided_at = status, user, timezone.now()
    candidate.reason, candidate.flight = reason[:300], flight
    candidate.save()


@transaction.atomic
def dismiss(candidate: LegCandidate, user, reason: str) -> None:
    """Dismissed legs stay recorded, so reading the same positions again offers nothing."""
    candidate = LegCandidate.objects.select_for_update().get(pk=candidate.pk)
    _pending(candidate)
    _decide(candidate, user, CandidateStatus.DISMISSED, reason)


@transaction.atomic
def edit(candidate: LegCandidate, kind: str, airports: dict[int, tuple]) -> None:
    """Set the kind (no longer inferred) and the airports of legs: {leg id: (from, to)}."""
    _pending(candidate)
    if kind not in FlightKind.values:
        raise CandidateError(_("Unknown kind."))
    if kind != candidate.kind:
        candidate.kind, candidate.kind_inferred = kind, False
        candidate.save(update_fields=["kind", "kind_inferred"])
    for detected in candidate.legs.all():
        dep, arr = airports.get(detected.pk, (None, None))
        detected.departure_airport = dep or detected.departure_airport
        detected.arrival_airport = arr or detected.arrival_airport
        detected.save(update_fields=["departure_airport", "arrival_airport"])


def seed_watch_list(reason: str, source: str) -> dict[str, int]:
    """Watch every aircraft already in the tracker. An address another watched aircraft holds
    is left alone and counted as a conflict: two aircraft are never merged silently."""
    counts = {"aircraft": 0, "addresses": 0, "conflicts": 0}
    for aircraft in Aircraft.objects.all().iterator():
        watched, created = WatchedAircraft.objects.get_or_create(
            registration=aircraft.registration,
            defaults={"aircraft": aircraft, "reason": reason, "source": source},
        )
        counts["aircraft"] += created
        if not aircraft.icao24:
            continue
        holder = WatchedAddress.objects.filter(icao24=aircraft.icao24, valid_until__isnull=True)
        current = holder.first()
        if current is None:
            WatchedAddress.objects.create(watched=watched, icao24=aircraft.icao24)
            counts["addresses"] += 1
        elif current.watched_id != watched.pk:
            counts["conflicts"] += 1
    return counts


@transaction.atomic
def change_address(watched: WatchedAircraft, icao24: str, on, note: str = "") -> WatchedAddress:
    """A new address from `on`; the current one is closed the day before, kept in history."""
    icao24 = icao24.strip().lower()
    holder = WatchedAddress.objects.filter(icao24=icao24, valid_until__isnull=True).first()
    if holder is not None and holder.watched_id != watched.pk:
        raise CandidateError(
            _("Address %(hex)s is held by %(other)s; close it there first.")
            % {"hex": icao24, "other": holder.watched}
        )
    for current in watched.addresses.filter(valid_until__isnull=True).exclude(icao24=icao24):
        current.valid_until = on
        current.save(update_fields=["valid_until"])
    address, _created = WatchedAddress.objects.get_or_create(
        watched=watched, icao24=icao24, valid_until=None, defaults={"valid_from": on, "note": note}
    )
    return address


def pending_candidates():
    return (
        LegCandidate.objects.filter(status=CandidateStatus.PENDING)
        .prefetch_related("legs__departure_airport", "legs__arrival_airport", "legs__trace_file")
        .order_by("created_at", "id")
    )


def tracks_for_legs(leg_ids) -> dict[int, dict]:
    """Stored ADS-B tracks by leg id, with their licence: for the flight map."""
    out = {}
    for detected in DetectedLeg.objects.filter(leg_id__in=leg_ids).select_related("trace_file"):
        out[detected.leg_id] = {"points": detected.track, "licence": detected.trace_file.licence}
    return out


# Callsign prefixes of the charters that fly these missions (GlobalX, iAero/Swift, and the
# ICE Air callsigns volunteers watch).
CALLSIGN_PATTERNS = ["GXA*", "TYSON*", "RPN*", "SWQ*"]


def seed_callsign_patterns() -> int:
    created = 0
    for pattern in CALLSIGN_PATTERNS:
        _obj, new = CallsignPattern.objects.get_or_create(
            pattern=pattern,
            defaults={"reason": "ICE Air charter callsign", "source": "docs/adsb.md"},
        )
        created += new
    return created


def seed_from_csv(data: bytes, name: str) -> dict[str, int]:
    """A list of watched aircraft: `ModeS` (or `icao`) and `Registration` columns."""
    import csv
    import io
    import re

    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    hex_col = fields.get("icao") or fields.get("modes")
    reg_col = fields.get("registration")
    if not (hex_col and reg_col):
        raise ValueError(f"{name}: needs ModeS (or icao) and Registration columns")
    counts = {"csv_aircraft": 0, "csv_conflicts": 0, "csv_rejected": 0}
    for line, row in enumerate(reader, start=2):
        icao = (row.get(hex_col) or "").strip().lower()
        registration = (row.get(reg_col) or "").strip().upper()[:10]
        if not re.fullmatch(r"[0-9a-f]{6}", icao) or not registration:
            counts["csv_rejected"] += 1
            continue
        watched, created = WatchedAircraft.objects.get_or_create(
            registration=registration,
            defaults={"reason": f"listed in {name}"[:300], "source": f"{name}, line {line}"[:300]},
        )
        counts["csv_aircraft"] += created
        holder = WatchedAddress.objects.filter(icao24=icao, valid_until__isnull=True).first()
        if holder is None:
            WatchedAddress.objects.create(watched=watched, icao24=icao)
        elif holder.watched_id != watched.pk:
            counts["csv_conflicts"] += 1
    return counts
