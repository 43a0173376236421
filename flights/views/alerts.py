"""Subscribing to alerts (double opt-in), confirming, one-click unsubscribing, and webhooks.

Addresses are never shown back: every answer to a subscription request is the same "check
your inbox" page, whether the address was new, already subscribed or over its daily limit.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from flights.alerts.forms import SubscribeForm, WebhookForm
from flights.alerts.tasks import send_confirmation
from flights.models import Channel, DeliveryStatus, Frequency, Subscription
from flights.permissions import volunteer_required


def _initial(request) -> dict:
    """Prefill from the page a visitor came from (?url=...) or from ?airport=... and the rest."""
    return {
        name: request.GET[name]
        for name in ("airport", "country", "aircraft", "operator", "kind", "url")
        if request.GET.get(name)
    }


def _signups_today(email: str) -> int:
    since = timezone.now() - dt.timedelta(days=1)
    return Subscription.objects.filter(email__iexact=email, created_at__gte=since).count()


@require_http_methods(["GET", "HEAD", "POST"])
def alert_subscribe(request):
    if request.method != "POST":
        form = SubscribeForm(initial=_initial(request))
        return render(request, "flights/alerts/subscribe.html", {"form": form})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "flights/alerts/subscribe.html", {"form": form}, status=400)
    data = form.cleaned_data
    email = data["email"].strip()
    already = Subscription.objects.filter(
        email__iexact=email, query=data["query"], unsubscribed_at=None
    ).exists()
    if not already and _signups_today(email) < settings.ALERT_MAX_SIGNUPS_PER_ADDRESS_DAY:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                channel=Channel.EMAIL,
                email=email,
                query=data["query"],
                label=data["label"],
                frequency=data["frequency"],
                only_firsts=data["only_firsts"],
                language=get_language() or settings.LANGUAGE_CODE,
            )
            transaction.on_commit(lambda: send_confirmation.delay(subscription.pk), robust=True)
    return render(request, "flights/alerts/pending.html", {"label": data["label"]})


@require_http_methods(["GET", "HEAD", "POST"])
def alert_confirm(request, token: str):
    # A GET only shows a button: mail scanners open links, and must not confirm for anyone.
    subscription = get_object_or_404(Subscription, token=token, unsubscribed_at=None)
    if request.method == "POST" and subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return render(request, "flights/alerts/confirm.html", {"subscription": subscription})


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" itself
@require_http_methods(["GET", "HEAD", "POST"])
def alert_unsubscribe(request, token: str):
    subscription = Subscription.objects.filter(token=token).first()
    done = subscription is None or subscription.unsubscribed_at is not None
    if request.method == "POST" and not done:
        unsubscribe(subscription)
        done = True
    return render(
        request, "flights/alerts/unsubscribe.html", {"subscription": subscription, "done": done}
    )


def unsubscribe(subscription: Subscription) -> None:
    """Cancel and erase the address; the record of what was sent stays, without it."""
    with transaction.atomic():
        subscription.unsubscribed_at = timezone.now()
        subscription.email = ""
        subscription.webhook_url = subscription.webhook_url if subscription.owner_id else ""
        subscription.save(update_fields=["unsubscribed_at", "email", "webhook_url"])
        subscription.deliveries.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SKIPPED
        )


@volunteer_required
@require_http_methods(["GET", "HEAD", "POST"])
def webhooks(request):
    """A volunteer's or staff member's webhooks; the signing secret is shown once, on creation."""
    form = WebhookForm(request.POST or None, initial=_initial(request))
    new = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = Subscription.objects.create(
            channel=Channel.WEBHOOK,
            webhook_url=data["webhook_url"],
            secret=secrets.token_hex(32),
            owner=request.user,
            query=data["query"],
            label=data["label"],
            frequency=Frequency.IMMEDIATE,
            only_firsts=data["only_firsts"],
            language=get_language() or settings.LANGUAGE_CODE,
            confirmed_at=timezone.now(),  # a logged-in owner needs no opt-in by e-mail
        )
        form = WebhookForm(initial={})
    hooks = Subscription.objects.filter(
        owner=request.user, channel=Channel.WEBHOOK, unsubscribed_at=None
    ).order_by("-created_at")
    return render(
        request,
        "flights/alerts/webhooks.html",
        {"form": form, "hooks": hooks, "new": new},
        status=400 if form.errors else 200,
    )


@volunteer_required
@require_POST
def webhook_delete(request, pk: int):
    hook = get_object_or_404(
        Subscription, pk=pk, owner=request.user, channel=Channel.WEBHOOK, unsubscribed_at=None
    )
    unsubscribe(hook)
    messages.success(request, _("Webhook removed."))
    return redirect("flights:webhooks")
