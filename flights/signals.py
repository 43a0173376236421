"""Invalidate cached aggregates whenever a record that feeds them changes."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from flights import alerts
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


# --- Alerts (flights/alerts): a flight whose status changed or that gained a source is looked at
# again after commit; the confidence rule there decides whether anyone is told.


@receiver(pre_save, sender=Flight)
def remember_status(instance: Flight, raw: bool = False, **kwargs) -> None:
    # One primary-key read per save rather than a post_init hook on every loaded flight: such a
    # hook made loading flights 1.34x slower (docs/benchmarks.md, "Alerts").
    if raw or instance.pk is None:
        instance._status_before_save = None
        return
    instance._status_before_save = (
        Flight.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    )


@receiver(post_save, sender=Flight)
def flight_status_changed(instance: Flight, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if created or instance.status != getattr(instance, "_status_before_save", None):
        alerts.flight_changed(instance.pk)


@receiver(post_save, sender=FlightSource)
def flight_source_added(instance: FlightSource, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        alerts.flight_changed(instance.flight_id)
