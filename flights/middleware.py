"""Response headers that keep pages in our own origin, whatever a view forgets.

Django's SecurityMiddleware and XFrameOptionsMiddleware already send X-Content-Type-Options,
Referrer-Policy and X-Frame-Options; this adds the Content-Security-Policy (our origin only, no
inline scripts: every script is a static file) and repeats the others with setdefault, so a
response that skipped those middlewares (an exempted view, a static file) still carries them.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
