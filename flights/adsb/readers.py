"""Reading position files: readsb / tar1090 `trace_full_<hex>.json` (plain or gzip whatever
the name) and OpenSky state-vector CSV. Pure: bytes in, traces out (docs/adsb.md)."""

import csv
import gzip
import io
import json
from dataclasses import dataclass, field

FT_PER_M = 3.28084
KT_PER_MS = 1.943844


class TraceError(ValueError):
    """A file that is not a trace; the message names the file and what is wrong."""


@dataclass
class Point:
    t: float  # unix seconds
    lat: float
    lon: float
    alt: float | None  # feet, barometric else geometric; None when unknown
    ground: bool
    gs: float | None  # knots
    stale: bool = False


@dataclass
class Trace:
    icao24: str
    registration: str = ""
    type_code: str = ""
    callsign: str = ""
    points: list[Point] = field(default_factory=list)


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def read_readsb(data: bytes, name: str) -> Trace:
    """One readsb trace_full file; rows: [dt, lat, lon, alt|"ground"|null, gs, track, flags,
    vrate, details|null, source, geometric alt, ...]."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise TraceError(f"{name}: not a readable gzip file ({error})") from None
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise TraceError(f"{name}: not JSON ({error})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("trace"), list):
        raise TraceError(f'{name}: no "trace" list: not a readsb trace_full file')
    icao = str(doc.get("icao") or "").strip().lower().lstrip("~")
    base = _number(doc.get("timestamp"))
    if len(icao) != 6 or base is None:
        raise TraceError(f'{name}: "icao" or "timestamp" missing or malformed')
    trace = Trace(icao, str(doc.get("r") or "").upper()[:10], str(doc.get("t") or "")[:4])
    points = trace.points
    for row in doc["trace"]:
        if not isinstance(row, list) or len(row) < 7:
            continue
        offset, lat, lon, alt = row[0], row[1], row[2], row[3]
        if not (
            _number(offset) is not None and _number(lat) is not None and _number(lon) is not None
        ):
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        ground = alt == "ground"
        alt = _number(alt)
        if alt is None and len(row) > 10:
            alt = _number(row[10])  # barometric missing: geometric altitude
        flags = row[6] if isinstance(row[6], int) else 0
        points.append(Point(base + offset, lat, lon, alt, ground, _number(row[4]), bool(flags & 1)))
        details = row[8] if len(row) > 8 else None
        if isinstance(details, dict) and details.get("flight"):
            trace.callsign = str(details["flight"]).strip().upper()[:12]
    return trace


OPENSKY_COLUMNS = ("time", "icao24", "lat", "lon", "velocity", "onground", "baroaltitude")


def read_opensky_csv(data: bytes, name: str) -> list[Trace]:
    """OpenSky state vectors (SI units), one trace per icao24."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in OPENSKY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise TraceError(f"{name}: not OpenSky state vectors (missing {', '.join(missing)})")
    traces: dict[str, Trace] = {}
    for row in reader:
        try:
            t, lat, lon = float(row["time"]), float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError):
            continue  # rows without a position
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        icao = (row["icao24"] or "").strip().lower()
        trace = traces.get(icao) or traces.setdefault(icao, Trace(icao))
        if (row.get("callsign") or "").strip():
            trace.callsign = row["callsign"].strip().upper()[:12]
        alt = _float(row.get("baroaltitude"))
        if alt is None:
            alt = _float(row.get("geoaltitude"))
        speed = _float(row.get("velocity"))
        trace.points.append(
            Point(
                t,
                lat,
                lon,
                None if alt is None else alt * FT_PER_M,
                (row.get("onground") or "").strip().lower() in ("true", "1"),
                None if speed is None else speed * KT_PER_MS,
            )
        )
    return [trace for icao, trace in traces.items() if len(icao) == 6]


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def read_file(data: bytes, name: str) -> list[Trace]:
    """Whatever the name: gzip or plain, JSON trace or OpenSky CSV, told by the content."""
    head = data[:64].lstrip()
    if data[:2] == b"\x1f\x8b" or head.startswith(b"{"):
        if data[:2] == b"\x1f\x8b":
            try:
                inner = gzip.decompress(data)
            except (OSError, EOFError) as error:
                raise TraceError(f"{name}: not a readable gzip file ({error})") from None
            if not inner.lstrip().startswith(b"{"):
                return read_opensky_csv(inner, name)
            data = inner
        return [read_readsb(data, name)]
    return read_opensky_csv(data, name)
