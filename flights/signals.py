"""Invalidate cached aggregates whenever a record that feeds them changes."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from flights.cache import bump_data_version
from flights.models import Flight, FlightSource, Leg, PassengerSegment, TimelineEvent


@receiver(post_save, sender=Flight)
@receiver(post_delete, sender=Flight)
@receiver(post_save, sender=Leg)
@receiver(post_delete, sender=Leg)
@receiver(post_save, sender=FlightSource)
@receiver(post_delete, sender=FlightSource)
@receiver(post_save, sender=PassengerSegment)
@receiver(post_save, sender=TimelineEvent)
@receiver(post_delete, sender=TimelineEvent)
@receiver(m2m_changed, sender=TimelineEvent.countries.through)
def data_changed(**kwargs) -> None:
    # After commit, so a reader never caches the old state under the new version.
    transaction.on_commit(bump_data_version)
