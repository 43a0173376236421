"""Response headers that keep pages in our own origin, whatever a view forgets.

Django's SecurityMiddleware and XFrameOptionsMiddleware already send X-Content-Type-Options,
Referrer-Policy and X-Frame-Options; this adds the Content-Security-Policy (our origin only, no
inline scripts: every script is a static file) and repeats the others with setdefault, so a
response that skipped those middlewares (an exempted view, a static file) still carries them.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response


class RequestLimitsMiddleware:
    """Refuse, before any view or form reads it, a request no page can serve.

    - A NUL byte in the path or in a query-string name or value answers 400: PostgreSQL cannot
      store or compare text holding one, so it would otherwise surface as a 500 deep in a view.
      The JSON API (under /api/v1/) answers NULs itself, in its own error format.
    - A body larger than its route allows answers 413 before Django reads (and spools to disk)
      any of it. Upload routes (`REQUEST_UPLOAD_BODY_LIMITS`, URL name to bytes) take large
      bodies; every other route at most `REQUEST_MAX_BODY_BYTES` (docs/security.md, "Body
      limits"). The proxy and gunicorn enforce the same limits in front (deploy/).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request) and not _in_api(request):
            return _plain(_("The address contains a NUL byte.\n"), 400)
        length = _content_length(request)
        if length is None:
            return _plain(_("The Content-Length header is not a number.\n"), 400)
        limit = body_limit(request) if length > settings.REQUEST_MAX_BODY_BYTES else None
        if limit is not None and length > limit:
            return _plain(
                _("The request body is %(size)d bytes; this address accepts at most %(limit)d.\n")
                % {"size": length, "limit": limit},
                413,
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        return any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        )


def _in_api(request: HttpRequest) -> bool:
    # The JSON API answers a NUL itself, in its own error format naming the parameter
    # (docs/api.md): 400 for a parameter, 404 for a path.
    from django.urls import reverse

    return request.path.startswith(reverse("flights:api_root"))


def _content_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def body_limit(request: HttpRequest) -> int:
    """The largest body this request's route accepts, in bytes."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return settings.REQUEST_MAX_BODY_BYTES
    return settings.REQUEST_UPLOAD_BODY_LIMITS.get(match.view_name, settings.REQUEST_MAX_BODY_BYTES)


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not 500, while PostgreSQL is down or restarting.

    The request could not be served, but nothing is wrong with it: a load balancer or a person
    should retry. Connections recover by themselves once the database is back
    (CONN_HEALTH_CHECKS), without restarting gunicorn.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable for %s: %s", request.path, exception)
        response = HttpResponse(
            "The database is unavailable for a moment; please try again.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class DataVersionMiddleware:
    """Read the data version once per request (flights.cache.one_version_per_request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from flights.cache import one_version_per_request

        with one_version_per_request():
            return self.get_response(request)


class AnonymousPageCacheMiddleware:
    """Serve anonymous GETs of public pages from the cache, keyed on the data version.

    Off unless PAGE_CACHE_SECONDS > 0. A stored page is only ever served for the same path and
    query parameters (known names only, in canonical order: flights.cache.canonical_query) and
    the same data version, so an import, an approved sighting or an admin edit
    (anything that bumps the version) shows at once; the timeout bounds how stale a page whose
    content depends on the clock can get. Only responses that are the same for every anonymous
    visitor are stored: 200, not streamed, no Set-Cookie (so no CSRF token and no messages), no
    Cache-Control private/no-store/no-cache. Requests carrying a session or messages cookie go
    through, as do all other methods.

    A stored page carries an ETag (its key: path, query and data version) and Last-Modified (the
    data version's time), with `Cache-Control: no-cache` and `Vary: Cookie`: a browser or proxy
    keeps it but asks again each time, and gets a 304 without a body until the data changes; a
    visitor with a session cookie never shares an anonymous copy.
    """

    PREFIX = "page"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.timeout = getattr(settings, "PAGE_CACHE_SECONDS", 0)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.timeout or not self._cacheable_request(request):
            return self.get_response(request)
        from django.core.cache import cache

        from flights.cache import canonical_query, data_version

        query = canonical_query(request.GET)
        if query is None:
            return self.get_response(request)
        version = data_version()
        if version == "nocache":
            return self.get_response(request)
        key = self._key(request, version, query)
        try:
            cached = cache.get(key)
        except Exception:  # noqa: BLE001 - the cache is an optimisation
            cached = None
        if cached is not None:
            return _not_modified(request, cached) or cached
        response = self.get_response(request)
        if self._cacheable_response(response):
            _validators(response, key, version)
            try:
                cache.set(key, response, timeout=self.timeout)
            except Exception:  # noqa: BLE001
                log.warning("cache unavailable while storing a page", exc_info=True)
            return _not_modified(request, response) or response
        return response

    @staticmethod
    def _cacheable_request(request: HttpRequest) -> bool:
        if request.method != "GET":
            return False
        cookies = request.COOKIES
        return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies

    @staticmethod
    def _cacheable_response(response: HttpResponse) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        control = response.get("Cache-Control", "").lower()
        return not any(word in control for word in ("private", "no-store", "no-cache"))

    def _key(self, request: HttpRequest, version: str, query: str) -> str:
        import hashlib

        path = f"{request.path}?{query}"
        digest = hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()
        return f"{self.PREFIX}:{version}:{request.get_host()}:{digest}"


def _validators(response: HttpResponse, key: str, version: str) -> None:
    import hashlib

    from django.utils.cache import patch_vary_headers
    from django.utils.http import http_date

    response["ETag"] = '"' + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest() + '"'
    if version.isdigit():  # time.time_ns() of the last change (flights.cache)
        response["Last-Modified"] = http_date(int(version) // 1_000_000_000)
    response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ("Cookie",))


def _not_modified(request: HttpRequest, response: HttpResponse) -> HttpResponse | None:
    """A 304 when the client already holds this version of the page (If-None-Match)."""
    from django.http import HttpResponseNotModified

    tags = request.META.get("HTTP_IF_NONE_MATCH", "")
    etag = response.get("ETag")
    if not etag or etag not in {t.strip().removeprefix("W/") for t in tags.split(",")}:
        return None
    answer = HttpResponseNotModified()
    for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        if header in response:
            answer[header] = response[header]
    return answer
