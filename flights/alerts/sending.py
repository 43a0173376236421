"""Writing and sending messages: e-mails (with one-click unsubscribe) and signed webhooks.

Each send locks its delivery row, so two workers given the same delivery send it once; a
delivery is marked sent in the same transaction that sent it. Webhooks are signed with
HMAC-SHA256 over "<timestamp>.<body>" (header X-Tracker-Signature: t=<timestamp>,v1=<hex>), as
docs/alerts.md describes for receivers.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flights.alerts.dispatch import under_rate_limits
from flights.alerts.firsts import describe_first
from flights.feeds import describe
from flights.models import (
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Flight,
    Subscription,
)

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Tracker-Signature"


class SendFailed(Exception):
    """The message did not get through; trying again later may work."""


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(subscription: Subscription) -> str:
    with translation.override(subscription.language):
        return absolute(reverse("flights:alert_unsubscribe", args=[subscription.token]))


# --- Webhooks ----------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def webhook_address_error(url: str) -> str:
    """Why this URL may not receive webhooks ("" when it may): no private or local hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Use an http:// or https:// address.")
    if settings.ALERT_WEBHOOK_ALLOW_PRIVATE:
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return _("The host %(host)s does not resolve.") % {"host": parts.hostname}
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return _("The host %(host)s is not a public address.") % {"host": parts.hostname}
    return ""


def post_webhook(subscription: Subscription, payload: dict) -> None:
    error = webhook_address_error(subscription.webhook_url)
    if error:
        raise SendFailed(error)
    body = json.dumps(payload, sort_keys=True).encode()
    request = urllib.request.Request(
        subscription.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "flight-tracker-alerts",
            SIGNATURE_HEADER: sign(subscription.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.ALERT_WEBHOOK_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SendFailed(str(getattr(exc, "reason", exc))[:200]) from None


def flight_payload(flight: Flight, delivery: Delivery) -> dict:
    sources = [fs.source for fs in flight.flight_sources.select_related("source")]
    return {
        "event": f"flight.{delivery.kind}",
        "delivery": delivery.pk,
        "firsts": delivery.firsts,
        "flight": {
            "id": flight.pk,
            "url": absolute(flight.get_absolute_url()),
            "date": flight.date.isoformat(),
            "route": flight.route,
            "aircraft": flight.aircraft.registration if flight.aircraft_id else None,
            "operator": flight.operator.name if flight.operator_id else None,
            "kind": flight.kind,
            "status": flight.status,
            "sources": [{"kind": s.kind, "title": s.title, "url": s.url or None} for s in sources],
        },
    }


# --- E-mail --------------------------------------------------------------------------------------


def _email(subscription: Subscription, subject: str, body: str) -> EmailMessage:
    link = unsubscribe_url(subscription)
    return EmailMessage(
        subject=subject,
        body=body,
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _items(deliveries: list[Delivery]) -> list[dict]:
    return [
        {
            "delivery": d,
            "correction": d.kind == DeliveryKind.CORRECTION,
            "lines": describe(d.flight),
            "url": absolute(d.flight.get_absolute_url()),
            "firsts": [describe_first(code) for code in d.firsts],
        }
        for d in deliveries
    ]


def alert_email(subscription: Subscription, deliveries: list[Delivery]) -> EmailMessage:
    with translation.override(subscription.language):
        items = _items(deliveries)
        if len(items) > 1:
            subject = _("%(count)s flights: %(label)s") % {
                "count": len(items),
                "label": subscription.label,
            }
        elif items[0]["correction"]:
            subject = _("Correction: flight %(flight)s was retracted") % {
                "flight": deliveries[0].flight
            }
        else:
            subject = _("Flight %(flight)s (%(label)s)") % {
                "flight": deliveries[0].flight,
                "label": subscription.label,
            }
        body = render_to_string(
            "flights/alerts/email_alert.txt",
            {
                "subscription": subscription,
                "items": items,
                "unsubscribe_url": unsubscribe_url(subscription),
            },
        )
        return _email(subscription, f"[{settings.SITE_NAME}] {subject}", body)


def confirmation_email(subscription: Subscription) -> EmailMessage:
    with translation.override(subscription.language):
        confirm = absolute(reverse("flights:alert_confirm", args=[subscription.token]))
        body = render_to_string(
            "flights/alerts/email_confirm.txt",
            {
                "subscription": subscription,
                "confirm_url": confirm,
                "unsubscribe_url": unsubscribe_url(subscription),
            },
        )
        subject = _("Confirm your alerts: %(label)s") % {"label": subscription.label}
        return _email(subscription, f"[{settings.SITE_NAME}] {subject}", body)


# --- Sending, recorded ---------------------------------------------------------------------------


def _send(subscription: Subscription, deliveries: list[Delivery]) -> None:
    if subscription.channel == Channel.WEBHOOK:
        for delivery in deliveries:
            post_webhook(subscription, flight_payload(delivery.flight, delivery))
        return
    try:
        alert_email(subscription, deliveries).send()
    except Exception as exc:  # noqa: BLE001 - smtplib and sockets raise many kinds
        raise SendFailed(f"{type(exc).__name__}: {exc}"[:300]) from None


def _locked_pending(subscription: Subscription, ids: list[int] | None = None) -> list[Delivery]:
    qs = Delivery.objects.select_for_update(of=("self",)).filter(
        subscription=subscription, status=DeliveryStatus.PENDING
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(
        qs.select_related("flight__aircraft", "flight__aircraft_type", "flight__operator")
        .prefetch_related("flight__flight_sources__source")
        .order_by("flight__date", "pk")
    )


def send_deliveries(subscription_id: int, ids: list[int] | None = None) -> int:
    """Send the subscription's waiting deliveries (these ids, or all: a digest) as one message.

    Returns how many were sent; raises SendFailed (the attempt is recorded) for a retry.
    """
    failure = None
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
        if subscription is None or not subscription.is_active:
            return 0
        deliveries = _locked_pending(subscription, ids)
        if not deliveries:
            return 0
        if ids is not None and not under_rate_limits(subscription):
            return 0  # over a limit: it waits for the digest run
        now = timezone.now()
        try:
            _send(subscription, deliveries)
        except SendFailed as exc:
            failure = exc
        for delivery in deliveries:
            delivery.attempts += 1
            delivery.error = str(failure or "")[:500]
            if failure is None:
                delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
        Delivery.objects.bulk_update(deliveries, ["attempts", "error", "status", "sent_at"])
        if failure is None:
            subscription.consecutive_failures = 0
            if ids is None:
                subscription.last_digest_at = now
            subscription.save(update_fields=["consecutive_failures", "last_digest_at"])
    if failure is not None:
        raise failure
    return len(deliveries)


def give_up(subscription_id: int, ids: list[int] | None, error: str) -> None:
    """The last retry failed: record it, and disable a subscription that keeps failing."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
        waiting = subscription.deliveries.filter(status=DeliveryStatus.PENDING)
        if ids is not None:
            waiting = waiting.filter(pk__in=ids)
        waiting.update(status=DeliveryStatus.FAILED, error=error[:500])
        subscription.consecutive_failures += 1
        subscription.save(update_fields=["consecutive_failures"])
        if subscription.consecutive_failures < settings.ALERT_WEBHOOK_MAX_FAILURES:
            return
        subscription.disabled_at = timezone.now()
        subscription.disabled_reason = (
            f"Disabled after {subscription.consecutive_failures} failed messages in a row; "
            f"last error: {error}"
        )[:300]
        subscription.save(update_fields=["disabled_at", "disabled_reason"])
    _notify_disabled(subscription)


def _notify_disabled(subscription: Subscription) -> None:
    address = subscription.owner.email if subscription.owner_id else subscription.email
    if not address:
        return
    with translation.override(subscription.language):
        body = render_to_string(
            "flights/alerts/email_disabled.txt",
            {"subscription": subscription, "manage_url": absolute(reverse("flights:webhooks"))},
        )
        subject = _("Alerts disabled: %(label)s") % {"label": subscription.label}
    try:
        EmailMessage(f"[{settings.SITE_NAME}] {subject}", body, to=[address]).send()
    except Exception:  # noqa: BLE001 - the subscription is disabled either way
        log.warning("could not send the disabled notice of subscription %s", subscription.pk)
