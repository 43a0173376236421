import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from flights.cache import bump_data_version
from flights.generate import generate_flights


class Command(BaseCommand):
    help = "Generate realistic synthetic flights (marked as synthetic) for demos and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2022, 1, 1))
        parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31))

    def handle(self, *args, count, seed, start, end, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if start > end:
            raise CommandError("--start is after --end")
        began = time.perf_counter()
        try:
            result = generate_flights(count, seed=seed, start=start, end=end)
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from None
        transaction.on_commit(bump_data_version)
        self.stdout.write(
            f"{result['flights']} flights, {result['legs']} legs in "
            f"{time.perf_counter() - began:.1f}s (seed {seed}, {start} to {end})."
        )
