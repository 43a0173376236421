import time

from django.core.management.base import BaseCommand

from flights.cache import bump_data_version
from flights.rollups import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the rollup tables from the flights and legs (after a restore, a bulk load "
        "with triggers disabled, or on SQLite); see docs/operations.md, 'Rollups'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        began = time.perf_counter()
        counts = rebuild(using=database)
        bump_data_version()
        rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
        self.stdout.write(f"Rebuilt rollups in {time.perf_counter() - began:.1f}s: {rows} rows.")
