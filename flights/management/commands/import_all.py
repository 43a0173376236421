"""`python manage.py import_all PATH.zip`: restore an export_all backup into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from flights.backup import RestoreError, import_all


class Command(BaseCommand):
    help = "Restore a backup written by export_all into a freshly migrated, empty database."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the zip written by export_all")

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        try:
            counts = import_all(path)
        except RestoreError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(counts.values())
        self.stdout.write(f"{path}: restored {rows} rows in {len(counts)} tables")
