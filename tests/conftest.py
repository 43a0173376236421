import os
from pathlib import Path

import pytest

from tracker.celery import app as celery_app


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data (airports, types, operators) once into the test database."""
    from flights.reference import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def reference_data(db):
    """Airports, aircraft types and operators; reloaded after a transactional test flushed them."""
    from flights.models import Airport
    from flights.models.reference import forget_short_code_clashes
    from flights.reference import load_reference_data

    # The process keeps the short-code clashes it computed; a test before this one may have
    # computed them from airports its rolled-back transaction held (other ids).
    forget_short_code_clashes()
    if not Airport.objects.filter(icao="KAEX").exists():
        load_reference_data()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless a test asks for a real worker (marker `celery_worker`)."""
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


_PASSWORD_HASHES: dict[str, str] = {}


@pytest.fixture
def make_user(db):
    """Create a user in the named role groups ("volunteer", "moderator", "admin")."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    from flights.permissions import setup_roles

    if not Group.objects.filter(name="volunteer", permissions__isnull=False).exists():
        setup_roles()  # a transactional test flushed the groups the migration made

    def make(username: str, *roles: str, password: str = "a-long-test-password", **fields):
        # Hashing is slow by design: hash each password once per session, not once per user.
        if password not in _PASSWORD_HASHES:
            _PASSWORD_HASHES[password] = make_password(password)
        user = User.objects.create(
            username=username,
            email=f"{username}@example.org",
            password=_PASSWORD_HASHES[password],
            **fields,
        )
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def role_users(make_user):
    """One user per column of the permission matrix (anonymous is None)."""
    return {
        "anonymous": None,
        "volunteer": make_user("vol", "volunteer"),
        "other_volunteer": make_user("vol2", "volunteer"),
        "moderator": make_user("mod", "moderator"),
        "admin": make_user("boss", "admin"),
    }


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request to /es/ leaves Spanish active in its thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


# --- Browser tests: Playwright driving Debian's Chromium against live_server -----------------
# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# inside one unless told it is safe, which it is here: one thread, no concurrent coroutines.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class PageProbe:
    """What a page did that a test must see: console errors and requests to other origins."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []


@pytest.fixture
def page(request, browser, live_server):
    """A fresh page that aborts (and records) every request leaving live_server's origin.

    The test fails if the page logged a console error or tried another origin; a screenshot
    goes to test-artifacts/<test name>.png either way.
    """
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    probe = PageProbe()
    origin = live_server.url.rstrip("/")

    def guard(route):
        url = route.request.url
        if url.startswith(origin + "/") or url == origin or url.startswith("data:"):
            route.continue_()
        else:
            probe.foreign_requests.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on(
        "console",
        lambda msg: probe.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: probe.console_errors.append(str(exc)))
    page.probe = probe
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
    assert probe.foreign_requests == [], f"requests left the origin: {probe.foreign_requests}"
    assert probe.console_errors == [], f"console errors: {probe.console_errors}"


@pytest.fixture(autouse=True)
def _no_api_throttle(settings):
    """The API's anonymous throttle off, so a test's many requests are not counted (h14a)."""
    settings.API_ANON_RATE = 0


# --- Alerts: a real SMTP sink and a local webhook receiver ------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    """An aiosmtpd server on a free local port; Django's SMTP backend sends to it.

    Yields the list of received messages (email.message.EmailMessage), in order.
    """
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    yield received
    controller.stop()


class WebhookReceiver:
    """What a local webhook endpoint got; it answers `fail` requests with 500 before a 200."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.fail = 0
        self.url = ""


@pytest.fixture
def webhook_receiver(settings):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append((dict(self.headers), body))
            status = 500 if receiver.fail > 0 else 200
            receiver.fail -= 1
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    settings.ALERT_RETRY_BASE_SECONDS = 0
    yield receiver
    server.shutdown()
    server.server_close()
