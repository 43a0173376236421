"""Time the foundation's bulk paths: load_airports (cold and again) and generate_flights.

Run by hand against an empty PostgreSQL database (it is migrated first):

    createdb -h 127.0.0.1 -U postgres tracker_bench_foundation
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_foundation \
        .venv/bin/python benchmarks/foundation.py --count 100000

Prints one line per step; results go in docs/benchmarks.md with the machine.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from flights.generate import generate_flights
    from flights.models import Airport, Flight, Leg
    from flights.reference import load_reference_data

    call_command("migrate", verbosity=0)
    for label in ("load_airports (first run)", "load_airports (again)"):
        began = time.perf_counter()
        load_reference_data()
        print(f"{label}: {Airport.objects.count()} airports in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    result = generate_flights(args.count, seed=args.seed)
    elapsed = time.perf_counter() - began
    print(
        f"generate_flights: {result['flights']} flights, {result['legs']} legs in {elapsed:.1f} s "
        f"({result['flights'] / elapsed:,.0f} flights/s); database now holds "
        f"{Flight.objects.count()} flights, {Leg.objects.count()} legs"
    )


if __name__ == "__main__":
    main()
