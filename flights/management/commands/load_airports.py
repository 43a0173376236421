from django.core.management.base import BaseCommand

from flights.models import Airport, Country
from flights.reference import load_reference_data


class Command(BaseCommand):
    help = "Load countries, all airports (airportsdata), aircraft types and operators. Idempotent."

    def handle(self, *args, **options):
        counts = load_reference_data()
        self.stdout.write(
            f"{Country.objects.count()} countries, {Airport.objects.count()} airports "
            f"({counts['airports']} in airportsdata), {counts['aircraft_types']} aircraft types, "
            f"{counts['operators']} operators."
        )
