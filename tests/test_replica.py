"""The read replica (tracker/routers.py) against a real streaming replica: a private primary
PostgreSQL and a standby made from it with pg_basebackup, both started for the test.

Replay on the standby is paused while the primary takes a write, so where each read went shows
in what it sees: page reads (the replica) miss the new flight, the primary has it.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from tests.test_faults import PG_BIN, PrivatePostgres, _free_port, _run

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "tracker_replica"

# Runs in a child process: Django configured with DATABASE_URL and DATABASE_REPLICA_URL.
CHILD = textwrap.dedent(
    """
    import os, time, django
    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from flights.models import Flight
    from flights.reference import load_reference_data
    from tests.factories import make_flight

    settings.ALLOWED_HOSTS.append("testserver")
    load_reference_data()
    first = make_flight()

    def replica_has(pk):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM flights_flight WHERE id = %s", [pk])
            return cursor.fetchone()[0] == 1

    def wait_for(pk):
        for _ in range(200):
            if replica_has(pk):
                return
            time.sleep(0.05)
        raise SystemExit("the replica never caught up")

    wait_for(first.pk)
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    second = make_flight(route=("KHRL", "MHLM"))
    client = Client()
    print("detail of the replicated flight", client.get(f"/flights/{first.pk}/").status_code)
    print("detail of the new flight", client.get(f"/flights/{second.pk}/").status_code)
    print("primary counts", Flight.objects.count())
    print("replica counts", Flight.objects.using("replica").count())
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    wait_for(second.pk)
    print("after replay", client.get(f"/flights/{second.pk}/").status_code)
    print("a login page read stays on the primary", client.get("/accounts/login/").status_code)
    """
)


class Standby(PrivatePostgres):
    """A streaming replica of `primary`, cloned with pg_basebackup -R (standby.signal)."""

    def init_from(self, primary: PrivatePostgres) -> None:
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        _run(
            self._cmd(
                [
                    str(PG_BIN / "pg_basebackup"),
                    "-h", "127.0.0.1",
                    "-p", str(primary.port),
                    "-U", "postgres",
                    "-D", str(self.data),
                    "-R", "-X", "stream", "-c", "fast", "--no-sync",
                ]
            )
        )  # fmt: skip


@pytest.fixture
def primary_and_standby():
    # Not pytest's tmp_path: its parents are private to root and the servers run as postgres.
    base = Path(tempfile.mkdtemp(prefix="tracker-replica-"))
    base.chmod(0o755)
    primary = PrivatePostgres(base / "primary", _free_port())
    standby = Standby(base / "standby", _free_port())
    for server in (primary, standby):
        server.directory.mkdir()
    try:
        primary.init()
        primary.start()
        _run(["createdb", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", DB_NAME])
        standby.init_from(primary)
        standby.start()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_page_reads_go_to_the_replica_and_writes_to_the_primary(primary_and_standby):
    primary, standby = primary_and_standby
    url = f"postgres://postgres@127.0.0.1:{{}}/{DB_NAME}"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": url.format(primary.port),
        "DATABASE_REPLICA_URL": url.format(standby.port),
        "DATABASE_CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT),
    }
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env)
    with_standby = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert with_standby.returncode == 0, with_standby.stderr[-3000:]
    assert with_standby.stdout.splitlines() == [
        "detail of the replicated flight 200",
        "detail of the new flight 404",
        "primary counts 2",
        "replica counts 1",
        "after replay 200",
        "a login page read stays on the primary 200",
    ]


def test_without_a_replica_url_there_is_one_database_and_no_router(settings):
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []


@pytest.mark.parametrize(
    ("method", "view", "model", "expected"),
    [
        ("GET", "dashboard", "Flight", "replica"),
        ("HEAD", "api", "Flight", "replica"),
        ("GET", "dashboard", "User", "default"),
        ("POST", "dashboard", "Flight", "default"),
        ("GET", "sightings", "Flight", "default"),
    ],
)
def test_the_router_sends_page_reads_of_the_tracker_tables_to_the_replica(
    rf, method, view, model, expected
):
    from django.contrib.auth.models import User

    from flights.models import Flight
    from flights.views import dashboard, sightings
    from tracker.routers import ReplicaReadsMiddleware, ReplicaRouter

    views = {"dashboard": dashboard.overview, "sightings": sightings.sighting_add}
    views["api"] = type("View", (), {"__module__": "flights.api.views"})()
    models = {"Flight": Flight, "User": User}
    router = ReplicaRouter()
    seen = []

    def respond(request):
        middleware.process_view(request, views[view], (), {})
        seen.append(router.db_for_read(models[model]))
        seen.append(router.db_for_write(models[model]))

    middleware = ReplicaReadsMiddleware(respond)
    middleware(getattr(rf, method.lower())("/"))
    assert seen == [expected, "default"]
    assert router.db_for_read(Flight) == "default"  # the request is over


def test_imports_are_routed_apart_from_detection_and_mail():
    from tracker.celery import app

    def queue(name: str) -> str:
        route = app.amqp.router.route({}, name)
        return route["queue"].name

    assert queue("flights.tasks.run_import") == "imports"
    assert queue("flights.tasks.fetch_feed") == "imports"
    assert queue("flights.adsb.tasks.detect_legs") == "detection"
    assert queue("flights.alerts.tasks.send_digest") == "mail"
    assert queue("flights.tasks.reap_stale_imports") == "celery"
