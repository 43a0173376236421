"""Synthetic readsb traces with exact truth, for tests and the evaluation harness
(benchmarks/adsb_legs.py). Fabricated: never stored as real data.

A day is a list of `Hop`s flown by one aircraft; `fly()` turns it into trace rows (readsb
`trace_full` shape) and the true legs. Options per hop reproduce each case of docs/adsb.md:
arrivals seen only down to some height, coverage gaps, touch-and-go, go-around, diversions,
missing barometric altitude, wild points.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from .airports import Site, bearing_deg, distance_km

CLIMB_FT_PER_NM = 480.0
DESCENT_FT_PER_NM = 318.0
CRUISE_FT = 35000.0


@dataclass
class Hop:
    to: Site
    via: list[tuple[float, float]] = field(default_factory=list)  # waypoints (diversions)
    ground_minutes: float = 45.0  # on the ground at `to` before the next hop
    arrival_floor_ft: float | None = None  # positions end this high above `to` (not on ground)
    departure_floor_ft: float | None = None  # positions begin this high above the departure
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (from, to) fractions of hop
    touch_and_go: bool = False
    go_around: bool = False
    baro_missing: bool = False
    wild_point: bool = False
    start_airborne_at: float | None = None  # fraction of the hop where positions begin
    end_airborne_at: float | None = None  # fraction where positions end


@dataclass
class TrueLeg:
    icao24: str
    origin: str | None
    destination: str | None
    departure: dt.datetime | None
    arrival: dt.datetime | None


def _path(points: list[tuple[float, float]]):
    cum = [0.0]
    for a, b in zip(points, points[1:], strict=False):
        cum.append(cum[-1] + distance_km(a[0], a[1], b[0], b[1]))
    return cum


def _at(points, cum, s_km):
    for i in range(1, len(points)):
        if s_km <= cum[i] or i == len(points) - 1:
            seg = cum[i] - cum[i - 1] or 1.0
            f = min(1.0, max(0.0, (s_km - cum[i - 1]) / seg))
            (a_lat, a_lon), (b_lat, b_lon) = points[i - 1], points[i]
            return (
                a_lat + (b_lat - a_lat) * f,
                a_lon + (b_lon - a_lon) * f,
                (a_lat, a_lon, b_lat, b_lon),
            )
    raise ValueError("empty path")


def _airborne(origin: Site, hop: Hop, t0: float):
    """(t, lat, lon, alt, gs, track) every 15 s low, 60 s in cruise, takeoff to touchdown."""
    pts = [(origin.lat, origin.lon), *hop.via, (hop.to.lat, hop.to.lon)]
    cum = _path(pts)
    total = cum[-1]
    rows, s, t = [], 0.0, t0
    while s < total:
        lat, lon, seg = _at(pts, cum, s)
        nm_from, nm_to = s / 1.852, (total - s) / 1.852
        alt = min(
            CRUISE_FT,
            origin.elevation_ft + nm_from * CLIMB_FT_PER_NM,
            hop.to.elevation_ft + nm_to * DESCENT_FT_PER_NM,
        )
        agl = alt - min(origin.elevation_ft, hop.to.elevation_ft)
        gs = 150 + 300 * min(1.0, max(0.0, agl) / 20000)
        rows.append((t, lat, lon, alt, gs, bearing_deg(*seg)))
        step = 15.0 if agl < 10000 else 60.0
        s += gs * 1.852 * step / 3600
        t += step
    return rows, t


def _circuit(site: Site, heading: float, t: float):
    """A go-around: over the runway at 300 ft, out 10 km climbing, back to land."""
    rows = []
    for k in range(1, 21):
        d = k * 0.5
        lat = site.lat + d * math.cos(math.radians(heading)) / 111.2
        lon = site.lon + d * math.sin(math.radians(heading)) / (
            111.2 * math.cos(math.radians(site.lat))
        )
        rows.append((t, lat, lon, site.elevation_ft + 300 + k * 110, 160.0, heading))
        t += 12
    back = (heading + 180) % 360
    for k in range(20, 0, -1):
        d = k * 0.5 + 1.0
        lat = site.lat + d * math.cos(math.radians(heading)) / 111.2
        lon = (
            site.lon
            + 0.02
            + d * math.sin(math.radians(heading)) / (111.2 * math.cos(math.radians(site.lat)))
        )
        rows.append((t, lat, lon, site.elevation_ft + 2500, 180.0, back))
        t += 12
    return rows, t


def fly(icao24: str, start: Site, hops: list[Hop], t0: dt.datetime, taxi_minutes=10.0):
    """Positions (t, lat, lon, alt|"ground"|None, gs, track, geometric alt) and the truth."""
    rows, truth = [], []
    t = t0.timestamp() + taxi_minutes * 60
    here = start
    for n, hop in enumerate(hops):
        taxi = min(taxi_minutes, hops[n - 1].ground_minutes if n else taxi_minutes)
        seen_taxiing = hop.start_airborne_at is None and hop.departure_floor_ft is None
        if not (n and hops[n - 1].touch_and_go):
            if seen_taxiing:  # out to the runway
                rows += _taxi(here, t - taxi * 60, taxi)
        air, t_end = _airborne(here, hop, t)
        if hop.go_around:
            cut = len(air) - 8
            loop, t_loop = _circuit(hop.to, air[cut][5], air[cut][0])
            final, t_end = _airborne(here, hop, t_loop - (air[cut][0] - air[0][0]))
            air = air[:cut] + loop + final[cut:]
        air = _observe(air, here, hop)
        origin = None if hop.start_airborne_at is not None else here.icao
        dest = None if hop.end_airborne_at is not None else hop.to.icao
        dep_time = None if origin is None else _utc(t)
        arr_time = None if dest is None else _utc(t_end)
        truth.append(TrueLeg(icao24, origin, dest, dep_time, arr_time))
        rows += air
        t = t_end
        if hop.end_airborne_at is not None:
            break
        if hop.touch_and_go:
            rows += [(t, hop.to.lat, hop.to.lon, "ground", 120.0, 0.0, None)]
            t += 10
        else:
            if hop.arrival_floor_ft is None:  # else the receivers never saw it on the ground
                rows += _taxi(hop.to, t, min(taxi_minutes, hop.ground_minutes / 2))
            t += hop.ground_minutes * 60
        here = hop.to
    if not hops:
        rows += _taxi(here, t, taxi_minutes)
    rows.sort(key=lambda r: r[0])
    return rows, truth


def _taxi(site: Site, t: float, minutes: float):
    return [
        (t + k * 30, site.lat + 0.001 * (k % 5), site.lon, "ground", 12.0, 90.0, None)
        for k in range(int(minutes * 2))
    ]


def _observe(air, origin: Site, hop: Hop):
    """What a receiver network saw of the airborne positions."""
    n = len(air)
    out = []
    for i, (t, lat, lon, alt, gs, track) in enumerate(air):
        f = i / max(1, n - 1)
        if hop.start_airborne_at is not None and f < hop.start_airborne_at:
            continue
        if hop.end_airborne_at is not None and f > hop.end_airborne_at:
            continue
        if any(a <= f <= b for a, b in hop.gaps):
            continue
        if (
            hop.arrival_floor_ft is not None
            and f > 0.5
            and alt - hop.to.elevation_ft < hop.arrival_floor_ft
        ):
            continue
        if (
            hop.departure_floor_ft is not None
            and f < 0.5
            and alt - origin.elevation_ft < hop.departure_floor_ft
        ):
            continue
        baro = None if hop.baro_missing else alt
        out.append((t, lat, lon, baro, gs, track, alt + 150))
    if hop.wild_point and len(out) > 10:
        t, lat, lon, alt, gs, track, geo = out[len(out) // 2]
        out.insert(len(out) // 2 + 1, (t + 1, lat + 4.0, lon - 3.0, alt, gs, track, geo))
        t, lat, lon, alt, gs, track, geo = out[len(out) // 3]
        out[len(out) // 3] = (t, lat, lon, (alt or 0) + 20000, gs, track, geo)
    return out


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def trace_files(icao24: str, rows, registration: str = "N000XX") -> list[dict]:
    """readsb trace_full documents, one per UTC day (as globe_history stores them)."""
    by_day: dict[dt.date, list] = {}
    for row in rows:
        by_day.setdefault(_utc(row[0]).date(), []).append(row)
    docs = []
    for day, day_rows in sorted(by_day.items()):
        base = dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()
        trace = [
            [round(r[0] - base, 2), round(r[1], 6), round(r[2], 6),
             None if r[3] is None else (r[3] if r[3] == "ground" else round(r[3])),
             r[4], r[5], 0, 0, None, "adsb_icao",
             None if r[6] is None else round(r[6])]
            for r in day_rows
        ]  # fmt: skip
        docs.append(
            {"icao": icao24, "r": registration, "t": "A320", "timestamp": base, "trace": trace}
        )
    return docs
