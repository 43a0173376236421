from django.core.management.base import BaseCommand

from flights.permissions import setup_roles


class Command(BaseCommand):
    help = 'Create the groups "volunteer", "moderator" and "admin" with their permissions.'

    def handle(self, *args, **options):
        for role, count in setup_roles().items():
            self.stdout.write(f"{role}: {count} permissions")
