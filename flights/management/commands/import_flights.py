"""`manage.py import_flights --format FORMAT PATH [--station CODE] [--json]`: import a file now."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from flights.importers import FORMATS, import_path, summary
from flights.models import ImportProfile, ImportStatus


class Command(BaseCommand):
    help = (
        "Import a flight log or ARTS file synchronously and print a summary. Exits 0 when the "
        "file was read (even with rejected rows), 1 with a one-line reason when it could not be."
    )
    # The command runs what a worker runs, and workers run no system checks either: they would
    # import every view (and Plotly) first, a quarter of a second per import.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, help="default: the profile's format")
        parser.add_argument(
            "--profile", default="", help="a saved column mapping (made on the upload page)"
        )
        parser.add_argument("path")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--station", default="", help="stationlog: the airport code the log was kept at"
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        profile = None
        if options["profile"]:
            profile = ImportProfile.objects.filter(name=options["profile"]).first()
            if profile is None:
                raise CommandError(f"no column mapping profile named {options['profile']!r}")
        fmt = options["format"] or (profile.format if profile else "")
        if not fmt:
            raise CommandError("give --format, or --profile")
        if fmt == "stationlog" and not options["station"]:
            raise CommandError("--format stationlog needs --station CODE")
        run = import_path(fmt, path, station=options["station"], profile=profile)
        result = summary(run)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self._print(run, result)
        if run.status == ImportStatus.FAILED:
            raise CommandError(f"{path}: {run.error}")

    def _print(self, run, result) -> None:
        out = self.stdout.write
        out(
            f"{run.file_name}: {run.get_status_display().lower()}: {result['rows']} rows, "
            f"{result['accepted']} accepted, {result['duplicates']} duplicates, "
            f"{result['rejected']} rejected"
        )
        for kind, counts in result["objects"].items():
            out(f"  {kind}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
        for error in result["errors"]:
            column = f', column "{error["column"]}"' if error["column"] else ""
            out(f"  line {error['line']}{column}: {error['message']}")
        for warning in result["warnings"]:
            out(f"  warning: {warning}")
