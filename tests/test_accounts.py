"""Accounts: invitation-only sign-up, login lockout, password change and reset."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from flights.models import Invitation
from flights.permissions import is_volunteer

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {
    "username": "fencewatcher",
    "email": "fw@example.org",
    "password1": "plane-spotting-at-dawn-42",
    "password2": "plane-spotting-at-dawn-42",
}


def test_there_is_no_open_sign_up(client):
    with pytest.raises(NoReverseMatch):
        reverse("signup")
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/register/").status_code == 404


def test_an_admin_issues_a_link_that_is_shown_once_and_mailed(client, role_users):
    client.force_login(role_users["admin"])
    response = client.post(
        reverse("flights:invitation_list"),
        {"email": "new@example.org", "note": "Alexandria group", "days": 3},
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get()
    [link] = re.findall(
        r'value="(http://testserver/accounts/invite/[^"]+/)"', response.content.decode()
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash != token and len(invitation.token_hash) == 64
    assert Invitation.find_usable(token) == invitation
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert link in message.body
    assert abs(invitation.expires_at - (timezone.now() + dt.timedelta(days=3))) < dt.timedelta(
        minutes=1
    )
    # The list page never shows a token again.
    assert token not in client.get(reverse("flights:invitation_list")).content.decode()


def test_an_invitation_creates_a_volunteer_once(client, role_users):
    _, token = Invitation.issue(role_users["admin"], email="fw@example.org")
    url = reverse("flights:invitation_accept", args=[token])
    assert 'value="fw@example.org"' in client.get(url).content.decode()
    response = client.post(url, NEW_ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == reverse("flights:sighting_add")
    user = User.objects.get(username="fencewatcher")
    assert is_volunteer(user)
    assert list(user.groups.values_list("name", flat=True)) == ["volunteer"]
    assert not user.is_staff
    invitation = Invitation.objects.get()
    assert invitation.used_by == user and invitation.used_at is not None
    # Logged in right away.
    assert client.get(reverse("flights:sighting_add")).status_code == 200
    # Single use.
    client.logout()
    again = client.post(url, {**NEW_ACCOUNT, "username": "second"})
    assert again.status_code == 410
    assert "This invitation link does not work" in again.content.decode()
    assert not User.objects.filter(username="second").exists()


def test_an_expired_invitation_is_refused(client, role_users):
    invitation, token = Invitation.issue(role_users["admin"])
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.post(reverse("flights:invitation_accept", args=[token]), NEW_ACCOUNT)
    assert response.status_code == 410
    assert not User.objects.filter(username="fencewatcher").exists()


def test_a_weak_password_is_refused_next_to_the_field(client, role_users):
    _, token = Invitation.issue(role_users["admin"])
    url = reverse("flights:invitation_accept", args=[token])
    response = client.post(url, {**NEW_ACCOUNT, "password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert "This password is too common." in response.context["form"].errors["password2"]
    assert Invitation.objects.usable().count() == 1


def test_five_failed_logins_lock_the_account(client, make_user):
    make_user("vol", "volunteer", password="the-right-password-1")
    url = reverse("login")
    for _ in range(4):
        response = client.post(url, {"username": "vol", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    locked = client.post(url, {"username": "vol", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    # Even the right password is refused while locked.
    right = client.post(url, {"username": "vol", "password": "the-right-password-1"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client, make_user):
    make_user("vol", "volunteer", password="the-right-password-1")
    response = client.post(
        reverse("login"),
        {"username": "vol", "password": "the-right-password-1", "next": "/sightings/mine/"},
    )
    assert response.status_code == 302 and response["Location"] == "/sightings/mine/"
    html = client.get(reverse("flights:sighting_list")).content.decode()
    assert "Report a sighting" in html and "Moderation queue" not in html
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("flights:sighting_list")).status_code == 302


def test_moderators_see_the_queue_link(client, role_users):
    client.force_login(role_users["moderator"])
    html = client.get(reverse("flights:sighting_list")).content.decode()
    assert 'href="/moderation/">Moderation queue</a>' in html


def test_password_change(client, make_user):
    user = make_user("vol", "volunteer", password="the-right-password-1")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "the-right-password-1",
            "new_password1": "another-long-password-2",
            "new_password2": "another-long-password-2",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-password-2")


def test_password_reset_mails_a_working_link(client, make_user):
    make_user("vol", "volunteer")
    response = client.post(reverse("password_reset"), {"email": "vol@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    [link] = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()
    assert "set-password" in page.redirect_chain[-1][0]


def test_a_mail_failure_still_shows_the_link(client, role_users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    client.force_login(role_users["admin"])
    response = client.post(
        reverse("flights:invitation_list"), {"email": "new@example.org", "days": 7}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Could not e-mail new@example.org: send them the link below yourself." in html
    assert 'value="http://testserver/accounts/invite/' in html
