"""Time the moderation queue's likely-match lookup and the queue page on a realistic database.

Run by hand against your own PostgreSQL database (migrated, flights generated if missing):

    createdb -h 127.0.0.1 -U postgres tracker_bench_sightings
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_sightings \
        .venv/bin/python benchmarks/bench_sightings.py --flights 100000 --pending 25

Creates `--pending` sightings copied from random legs (same aircraft, airport, time + 1 h), then
times `likely_matches` on them and a full render of /moderation/ (median of 5), with the number
of queries. Results go in docs/benchmarks.md with the machine.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flights", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=25)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from flights.generate import generate_flights
    from flights.models import Flight, Leg, Sighting
    from flights.reference import load_reference_data
    from flights.services import likely_matches

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    load_reference_data()
    if Flight.objects.count() < args.flights:
        generate_flights(args.flights - Flight.objects.count(), seed=int(time.time()))
    print(f"data: {Flight.objects.count()} flights, {Leg.objects.count()} legs")

    volunteer, _ = User.objects.get_or_create(username="bench-volunteer")
    moderator, _ = User.objects.get_or_create(username="bench-moderator")
    moderator.groups.add(Group.objects.get(name="moderator"))
    Sighting.objects.filter(reporter=volunteer).delete()
    rng = random.Random(1)
    ids = list(
        Leg.objects.filter(flight__aircraft__isnull=False).values_list("pk", flat=True)[:20000]
    )
    legs = Leg.objects.select_related("flight__aircraft").filter(
        pk__in=rng.sample(ids, args.pending)
    )
    for leg in legs:
        seen = leg.departure_time or dt.datetime.combine(leg.date, dt.time(12), dt.UTC)
        Sighting.objects.create(
            reporter=volunteer,
            airport_id=leg.departure_airport_id,
            event="departure",
            registration=leg.flight.aircraft.registration,
            seen_at=seen + dt.timedelta(hours=1),
        )
    pending = list(Sighting.objects.for_queue())

    def timed(fn) -> tuple[float, int]:
        runs, queries = [], 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                fn()
                runs.append(time.perf_counter() - began)
            queries = len(ctx.captured_queries)
        return statistics.median(runs) * 1000, queries

    found = likely_matches(pending)
    matched = sum(1 for m in found.values() if m.legs)
    ms, queries = timed(lambda: likely_matches(pending))
    print(
        f"likely_matches({len(pending)} sightings): {ms:.1f} ms median, {queries} queries, "
        f"{matched}/{len(pending)} with a matching leg"
    )
    client = Client()
    client.force_login(moderator)
    ms, queries = timed(lambda: client.get("/moderation/"))
    print(f"GET /moderation/ ({len(pending)} pending): {ms:.1f} ms median, {queries} queries")
    Sighting.objects.filter(reporter=volunteer).delete()


if __name__ == "__main__":
    main()
