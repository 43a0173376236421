"""Every URL has an entry in the permission matrix (tests/access.py), and the matrix holds.

The URLconf is enumerated, so a page added without an entry fails here. For each entry, users
below the level are refused (anonymous: a redirect to the login page or 403; signed-in users: 403
or 404) and a user at the level is not. The admin site is left out: its own staff check guards
every page, and Django tests it. django.contrib.auth's account URLs (login, password reset...)
are in the matrix like any page.
"""

import datetime as dt
import inspect
import io
import re
import sys
import types
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from flights.health import record_worker_heartbeat
from tests.access import ACCESS

LEVELS = ("public", "volunteer", "moderator", "staff", "admin")
SKIPPED_NAMESPACES = {"admin"}
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Url:
    name: str  # namespace:name, or the bare name outside a namespace
    route: str  # the whole route, e.g. "flights/<int:pk>/"
    params: tuple[str, ...]


def enumerate_urls(urlconf: str | None = None) -> tuple[list[Url], list[str]]:
    """Every named URL outside the skipped namespaces, and the routes that have no name."""
    found: list[Url] = []
    unnamed: list[str] = []

    def walk(patterns, prefix: str, namespace: str, params: tuple[str, ...]):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            here = params + tuple(_params_of(entry.pattern))
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace or ""
                walk(entry.url_patterns, route, inner.strip(":"), here)
            elif isinstance(entry, URLPattern):
                if not entry.name:
                    unnamed.append(route)
                    continue
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append(Url(name, route, here))

    walk(get_resolver(urlconf).url_patterns, "", "", ())
    return found, unnamed


def _params_of(pattern) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


URLS, UNNAMED = enumerate_urls()


# --- Users and the objects URL kwargs point at ------------------------------------------------


def _user(username: str, groups: tuple[str, ...] = (), **flags) -> User:
    # No password: hashing one costs a second per user, and force_login needs none.
    user = User.objects.create_user(username=username, password=None, **flags)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def _staff_importer() -> User:
    """Staff with what the staff pages need: the admin's own permissions on import runs."""
    from django.contrib.auth.models import Permission

    user = _user("perm-staff", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_importrun", "view_importrun"])
    )
    return user


@pytest.fixture
def users(db) -> dict[str, User | None]:
    """One user per level, plus nobody; each holds exactly the one role its level names."""
    return {
        "anonymous": None,
        "volunteer": _user("perm-volunteer", ("volunteer",)),
        "moderator": _user("perm-moderator", ("moderator",)),
        "staff": _staff_importer(),
        "admin": _user("perm-admin", ("admin",)),
    }


AT_LEVEL = {
    "public": "anonymous",
    "volunteer": "volunteer",
    "moderator": "moderator",
    "staff": "staff",
    "admin": "admin",
}


def below(level: str) -> list[str]:
    ordered = ["anonymous", "volunteer", "moderator", "staff", "admin"]
    return ordered[: LEVELS.index(level)] if level != "public" else []


class Objects:
    """Builds, on first use, the records a URL's kwargs refer to."""

    def __init__(self, users):
        self.users = users
        self._cache: dict[str, object] = {}

    def get(self, what: str):
        if what not in self._cache:
            self._cache[what] = getattr(self, f"_make_{what}")()
        return self._cache[what]

    def _make_flight(self):
        from tests.factories import make_aircraft, make_flight

        return make_flight(route=("KAEX", "MGGT"), aircraft=make_aircraft("N278GX"))

    def _make_sighting(self):
        from flights.models import Airport, Sighting

        return Sighting.objects.create(
            reporter=self.users["volunteer"],
            seen_at=dt.datetime(2025, 5, 6, 14, 0, tzinfo=dt.UTC),
            airport=Airport.objects.get(icao="KAEX"),
            event="departure",
            registration="N278GX",
        )

    def _make_photo(self):
        from django.core.files.base import ContentFile
        from PIL import Image

        from flights.models import SightingPhoto

        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
        photo = SightingPhoto(
            sighting=self.get("sighting"),
            content_type="image/png",
            width=4,
            height=4,
            size=len(buffer.getvalue()),
        )
        photo.image.save("p.png", ContentFile(buffer.getvalue()), save=False)
        photo.save()
        return photo

    def _make_import_run(self):
        from flights.models import ImportRun

        return ImportRun.objects.create(format="flightlog", file_name="log.csv")

    def _make_export_token(self):
        from flights.models import ExportJob

        return ExportJob.objects.create(kind="legs_csv", data_version="x", file_name="a.csv").token

    def _make_invitation_token(self):
        from flights.models import Invitation

        return Invitation.issue(self.users["admin"], email="new@example.org")[1]

    def _make_subscription(self):
        from flights.models import Subscription

        return Subscription.objects.create(email="reader@example.org", query="airport=KAEX")

    def _make_webhook(self):
        from flights.models import Subscription

        return Subscription.objects.create(
            channel="webhook",
            webhook_url="https://hooks.example.org/x",
            owner=self.users["volunteer"],
            query="airport=KAEX",
        )

    def _make_candidate(self):
        from flights.models import Airport, DetectedLeg, LegCandidate, TraceFile

        candidate = LegCandidate.objects.create()
        trace = TraceFile.objects.create(name="trace_full_a1b2c3.json", sha256="0" * 64)
        seen = dt.datetime(2025, 5, 6, 14, 0, tzinfo=dt.UTC)
        DetectedLeg.objects.create(
            icao24="a1b2c3",
            registration="N278GX",
            departure_airport=Airport.objects.get(icao="KAEX"),
            arrival_airport=Airport.objects.get(icao="MGGT"),
            departure_time=seen,
            arrival_time=seen + dt.timedelta(hours=3),
            first_seen=seen,
            last_seen=seen + dt.timedelta(hours=3),
            confidence="high",
            track=[[seen.timestamp(), 31.3, -92.5, 0, 0]],
            trace_file=trace,
            candidate=candidate,
        )
        return candidate

    def _make_operator(self):
        from flights.models import Operator

        return Operator.objects.create(name="Permission Test Air")

    def _make_reset_link(self):
        user = self.users["volunteer"]
        return {
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }


def build_kwargs(url: Url, objects: Objects) -> dict | None:
    """URL kwargs from the fixtures, by what the route is about; None when we cannot tell."""
    if not url.params:
        return {}
    route = url.route
    if set(url.params) == {"uidb64", "token"}:
        return objects.get("reset_link")
    if url.params == ("token",) and route.startswith("exports/"):
        return {"token": objects.get("export_token")}
    if url.params == ("token",) and "invit" in route:
        return {"token": objects.get("invitation_token")}
    if url.params == ("month",):
        return {"month": "2024-03"}  # monthly reports (dashboard area)
    if url.params == ("token",) and "alerts/" in route:
        return {"token": objects.get("subscription").token}
    if url.params != ("pk",) and url.params not in {("code",), ("registration",)}:
        return None
    param = url.params[0]
    rules = [
        (r"photos/<", lambda: objects.get("photo").pk),
        (r"webhooks/<", lambda: objects.get("webhook").pk),
        (r"operators/<", lambda: objects.get("operator").pk),
        (r"moderation/adsb/<", lambda: objects.get("candidate").pk),
        (r"(sightings|moderation)/<", lambda: objects.get("sighting").pk),
        (r"imports?/(runs/)?<", lambda: objects.get("import_run").pk),
        (r"flights/<", lambda: objects.get("flight").pk),
        (r"airports/<", lambda: objects.get("flight").origin.code),
        (r"aircraft/<", lambda: objects.get("flight").aircraft.registration),
        (r"countries/<", lambda: objects.get("flight").destination_country_id),
    ]
    for pattern, value in rules:
        if re.search(pattern, route):
            return {param: value()}
    return None


# --- The check -------------------------------------------------------------------------------


def _is_login_redirect(response) -> bool:
    if response.status_code not in REDIRECTS:
        return False
    location = response.get("Location", "")
    return location.startswith(resolve_url(settings.LOGIN_URL)) or "/login/" in location


def refused(response, anonymous: bool) -> bool:
    if anonymous:
        return response.status_code == 403 or _is_login_redirect(response)
    return response.status_code in (403, 404)


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def check_guard(url: str, level: str, users: dict) -> list[str]:
    """What is wrong with one URL's guard, in words; empty when the matrix holds."""
    problems = []
    at_level = AT_LEVEL[level]
    method = "get"
    response = client_for(users[at_level]).get(url)
    if response.status_code == 405:
        method = "post"
        response = client_for(users[at_level]).post(url)
    if response.status_code >= 500:
        problems.append(f"{at_level} ({level}) got {response.status_code} on {method.upper()}")
    elif refused(response, at_level == "anonymous") or _is_login_redirect(response):
        problems.append(f"{at_level} ({level}) was refused with {response.status_code}")
    for role in below(level):
        response = getattr(client_for(users[role]), method)(url)
        if not refused(response, role == "anonymous"):
            expected = "login redirect or 403" if role == "anonymous" else "403 or 404"
            problems.append(
                f"{role} was not refused on {method.upper()}: got {response.status_code}, "
                f"expected {expected}"
            )
    return problems


# --- Tests -----------------------------------------------------------------------------------


def test_every_url_has_a_name():
    assert UNNAMED == [], "name these routes and add them to tests/access.py"


def test_every_url_has_an_entry_in_the_permission_matrix():
    missing = sorted({url.name for url in URLS} - set(ACCESS))
    assert missing == [], f"add these URL names to tests/access.py: {missing}"


def test_the_matrix_names_no_url_that_does_not_exist():
    assert sorted(set(ACCESS) - {url.name for url in URLS}) == []


def test_every_level_in_the_matrix_is_known():
    assert {name: level for name, level in ACCESS.items() if level not in LEVELS} == {}


@pytest.mark.parametrize("url", URLS, ids=[url.name for url in URLS])
def test_the_guard_matches_the_matrix(url, users, reference_data, settings):
    level = ACCESS.get(url.name)
    if level is None:
        pytest.fail(f"{url.name} has no entry in tests/access.py")
    kwargs = build_kwargs(url, Objects(users))
    # A route no fixture can build is a gap in this test, not an expected failure.
    assert kwargs is not None, (
        f"no fixture builds {url.params} for {url.route!r}; extend build_kwargs"
    )
    record_worker_heartbeat("worker@test")  # so /readyz answers 200, not 503
    problems = check_guard(reverse(url.name, kwargs=kwargs), level, users)
    assert problems == []


# --- The check catches a missing guard --------------------------------------------------------


def _unguarded(view):
    """The view with its decorators stripped: what a forgotten @moderator_required looks like."""
    return inspect.unwrap(view)


@pytest.fixture
def fake_urlconf(settings):
    from flights.permissions import moderator_required
    from flights.views import sightings

    def bare(request):
        return HttpResponse("anyone")

    module = types.ModuleType("tests._fake_urlconf")
    module.urlpatterns = [
        path("guarded/", moderator_required(bare), name="guarded"),
        path("unguarded/", bare, name="unguarded"),
        path("queue-without-decorator/", _unguarded(sightings.moderation_queue), name="queue"),
        path("queue/", sightings.moderation_queue, name="real_queue"),
        path("forgotten/", bare, name="forgotten"),
        # The real URLs, so the real view's templates can reverse theirs.
        path("accounts/", include("django.contrib.auth.urls")),
        path("", include("flights.urls")),
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    yield module.__name__
    del sys.modules[module.__name__]


def test_the_check_reports_a_view_whose_guard_was_removed(fake_urlconf, users):
    urls, _ = enumerate_urls(fake_urlconf)
    access = {"guarded": "moderator", "unguarded": "moderator", "queue": "moderator"}
    access |= {"real_queue": "moderator"} | ACCESS

    assert sorted({url.name for url in urls} - set(access)) == ["forgotten"]
    assert check_guard("/guarded/", "moderator", users) == []
    assert check_guard("/queue/", "moderator", users) == []
    assert check_guard("/unguarded/", "moderator", users) == [
        "anonymous was not refused on GET: got 200, expected login redirect or 403",
        "volunteer was not refused on GET: got 200, expected 403 or 404",
    ]
    problems = check_guard("/queue-without-decorator/", "moderator", users)
    assert "anonymous was not refused on GET: got 200, expected login redirect or 403" in problems


def test_the_check_reports_a_page_that_refuses_the_people_it_is_for(fake_urlconf, users):
    assert check_guard("/guarded/", "volunteer", users) == [
        "volunteer (volunteer) was refused with 403"
    ]
