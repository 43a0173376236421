"""The permission matrix for every sighting, moderation and account URL, and CSRF."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from flights.models import Invitation, SightingPhoto, SightingStatus
from tests.access import ACCESS
from tests.test_images import jpeg_with_gps, upload
from tests.test_sightings import make_sighting, sighting_post

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "volunteer", "other_volunteer", "moderator", "admin"]
LOGIN = 302  # anonymous users are sent to the login page


@pytest.fixture
def world(reference_data, role_users):
    """The volunteer's pending sighting with a photo, and an approved one with a photo."""
    pending = make_sighting(role_users["volunteer"])
    approved = make_sighting(
        role_users["volunteer"], registration="N111AA", status=SightingStatus.APPROVED
    )
    photos = {}
    for sighting in (pending, approved):
        photo = SightingPhoto(sighting=sighting, content_type="image/jpeg", width=1, height=1)
        photo.image.save("p.jpg", upload(jpeg_with_gps(), "p.jpg"), save=False)
        photo.size = photo.image.size
        photo.save()
        photos[sighting.status] = photo
    invitation, token = Invitation.issue(role_users["admin"])
    return {"pending": pending, "approved": approved, "photos": photos, "token": token}


def request_as(client, role_users, role: str, method: str, url: str, data=None):
    user = role_users[role]
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {})


def _pending(name: str):
    return lambda w: reverse(name, args=[w["pending"].pk])


# Each row: URL name, how to build its URL from the world, method, expected status per role
# (anonymous, volunteer, other volunteer, moderator, admin).
VOLUNTEER_PAGES = [
    ("flights:sighting_add", lambda w: reverse("flights:sighting_add"), "get",
     (LOGIN, 200, 200, 200, 200)),
    ("flights:sighting_list", lambda w: reverse("flights:sighting_list"), "get",
     (LOGIN, 200, 200, 200, 200)),
    ("flights:sighting_detail",
     lambda w: reverse("flights:sighting_detail", args=[w["pending"].pk]), "get",
     (LOGIN, 200, 404, 200, 200)),
    ("flights:airport_search", lambda w: reverse("flights:airport_search") + "?q=AEX", "get",
     (LOGIN, 200, 200, 200, 200)),
]  # fmt: skip

MODERATION_PAGES = [
    ("flights:moderation_queue", lambda w: reverse("flights:moderation_queue"), "get",
     (LOGIN, 403, 403, 200, 200)),
    ("flights:sighting_review", _pending("flights:sighting_review"),
     "get", (LOGIN, 403, 403, 200, 200)),
    # Empty forms: moderators reach the form and get 400 with the errors; nothing is decided.
    ("flights:sighting_attach", _pending("flights:sighting_attach"),
     "post", (LOGIN, 403, 403, 400, 400)),
    ("flights:sighting_create_flight",
     lambda w: reverse("flights:sighting_create_flight", args=[w["pending"].pk]), "post",
     (LOGIN, 403, 403, 302, 302)),
    ("flights:sighting_duplicate",
     lambda w: reverse("flights:sighting_duplicate", args=[w["pending"].pk]), "post",
     (LOGIN, 403, 403, 400, 400)),
    ("flights:sighting_reject", _pending("flights:sighting_reject"),
     "post", (LOGIN, 403, 403, 400, 400)),
]  # fmt: skip

PHOTO_PAGES = [
    ("flights:sighting_photo",
     lambda w: reverse("flights:sighting_photo", args=[w["photos"]["pending"].pk]), "get",
     (LOGIN, 403, 403, 200, 200)),
    ("flights:sighting_photo (approved)",
     lambda w: reverse("flights:sighting_photo", args=[w["photos"]["approved"].pk]), "get",
     (200, 200, 200, 200, 200)),
]  # fmt: skip

ACCOUNT_PAGES = [
    ("flights:invitation_list", lambda w: reverse("flights:invitation_list"), "get",
     (LOGIN, 403, 403, 403, 200)),
    ("flights:invitation_accept",
     lambda w: reverse("flights:invitation_accept", args=[w["token"]]), "get",
     (200, 200, 200, 200, 200)),
    ("flights:invitation_accept (spent)",
     lambda w: reverse("flights:invitation_accept", args=["not-a-token"]), "get",
     (410, 410, 410, 410, 410)),
    ("login", lambda w: reverse("login"), "get", (200, 200, 200, 200, 200)),
    ("logout", lambda w: reverse("logout"), "post", (302, 302, 302, 302, 302)),
    ("password_change", lambda w: reverse("password_change"), "get",
     (LOGIN, 200, 200, 200, 200)),
    ("password_change_done", lambda w: reverse("password_change_done"), "get",
     (LOGIN, 200, 200, 200, 200)),
    ("password_reset", lambda w: reverse("password_reset"), "get", (200, 200, 200, 200, 200)),
    ("password_reset_done", lambda w: reverse("password_reset_done"), "get",
     (200, 200, 200, 200, 200)),
    ("password_reset_confirm",
     lambda w: reverse("password_reset_confirm", args=["MQ", "bad-token"]), "get",
     (200, 200, 200, 200, 200)),
    ("password_reset_complete", lambda w: reverse("password_reset_complete"), "get",
     (200, 200, 200, 200, 200)),
]  # fmt: skip


def _cases(rows):
    return [
        pytest.param(build, method, role, expected[i], id=f"{name}-{role}")
        for name, build, method, expected in rows
        for i, role in enumerate(ROLES)
    ]


@pytest.mark.parametrize(("build", "method", "role", "status"), _cases(VOLUNTEER_PAGES))
def test_volunteer_pages_matrix(client, world, role_users, build, method, role, status):
    response = request_as(client, role_users, role, method, build(world))
    assert response.status_code == status
    if status == LOGIN and role == "anonymous":
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("build", "method", "role", "status"), _cases(MODERATION_PAGES))
def test_moderation_pages_matrix(client, world, role_users, build, method, role, status):
    response = request_as(client, role_users, role, method, build(world))
    assert response.status_code == status
    world["pending"].refresh_from_db()
    if status != 302 or role == "anonymous":
        assert world["pending"].status == SightingStatus.PENDING
    else:  # an empty "new flight" form is valid: the other airport is optional
        assert world["pending"].status == SightingStatus.APPROVED
    if status == LOGIN and role == "anonymous":
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("build", "method", "role", "status"), _cases(PHOTO_PAGES))
def test_photo_matrix(client, world, role_users, build, method, role, status):
    response = request_as(client, role_users, role, method, build(world))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(("build", "method", "role", "status"), _cases(ACCOUNT_PAGES))
def test_account_pages_matrix(client, world, role_users, build, method, role, status):
    response = request_as(client, role_users, role, method, build(world))
    assert response.status_code == status


def test_a_superuser_counts_as_admin(client, world):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    assert client.get(reverse("flights:invitation_list")).status_code == 200
    assert client.get(reverse("flights:moderation_queue")).status_code == 200


def test_the_matrix_covers_every_sighting_and_account_url():
    tested = {
        name.split(" ")[0]
        for rows in (VOLUNTEER_PAGES, MODERATION_PAGES, PHOTO_PAGES, ACCOUNT_PAGES)
        for name, *_ in rows
    }
    mine = {
        name
        for name in ACCESS
        if "sighting" in name
        or "moderation" in name
        or "invitation" in name
        or "airport_search" in name
        or ":" not in name
    }
    assert tested == mine


# --- CSRF --------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _token(client, url: str) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_a_sighting_without_a_csrf_token_is_refused(csrf_client, reference_data, role_users):
    csrf_client.force_login(role_users["volunteer"])
    url = reverse("flights:sighting_add")
    assert csrf_client.post(url, sighting_post()).status_code == 403
    token = _token(csrf_client, url)
    response = csrf_client.post(url, {**sighting_post(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("flights:sighting_reject", {"reason": "spam"}),
        ("flights:sighting_create_flight", {}),
        ("flights:sighting_duplicate", {"original": 1}),
        ("flights:sighting_attach", {"flight": 1}),
    ],
)
def test_moderation_decisions_without_a_csrf_token_are_refused(
    csrf_client, world, role_users, name, data
):
    csrf_client.force_login(role_users["moderator"])
    response = csrf_client.post(reverse(name, args=[world["pending"].pk]), data)
    assert response.status_code == 403
    world["pending"].refresh_from_db()
    assert world["pending"].status == SightingStatus.PENDING


def test_invitations_and_logins_need_a_csrf_token(csrf_client, world, role_users):
    csrf_client.force_login(role_users["admin"])
    assert csrf_client.post(reverse("flights:invitation_list"), {"days": 7}).status_code == 403
    assert Invitation.objects.count() == 1
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(reverse("login"), {"username": "vol", "password": "x"})
    assert response.status_code == 403
    accept = reverse("flights:invitation_accept", args=[world["token"]])
    assert anonymous.post(accept, {"username": "new"}).status_code == 403
    assert not User.objects.filter(username="new").exists()


def test_a_pending_photo_is_not_cached_by_shared_caches(client, world, role_users):
    client.force_login(role_users["moderator"])
    response = client.get(reverse("flights:sighting_photo", args=[world["photos"]["pending"].pk]))
    assert response["Cache-Control"] == "private, no-store"


def test_pending_times_are_shown_only_to_the_reporter_and_moderators(client, world, role_users):
    pending = world["pending"]
    pending.seen_at = dt.datetime(2025, 5, 6, 15, 7, tzinfo=dt.UTC)
    pending.save()
    url = reverse("flights:sighting_detail", args=[pending.pk])
    client.force_login(role_users["other_volunteer"])
    assert client.get(url).status_code == 404
    client.force_login(role_users["moderator"])
    assert "2025-05-06 15:07 UTC" in client.get(url).content.decode()
