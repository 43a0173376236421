"""Subscriptions and alerts: opt-in, the confidence rule, idempotent sending, digests, rate
limits, webhooks (signature, retry, disabling), corrections, unsubscribe and "first" events."""

import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from flights import alerts, services
from flights.alerts import sending
from flights.alerts.forms import query_from_url
from flights.alerts.tasks import send_digests
from flights.models import (
    Airport,
    Delivery,
    FlightSource,
    Sighting,
    Subscription,
)
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.usefixtures("reference_data")
TODAY = timezone.now().date()


def subscribe(query="airport=KAEX", **fields) -> Subscription:
    fields.setdefault("email", "reader@example.org")
    return Subscription.objects.create(
        query=query, label=query, confirmed_at=timezone.now(), **fields
    )


def sighting_at(user, code="KAEX", registration="N311GX") -> Sighting:
    return Sighting.objects.create(
        reporter=user,
        seen_at=timezone.now() - dt.timedelta(hours=1),
        airport=Airport.objects.get(icao=code),
        event="departure",
        registration=registration,
    )


@pytest.fixture
def people(make_user):
    return {
        "volunteer": make_user("spotter", "volunteer"),
        "volunteer2": make_user("spotter2", "volunteer"),
        "moderator": make_user("checker", "moderator"),
    }


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (and so the eager tasks they queue) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def alerts_sent() -> list:
    return [m for m in mail.outbox if "Confirm your alerts" not in m.subject]


# --- The confidence rule ---------------------------------------------------------------------


def test_a_single_unconfirmed_sighting_sends_nothing(people, on_commit):
    subscribe()
    with on_commit():
        sighting = sighting_at(people["volunteer"])
        flight = services.create_flight_from_sighting(sighting, people["moderator"])
    assert flight.status == "reported"
    assert Delivery.objects.count() == 0
    assert mail.outbox == []


def test_a_confirmed_flight_alerts_once_and_a_second_confirmation_sends_nothing(people, on_commit):
    subscription = subscribe()
    with on_commit():
        flight = make_flight(("KAEX", "MGGT"), date=TODAY)
    assert mail.outbox == []
    with on_commit():
        services.attach_sighting(
            sighting_at(people["volunteer"]), flight, people["moderator"], verified=True
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"]
    assert "Review status: Confirmed" in message.body
    assert "Route: AEX → GUA" in message.body
    with on_commit():
        services.attach_sighting(
            sighting_at(people["volunteer2"]), flight, people["moderator"], verified=True
        )
    assert len(mail.outbox) == 1
    delivery = Delivery.objects.get()
    assert (delivery.subscription, delivery.kind, delivery.status) == (
        subscription,
        "alert",
        "sent",
    )


def test_two_independent_sources_are_enough_under_the_two_sources_rule(settings, on_commit):
    settings.ALERT_CONFIDENCE_RULE = ["two_sources"]
    subscribe()
    with on_commit():
        flight = make_flight(("KAEX", "MGGT"), date=TODAY)
    assert mail.outbox == []
    with on_commit():
        FlightSource.objects.create(flight=flight, source=make_source("A second report"))
    assert len(mail.outbox) == 1


def test_a_confirmed_flight_sends_nothing_when_the_rule_wants_only_detections(settings, on_commit):
    settings.ALERT_CONFIDENCE_RULE = ["detection"]
    subscribe()
    with on_commit():
        flight = make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    assert mail.outbox == []
    with on_commit():
        alerts.flight_detected(flight.pk, 0.5)
    assert mail.outbox == []
    with on_commit():
        alerts.flight_detected(flight.pk, 0.95)
    assert len(mail.outbox) == 1


def test_synthetic_and_old_flights_never_alert(on_commit):
    subscribe()
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed", is_synthetic=True)
        make_flight(("KAEX", "MGGT"), date=TODAY - dt.timedelta(days=60), status="confirmed")
    assert Delivery.objects.count() == 0


def test_only_matching_active_subscriptions_hear(on_commit):
    kaex = subscribe("airport=KAEX")
    subscribe("airport=KIAH", email="houston@example.org")
    subscribe("country=GT&kind=domestic", email="domestic@example.org")
    Subscription.objects.create(email="unconfirmed@example.org", query="airport=KAEX", label="x")
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    assert [d.subscription for d in Delivery.objects.all()] == [kaex]
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]


# --- Messages: unsubscribe headers, corrections, digests, limits -------------------------------


def test_every_alert_has_one_click_unsubscribe_headers(on_commit, settings):
    settings.SITE_URL = "https://tracker.example.org"
    subscription = subscribe()
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    link = f"https://tracker.example.org/alerts/unsubscribe/{subscription.token}/"
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe"] == f"<{link}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in mail.outbox[0].body


def test_one_click_unsubscribe_erases_the_address_and_stops_messages(client, on_commit):
    subscription = subscribe()
    url = reverse("flights:alert_unsubscribe", args=[subscription.token])
    page = client.get(url)
    assert "reader@example.org" not in page.content.decode()
    Subscription.objects.get(pk=subscription.pk, unsubscribed_at=None)  # a GET changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})  # no CSRF token: RFC 8058
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.email == ""
    assert subscription.unsubscribed_at is not None
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    assert mail.outbox == []


def test_a_retraction_sends_a_correction_to_whoever_got_the_flight(on_commit):
    told = subscribe()
    with on_commit():
        flight = make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    later = subscribe(email="late@example.org")
    with on_commit():
        flight.status = "retracted"
        flight.save()
    assert [m.to for m in mail.outbox] == [["reader@example.org"], ["reader@example.org"]]
    assert mail.outbox[1].subject.endswith("was retracted")
    assert "CORRECTION: this flight was retracted" in mail.outbox[1].body
    kinds = sorted(Delivery.objects.values_list("subscription_id", "kind"))
    assert kinds == [(told.pk, "alert"), (told.pk, "correction")]
    assert not Delivery.objects.filter(subscription=later).exists()


def test_a_daily_digest_sends_waiting_flights_in_one_message_once(on_commit):
    subscribe(frequency="daily")
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
        make_flight(("KAEX", "MHLM"), date=TODAY, status="confirmed")
    assert mail.outbox == []
    assert send_digests() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("2 flights: airport=KAEX")
    assert mail.outbox[0].body.count("Review status: Confirmed") == 2
    assert send_digests() == 0
    assert len(mail.outbox) == 1


def test_over_the_hourly_limit_a_message_waits_for_the_digest_run(settings, on_commit):
    settings.ALERT_MAX_PER_SUBSCRIPTION_HOUR = 1
    subscribe()
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
        make_flight(("KAEX", "MHLM"), date=TODAY, status="confirmed")
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(status="pending").count() == 1
    assert send_digests() == 0  # still over the limit this hour
    Delivery.objects.filter(status="sent").update(sent_at=timezone.now() - dt.timedelta(hours=2))
    assert send_digests() == 1
    assert len(mail.outbox) == 2


def test_the_per_address_limit_counts_every_subscription_of_the_address(settings, on_commit):
    settings.ALERT_MAX_PER_ADDRESS_HOUR = 1
    subscribe("airport=KAEX")
    subscribe("country=GT")
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    assert len(mail.outbox) == 1
    assert Delivery.objects.filter(status="pending").count() == 1


# --- Subscribing -----------------------------------------------------------------------------


def test_subscribing_sends_a_confirmation_and_nothing_before_it_is_confirmed(client, on_commit):
    with on_commit():
        response = client.post(
            reverse("flights:alert_subscribe"),
            {"email": "new@example.org", "airport": "aex", "frequency": "immediate"},
        )
    assert response.status_code == 200
    assert "new@example.org" not in response.content.decode()
    subscription = Subscription.objects.get()
    assert (subscription.query, subscription.label) == ("airport=aex", "Departures from AEX")
    assert subscription.confirmed_at is None
    [confirmation] = mail.outbox
    link = re.search(r"http://\S+/alerts/confirm/\S+/", confirmation.body).group(0)
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    assert len(mail.outbox) == 1
    path = link.split("8000", 1)[1]
    assert client.get(path).status_code == 200
    assert (
        Subscription.objects.get().confirmed_at is None
    )  # a GET (a mail scanner) confirms nothing
    client.post(path)
    assert Subscription.objects.get().confirmed_at is not None


def test_an_address_gets_a_limited_number_of_confirmation_mails_a_day(client, settings, on_commit):
    settings.ALERT_MAX_SIGNUPS_PER_ADDRESS_DAY = 2
    for code in ("KAEX", "KIAH", "KELP"):
        with on_commit():
            response = client.post(
                reverse("flights:alert_subscribe"),
                {"email": "target@example.org", "airport": code, "frequency": "immediate"},
            )
        assert response.status_code == 200  # the same answer, limited or not
    assert len(mail.outbox) == 2
    assert Subscription.objects.count() == 2


def test_subscribing_to_nothing_or_an_unknown_filter_says_why(client, db):
    url = reverse("flights:alert_subscribe")
    response = client.post(url, {"email": "a@example.org", "frequency": "daily"})
    assert response.status_code == 400
    assert "Choose at least one thing to follow." in response.content.decode()
    response = client.post(url, {"email": "a@example.org", "frequency": "daily", "country": "ZZ"})
    assert "Unknown country code “ZZ”." in response.content.decode()
    response = client.post(
        url, {"email": "a@example.org", "frequency": "daily", "url": "/moderation/"}
    )
    assert "is not a flight list, airport, country or aircraft page." in response.content.decode()


def test_a_saved_page_url_becomes_its_filters_in_any_language():
    assert query_from_url("https://x.org/es/countries/GT/?kind=removal&page=3&sort=route") == [
        ("kind", "removal"),
        ("country", "GT"),
    ]
    assert query_from_url("/flights/?airport=AEX&start=2025-01-01") == [
        ("airport", "AEX"),
        ("start", "2025-01-01"),
    ]


def test_the_subscribe_link_of_a_page_prefills_its_filters(client, db):
    response = client.get(reverse("flights:alert_subscribe") + "?url=/airports/KAEX/")
    assert 'value="/airports/KAEX/"' in response.content.decode()


# --- Webhooks --------------------------------------------------------------------------------


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


def test_a_webhook_gets_a_signed_json_post(webhook_receiver, people, on_commit):
    webhook(webhook_receiver, people["volunteer"])
    with on_commit():
        flight = make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    [(headers, body)] = webhook_receiver.requests
    timestamp, signature = re.fullmatch(
        r"t=(\d+),v1=([0-9a-f]{64})", headers["X-Tracker-Signature"]
    ).groups()
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    payload = json.loads(body)
    assert payload["event"] == "flight.alert"
    assert payload["flight"]["id"] == flight.pk
    assert payload["flight"]["status"] == "confirmed"
    assert payload["flight"]["sources"] == [{"kind": "news", "title": "Test report", "url": None}]


def test_webhooks_to_private_addresses_are_refused(settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    assert sending.webhook_address_error("http://127.0.0.1:8000/x") == (
        "The host 127.0.0.1 is not a public address."
    )
    assert sending.webhook_address_error("ftp://example.org/") == (
        "Use an http:// or https:// address."
    )


def test_a_volunteer_adds_a_webhook_and_sees_its_secret_once(client, people, settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    client.force_login(people["volunteer"])
    url = reverse("flights:webhooks")
    response = client.post(url, {"webhook_url": "http://127.0.0.1:9/h", "country": "GT"})
    hook = Subscription.objects.get()
    assert (hook.owner, hook.query, hook.channel) == (people["volunteer"], "country=GT", "webhook")
    assert hook.secret in response.content.decode()
    assert hook.secret not in client.get(url).content.decode()
    other = client.__class__()
    other.force_login(people["volunteer2"])
    delete = reverse("flights:webhook_delete", args=[hook.pk])
    assert other.post(delete).status_code == 404
    assert client.post(delete).status_code == 302
    assert Subscription.objects.get().unsubscribed_at is not None


# --- "First" events ----------------------------------------------------------------------------


def test_only_firsts_hears_of_the_first_removal_to_a_country_in_a_year(on_commit):
    subscribe("kind=removal", only_firsts=True)
    plane = make_aircraft("N901FE")
    make_flight(("KAEX", "ZSSS"), date=TODAY - dt.timedelta(days=400), aircraft=plane)
    with on_commit():
        make_flight(("KAEX", "ZSSS"), date=TODAY, status="confirmed", aircraft=plane)
    [message] = mail.outbox
    assert "First removal flight to China in 12 months" in message.body
    assert Delivery.objects.get().firsts == ["country:CN"]
    with on_commit():
        make_flight(("KAEX", "ZSSS"), date=TODAY, status="confirmed", aircraft=plane)
    assert len(mail.outbox) == 1  # the second flight to China this year is not a first


def test_a_new_aircraft_and_a_new_departure_airport_are_firsts(on_commit):
    subscribe("kind=removal", only_firsts=True)
    with on_commit():
        make_flight(("KBFI", "MGGT"), date=TODAY, status="confirmed", aircraft=make_aircraft())
    delivery = Delivery.objects.get()
    assert delivery.firsts[1:] == [
        f"aircraft:{delivery.flight.aircraft.registration}",
        "airport:BFI",
    ]


def test_a_spanish_subscriber_gets_spanish_messages_and_links(on_commit, settings):
    settings.SITE_URL = "https://tracker.example.org"
    subscription = subscribe(language="es")
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    [message] = mail.outbox
    assert "Estado de revisión: Confirmado" in message.body
    assert "Tipo: Deportación" in message.body
    unsubscribe = f"https://tracker.example.org/es/alerts/unsubscribe/{subscription.token}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"


def test_the_language_switch_keeps_the_page_and_its_filters(client, db):
    html = client.get("/flights/?kind=removal").content.decode()
    assert '<a href="/es/flights/?kind=removal" hreflang="es" lang="es" class="language">' in html
    spanish = client.get("/es/flights/?kind=removal").content.decode()
    assert '<html lang="es">' in spanish
    assert '<a href="/flights/?kind=removal" hreflang="en" lang="en"' in spanish


def test_the_admin_shows_what_was_sent_but_never_the_address(client, on_commit):
    from django.contrib.auth.models import User

    subscription = subscribe(email="secret.reader@example.org")
    with on_commit():
        make_flight(("KAEX", "MGGT"), date=TODAY, status="confirmed")
    client.force_login(User.objects.create_superuser("root", "root@example.org", None))
    pages = [
        reverse("admin:flights_subscription_changelist"),
        reverse("admin:flights_subscription_change", args=[subscription.pk]),
        reverse("admin:flights_delivery_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert "secret.reader@example.org" not in response.content.decode()
    assert "s…@example.org" in client.get(pages[0]).content.decode()
