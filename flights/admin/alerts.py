"""Subscriptions and the record of what was sent. Addresses and secrets are never shown."""

from django.contrib import admin

from flights.models import Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["pk", "channel", "address", "label", "frequency", "language", "state"]
    list_filter = ["channel", "frequency", "language"]
    search_fields = ["label", "query"]
    # Only what a person needs to see; e-mail address, webhook URL and secret stay out.
    fields = [
        "channel",
        "address",
        "owner",
        "label",
        "query",
        "frequency",
        "only_firsts",
        "language",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "last_digest_at",
    ]
    readonly_fields = [f for f in fields if f not in ("disabled_at", "disabled_reason")]

    def has_add_permission(self, request):
        return False

    @admin.display(description="address")
    def address(self, obj: Subscription) -> str:
        return obj.masked_address()

    @admin.display(description="state")
    def state(self, obj: Subscription) -> str:
        if obj.unsubscribed_at:
            return "unsubscribed"
        if obj.disabled_at:
            return "disabled"
        return "active" if obj.confirmed_at else "awaiting confirmation"


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "subscription", "flight", "kind", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["subscription", "flight"]
    readonly_fields = [
        "subscription",
        "flight",
        "kind",
        "status",
        "firsts",
        "attempts",
        "created_at",
        "sent_at",
        "error",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
