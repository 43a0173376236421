"""Read ADS-B traces into detected legs and candidates (docs/adsb.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from flights.adsb.ingest import blobs_from_paths, import_traces


class Command(BaseCommand):
    help = "Read readsb trace_full files (plain or gzip), folders of them, or OpenSky CSV."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--all", action="store_true", help="Also aircraft not watched.")
        parser.add_argument("--licence", default="", help='Data licence, e.g. "ODbL 1.0".')

    def handle(self, *args, **options):
        try:
            blobs = blobs_from_paths(options["paths"], licence=options["licence"])
        except OSError as error:
            raise CommandError(f"cannot read {error.filename}: {error.strerror}") from None
        report = import_traces(blobs, include_all=options["all"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"{report.files} files, {report.aircraft} aircraft ({report.skipped_aircraft} not "
            f"watched, skipped), {report.points} positions, {len(report.legs)} legs, "
            f"{report.candidates_created} candidates, {report.attached} attached to known legs"
        )
