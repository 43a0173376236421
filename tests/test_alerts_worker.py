"""Alerts on a real Celery worker (Redis broker), a real SMTP sink and a local webhook server.

The issue's "done when": subscribe to KAEX by e-mail and confirm, add a webhook, confirm a flight
from KAEX: one e-mail and one signed webhook arrive within a minute; confirming the same flight
again delivers nothing. Retries and disabling of a failing webhook run here too, because
they are the worker's redelivery with backoff, which eager tasks do not do.
"""

import contextlib
import hashlib
import hmac
import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from django.utils import timezone

from flights import services
from flights.models import Airport, Delivery, Sighting, Subscription
from tests.factories import make_flight, routed_queues
from tracker.celery import app

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@contextlib.contextmanager
def worker():
    app.control.purge()
    # Alerts go to the "mail" queue (CELERY_TASK_ROUTES): the worker takes every routed queue.
    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=routed_queues()
    ):
        yield


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def sighting(user, registration: str) -> Sighting:
    return Sighting.objects.create(
        reporter=user,
        seen_at=timezone.now(),
        airport=Airport.objects.get(icao="KAEX"),
        event="departure",
        registration=registration,
    )


def test_confirming_a_flight_from_kaex_delivers_one_email_and_one_signed_webhook(
    client, make_user, smtp_sink, webhook_receiver
):
    volunteer, other = make_user("w-vol", "volunteer"), make_user("w-vol2", "volunteer")
    moderator = make_user("w-mod", "moderator")
    with worker():
        response = client.post(
            reverse("flights:alert_subscribe"),
            {"email": "rapid@example.org", "airport": "KAEX", "frequency": "immediate"},
        )
        assert response.status_code == 200
        assert wait_for(lambda: len(smtp_sink) == 1)
        confirm = re.search(r"/alerts/confirm/[^/\s]+/", smtp_sink[0].get_content()).group(0)
        client.post(confirm)
        client.force_login(volunteer)
        client.post(
            reverse("flights:webhooks"), {"webhook_url": webhook_receiver.url, "airport": "KAEX"}
        )
        hook = Subscription.objects.get(channel="webhook")

        flight = make_flight(("KAEX", "MGGT"), date=timezone.now().date())
        started = time.monotonic()
        services.attach_sighting(sighting(volunteer, "N1"), flight, moderator, verified=True)
        assert wait_for(lambda: len(smtp_sink) == 2 and len(webhook_receiver.requests) == 1)
        assert time.monotonic() - started < 60

        services.attach_sighting(sighting(other, "N2"), flight, moderator, verified=True)
        time.sleep(3)  # time enough for a wrong second message to arrive

    assert len(smtp_sink) == 2
    assert len(webhook_receiver.requests) == 1
    alert = smtp_sink[1]
    assert alert["To"] == "rapid@example.org"
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/alerts/unsubscribe/" in alert["List-Unsubscribe"]
    assert "Route: AEX → GUA" in alert.get_content()
    headers, body = webhook_receiver.requests[0]
    timestamp, signature = re.fullmatch(
        r"t=(\d+),v1=(\w+)", headers["X-Tracker-Signature"]
    ).groups()
    key = hook.secret.encode()
    expected = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert signature == expected
    assert Delivery.objects.filter(flight=flight, status="sent").count() == 2


def webhook(receiver, owner) -> Subscription:
    return Subscription.objects.create(
        channel="webhook",
        webhook_url=receiver.url,
        secret="s3cret",
        owner=owner,
        query="airport=KAEX",
        label="Departures from AEX",
        confirmed_at=timezone.now(),
    )


def test_a_failing_webhook_is_retried_with_backoff_until_it_answers(make_user, webhook_receiver):
    webhook_receiver.fail = 2
    webhook(webhook_receiver, make_user("r-vol", "volunteer"))
    with worker():
        make_flight(("KAEX", "MGGT"), date=timezone.now().date(), status="confirmed")
        assert wait_for(lambda: Delivery.objects.filter(status="sent").exists(), 30)
    assert len(webhook_receiver.requests) == 3
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 3, "")


def test_a_webhook_that_keeps_failing_is_disabled_with_a_notice(
    make_user, webhook_receiver, smtp_sink, settings
):
    settings.ALERT_WEBHOOK_RETRIES = 1
    settings.ALERT_WEBHOOK_MAX_FAILURES = 2
    webhook_receiver.fail = 100
    hook = webhook(webhook_receiver, make_user("d-vol", "volunteer"))
    today = timezone.now().date()
    with worker():
        make_flight(("KAEX", "MGGT"), date=today, status="confirmed")
        assert wait_for(lambda: Delivery.objects.filter(status="failed").count() == 1, 30)
        hook.refresh_from_db()
        assert (hook.consecutive_failures, hook.disabled_at) == (1, None)
        make_flight(("KAEX", "MHLM"), date=today, status="confirmed")
        assert wait_for(lambda: len(smtp_sink) == 1, 30)
    hook.refresh_from_db()
    assert hook.disabled_at is not None
    assert hook.disabled_reason == "Disabled after 2 failed messages in a row; last error: HTTP 500"
    assert len(webhook_receiver.requests) == 4  # two messages, each tried twice
    assert smtp_sink[0]["To"] == "d-vol@example.org"
    assert "Your webhook for “Departures from AEX” was disabled." in smtp_sink[0].get_content()
