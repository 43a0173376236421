"""Settings for the deportation flight tracker.

Everything comes from the environment, read by the small helpers below, which refuse a
malformed value instead of guessing. With nothing set, the tracker runs on a SQLite file with
eager Celery and a local-memory cache, so a fresh clone works without services. Production is
this same file with variables set (see the configuration table in README.md).
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no"
    )


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str = "", schemes: tuple[str, ...] = ()) -> str:
    raw = os.environ.get(name, default).strip()
    if raw and schemes:
        scheme = urlsplit(raw).scheme
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name}={raw!r} has scheme {scheme!r}; expected one of {', '.join(schemes)}"
            )
    return raw


def database_from_url(url: str) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry (postgres:// or sqlite:///path)."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has a malformed port") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        # A database that does not answer must fail a request (and /readyz) in seconds, not hang.
        connect_timeout = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
        options.setdefault("connect_timeout", str(connect_timeout))
        # PostgreSQL's JIT spends seconds compiling the dashboard's wide aggregate queries that
        # run in milliseconds without it; ?options=... in DATABASE_URL overrides this.
        options.setdefault("options", "-c jit=off")
        # Milliseconds any one query may run (0: no bound); deploy/gunicorn.conf.py sets it for
        # web workers, whose threads a sync worker's timeout no longer stops. Exports lift it
        # for their COPY (flights/copy_exports.py).
        statement_timeout = env_int("DATABASE_STATEMENT_TIMEOUT", 0, minimum=0)
        if statement_timeout and "statement_timeout" not in options["options"]:
            options["options"] += f" -c statement_timeout={statement_timeout}"
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parts.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as dj-database-url reads them.
        path = unquote(parts.path)[1:]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or str(BASE_DIR / "db.sqlite3"),
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r} is not supported; use postgres://user:pass@host:port/name "
        "or sqlite:///path"
    )


DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Deportation flight tracker")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "axes",
    "flights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "flights.middleware.SecurityHeadersMiddleware",
    "flights.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "flights.middleware.DataVersionMiddleware",
    "flights.middleware.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "flights.middleware.DatabaseUnavailableMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "flights.context_processors.site",
                # dashboard: synthetic banner and "data last updated" on every page
                "flights.context_processors.trust",
                "flights.context_processors.languages",
                "flights.context_processors.feeds",
            ],
        },
    },
]

DATABASE_URL = env_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
# Read replica (h14b, issue 14 item 5): with DATABASE_REPLICA_URL set, GET/HEAD requests of the
# analyst pages, exports and API read the tracker's tables from it (tracker/routers.py); writes,
# accounts and everything else use DATABASE_URL. Tests run against the primary only (MIRROR).
DATABASE_REPLICA_URL = env_url("DATABASE_REPLICA_URL", "", schemes=("postgres", "postgresql"))
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_from_url(DATABASE_REPLICA_URL) | {"TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["tracker.routers.ReplicaRouter"]
    MIDDLEWARE = [*MIDDLEWARE, "tracker.routers.ReplicaReadsMiddleware"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are for PostgreSQL; on the embedded SQLite they are plain indexes,
# which is all a demo needs.
# W047: the rollups' NULLS NOT DISTINCT keys are PostgreSQL's; on SQLite the rollups are not
# maintained (flights/rollups.py reads the fact tables there), so their keys need no constraint.
SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]

# Cache: Redis when REDIS_URL is set, else per-process memory. Redis being down must not take
# pages down: the aggregate cache is an optimisation (flights.cache tolerates errors).
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
CACHE_TIMEOUT = env_int("CACHE_TIMEOUT", 600, minimum=0)
# Whole public pages for anonymous visitors, keyed on the data version (flights.middleware);
# 0 turns it off. Seconds bound how stale a page that depends on today's date may get.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 0, minimum=0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "flights.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": CACHE_TIMEOUT,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tracker"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": CACHE_TIMEOUT,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Languages (alerts/feeds/i18n area). English pages have no prefix, the others live under
# /<code>/ (i18n_patterns in tracker/urls.py), so a page's language is part of its URL: links
# share the language, and the anonymous page cache keys on it without varying on a cookie.
# Another language is one more entry here plus locale/<code>/LC_MESSAGES/django.po.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tracker.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Static files (h14b, issue 14 item 4): Plotly is our partial bundle in static/vendor/plotly-partial
# (tools/plotly-bundle/README.md), not the package's full plotly.min.js. WhiteNoise serves
# Brotli/gzip variants written at collectstatic, in production (hashed names, manifest) and in
# `make demo` (plain names; WHITENOISE_USE_FINDERS=false makes it read STATIC_ROOT, where the
# compressed variants are, instead of static/).
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=DEBUG)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}

# Uploads: imports go to disk and are read by a worker, never held in memory by the request.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1)
# An import run whose worker has not saved a heartbeat for this long is marked failed (its one
# write transaction was rolled back with the worker); a redelivered task restarts it at most
# IMPORT_MAX_ATTEMPTS times. Feeds are fetched with this timeout (seconds).
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 900, minimum=30)
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 2, minimum=1)
IMPORT_FEED_TIMEOUT = env_int("IMPORT_FEED_TIMEOUT", 60, minimum=1)
# Processes that read one big ARTS file (32 MB or more) in parts; 1 reads every file in one.
IMPORT_READ_PROCESSES = env_int("IMPORT_READ_PROCESSES", min(os.cpu_count() or 1, 4), minimum=1)
# An ARTS file is read and written in one pass per this many bytes (each pass holds only its
# share of the missions), so a worker's memory does not grow with the file.
IMPORT_ARTS_PASS_BYTES = env_int("IMPORT_ARTS_PASS_BYTES", 256 * 1024 * 1024, minimum=1024)
# ARTS files from this size on are read by pyarrow a block at a time, the rest row by row
# (docs/imports.md, "Big files: the columnar path"); pyarrow's start-up costs ~0.2 s.
IMPORT_COLUMNAR_MIN_BYTES = env_int("IMPORT_COLUMNAR_MIN_BYTES", 4 * 1024 * 1024, minimum=0)
PHOTO_MAX_UPLOAD_BYTES = env_int("PHOTO_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1)
SIGHTING_MAX_PHOTOS = env_int("SIGHTING_MAX_PHOTOS", 5, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Hardening (issue 13, docs/security.md). Request bodies: every route takes at most
# REQUEST_MAX_BODY_BYTES, except the upload routes below (flights.middleware refuses a larger
# Content-Length with 413 before reading it; deploy/nginx.conf does the same in front).
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 1024 * 1024, minimum=64 * 1024)
_FORM_FIELDS_BYTES = 1024 * 1024  # the form's other fields and the multipart framing
REQUEST_UPLOAD_BODY_LIMITS = {
    "flights:sighting_add": PHOTO_MAX_UPLOAD_BYTES * SIGHTING_MAX_PHOTOS + _FORM_FIELDS_BYTES,
    "flights:imports": IMPORT_MAX_UPLOAD_BYTES + _FORM_FIELDS_BYTES,
    "admin:flights_importrun_add": IMPORT_MAX_UPLOAD_BYTES + _FORM_FIELDS_BYTES,
    # a file held for column mapping is an import upload too
    "flights:import_map": IMPORT_MAX_UPLOAD_BYTES + _FORM_FIELDS_BYTES,
    # ADS-B trace files (flights/views/adsb.py refuses files above 64 MB itself)
    "flights:trace_upload": 64 * 1024 * 1024 + _FORM_FIELDS_BYTES,
    # published figures (reconciliation) as CSV
    "admin:flights_publishedfigure_upload": 10 * 1024 * 1024 + _FORM_FIELDS_BYTES,
}
# Photos: one phone picture (a 24-megapixel camera is well inside), and a bound on all the
# pixels decoded for one sighting, so five large photos cannot hold the server's memory.
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 25_000_000, minimum=1_000_000)
SIGHTING_MAX_TOTAL_PIXELS = env_int("SIGHTING_MAX_TOTAL_PIXELS", 60_000_000, minimum=1_000_000)
# Password reset: requests per e-mail address and per client address in PASSWORD_RESET_WINDOW
# seconds; every answer takes at least PASSWORD_RESET_MIN_SECONDS, known account or not.
PASSWORD_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 3, minimum=1)
PASSWORD_RESET_PER_CLIENT = env_int("PASSWORD_RESET_PER_CLIENT", 10, minimum=1)
PASSWORD_RESET_WINDOW = env_int("PASSWORD_RESET_WINDOW", 3600, minimum=60)
PASSWORD_RESET_MIN_SECONDS = env_int("PASSWORD_RESET_MIN_MS", 800, minimum=0) / 1000
# Restoring a backup (flights.backup.import_all): bounds checked on the whole archive first.
BACKUP_MAX_EXPANDED_BYTES = env_int("BACKUP_MAX_EXPANDED_BYTES", 50 * 1024**3, minimum=1024)

# Celery: eager (in-process) when no broker is configured, so the default install needs no Redis.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", "", schemes=("redis", "rediss", "amqp", "memory"))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3300, minimum=5)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "reap-stale-imports": {"task": "flights.tasks.reap_stale_imports", "schedule": 300.0},
    "requeue-waiting-imports": {"task": "flights.tasks.requeue_waiting_imports", "schedule": 300.0},
    "alert-daily-digest": {"task": "flights.alerts.tasks.send_digests", "schedule": 3600.0},
}
# Queues (h14b, issue 14 item 5): imports apart from detection and mail, so a year of ARTS
# does not hold back alerts; maintenance stays on the default queue. Routed by task name
# (globs for the detection and mail tasks of their own packages); docs/operations.md, "Scale".
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "flights.tasks.run_import": {"queue": "imports"},
    "flights.tasks.fetch_feed": {"queue": "imports"},
    "flights.adsb.*": {"queue": "detection"},
    "flights.tasks.detect_*": {"queue": "detection"},
    "flights.tasks.import_traces": {"queue": "detection"},
    "flights.tasks.poll_trace_feeds": {"queue": "detection"},
    "flights.alerts.*": {"queue": "mail"},
    "flights.tasks.send_*": {"queue": "mail"},
}
CELERY_TIMEZONE = "UTC"
# Workers import flights.health, which records a heartbeat /readyz reads ("a worker is alive").
CELERY_IMPORTS = ["flights.health", "flights.alerts.tasks"]
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60, minimum=5)

# Logins: lock out after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1, minimum=0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tracker@localhost")

# Alerts, feeds and subscriptions (flights/alerts/; rules in docs/alerts.md).
# SITE_URL makes the absolute links in e-mails, webhooks and feeds (confirm, unsubscribe).
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")
# What a flight needs before anyone is told: any of "confirmed", "two_sources", "detection".
ALERT_CONFIDENCE_RULE = env_list("ALERT_CONFIDENCE_RULE", ["confirmed", "two_sources", "detection"])
if (
    set(ALERT_CONFIDENCE_RULE) - {"confirmed", "two_sources", "detection"}
    or not ALERT_CONFIDENCE_RULE
):
    raise ImproperlyConfigured(
        f"ALERT_CONFIDENCE_RULE={','.join(ALERT_CONFIDENCE_RULE)!r}: use one or more of "
        "confirmed, two_sources, detection"
    )
ALERT_DETECTION_MIN_CONFIDENCE = env_int("ALERT_DETECTION_MIN_CONFIDENCE_PCT", 90, minimum=1)
# Flights older than this never alert (an import of last year's log is not news).
ALERT_MAX_AGE_DAYS = env_int("ALERT_MAX_AGE_DAYS", 14, minimum=1)
# Immediate messages beyond these per hour wait for the next daily digest.
ALERT_MAX_PER_ADDRESS_HOUR = env_int("ALERT_MAX_PER_ADDRESS_HOUR", 20, minimum=1)
ALERT_MAX_PER_SUBSCRIPTION_HOUR = env_int("ALERT_MAX_PER_SUBSCRIPTION_HOUR", 10, minimum=1)
# Confirmation e-mails one address may be sent per day (nobody can flood a stranger's inbox).
ALERT_MAX_SIGNUPS_PER_ADDRESS_DAY = env_int("ALERT_MAX_SIGNUPS_PER_ADDRESS_DAY", 5, minimum=1)
# A webhook is tried this many times per message (backoff in between) and disabled after this
# many messages in a row failed for good.
ALERT_WEBHOOK_TIMEOUT = env_int("ALERT_WEBHOOK_TIMEOUT", 10, minimum=1)
ALERT_WEBHOOK_RETRIES = env_int("ALERT_WEBHOOK_RETRIES", 5, minimum=0)
ALERT_WEBHOOK_MAX_FAILURES = env_int("ALERT_WEBHOOK_MAX_FAILURES", 3, minimum=1)
ALERT_RETRY_BASE_SECONDS = env_int("ALERT_RETRY_BASE_SECONDS", 30, minimum=0)
# Webhooks go only to public addresses (no requests into our own network) unless this is set.
ALERT_WEBHOOK_ALLOW_PRIVATE = env_bool("ALERT_WEBHOOK_ALLOW_PRIVATE", False)

# Security. Secure-cookie and HSTS settings apply whenever DEBUG is off; the proxy header and
# HTTPS redirect sit behind a switch because they are only right behind a TLS-terminating proxy.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The preload token only says the site consents to the browsers' preload list; submitting the
# domain is a separate, manual step (hstspreload.org).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes (Docker, load balancers) call these over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Content-Security-Policy sent by flights.middleware: our own origin only, no inline scripts.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env_bool("LOG_JSON", not DEBUG) else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Filters, exports and the API (h14a): one FilterSet for pages, exports and API; pages answer a
# bad filter with 400 and the form; exports larger than EXPORT_ASYNC_ROWS run as a task.
INSTALLED_APPS += ["django_filters", "rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
MIDDLEWARE.append("flights.filters.InvalidFiltersMiddleware")
# API requests per minute per anonymous client address (0: no limit); behind a proxy, the proxy
# must pass the client's address as REMOTE_ADDR (docs/api.md, "Throttling").
API_ANON_RATE = env_int("API_ANON_RATE", 120, minimum=0)
# Threaded web workers stream an export as long as it takes (deploy/gunicorn.conf.py); above
# this many rows a task writes it instead, so a few huge downloads cannot hold every thread
# (docs/operations.md, "Web server"): the legs of 1,000,000 flights (2.9 million) still stream.
EXPORT_ASYNC_ROWS = env_int("EXPORT_ASYNC_ROWS", 3_000_000, minimum=1)

# ADS-B traces (h11, docs/adsb.md): folders or URLs of trace files read every
# ADSB_FEED_INTERVAL seconds by beat; empty: no scheduled feed.
ADSB_FEEDS = env_list("ADSB_FEEDS", [])
ADSB_FEED_LICENCE = env_str("ADSB_FEED_LICENCE", "ODbL 1.0 (adsb.lol)")
ADSB_FEED_INTERVAL = env_int("ADSB_FEED_INTERVAL", 3600, minimum=60)
if ADSB_FEEDS:
    CELERY_BEAT_SCHEDULE["poll-trace-feeds"] = {
        "task": "flights.tasks.poll_trace_feeds",
        "schedule": float(ADSB_FEED_INTERVAL),
    }

# The API on DRF + drf-spectacular (h14c): read-only JSON, session sign-in only (no Basic auth to
# guess passwords through), anonymous clients throttled at API_ANON_RATE by REMOTE_ADDR
# (NUM_PROXIES 0: X-Forwarded-For is never trusted for the count), errors in docs/api.md's shape.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["flights.api.throttling.AnonThrottle"],
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "flights.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNICODE_JSON": True,
    "COMPACT_JSON": True,
}
SPECTACULAR_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "TITLE": "Deportation flight tracker API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Read-only JSON API of the flights, legs and reference data shown on the site. Every "
        "value carries its provenance: `status` (review status), `*_basis` (reported, observed, "
        "estimated or inferred), the sources, and `is_synthetic` for generated demo data. Only "
        "GET and HEAD are allowed. An unknown parameter or an unusable value is answered with "
        "400 and a body naming it."
    ),
    "SERVERS": [{"url": "/"}],
    "TAGS": [
        {"name": "flights", "description": "Flights and legs, with the pages' filters."},
        {"name": "reference", "description": "Airports, countries and operators."},
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": False,
    "ENUM_NAME_OVERRIDES": {
        "FlightKindEnum": "flights.choices.FlightKind",
        "SourceKindEnum": "flights.choices.SourceKind",
        "BasisEnum": "flights.choices.Basis",
        "ReviewStatusEnum": "flights.choices.ReviewStatus",
        "OperatorKindEnum": "flights.choices.OperatorKind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
