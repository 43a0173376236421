"""`python manage.py export_all PATH.zip`: the whole record, restorable with import_all."""

from pathlib import Path

from django.core.management.base import BaseCommand

from flights.backup import export_all


class Command(BaseCommand):
    help = "Write every record (flight log CSV of all legs plus every table as JSON) to a zip."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the zip file to write, e.g. backup.zip")

    def handle(self, *args, path: Path, **options):
        counts = export_all(path)
        legs = counts.pop("flightlog.csv")
        rows = sum(counts.values())
        self.stdout.write(
            f"{path}: {legs} legs in flightlog.csv, {rows} rows in {len(counts)} tables"
        )
