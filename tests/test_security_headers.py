"""Every response keeps the page in our own origin: CSP, nosniff, referrer policy, no framing."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(lambda: reverse("flights:home"), id="page"),
        pytest.param(lambda: reverse("flights:healthz"), id="json"),
        pytest.param(lambda: "/no-such-page/", id="404"),
        pytest.param(lambda: reverse("admin:login"), id="admin login form"),
    ],
)
def test_every_response_carries_the_security_headers(client, db, path):
    response = client.get(path())
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_the_policy_allows_only_our_own_origin_and_no_inline_scripts(client, db):
    header = client.get(reverse("flights:home"))["Content-Security-Policy"]
    directives = csp_directives(header)
    assert directives["default-src"] == ["'self'"]
    for name in ("script-src", "style-src", "connect-src", "font-src"):
        assert directives[name] == ["'self'"], name
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "*" not in header


def test_a_view_that_forgot_its_headers_still_gets_them(rf, settings):
    from django.http import HttpResponse

    from flights.middleware import SecurityHeadersMiddleware

    response = SecurityHeadersMiddleware(lambda request: HttpResponse("bare"))(rf.get("/"))
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_static_files_carry_the_headers_too(client, db, settings):
    # WhiteNoise serves from the finders, as in development; production serves STATIC_ROOT.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/tracker.css")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def template_files() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html")) + sorted(
        (ROOT / "flights").rglob("templates/**/*.html")
    )


def test_no_template_has_an_inline_script_or_event_handler():
    """The CSP would block them in the browser; catch them here, with the file and line."""
    found = []
    for path in template_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for pattern in (INLINE_SCRIPT, INLINE_HANDLER, JS_URL):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


def _pages_with_charts() -> list[str]:
    """Pages that run our scripts and Plotly, as far as they exist in the URLconf yet."""
    from django.urls import NoReverseMatch, reverse

    found = ["flights:home"]
    for name in ("flights:dashboard", "flights:route_map"):
        try:
            reverse(name)
            found.append(name)
        except NoReverseMatch:
            continue
    return found


@pytest.mark.browser
def test_pages_run_under_the_policy_without_violations(page, transactional_db, reference_data):
    """The page fixture fails on any console error, and a CSP violation is one."""
    from django.urls import reverse

    from tests.factories import make_flight

    make_flight(route=("KAEX", "MGGT"))
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security" in msg.text else None,
    )
    for name in _pages_with_charts():
        response = page.goto(reverse(name))
        assert response.status == 200, name
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert violations == []
