"""Thin Celery tasks over `flights.alerts.dispatch` and `flights.alerts.sending`."""

from celery import shared_task
from django.conf import settings

from flights.alerts import dispatch, sending
from flights.models import Delivery


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def evaluate_flight(flight_id: int, detection_confidence: float | None = None) -> int:
    """Record who hears about this flight and queue the immediate messages."""
    ids = dispatch.evaluate_flight(flight_id, detection_confidence)
    by_subscription: dict[int, list[int]] = {}
    for delivery in Delivery.objects.filter(pk__in=ids).values("pk", "subscription_id"):
        by_subscription.setdefault(delivery["subscription_id"], []).append(delivery["pk"])
    for subscription_id, delivery_ids in by_subscription.items():
        send_deliveries.delay(subscription_id, delivery_ids)
    return len(ids)


@shared_task(bind=True, acks_late=True, time_limit=120, soft_time_limit=100)
def send_deliveries(self, subscription_id: int, ids: list[int] | None = None) -> int:
    """Send, retrying a failed message with exponential backoff, then give up and record it."""
    try:
        return sending.send_deliveries(subscription_id, ids)
    except sending.SendFailed as exc:
        if self.request.retries >= settings.ALERT_WEBHOOK_RETRIES:
            sending.give_up(subscription_id, ids, str(exc))
            return 0
        countdown = settings.ALERT_RETRY_BASE_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown, max_retries=None) from None


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def send_confirmation(subscription_id: int) -> None:
    from flights.models import Subscription

    subscription = Subscription.objects.filter(pk=subscription_id, confirmed_at=None).first()
    if subscription is not None and subscription.email:
        sending.confirmation_email(subscription).send()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_digests() -> int:
    """Beat, hourly: the digests that are due (daily ones, and messages held by a rate limit)."""
    due = dispatch.digest_due()
    for subscription in due:
        send_deliveries.delay(subscription.pk, None)
    return len(due)
