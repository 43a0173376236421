"""Password reset: limited per address and per client, and as slow for unknown addresses as
for real ones (issue 13, item 14)."""

import time

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast(settings):
    settings.PASSWORD_RESET_MIN_SECONDS = 0


def ask(client, email: str, ip: str = "203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_an_address_gets_at_most_its_limit_of_mails_and_the_same_answer(
    client, make_user, settings, fast
):
    settings.PASSWORD_RESET_PER_ADDRESS = 3
    make_user("vol", "volunteer")
    answers = [ask(client, "vol@example.org", ip=f"203.0.113.{n}") for n in range(5)]
    assert [a.status_code for a in answers] == [302] * 5
    assert {a["Location"] for a in answers} == {reverse("password_reset_done")}
    assert len(mail.outbox) == 3


def test_the_address_limit_ignores_case_and_spaces(client, make_user, settings, fast):
    settings.PASSWORD_RESET_PER_ADDRESS = 1
    make_user("vol", "volunteer")
    ask(client, "vol@example.org")
    ask(client, "VOL@example.org ", ip="198.51.100.1")
    assert len(mail.outbox) == 1


def test_a_client_over_its_limit_is_told_to_wait(client, make_user, settings, fast):
    settings.PASSWORD_RESET_PER_CLIENT = 10
    make_user("vol", "volunteer")
    answers = [ask(client, f"nobody{n}@example.org") for n in range(10)]
    assert {a.status_code for a in answers} == {302}
    refused = ask(client, "vol@example.org")
    assert refused.status_code == 429
    assert "asked for too many password resets" in refused.content.decode()
    assert mail.outbox == []
    assert ask(client, "vol@example.org", ip="198.51.100.9").status_code == 302
    assert len(mail.outbox) == 1


def _timed(client, email: str, ip: str) -> float:
    started = time.monotonic()
    assert ask(client, email, ip=ip).status_code == 302
    return time.monotonic() - started


def test_known_and_unknown_addresses_take_the_same_time(client, make_user, settings):
    settings.PASSWORD_RESET_MIN_SECONDS = 0.4
    make_user("vol", "volunteer")
    known = [_timed(client, "vol@example.org", f"203.0.113.{n}") for n in range(2)]
    unknown = [_timed(client, f"x{n}@example.org", f"198.51.100.{n}") for n in range(2)]
    assert len(mail.outbox) == 2
    # The floor hides the difference: every answer takes at least 0.4 s, and the work
    # (one query, a queued mail) is far shorter.
    assert min(known + unknown) >= 0.4
    assert abs(sum(known) / 2 - sum(unknown) / 2) < 0.15


def test_the_link_still_works(client, make_user, fast):
    import re

    make_user("vol", "volunteer")
    ask(client, "vol@example.org")
    [message] = mail.outbox
    [link] = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()
