"""Which subscriptions hear about a flight, recorded as `Delivery` rows before anything is sent.

`evaluate_flight` is idempotent: it may run after every change of a flight, any number of times.
A delivery is created at most once per subscription, flight and kind (a unique constraint), so
a second confirmation of a flight, or a task delivered twice, sends nothing new.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from flights.alerts.confidence import meets_rule
from flights.alerts.firsts import firsts as firsts_of
from flights.choices import ReviewStatus
from flights.filters import FlightFilterForm
from flights.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Flight,
    Frequency,
    Subscription,
)

log = logging.getLogger(__name__)


def matching_subscriptions(flight: Flight) -> list[Subscription]:
    """Active subscriptions whose filter matches the flight: one query per distinct filter."""
    subscriptions = list(Subscription.objects.active())
    matched = []
    for query in {s.query for s in subscriptions}:
        form = FlightFilterForm(QueryDict(query))
        if not form.is_valid():
            log.warning("subscription filter %r no longer valid: %s", query, form.errors)
            continue
        if form.filter_flights(Flight.objects.filter(pk=flight.pk)).exists():
            matched.extend(s for s in subscriptions if s.query == query)
    return matched


def _create(subscription: Subscription, flight: Flight, kind: str, firsts: list[str]):
    """The delivery, or None when this subscription already has it."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                subscription=subscription, flight=flight, kind=kind, firsts=firsts
            )
    except IntegrityError:
        return None


def under_rate_limits(subscription: Subscription) -> bool:
    """Whether an immediate message may go now; over a limit it waits for the digest run."""
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    sent = Delivery.objects.filter(sent_at__gte=hour_ago)
    if sent.filter(subscription=subscription).count() >= settings.ALERT_MAX_PER_SUBSCRIPTION_HOUR:
        return False
    if subscription.email:
        per_address = sent.filter(subscription__email=subscription.email).count()
        if per_address >= settings.ALERT_MAX_PER_ADDRESS_HOUR:
            return False
    return True


def evaluate_flight(flight_id: int, detection_confidence: float | None = None) -> list[int]:
    """Create the deliveries this flight now calls for; return the ids to send immediately."""
    flight = (
        Flight.objects.select_related("aircraft", "origin", "destination_country")
        .filter(pk=flight_id)
        .first()
    )
    if flight is None or flight.is_synthetic:
        return []
    if flight.status == ReviewStatus.RETRACTED:
        return _corrections(flight)
    if not meets_rule(flight, detection_confidence):
        return []
    if flight.date < timezone.now().date() - dt.timedelta(days=settings.ALERT_MAX_AGE_DAYS):
        return []
    firsts = firsts_of(flight)
    now_ids = []
    for subscription in matching_subscriptions(flight):
        if subscription.only_firsts and not firsts:
            continue
        delivery = _create(subscription, flight, DeliveryKind.ALERT, firsts)
        if delivery is None:
            continue
        if subscription.frequency == Frequency.IMMEDIATE and under_rate_limits(subscription):
            now_ids.append(delivery.pk)
    return now_ids


def _corrections(flight: Flight) -> list[int]:
    """A retracted flight: whoever got it gets a correction; what waited is not sent at all."""
    Delivery.objects.filter(
        flight=flight, kind=DeliveryKind.ALERT, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.SKIPPED)
    ids = []
    told = Delivery.objects.filter(
        flight=flight, kind=DeliveryKind.ALERT, status=DeliveryStatus.SENT
    ).select_related("subscription")
    for alert in told:
        if not alert.subscription.is_active:
            continue
        correction = _create(alert.subscription, flight, DeliveryKind.CORRECTION, [])
        if correction is not None:
            ids.append(correction.pk)
    return ids


def digest_due(now: dt.datetime | None = None) -> list[Subscription]:
    """Subscriptions with waiting deliveries whose digest is due: daily ones once a day,
    immediate ones whose messages waited for a rate limit as soon as the limit allows."""
    now = now or timezone.now()
    waiting = Subscription.objects.active().filter(deliveries__status=DeliveryStatus.PENDING)
    due = []
    for subscription in waiting.distinct():
        if subscription.frequency == Frequency.DAILY:
            last = subscription.last_digest_at
            if last is None or now - last >= dt.timedelta(hours=23, minutes=30):
                due.append(subscription)
        elif under_rate_limits(subscription):
            due.append(subscription)
    return due
