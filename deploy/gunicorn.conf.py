"""Gunicorn settings for the web container (`gunicorn -c deploy/gunicorn.conf.py tracker.wsgi`).

Everything can be overridden from the environment: PORT, WEB_CONCURRENCY, WEB_THREADS,
WEB_TIMEOUT, WEB_STATEMENT_TIMEOUT, FORWARDED_ALLOW_IPS.

Threaded workers (gthread): a worker's heartbeat runs in its main loop, apart from the threads
serving requests, so a long streamed export (a full legs CSV of 1,000,000 flights takes minutes)
is not killed at WEB_TIMEOUT, as a sync worker's would be, cutting the file short. What the
timeout no longer bounds, PostgreSQL does: every query of a web process stops after
WEB_STATEMENT_TIMEOUT seconds (statement_timeout), except the export's own COPY
(flights/copy_exports.py), which streams as long as the client reads (docs/operations.md, "Web
server").
"""

import json
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None


bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{_int('PORT', 8000)}"  # noqa: S104 - in a container
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = _int("WEB_THREADS", 4)
timeout = _int("WEB_TIMEOUT", 30)
# Read by tracker/settings.py in each worker (DATABASE_STATEMENT_TIMEOUT, milliseconds): pages
# and the API get the bound a sync worker's timeout used to give them.
os.environ.setdefault(
    "DATABASE_STATEMENT_TIMEOUT", str(1000 * _int("WEB_STATEMENT_TIMEOUT", timeout))
)
graceful_timeout = 30
keepalive = 5
# Request line and headers are bounded here; gunicorn has no body limit, so bodies are bounded
# by the proxy (deploy/nginx.conf) and by the application (flights.middleware, 413).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = _int("WEB_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# Heartbeat files on tmpfs: a container's overlay filesystem can stall workers under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# No control socket (gunicorn 24+): one per home directory clashes when several masters run.
control_socket_disable = True
# Only the TLS proxy in front may set X-Forwarded-* (see BEHIND_TLS_PROXY in settings).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout, one JSON object per line, like the application's own logs.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "logger": "gunicorn.access",
        "remote": "%({x-forwarded-for}i)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "query": "%(q)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "referer": "%(f)s",
        "user_agent": "%(a)s",
    }
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "raw": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "raw",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
