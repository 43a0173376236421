"""/healthz says the process answers; /readyz names each dependency that is down."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from flights.health import HEARTBEAT_KEY, record_worker_heartbeat

ROOT = Path(__file__).resolve().parent.parent
NOBODY_LISTENS = "redis://127.0.0.1:6399/0"


@pytest.fixture
def worker_seen():
    record_worker_heartbeat("worker@test")
    yield
    cache.delete(HEARTBEAT_KEY)


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("flights:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_database_redis_broker_and_a_worker_answer(client, db, worker_seen):
    response = client.get(reverse("flights:readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "broker": True,
        "workers": True,
    }
    assert body["checks"]["workers"]["detail"] == "worker seen 0 s ago"


def test_readyz_is_503_and_names_the_workers_when_none_was_seen(client, db):
    cache.delete(HEARTBEAT_KEY)
    response = client.get(reverse("flights:readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["workers"]
    assert body["checks"]["workers"] == {"ok": False, "detail": "no worker has been seen"}


def test_readyz_is_503_when_the_last_worker_heartbeat_is_too_old(client, db, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    record_worker_heartbeat("worker@test", now=time.time() - 120)
    response = client.get(reverse("flights:readyz"))
    assert response.status_code == 503
    assert response.json()["down"] == ["workers"]
    assert response.json()["checks"]["workers"]["detail"] == "no worker seen for 120 s"


def test_readyz_names_redis_and_the_broker_when_redis_does_not_answer(client, db, settings):
    settings.REDIS_URL = NOBODY_LISTENS
    settings.CELERY_BROKER_URL = NOBODY_LISTENS
    started = time.monotonic()
    response = client.get(reverse("flights:readyz"))
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["down"][:2] == ["redis", "broker"]
    assert body["checks"]["redis"] == {"ok": False, "detail": "redis unavailable (ConnectionError)"}
    assert body["checks"]["database"]["ok"] is True


def test_readyz_needs_no_worker_when_tasks_run_in_the_web_process(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    cache.delete(HEARTBEAT_KEY)
    response = client.get(reverse("flights:readyz"))
    assert response.status_code == 200
    assert response.json()["checks"]["workers"]["detail"] == (
        "not needed (tasks run in the web process)"
    )


@pytest.mark.parametrize("name", ["flights:healthz", "flights:readyz"])
def test_probes_refuse_writes(client, db, name):
    assert client.post(reverse(name)).status_code == 405


def test_a_real_worker_records_its_heartbeat_for_readyz(db, client):
    """Starts `celery -A tracker worker` on the test Redis and waits (bounded) for its heartbeat."""
    cache.delete(HEARTBEAT_KEY)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tracker",
            "worker",
            "--pool=solo",
            "-n",
            "probe@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 40
        beat = None
        while time.monotonic() < deadline and beat is None:
            time.sleep(0.5)
            beat = cache.get(HEARTBEAT_KEY)
        assert beat is not None, "the worker wrote no heartbeat within 40 s"
        assert beat["hostname"].startswith("probe@")
        response = client.get(reverse("flights:readyz"))
        assert response.json()["checks"]["workers"]["ok"] is True
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)


def test_probes_answer_over_plain_http_when_https_is_enforced(client, db, settings, worker_seen):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("flights:healthz")).status_code == 200
    assert client.get(reverse("flights:readyz")).status_code == 200
    assert client.get(reverse("flights:home")).status_code == 301
