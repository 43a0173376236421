"""Import a generated flight log of N legs (default 100,000) through `manage.py import_flights`,
then import it again.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_imports_bench \\
        .venv/bin/python benchmarks/import_flightlog.py --rows 100000
"""

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

from _common import empty_flight_tables, guard_database, machine, run_import, setup_django

AIRPORTS = "KAEX KHRL KIWA KBFI KELP KSAT KMIA KOMA KMSP KSAN MGGT MHLM MSLP MMMX SEQM".split()
TYPES = ["A320", "B738", "B737", "E145", "MD83", "GLF5"]
OPERATORS = ["GlobalX", "Eastern Air Express", "Avelo Airlines", "iAero Airways", "World Atlantic"]


def generate(rows: int, out: Path, seed: int = 7) -> None:
    """Aircraft fly chains of 1-4 legs a day; about one row in ten carries a count."""
    from flights.exports import FLIGHTLOG_COLUMNS

    rnd = random.Random(seed)
    tails = [f"N{n:03d}BX" for n in range(400)]
    written = 0
    day = dt.date(2019, 1, 1)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, FLIGHTLOG_COLUMNS)
        writer.writeheader()
        while written < rows:
            day += dt.timedelta(days=1)
            for tail in rnd.sample(tails, 60):
                here = rnd.choice(AIRPORTS)
                clock = dt.datetime(day.year, day.month, day.day, rnd.randint(5, 10), tzinfo=dt.UTC)
                for _ in range(rnd.randint(1, 4)):
                    if written >= rows:
                        break
                    there = rnd.choice([a for a in AIRPORTS if a != here])
                    landing = clock + dt.timedelta(minutes=rnd.randint(50, 240))
                    pax = rnd.randint(0, 140) if rnd.random() < 0.1 else None
                    writer.writerow({
                        "date": day.isoformat(), "departure_time": clock.strftime("%H:%M"),
                        "arrival_time": landing.strftime("%H:%M"), "from": here, "to": there,
                        "tail_number": tail, "callsign": f"GXA{rnd.randint(100, 999)}",
                        "operator": OPERATORS[hash(tail) % len(OPERATORS)],
                        "aircraft_type": TYPES[int(tail[1:4]) % len(TYPES)],
                        "kind": rnd.choice(["removal", "domestic", "return"]),
                        "passengers": "" if pax is None else pax,
                        "passengers_method": "" if pax is None else "observed",
                        "notes": "generated",
                    })  # fmt: skip
                    written += 1
                    here, clock = there, landing + dt.timedelta(minutes=rnd.randint(40, 300))
                    if landing.date() != day:
                        break


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    guard_database()
    setup_django()

    path = Path(f"/tmp/flightlog_{args.rows}.csv")
    if not path.exists():
        generate(args.rows, path)
    empty_flight_tables()
    print(machine())
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows} rows)")
    for label in ("import (empty database)", "import again (same file)"):
        measured = run_import("flightlog", path)
        rate = args.rows / measured["seconds"]
        print(
            f"{label}: {measured['seconds']:.1f} s = {rate:,.0f} rows/s, "
            f"peak {measured['peak_mb']:.0f} MB; rejected {measured['result']['rejected']}; "
            f"{measured['result']['objects']}"
        )


if __name__ == "__main__":
    main()
