"""Probes for Docker and load balancers: /healthz (the process answers) and /readyz."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from flights.health import readiness


@never_cache
@require_safe
def healthz(request):
    """Liveness: answers without touching the database, Redis or the broker."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """Readiness: 200 when every dependency answers, else 503 naming the parts that are down."""
    checks = readiness()
    down = [name for name, check in checks.items() if not check.ok]
    body = {
        "status": "unavailable" if down else "ok",
        "down": down,
        "checks": {name: check.as_dict() for name, check in checks.items()},
    }
    return JsonResponse(body, status=503 if down else 200)
