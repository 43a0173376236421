from django.core.management.base import BaseCommand

from flights.cache import bump_data_version
from flights.demo import DEMO_COUNT, load_demo


class Command(BaseCommand):
    help = (
        "Load the cited example mission (30 March 2024, Shenyang), the timeline events and "
        f"{DEMO_COUNT} synthetic demo flights. Idempotent."
    )

    def handle(self, *args, **options):
        result = load_demo()
        bump_data_version()
        if not any(result.values()):
            self.stdout.write("Demo data already loaded; nothing changed.")
            return
        self.stdout.write(
            f"Loaded: example mission {'yes' if result['mission'] else 'already there'}, "
            f"{result['events']} timeline events, {result['synthetic']} synthetic flights "
            "(labelled as synthetic demo data)."
        )
