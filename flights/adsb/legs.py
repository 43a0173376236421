"""Leg detection in one aircraft's positions: pure, parameters in `Params` (docs/adsb.md).

1. Clean: sort, drop repeated times, wild positions (implied speed over `wild_speed_kt`),
   single altitude spikes and single "ground" reports in flight.
2. Each point is on the ground (reported so, or slower than `ground_speed_kt`) or airborne.
3. Airborne runs between ground runs are split where a coverage gap hides a stop: the aircraft
   was low near an airport before the gap or climbing out of one after it, or it covered too
   little distance in the gap to have kept flying.
4. Each end of a run is found: seen (ground points next to it), low (a few hundred feet over an
   airport's elevation, projected along a 3° path to the airport), across a gap (the airport
   where it was before or after the gap), or unknown (the trace starts or ends airborne).
"""

from dataclasses import dataclass, field

from .airports import AirportIndex, Site, bearing_deg, distance_km, hidden_stop
from .readers import Point

SEEN, LOW, GAP, NONE = "seen", "low", "gap", "none"


@dataclass(frozen=True)
class Params:
    ground_speed_kt: float = 40.0  # slower than this is taxiing: the types watched fly > 100 kt
    ground_radius_km: float = 6.0  # an aircraft on the ground is at an airport this close
    gap_s: float = 600.0  # no position for this long is a coverage gap
    low_agl_ft: float = 1500.0  # lower than this over an airport's elevation is a climb/approach
    low_radius_km: float = 20.0
    touchdown_miss_km: float = 6.0  # projected touchdown this close to the airport
    agl_tolerance_ft: float = 300.0  # altimeter error allowed below the airport's elevation
    wild_speed_kt: float = 900.0  # faster than this between two positions is a wild point
    spike_ft: float = 2500.0  # a single altitude this far from both neighbours is noise
    stop_speed_ratio: float = 0.35  # covered distance/gap below this fraction of speed: stopped
    stop_min_gap_s: float = 2700.0
    min_airborne_s: float = 120.0
    hidden_stop_radius_km: float = 150.0  # a stop hidden by a gap is this close to the return
    climb_fpm: float = 2000.0  # to date a takeoff from the first low position
    descent_fpm: float = 800.0  # to date a landing from the last low position


@dataclass
class End:
    airport: Site | None
    time: float | None
    evidence: str  # seen, low, gap, none


@dataclass
class FoundLeg:
    departure: End
    arrival: End
    points: list[Point] = field(default_factory=list)  # raw positions of the leg, in order

    @property
    def confidence(self) -> str:
        return confidence(self.departure.evidence, self.arrival.evidence)


def confidence(departure: str, arrival: str) -> str:
    """high: both ends seen; medium: each end seen or low; low: otherwise."""
    ends = {departure, arrival}
    if ends == {SEEN}:
        return "high"
    if ends <= {SEEN, LOW}:
        return "medium"
    return "low"


def _speed_kt(a: Point, b: Point) -> float:
    dt = b.t - a.t
    return distance_km(a.lat, a.lon, b.lat, b.lon) / 1.852 / (dt / 3600) if dt > 0 else 0.0


def clean(points: list[Point], p: Params) -> list[Point]:
    pts = sorted(points, key=lambda q: q.t)
    kept: list[Point] = []
    skipped = 0
    for q in pts:
        if kept and q.t == kept[-1].t:
            continue
        if kept and skipped < 3 and _speed_kt(kept[-1], q) > p.wild_speed_kt:
            skipped += 1  # a wild position; three in a row mean the earlier one was wrong
            continue
        skipped = 0
        kept.append(q)
    for i in range(1, len(kept) - 1):
        a, q, b = kept[i - 1], kept[i], kept[i + 1]
        if b.t - a.t > 120:
            continue
        if None not in (a.alt, q.alt, b.alt) and not (a.ground or q.ground or b.ground):
            spike = abs(q.alt - a.alt) > p.spike_ft and abs(q.alt - b.alt) > p.spike_ft
            if spike and abs(a.alt - b.alt) < p.spike_ft / 2:
                q.alt = (a.alt + b.alt) / 2
        if q.ground and not a.ground and not b.ground:
            fast = min(a.gs or 0, b.gs or 0) > 150
            high = None not in (a.alt, b.alt) and min(a.alt, b.alt) > 3000 + _min_elev(q)
            if fast and high:
                q.ground = False  # a lone "ground" report in cruise
    return kept


def _min_elev(q: Point) -> float:
    return 0.0  # conservative: 3000 ft above sea level is above any runway the types reach


def is_ground(q: Point, p: Params) -> bool:
    return q.ground or (q.gs is not None and q.gs < p.ground_speed_kt)


def _heading(a: Point, b: Point) -> float | None:
    if distance_km(a.lat, a.lon, b.lat, b.lon) < 0.05:
        return None
    return bearing_deg(a.lat, a.lon, b.lat, b.lon)


def _low_end(run: list[Point], airports: AirportIndex, p: Params, at_start: bool):
    """The airport a run starts climbing from or ends descending into, from its low points."""
    q = run[0] if at_start else run[-1]
    if q.alt is None:
        return None
    heading = None
    if len(run) > 1:
        a, b = (run[1], run[0]) if at_start else (run[-2], run[-1])
        heading = _heading(a, b)  # for the start: pointing back along the track
    found = airports.glide_target(q.lat, q.lon, q.alt, heading, p)
    if found is None:
        return None
    site, agl = found
    rate = p.climb_fpm if at_start else p.descent_fpm
    offset = max(agl, 0) / rate * 60
    return End(site, q.t - offset if at_start else q.t + offset, LOW)


def _split_at_stops(run: list[Point], airports: AirportIndex, p: Params) -> list[list[Point]]:
    pieces, current = [], [run[0]]
    for i in range(1, len(run)):
        a, b = run[i - 1], run[i]
        dt = b.t - a.t
        stop = False
        if dt > p.gap_s:
            before = _low_end(current, airports, p, at_start=False)
            after = _low_end(run[i : i + 3], airports, p, at_start=True)
            slow = _speed_kt(a, b) < p.stop_speed_ratio * max(a.gs or 0, 250)
            stop = bool(before or after) or (slow and dt > p.stop_min_gap_s)
        if stop:
            pieces.append(current)
            current = [b]
        else:
            current.append(b)
    pieces.append(current)
    return pieces


def _runs(points: list[Point], p: Params) -> list[tuple[bool, list[Point]]]:
    runs: list[tuple[bool, list[Point]]] = []
    for q in points:
        g = is_ground(q, p)
        if runs and runs[-1][0] == g:
            runs[-1][1].append(q)
        else:
            runs.append((g, [q]))
    return runs


def _end(piece, neighbour, airports, p, at_start: bool) -> End:
    """One end of an airborne piece. `neighbour`: the ground point next to it, or the airborne
    point across the stop gap, or None."""
    edge = piece[0] if at_start else piece[-1]
    if neighbour is not None and is_ground(neighbour, p):
        site = airports.on_ground_at(neighbour.lat, neighbour.lon, p.ground_radius_km)
        if abs(edge.t - neighbour.t) <= p.gap_s:
            moment = (edge.t + neighbour.t) / 2 if abs(edge.t - neighbour.t) <= 60 else edge.t
            return End(site, moment, SEEN if site else NONE)
        low = _low_end(piece, airports, p, at_start)
        if low:
            return low
        return End(site, None, GAP if site else NONE)
    low = _low_end(piece, airports, p, at_start)
    return low or End(None, None, NONE)


def detect(points: list[Point], airports: AirportIndex, p: Params | None = None) -> list[FoundLeg]:
    """The legs flown in one aircraft's positions, in order."""
    p = p or Params()
    pts = clean(points, p)
    runs = _runs(pts, p)
    legs: list[FoundLeg] = []
    for index, (ground, run) in enumerate(runs):
        if ground:
            continue
        before = runs[index - 1][1][-1] if index > 0 else None
        after = runs[index + 1][1][0] if index + 1 < len(runs) else None
        pieces = _split_at_stops(run, airports, p)
        found = []
        for k, piece in enumerate(pieces):
            dep = _end(piece, before if k == 0 else None, airports, p, at_start=True)
            last = k == len(pieces) - 1
            arr = _end(piece, after if last else None, airports, p, at_start=False)
            ends = (before if k == 0 else None, after if last else None)
            found.append(FoundLeg(dep, arr, _with_ground_ends(piece, *ends)))
        _fill_across_stops(found, airports, p)
        legs.extend(leg for leg in found if _keep(leg, p))
    return legs


def _fill_across_stops(found: list[FoundLeg], airports: AirportIndex, p: Params) -> None:
    """Across a stop hidden by a gap the aircraft stayed where it landed: one known end
    names the other; when neither is known, the headings either side of the gap do."""
    for prev, nxt in zip(found, found[1:], strict=False):
        if prev.arrival.airport is None and nxt.departure.airport is None:
            a, b = prev.points[-2:], nxt.points[:2]
            if len(a) == 2 and len(b) == 2:
                ha, hb = _heading(*a), _heading(*b)
                if ha is not None and hb is not None:
                    site = hidden_stop(airports, a[1], ha, b[0], hb, p.hidden_stop_radius_km)
                    prev.arrival = End(site, None, GAP if site else NONE)
                    nxt.departure = End(site, None, GAP if site else NONE)
            continue
        if prev.arrival.airport is None and nxt.departure.airport is not None:
            prev.arrival = End(nxt.departure.airport, None, GAP)
        elif nxt.departure.airport is None and prev.arrival.airport is not None:
            nxt.departure = End(prev.arrival.airport, None, GAP)


def _keep(leg: FoundLeg, p: Params) -> bool:
    span = leg.points[-1].t - leg.points[0].t
    if span < p.min_airborne_s and len(leg.points) < 5:
        return False
    dep, arr = leg.departure.airport, leg.arrival.airport
    return not (dep is not None and dep == arr)  # circuits and returns are not legs


def _with_ground_ends(points, before, after) -> list[Point]:
    """The airborne positions with the ground positions next to them, for the track."""
    return [*([before] if before else []), *points, *([after] if after else [])]
