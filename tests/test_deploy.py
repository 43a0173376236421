"""The deployment files agree with the settings, and production settings pass Django's checks."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
# What the processes cannot start without (settings read more, all with defaults).
REQUIRED = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
)


def production_env(**extra: str) -> dict[str, str]:
    # A clean environment, as a server has: nothing inherited from the test run.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"),
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def compose() -> dict:
    """docker-compose's own reading of the file, with the example environment."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is missing: apt-get install docker-compose (.ci/run does it)")
    result = subprocess.run(
        [binary, "--env-file", ".env.example", "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def settings_variables() -> set[str]:
    source = (ROOT / "tracker" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list|url)\(\s*"([A-Z0-9_]+)"', source))


def test_compose_has_every_service(compose):
    assert set(compose["services"]) == {"web", "worker", "beat", "postgres", "redis", "cache"}


def test_worker_and_beat_run_the_web_image_with_their_own_command(compose):
    services = compose["services"]
    assert {services[name]["image"] for name in APP_SERVICES} == {
        "deportation-flight-tracker:latest"
    }
    assert [services[name]["command"] for name in APP_SERVICES] == [["web"], ["worker"], ["beat"]]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_get_every_variable_the_settings_require(compose, service):
    environment = compose["services"][service]["environment"]
    assert [name for name in REQUIRED if not environment.get(name)] == []
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://cache:6379/")
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")


def _redis_options(service: dict) -> dict[str, str]:
    command = service["command"]
    assert command[0] == "redis-server"
    return dict(zip(command[1::2], command[2::2], strict=True))


def test_the_cache_is_a_bounded_redis_apart_from_the_broker(compose):
    cache = _redis_options(compose["services"]["cache"])
    broker = _redis_options(compose["services"]["redis"])
    assert cache["--maxmemory"] == "256mb"
    assert cache["--maxmemory-policy"] == "allkeys-lru"
    assert cache["--appendonly"] == "no"
    # The broker is bounded too, but never evicts a queued task.
    assert broker["--maxmemory"] == "256mb"
    assert broker["--maxmemory-policy"] == "noeviction"
    assert broker["--appendonly"] == "yes"
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        cache_host = environment["REDIS_URL"].split("//")[1].split(":")[0]
        broker_host = environment["CELERY_BROKER_URL"].split("//")[1].split(":")[0]
        assert (cache_host, broker_host) == ("cache", "redis")


def test_postgres_keeps_data_in_a_named_volume_and_has_a_health_check(compose):
    postgres = compose["services"]["postgres"]
    assert "postgres-data" in compose["volumes"]
    assert any(
        str(v).startswith("postgres-data:/var/lib/postgresql/data") for v in _volumes(postgres)
    )
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert compose["services"]["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_web_has_a_health_check_on_healthz(compose):
    assert "/healthz" in compose["services"]["web"]["healthcheck"]["test"]
    for name in ("worker", "beat"):
        assert compose["services"][name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},
    )
    assert result.returncode != 0
    assert "set SECRET_KEY in .env" in result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert settings_variables(), "no env_*() calls found in tracker/settings.py"
    assert sorted(settings_variables() - listed) == []


def test_entrypoint_prepares_database_static_files_and_airports():
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    web = entrypoint.split("web)", 1)[1].split(";;", 1)[0]
    assert [
        cmd for cmd in ("migrate", "collectstatic", "load_airports", "gunicorn") if cmd in web
    ] == [
        "migrate",
        "collectstatic",
        "load_airports",
        "gunicorn",
    ]
    assert os.access(ROOT / "deploy" / "entrypoint.sh", os.X_OK)


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=production_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_are_secure_by_default():
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.STORAGES['staticfiles']['BACKEND'], "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
        "s.LOGGING['handlers']['console']['formatter'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "None",
        "json",
    ]


def test_the_proxy_header_is_trusted_only_behind_the_switch():
    script = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=production_env(BEHIND_TLS_PROXY="1"),
    )
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def _volumes(service: dict) -> list[str]:
    out = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            out.append(f"{volume['source']}:{volume['target']}")
        else:
            out.append(volume)
    return out


# --- Long exports through the shipped gunicorn settings (issue 14, h14l) --------------------


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    import runpy

    # Set, then delete: monkeypatch restores the variable the file sets with setdefault.
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "")
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT")
    for name in ("WEB_THREADS", "WEB_TIMEOUT", "WEB_STATEMENT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_web_workers_are_threaded_so_a_long_download_outlives_the_timeout(monkeypatch):
    # A sync worker that streams longer than `timeout` misses its heartbeat and is killed with
    # the download half sent; a gthread worker's heartbeat does not wait for its requests.
    conf = _gunicorn_settings(monkeypatch)
    assert conf["worker_class"] == "gthread"
    assert conf["threads"] == 4
    assert conf["timeout"] == 30
    assert os.environ["DATABASE_STATEMENT_TIMEOUT"] == "30000"


def test_the_statement_bound_follows_the_web_timeout_unless_set(monkeypatch):
    _gunicorn_settings(monkeypatch, WEB_TIMEOUT="45")
    assert os.environ["DATABASE_STATEMENT_TIMEOUT"] == "45000"
    _gunicorn_settings(monkeypatch, WEB_TIMEOUT="45", WEB_STATEMENT_TIMEOUT="10")
    assert os.environ["DATABASE_STATEMENT_TIMEOUT"] == "10000"


BOUNDED_WORKER = """
from django.db import connection
from flights import copy_exports
print(b"".join(copy_exports.copy_csv("SELECT n FROM generate_series(1, 2) n, pg_sleep(0.6)", [])))
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print(cursor.fetchone()[0])
    try:
        cursor.execute("SELECT pg_sleep(0.6)")
    except Exception as exc:
        print(type(exc).__name__)
"""


@pytest.mark.django_db
def test_a_web_worker_query_is_stopped_at_the_bound_but_an_export_copy_is_not():
    from django.db import connection

    # The test database pytest-django made, reached by a fresh process as a web worker would.
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", BOUNDED_WORKER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=production_env(DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT="300", REDIS_URL=""),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("\n")[-3:] == [
        "b'1\\r\\n2\\r\\n'",
        "300ms",
        "OperationalError",
    ]
