"""Reading trace files into detected legs and candidates: the one plain function behind the
`import_traces` command, the upload task and the scheduled feed (docs/adsb.md)."""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from flights.choices import FlightKind, SourceKind
from flights.importers.flightlog import CHAIN_GAP
from flights.models import (
    Aircraft,
    Airport,
    CallsignPattern,
    CandidateStatus,
    DetectedLeg,
    FlightSource,
    Leg,
    LegCandidate,
    Source,
    TraceFile,
    WatchedAddress,
)

from .airports import AirportIndex
from .legs import NONE, FoundLeg, Params, confidence, detect
from .readers import Trace, TraceError, read_file
from .thin import thin_track, thin_track_rows

MATCH_WINDOW = dt.timedelta(minutes=30)
CONTINUATION_WINDOW = dt.timedelta(hours=3)
ADSB_LOL_LICENCE = "ODbL 1.0 (adsb.lol)"


@dataclass
class Blob:
    name: str
    data: bytes
    url: str = ""
    licence: str = ""


@dataclass
class Report:
    files: int = 0
    aircraft: int = 0
    points: int = 0
    skipped_aircraft: int = 0
    legs: list[dict] = field(default_factory=list)
    candidates_created: int = 0
    attached: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "aircraft": self.aircraft,
            "points": self.points,
            "skipped_aircraft": self.skipped_aircraft,
            "legs": self.legs,
            "candidates_created": self.candidates_created,
            "attached_to_existing_legs": self.attached,
            "errors": self.errors,
        }


def blobs_from_paths(paths, licence: str = "") -> list[Blob]:
    """Each path a file or a folder of them (read recursively, in name order)."""
    found = []
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            found.append(Blob(file.name, file.read_bytes(), licence=licence))
    return found


def _utc(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


class Watch:
    """Who is watched: current addresses and callsign patterns."""

    def __init__(self):
        self.addresses = dict(
            WatchedAddress.objects.filter(
                valid_until__isnull=True, watched__active=True
            ).values_list("icao24", "watched_id")
        )
        self.patterns = list(CallsignPattern.objects.filter(active=True))

    def watched_id(self, trace: Trace) -> int | None:
        return self.addresses.get(trace.icao24)

    def watches(self, trace: Trace) -> bool:
        if trace.icao24 in self.addresses:
            return True
        return any(p.matches(trace.callsign) for p in self.patterns if trace.callsign)


def import_traces(blobs: list[Blob], include_all: bool = False, params=None) -> Report:
    report = Report(files=len(blobs))
    watch = Watch()
    merged: dict[str, Trace] = {}
    files: dict[int, TraceFile] = {}
    parsed = []
    for blob in blobs:
        try:
            parsed.append((blob, read_file(blob.data, blob.name)))
        except TraceError as error:
            report.errors.append(str(error))
    records = _trace_files(parsed)
    for (_blob, traces), record in zip(parsed, records, strict=True):
        files[record.pk] = record
        for trace in traces:
            report.points += len(trace.points)
            for q in trace.points:
                q.file = record.pk  # provenance of each position, for its leg
            into = merged.setdefault(trace.icao24, Trace(trace.icao24))
            into.registration = into.registration or trace.registration
            into.callsign = trace.callsign or into.callsign
            into.points.extend(trace.points)
    airports = AirportIndex.cached()
    work = []
    for trace in merged.values():
        if not include_all and not watch.watches(trace):
            report.skipped_aircraft += 1
            continue
        report.aircraft += 1
        work.append((trace, detect(trace.points, airports, params), watch.watched_id(trace)))
    _write(work, files, report)
    return report


def _trace_files(parsed) -> list[TraceFile]:
    """The TraceFile of each parsed file, in order: found by digest, else created (bulk)."""
    digests = [hashlib.sha256(blob.data).hexdigest() for blob, _t in parsed]
    known = {f.sha256: f for f in TraceFile.objects.filter(sha256__in=digests)}
    missing = {}
    for (blob, traces), digest in zip(parsed, digests, strict=True):
        if digest not in known and digest not in missing:
            missing[digest] = TraceFile(
                sha256=digest,
                name=blob.name[:300],
                url=blob.url,
                licence=blob.licence,
                points=sum(len(t.points) for t in traces),
            )
    for record in TraceFile.objects.bulk_create(missing.values()):
        known[record.sha256] = record
    return [known[digest] for digest in digests]


def _write(work, files, report: Report) -> None:
    """All legs of the run in a few queries: known legs, aircraft, recorded legs and airports
    are read once; new legs and candidates are inserted in bulk."""
    codes = {
        e.airport.icao
        for _t, found, _w in work
        for leg in found
        for e in (leg.departure, leg.arrival)
        if e.airport
    }
    airports = {a.icao: a for a in Airport.objects.filter(icao__in=codes)}
    airport_ids = {icao: a.pk for icao, a in airports.items()}
    countries = {a.pk: a.country_id for a in airports.values()}
    icaos = [trace.icao24 for trace, _f, _w in work]
    known = set()
    for icao, first, joined in DetectedLeg.objects.filter(icao24__in=icaos).values_list(
        "icao24", "first_seen", "continued_from"
    ):
        known.update({(icao, first), (icao, joined)})
    planes = _aircraft([trace for trace, _f, _w in work])
    new: list[DetectedLeg] = []
    with transaction.atomic():
        recorded = _recorded_legs(planes.values(), work)
        for trace, found, watched_id in work:
            plane = planes.get(trace.icao24)
            for leg in found:
                detected = _detected(trace, leg, watched_id, files, airport_ids)
                report.legs.append(_leg_json(trace, detected, leg))
                if (detected.icao24, detected.first_seen) in known:
                    continue  # read before: attached, offered or dismissed already
                if _continue_earlier(detected):
                    continue
                existing = _matching_leg(recorded.get(plane.pk, []) if plane else [], detected)
                if existing is not None:
                    detected.save()
                    attach(detected, existing)
                    report.attached += 1
                else:
                    new.append(detected)
        groups = chains(new)
        candidates = LegCandidate.objects.bulk_create(
            [LegCandidate(kind=guess_kind(chain, countries)) for chain in groups]
        )
        for candidate, chain in zip(candidates, groups, strict=True):
            for detected in chain:
                detected.candidate = candidate
        DetectedLeg.objects.bulk_create(new)
        report.candidates_created += len(candidates)


def _continue_earlier(detected: DetectedLeg) -> bool:
    """A leg that starts airborne continues one read earlier that ended airborne shortly
    before (a flight across midnight UTC whose day files were read in separate runs)."""
    if detected.departure_evidence != NONE or detected.departure_airport_id is not None:
        return False
    earlier = (
        DetectedLeg.objects.filter(
            icao24=detected.icao24,
            arrival_evidence=NONE,
            leg__isnull=True,
            last_seen__lt=detected.first_seen,
            last_seen__gte=detected.first_seen - CONTINUATION_WINDOW,
        )
        .exclude(candidate__status__in=[CandidateStatus.CONFIRMED, CandidateStatus.DISMISSED])
        .order_by("-last_seen")
        .first()
    )
    if earlier is None:
        return False
    tail = [list(p) for p in detected.track]
    if tail and tail[0][0] - earlier.last_seen.timestamp() > Params().gap_s:
        tail[0][4] = 1
    earlier.track = thin_track_rows(earlier.track + tail)
    earlier.arrival_airport_id, earlier.arrival_time = (
        detected.arrival_airport_id,
        detected.arrival_time,
    )
    earlier.arrival_evidence, earlier.last_seen = detected.arrival_evidence, detected.last_seen
    earlier.continued_from = detected.first_seen
    earlier.confidence = confidence(earlier.departure_evidence, earlier.arrival_evidence)
    earlier.save()
    return True


def _aircraft(traces: list[Trace]) -> dict[str, Aircraft]:
    """The tracker's aircraft of each trace: by registration, else by address."""
    regs = {t.registration for t in traces if t.registration}
    found = Aircraft.objects.filter(
        models.Q(registration__in=regs) | models.Q(icao24__in=[t.icao24 for t in traces])
    )
    by_reg = {a.registration: a for a in found}
    by_hex = {a.icao24: a for a in found if a.icao24}
    out = {}
    for t in traces:
        plane = by_reg.get(t.registration) or by_hex.get(t.icao24)
        if plane:
            out[t.icao24] = plane
    return out


def _recorded_legs(planes, work) -> dict[int, list[Leg]]:
    """Recorded legs of these aircraft on the days the traces cover (one query)."""
    moments = [q.t for trace, _f, _w in work for q in trace.points[:1] + trace.points[-1:]]
    ids = [plane.pk for plane in planes]
    if not ids or not moments:
        return {}
    first = _utc(min(moments)).date() - dt.timedelta(days=1)
    last = _utc(max(moments)).date() + dt.timedelta(days=1)
    out: dict[int, list[Leg]] = defaultdict(list)
    legs = Leg.objects.filter(flight__aircraft_id__in=ids, date__range=(first, last))
    for leg in legs.select_related("flight"):
        out[leg.flight.aircraft_id].append(leg)
    return out


def _detected(trace, leg: FoundLeg, watched_id, files, airport_ids) -> DetectedLeg:
    dep, arr = leg.departure.airport, leg.arrival.airport
    first = leg.points[0]
    return DetectedLeg(
        icao24=trace.icao24,
        registration=trace.registration,
        callsign=trace.callsign,
        watched_id=watched_id,
        departure_airport_id=airport_ids.get(dep.icao) if dep else None,
        arrival_airport_id=airport_ids.get(arr.icao) if arr else None,
        departure_time=_utc(leg.departure.time),
        arrival_time=_utc(leg.arrival.time),
        first_seen=_utc(first.t),
        last_seen=_utc(leg.points[-1].t),
        confidence=leg.confidence,
        departure_evidence=leg.departure.evidence,
        arrival_evidence=leg.arrival.evidence,
        track=thin_track(leg.points, Params().gap_s),
        trace_file=files[getattr(first, "file", next(iter(files)))],
    )


def _leg_json(trace: Trace, detected: DetectedLeg, leg: FoundLeg) -> dict:
    return {
        "icao24": trace.icao24,
        "registration": trace.registration or None,
        "callsign": trace.callsign or None,
        "from": leg.departure.airport.icao if leg.departure.airport else None,
        "to": leg.arrival.airport.icao if leg.arrival.airport else None,
        "departure_time": _iso(detected.departure_time),
        "arrival_time": _iso(detected.arrival_time),
        "confidence": leg.confidence,
    }


def _matching_leg(recorded: list[Leg], detected: DetectedLeg) -> Leg | None:
    """The recorded leg this one is: same aircraft and airports, departure within 30 minutes
    (the date when the recorded leg has no time)."""
    if not (detected.departure_airport_id and detected.arrival_airport_id):
        return None
    moment = detected.departure_time or detected.first_seen
    same = [
        leg
        for leg in recorded
        if (leg.departure_airport_id, leg.arrival_airport_id)
        == (detected.departure_airport_id, detected.arrival_airport_id)
    ]
    for leg in same:
        if leg.departure_time and abs(leg.departure_time - moment) <= MATCH_WINDOW:
            return leg
    for leg in same:
        if leg.departure_time is None and leg.date == moment.date():
            return leg
    return None


def adsb_source(detected: DetectedLeg) -> Source:
    trace_file = detected.trace_file
    source, _ = Source.objects.get_or_create(
        kind=SourceKind.ADSB,
        title=f"ADS-B positions: {trace_file.name}"[:300],
        url=trace_file.url,
        defaults={"note": trace_file.licence},
    )
    return source


def attach(detected: DetectedLeg, leg: Leg) -> None:
    """Record the positions as an ADS-B source of a leg already known."""
    source = adsb_source(detected)
    FlightSource.objects.get_or_create(
        flight_id=leg.flight_id, source=source, defaults={"note": "ADS-B track of a leg"}
    )
    detected.leg, detected.source = leg, source
    detected.save(update_fields=["leg", "source"])


def chains(legs: list[DetectedLeg]) -> list[list[DetectedLeg]]:
    """Consecutive legs of one aircraft chain as flightlog imports chain them
    (docs/flightlog-format.md): departing where the previous landed, within CHAIN_GAP of that
    landing when both times are known, else on the same date."""
    by_aircraft: dict[str, list[DetectedLeg]] = defaultdict(list)
    for leg in legs:
        by_aircraft[leg.icao24].append(leg)
    result = []
    for group in by_aircraft.values():
        group.sort(key=lambda d: d.first_seen)
        chain = [group[0]]
        for leg in group[1:]:
            prev = chain[-1]
            if prev.arrival_time and leg.departure_time:
                close = dt.timedelta(0) <= leg.departure_time - prev.arrival_time <= CHAIN_GAP
            else:
                close = leg.first_seen.date() == prev.last_seen.date()
            joined = leg.departure_airport_id is not None and close
            if joined and leg.departure_airport_id == prev.arrival_airport_id:
                chain.append(leg)
            else:
                result.append(chain)
                chain = [leg]
        result.append(chain)
    return result


def guess_kind(chain: list[DetectedLeg], country: dict[int, str] | None = None) -> str:
    """From the airports' countries: leaving the US for abroad is a removal; within the US a
    domestic transfer; from abroad to another country abroad lateral; back to the US a return."""
    if country is None:
        ids = {i for d in chain for i in (d.departure_airport_id, d.arrival_airport_id) if i}
        country = dict(Airport.objects.filter(pk__in=ids).values_list("id", "country_id"))
    kinds = set()
    for d in chain:
        a, b = country.get(d.departure_airport_id), country.get(d.arrival_airport_id)
        if a is None or b is None:
            continue
        if a == "US" and b != "US":
            kinds.add(FlightKind.REMOVAL)
        elif a == "US" and b == "US":
            kinds.add(FlightKind.DOMESTIC)
        elif b == "US":
            kinds.add(FlightKind.RETURN)
        else:
            kinds.add(FlightKind.LATERAL)
    for kind in (FlightKind.REMOVAL, FlightKind.LATERAL, FlightKind.DOMESTIC, FlightKind.RETURN):
        if kind in kinds:
            return kind
    return FlightKind.UNKNOWN
