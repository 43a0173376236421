"""ADS-B leg detection: precision and recall on synthetic traces with exact truth, the legs of
the real `traffic` sample recording, and speed against plain JSON parsing (docs/adsb.md).

    .venv/bin/python benchmarks/adsb_legs.py [--real PATH/trace_full_ac671b.json] [--repeats 5]

No database: airports come from airportsdata (the same data the Airport table is loaded from).
"""

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import airportsdata  # noqa: E402

from flights.adsb.airports import AirportIndex, Site  # noqa: E402
from flights.adsb.legs import detect  # noqa: E402
from flights.adsb.readers import read_file  # noqa: E402
from flights.adsb.synth import Hop, fly, trace_files  # noqa: E402
from flights.adsb.thin import thin_track  # noqa: E402

WINDOW = dt.timedelta(minutes=10)
HUBS = "KAEX KHRL KIWA KPHX KBFI KSEA KELP KSAT KMIA KOMA KMSP KSAN KDFW KBRO".split()
ABROAD = "MGGT MHLM MSLP MMMX MDSD MTPP SKBO SEQM MROC MNMG".split()


def index() -> tuple[AirportIndex, dict[str, Site]]:
    data = airportsdata.load("ICAO")
    sites = {
        k: Site(k, v["lat"], v["lon"], v["elevation"] or 0.0, v["iata"], v["country"])
        for k, v in data.items()
    }
    return AirportIndex(sites.values()), sites


def scenarios(sites, rng: random.Random):
    """(name, icao24, start, hops, t0): every case of docs/adsb.md, with random variation."""
    s = sites
    day = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)
    out = []

    def add(name, start, hops, t0=None):
        icao = f"{len(out) + 0xA00000:06x}"
        out.append(
            (name, icao, s[start], hops, t0 or day + dt.timedelta(minutes=rng.randint(0, 300)))
        )

    add(
        "multi-leg day",
        "KAEX",
        [Hop(s["KHRL"]), Hop(s["MGGT"]), Hop(s["KHRL"]), Hop(s["KAEX"])],
        day - dt.timedelta(hours=4),
    )
    add("ocean gap", "KMIA", [Hop(s["SKBO"], gaps=[(0.3, 0.7)]), Hop(s["KMIA"])])
    add("central america gap", "KHRL", [Hop(s["MHLM"], gaps=[(0.2, 0.85)])])
    add(
        "arrival seen to a few hundred feet",
        "KAEX",
        [Hop(s["KIWA"], arrival_floor_ft=rng.choice([250, 400, 600]))],
    )
    add(
        "departure seen from a few hundred feet",
        "KIWA",
        [Hop(s["KELP"], departure_floor_ft=rng.choice([300, 500, 900]))],
    )
    add(
        "gap over a stop",
        "KHRL",
        [
            Hop(s["MGGT"], arrival_floor_ft=700, gaps=[(0.9, 1.0)]),
            Hop(s["KHRL"], departure_floor_ft=900),
        ],
    )
    add("starts airborne", "KSAT", [Hop(s["KELP"], start_airborne_at=0.4), Hop(s["KIWA"])])
    add("ends airborne", "KELP", [Hop(s["KSAT"]), Hop(s["MMMX"], end_airborne_at=0.5)])
    add("touch-and-go", "KAEX", [Hop(s["KSAT"], touch_and_go=True), Hop(s["KELP"])])
    add("go-around", "KSAT", [Hop(s["KBRO"], go_around=True)])
    add("diversion", "KSAT", [Hop(s["KBRO"], via=[(26.3, -97.5)])])  # heads for KHRL, lands KBRO
    add("taxi only", "KAEX", [])
    add("neighbours: Mesa not Phoenix", "KELP", [Hop(s["KIWA"], arrival_floor_ft=300)])
    add("neighbours: Phoenix not Mesa", "KELP", [Hop(s["KPHX"], arrival_floor_ft=300)])
    add(
        "neighbours: Boeing Field not Sea-Tac",
        "KSAN",
        [Hop(s["KBFI"], via=[(47.30, -122.30)], arrival_floor_ft=350)],
    )
    add(
        "neighbours: Sea-Tac not Boeing Field",
        "KOMA",
        [Hop(s["KSEA"], via=[(47.70, -122.31)], arrival_floor_ft=350)],
    )
    add("wild and stale points", "KMSP", [Hop(s["KOMA"], wild_point=True), Hop(s["KMSP"])])
    add("barometric altitude missing", "KDFW", [Hop(s["KELP"], baro_missing=True)])
    add(
        "across midnight UTC",
        "KMIA",
        [Hop(s["SEQM"])],
        dt.datetime(2025, 3, 4, 22, 30, tzinfo=dt.UTC),
    )
    for _ in range(30):  # ordinary removal days
        hub, abroad = rng.choice(HUBS), rng.choice(ABROAD)
        add("random day", hub, [Hop(s[abroad], ground_minutes=rng.randint(40, 120)), Hop(s[hub])])
    return out


def run_detection(docs, airports):
    found = []
    for doc in docs:
        found.extend(
            (doc["icao"], leg) for leg in detect(read_file(doc_bytes(doc), "x")[0].points, airports)
        )
    return found


def doc_bytes(doc) -> bytes:
    return json.dumps(doc).encode()


def _time(seconds):
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def matches(truth, icao, leg) -> bool:
    """Aircraft and both airports agree, and the departure (or else the arrival) within 10 min."""
    dep = leg.departure.airport.icao if leg.departure.airport else None
    arr = leg.arrival.airport.icao if leg.arrival.airport else None
    if (truth.icao24, truth.origin, truth.destination) != (icao, dep, arr):
        return False
    got_dep, got_arr = _time(leg.departure.time), _time(leg.arrival.time)
    if truth.departure and got_dep:
        return abs(truth.departure - got_dep) <= WINDOW
    if truth.arrival and got_arr:
        return abs(truth.arrival - got_arr) <= WINDOW
    return False


def score(truths, found):
    """Precision and recall, each true leg matched at most once."""
    used, hits = set(), 0
    for truth in truths:
        for k, (icao, leg) in enumerate(found):
            if k not in used and matches(truth, icao, leg):
                used.add(k)
                hits += 1
                break
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truths) if truths else 1.0
    return precision, recall, hits


def synthetic(airports, sites, seed: int, verbose: bool):
    rng = random.Random(seed)
    truths, found, per_case = [], [], []
    for name, icao, start, hops, t0 in scenarios(sites, rng):
        rows, truth = fly(icao, start, hops, t0)
        docs = trace_files(icao, rows)
        points = []
        for doc in docs:  # one aircraft's files of consecutive days are read together
            points.extend(read_file(doc_bytes(doc), "x")[0].points)
        legs = [(icao, leg) for leg in detect(points, airports)]
        p, r, _ = score(truth, legs)
        per_case.append((name, p, r, len(truth), len(legs)))
        if verbose and (p < 1 or r < 1):
            print(
                f"  {name}: precision {p:.2f} recall {r:.2f}",
                truth,
                [
                    (
                        leg.departure.airport and leg.departure.airport.icao,
                        leg.arrival.airport and leg.arrival.airport.icao,
                        _time(leg.departure.time),
                        _time(leg.arrival.time),
                    )
                    for _, leg in legs
                ],
            )
        truths.extend(truth)
        found.extend(legs)
    return score(truths, found), per_case, len(truths)


REAL_TRUTH = [(None, "KMSP"), ("KMSP", "KGEG"), ("KGEG", "KMSP"), ("KMSP", "KDEN")]


def real(path: Path, airports):
    legs = detect(read_file(path.read_bytes(), path.name)[0].points, airports)
    got = [
        (leg.departure.airport and leg.departure.airport.icao,
         leg.arrival.airport and leg.arrival.airport.icao)
        for leg in legs
    ]  # fmt: skip
    return got, all(pair in got for pair in REAL_TRUTH)


def speed(airports, sites, aircraft: int, repeats: int):
    """A day for `aircraft` aircraft: parse only vs parse + detect + thin, same run."""
    rng = random.Random(7)
    blobs = []
    day = dt.datetime(2025, 3, 5, 6, 0, tzinfo=dt.UTC)
    for n in range(aircraft):
        hub = rng.choice(HUBS)
        hops = [Hop(sites[rng.choice(ABROAD)]), Hop(sites[hub]), Hop(sites[rng.choice(HUBS)])]
        rows, _ = fly(f"{0xB00000 + n:06x}", sites[hub], hops, day)
        blobs.extend(doc_bytes(doc) for doc in trace_files(f"{0xB00000 + n:06x}", rows))
    parse, full = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for blob in blobs:
            json.loads(blob)
        parse.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for blob in blobs:
            for trace in read_file(blob, "x"):
                for leg in detect(trace.points, airports):
                    thin_track(leg.points, 600)
        full.append(time.perf_counter() - t0)
    points = sum(len(json.loads(b)["trace"]) for b in blobs)
    mb = sum(len(b) for b in blobs) / 1e6
    return parse, full, len(blobs), points, mb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--aircraft", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    airports, sites = index()
    for seed in range(args.seeds):
        (p, r, hits), _cases, n = synthetic(airports, sites, seed, args.verbose)
        print(
            f"synthetic seed {seed}: {n} true legs, {hits} found: precision {p:.3f} recall {r:.3f}"
        )
    if args.real:
        got, ok = real(args.real, airports)
        print(f"real {args.real.name}: {got}; every leg found: {ok}")
    parse, full, files, points, mb = speed(airports, sites, args.aircraft, args.repeats)
    ratio = [f / p for f, p in zip(full, parse, strict=True)]
    print(
        f"speed: {args.aircraft} aircraft, {files} files, {points} positions, {mb:.1f} MB JSON; "
        f"parse {statistics.median(parse):.3f} s, read+detect+thin "
        f"{statistics.median(full):.3f} s; ratio median {statistics.median(ratio):.2f} "
        f"(min {min(ratio):.2f}, max {max(ratio):.2f}) over {args.repeats} repeats"
    )


if __name__ == "__main__":
    main()
