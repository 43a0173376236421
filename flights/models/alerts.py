"""Subscriptions to a filter (e-mail or webhook) and the record of every message sent.

An address is kept only to send to it: it is never shown (admin and pages mask it) and is
erased when its subscription is cancelled. `Delivery` is unique per subscription, flight and
kind, which is what makes sending idempotent: a flight never alerts the same subscriber twice.
Rules: docs/alerts.md.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")


class DeliveryKind(models.TextChoices):
    ALERT = "alert", _("Alert")
    CORRECTION = "correction", _("Correction")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent (the flight was retracted first)")


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed, not cancelled, not disabled: the ones that get messages."""
        return self.filter(
            confirmed_at__isnull=False, unsubscribed_at__isnull=True, disabled_at__isnull=True
        )


class Subscription(models.Model):
    """Someone who wants to hear about the flights a filter matches."""

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField(blank=True, help_text="Only for sending; erased on unsubscribe.")
    webhook_url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(max_length=64, blank=True, help_text="HMAC-SHA256 key of webhooks.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
    )
    query = models.CharField(
        max_length=1000, blank=True, help_text="The filter, as the flight list's query string."
    )
    label = models.CharField(max_length=300)
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    only_firsts = models.BooleanField(
        default=False, help_text="Only flights that are a first (country, aircraft, airport)."
    )
    language = models.CharField(max_length=8, default="en")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["email"], name="subscription_email")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(channel="webhook") | ~models.Q(webhook_url=""),
                name="webhook_has_url",
                violation_error_message="A webhook subscription needs a URL.",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="email")
                | ~models.Q(email="")
                | models.Q(unsubscribed_at__isnull=False),
                name="email_has_address_until_unsubscribed",
                violation_error_message="An e-mail subscription needs an address.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}: {self.label}"

    @property
    def is_active(self) -> bool:
        return bool(self.confirmed_at and not self.unsubscribed_at and not self.disabled_at)

    def masked_address(self) -> str:
        """What a page or the admin may show: never the address itself."""
        if self.channel == Channel.WEBHOOK:
            return self.webhook_url.split("?")[0]
        if not self.email:
            return "—"
        local, _at, domain = self.email.partition("@")
        return f"{local[:1]}…@{domain}"


class Delivery(models.Model):
    """One message about one flight to one subscription: what was sent, when, and how it went."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    flight = models.ForeignKey("flights.Flight", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=DeliveryKind.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    firsts = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "flight", "kind"],
                name="one_delivery_per_subscription_flight_kind",
                violation_error_message="This flight was already sent to this subscription.",
            )
        ]
        indexes = [models.Index(fields=["subscription", "status"], name="delivery_sub_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of flight {self.flight_id} to #{self.subscription_id}"
