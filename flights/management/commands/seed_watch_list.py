"""Fill the ADS-B watch list: the aircraft already in the tracker, the usual callsign
patterns, and optionally a CSV of watched aircraft (docs/adsb.md)."""

from django.core.management.base import BaseCommand, CommandError

from flights.adsb.review import seed_callsign_patterns, seed_from_csv, seed_watch_list


class Command(BaseCommand):
    help = "Watch the aircraft in the tracker (and those of a CSV with ModeS,Registration)."

    def add_arguments(self, parser):
        parser.add_argument("--csv", help="CSV with ModeS (or icao) and Registration columns")
        parser.add_argument("--reason", default="Flies in the tracker's flight records")
        parser.add_argument("--source", default="tracker flight records")

    def handle(self, *args, **options):
        counts = seed_watch_list(options["reason"], options["source"])
        counts["patterns"] = seed_callsign_patterns()
        if options["csv"]:
            try:
                with open(options["csv"], "rb") as fh:
                    counts.update(seed_from_csv(fh.read(), options["csv"]))
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from None
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
