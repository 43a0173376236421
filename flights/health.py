"""What /readyz checks: the database, Redis, the broker, and a worker seen recently.

Workers import this module (settings.CELERY_IMPORTS). Each one writes a heartbeat to the cache
when it becomes ready and then at most every HEARTBEAT_EVERY seconds, piggybacking on Celery's
own worker heartbeat (every 2 s unless the worker runs with --without-heartbeat). The web reads
the newest heartbeat: no broker round trip per probe, and no answer from a worker that stopped
consuming.
"""

import logging
import time
from dataclasses import asdict, dataclass

from celery.signals import heartbeat_sent, worker_ready
from django.conf import settings
from django.core.cache import cache
from django.db import connection

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "health:worker-heartbeat"
HEARTBEAT_EVERY = 10.0
REDIS_TIMEOUT = 1.0

_last_beat = 0.0


@dataclass
class Check:
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def record_worker_heartbeat(hostname: str, now: float | None = None) -> None:
    """Note in the cache that the worker `hostname` is alive."""
    now = time.time() if now is None else now
    try:
        cache.set(HEARTBEAT_KEY, {"hostname": hostname, "at": now}, timeout=86400)
    except Exception:  # noqa: BLE001 - a cache outage must never stop a worker
        log.warning("could not record the worker heartbeat", exc_info=True)


@worker_ready.connect
def _on_worker_ready(sender=None, **kwargs) -> None:
    global _last_beat
    _last_beat = time.monotonic()
    record_worker_heartbeat(getattr(sender, "hostname", "") or "worker")


@heartbeat_sent.connect
def _on_heartbeat(sender=None, **kwargs) -> None:
    global _last_beat
    if time.monotonic() - _last_beat < HEARTBEAT_EVERY:
        return
    _last_beat = time.monotonic()
    hostname = getattr(getattr(sender, "eventer", None), "hostname", "") or "worker"
    record_worker_heartbeat(hostname)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.warning("readiness: database unavailable: %s", exc)
        return Check(False, f"database unavailable ({type(exc).__name__})")
    return Check(True, "database answers")


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def check_redis() -> Check:
    if not settings.REDIS_URL:
        return Check(True, "not configured (local-memory cache)")
    try:
        _ping_redis(settings.REDIS_URL)
    except Exception as exc:  # noqa: BLE001
        log.warning("readiness: redis unavailable: %s", exc)
        return Check(False, f"redis unavailable ({type(exc).__name__})")
    return Check(True, "redis answers")


def check_broker() -> Check:
    url = settings.CELERY_BROKER_URL
    if not url:
        return Check(True, "not configured (tasks run in the web process)")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return Check(True, "not checked (not a Redis broker)")
    try:
        _ping_redis(url)
    except Exception as exc:  # noqa: BLE001
        log.warning("readiness: broker unavailable: %s", exc)
        return Check(False, f"broker unavailable ({type(exc).__name__})")
    return Check(True, "broker answers")


def check_workers(now: float | None = None) -> Check:
    if not settings.CELERY_BROKER_URL:
        return Check(True, "not needed (tasks run in the web process)")
    now = time.time() if now is None else now
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return Check(False, f"worker heartbeat unreadable ({type(exc).__name__})")
    if not beat:
        return Check(False, "no worker has been seen")
    age = max(0, round(now - float(beat["at"])))
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        return Check(False, f"no worker seen for {age} s")
    return Check(True, f"worker seen {age} s ago")


def readiness() -> dict[str, Check]:
    """Every check, in the order a person would look for the fault."""
    return {
        "database": check_database(),
        "redis": check_redis(),
        "broker": check_broker(),
        "workers": check_workers(),
    }
