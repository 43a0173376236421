"""Finding the airport of a takeoff or a landing, with the airport's elevation.

A bucketed in-memory index (one-degree cells) over the Airport table: leg detection asks a few
questions per leg, never one query per position.
"""

import math
from dataclasses import dataclass

EARTH_KM = 6371.0088
FT_PER_NM_GLIDE = 318.0  # a 3° glide path loses about 318 ft per nautical mile
KM_PER_NM = 1.852
NO_IATA_PENALTY_KM = 2.0
_CACHE: dict = {}  # strips and heliports without an IATA code yield to real airports


@dataclass(frozen=True)
class Site:
    icao: str
    lat: float
    lon: float
    elevation_ft: float
    iata: str = ""
    country: str = ""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    y = math.sin(dlon) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dlon)
    return math.degrees(math.atan2(y, x)) % 360


def move(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point `km` away along `bearing` (flat-earth: only used over a few kilometres)."""
    rad = math.radians(bearing)
    dlat = km * math.cos(rad) / 111.195
    dlon = km * math.sin(rad) / (111.195 * max(0.01, math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


class AirportIndex:
    def __init__(self, sites):
        self.cells: dict[tuple[int, int], list[Site]] = {}
        self.by_icao: dict[str, Site] = {}
        for site in sites:
            self.by_icao[site.icao] = site
            self.cells.setdefault((math.floor(site.lat), math.floor(site.lon)), []).append(site)

    @classmethod
    def cached(cls) -> "AirportIndex":
        """The index, rebuilt only when the airport table changed size (reference loads)."""
        from flights.models import Airport

        count = Airport.objects.count()
        if _CACHE.get("count") != count:
            _CACHE["count"], _CACHE["index"] = count, cls.from_database()
        return _CACHE["index"]

    @classmethod
    def from_database(cls) -> "AirportIndex":
        from flights.models import Airport

        rows = Airport.objects.values_list(
            "icao", "latitude", "longitude", "elevation_ft", "iata", "country_id"
        )
        return cls(Site(i, la, lo, el or 0.0, ia, c) for i, la, lo, el, ia, c in rows.iterator())

    def near(self, lat: float, lon: float, radius_km: float) -> list[tuple[float, Site]]:
        found = []
        cy, cx = math.floor(lat), math.floor(lon)
        ny = math.ceil(radius_km / 111.0)
        nx = math.ceil(radius_km / (111.0 * max(0.05, math.cos(math.radians(lat)))))
        for dy in range(-ny, ny + 1):
            for dx in range(-nx, nx + 1):
                for site in self.cells.get((cy + dy, (cx + dx + 180) % 360 - 180), ()):
                    d = distance_km(lat, lon, site.lat, site.lon)
                    if d <= radius_km:
                        found.append((d, site))
        return sorted(found, key=lambda pair: pair[0])

    def on_ground_at(self, lat: float, lon: float, radius_km: float) -> Site | None:
        """The airport an aircraft seen on the ground is at."""
        scored = [
            (d + (0 if s.iata else NO_IATA_PENALTY_KM), s)
            for d, s in self.near(lat, lon, radius_km)
        ]
        return min(scored, key=lambda pair: pair[0])[1] if scored else None

    def glide_target(
        self, lat: float, lon: float, alt_ft: float, heading: float | None, p
    ) -> tuple[Site, float] | None:
        """The airport a low aircraft is about to touch down at (or just left, with the heading
        reversed), by its height above each nearby airport's elevation: project the point along
        a 3° path to where it meets that airport's ground and take the airport nearest to it.
        Returns the airport and the height above it, or None."""
        best = None
        for d, site in self.near(lat, lon, p.low_radius_km):
            agl = alt_ft - site.elevation_ft
            if agl > p.low_agl_ft or agl < -p.agl_tolerance_ft:
                continue
            ahead = max(agl, 0) / FT_PER_NM_GLIDE * KM_PER_NM
            if heading is None:
                miss = abs(d - ahead)
            else:
                tlat, tlon = move(lat, lon, heading, ahead)
                miss = distance_km(tlat, tlon, site.lat, site.lon)
            miss += 0 if site.iata else NO_IATA_PENALTY_KM
            if miss <= p.touchdown_miss_km and (best is None or miss < best[0]):
                best = (miss, site, agl)
        return (best[1], best[2]) if best else None


def cross_track_km(lat, lon, heading, site: Site) -> float:
    """How far off the line through (lat, lon) along `heading` the airport lies; the whole
    distance when it lies behind."""
    d = distance_km(lat, lon, site.lat, site.lon)
    off = math.radians((bearing_deg(lat, lon, site.lat, site.lon) - heading + 540) % 360 - 180)
    return d * abs(math.sin(off)) if abs(off) < math.pi / 2 else d


def hidden_stop(index: AirportIndex, before, heading_before, after, heading_after, radius_km):
    """The airport of a stop a coverage gap hid: among airports with an IATA code near where
    the aircraft reappeared, the one that lies most nearly ahead of its last heading before
    the gap and behind its first heading after it."""
    best = None
    for _d, site in index.near(after.lat, after.lon, radius_km):
        if not site.iata:
            continue
        score = cross_track_km(before.lat, before.lon, heading_before, site) + cross_track_km(
            after.lat, after.lon, (heading_after + 180) % 360, site
        )
        if best is None or score < best[0]:
            best = (score, site)
    return best[1] if best else None
