"""Faults, for real: a private Redis and a private PostgreSQL that these tests stop and restart
under a gunicorn serving the tracker with production settings.

Never the shared services on 5432/6379: other people test against them. Every wait is bounded,
and every process and directory is removed at the end. The whole module takes about a minute
(building the private database dominates); it is marked `slow` and runs in CI.

The third fault of the issue, a worker killed with SIGKILL in the middle of an import, belongs
to the imports area: tests/test_tasks.py.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "6391"))
PG_PORT = int(os.environ.get("FAULT_PG_PORT", "5441"))
DB_NAME = "tracker_faults"

# django_db: the stack copies the test database (schema and reference data) with pg_dump.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _run(cmd: list[str], timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed: {result.stdout[-1500:]}{result.stderr[-1500:]}"
        )
    return result


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"{what} within {timeout} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port

    def start(self):
        if _port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken: another private Redis is running?")
        _run(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "yes",
                "--dir", str(self.directory),
                "--pidfile", str(self.directory / "redis.pid"),
                "--logfile", str(self.directory / "redis.log"),
            ]
        )  # fmt: skip
        _wait(lambda: _port_open(self.port), 10, f"redis on {self.port} did not start")

    def stop(self):
        if _port_open(self.port):
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                capture_output=True,
                timeout=10,
            )
        _wait(lambda: not _port_open(self.port), 10, f"redis on {self.port} did not stop")


class PrivatePostgres:
    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port
        self.data = directory / "pgdata"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _cmd(self, args: list[str]) -> list[str]:
        if self.as_postgres:
            return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in args)]
        return args

    def init(self):
        if _port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken: another private PostgreSQL is running?")
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        _run(
            self._cmd(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ]
            )
        )  # noqa: E501

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            self._cmd(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D", str(self.data),
                    "-o", options,
                    "-l", str(self.directory / "postgres.log"),
                    "-w", "-t", "30",
                    "start",
                ]
            ),
            timeout=60,
        )  # fmt: skip

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            _run(
                self._cmd(
                    [
                        str(PG_BIN / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "30",
                        "stop",
                    ]
                ),  # noqa: E501
                timeout=60,
            )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"


class Gunicorn:
    def __init__(self, env: dict[str, str], directory: Path):
        self.env, self.directory = env, directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self):
        env = self.env | {"BIND_HOST": "127.0.0.1", "PORT": str(self.port), "WEB_CONCURRENCY": "2"}
        self.log = open(self.directory / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "tracker.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        _wait(lambda: self.get("/healthz")[0] == 200, 30, "gunicorn did not answer /healthz")

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return 0, b""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()


class Stack:
    """Private Redis + private PostgreSQL + gunicorn with production settings."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="tracker-faults-"))
        os.chmod(self.directory, 0o755)
        self.redis = PrivateRedis(self.directory / "redis", REDIS_PORT)
        self.redis.directory.mkdir()
        (self.directory / "pg").mkdir()
        self.postgres = PrivatePostgres(self.directory / "pg", PG_PORT)
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": self.postgres.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
            "STATIC_ROOT": str(self.directory / "static"),
            "MEDIA_ROOT": str(self.directory / "media"),
            "LOG_LEVEL": "WARNING",
            # The traffic of these tests is one client asking as fast as the pages answer:
            # the API's anonymous throttle (its own tests: test_api.py) would answer 429.
            "API_ANON_RATE": "0",
        }
        self.web = Gunicorn(self.env, self.directory)

    def manage(self, *args: str, timeout: float = 180) -> str:
        return _run(
            [sys.executable, "manage.py", *args], timeout=timeout, cwd=ROOT, env=self.env
        ).stdout

    def up(self, template: dict):
        """Start everything; the schema and reference data come from `template` (the test
        database) through pg_dump, the way docs/operations.md restores a backup."""
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.redis.start()
        self.postgres.init()
        self.postgres.start()
        here = ["-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres"]
        _run([str(PG_BIN / "createdb"), *here, DB_NAME])
        source = ["-h", template["HOST"], "-p", str(template["PORT"]), "-U", template["USER"]]
        dump = subprocess.Popen(
            [str(PG_BIN / "pg_dump"), *source, "--no-owner", template["NAME"]],
            stdout=subprocess.PIPE,
        )
        restore = subprocess.run(
            [str(PG_BIN / "psql"), *here, "-q", "-v", "ON_ERROR_STOP=1", "-d", DB_NAME],
            stdin=dump.stdout,
            capture_output=True,
            timeout=120,
        )
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0 and restore.returncode == 0, restore.stderr[-1500:]
        self.manage("generate_flights", "--count", "300", "--seed", "3")
        assert collect.wait(timeout=180) == 0, collect.stderr.read()[-1500:]
        first = "from flights.models import Flight; print(Flight.objects.order_by('pk')[0].pk)"
        self.flight_id = int(self.manage("shell", "-v", "0", "-c", first).strip())
        self.web.start()

    def down(self):
        for stop in (self.web.stop, self.redis.stop, self.postgres.stop):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - clean up the rest whatever happens
                print(f"cleanup: {exc}", file=sys.stderr)
        shutil.rmtree(self.directory, ignore_errors=True)

    def pages(self) -> list[str]:
        """The pages people use, as far as they exist in this URLconf."""
        from django.urls import NoReverseMatch, reverse

        wanted = [
            ("flights:home", {}),
            ("flights:dashboard", {}),
            ("flights:flight_list", {}),
            ("flights:flight_detail", {"pk": self.flight_id}),
            ("flights:api_flights", {}),
            ("flights:api_flight", {"pk": self.flight_id}),
        ]
        found = []
        for name, kwargs in wanted:
            try:
                found.append(reverse(name, kwargs=kwargs))
            except NoReverseMatch:
                continue
        return found


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    for tool in ("redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install redis-server")
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"{PG_BIN}/initdb is missing: set PG_BIN to PostgreSQL's bin directory")
    from django.db import connection

    from flights.models import Airport
    from flights.reference import load_reference_data

    with django_db_blocker.unblock():
        if not Airport.objects.filter(icao="KAEX").exists():
            load_reference_data()  # a transactional test flushed them
        template = dict(connection.settings_dict)
    stack = Stack()
    try:
        stack.up(template)
        yield stack
    finally:
        stack.down()


def _statuses(stack: Stack, paths: list[str]) -> dict[str, int]:
    return {path: stack.web.get(path)[0] for path in paths}


def test_pages_serve_while_redis_is_down_and_readyz_names_it(stack):
    paths = stack.pages()
    assert len(paths) >= 3, paths
    assert _statuses(stack, paths) == dict.fromkeys(paths, 200)  # warm the cache
    stack.redis.stop()
    try:
        started = time.monotonic()
        for _ in range(3):
            assert _statuses(stack, paths) == dict.fromkeys(paths, 200)
        # Cache errors fail fast (0.5 s socket timeouts), so pages stay quick without Redis.
        assert (time.monotonic() - started) / (3 * len(paths)) < 2.0
        status, body = stack.web.get("/readyz")
        assert status == 503
        ready = json.loads(body)
        assert ready["down"][:2] == ["redis", "broker"]
        assert ready["checks"]["database"]["ok"] is True
        assert stack.web.get("/healthz")[0] == 200
    finally:
        stack.redis.start()
    _wait(
        lambda: json.loads(stack.web.get("/readyz")[1])["checks"]["redis"]["ok"],
        10,
        "readyz did not see redis again",
    )
    assert _statuses(stack, paths) == dict.fromkeys(paths, 200)


START_IMPORT_WHILE_BROKER_IS_DOWN = """
import json, time
from django.core.files.base import ContentFile
from django.db import transaction
from flights.models import ImportRun
from flights.tasks import enqueue_import, queue_available

run = ImportRun(format="flightlog", file_name="sighting-log.csv")
content = ContentFile(b"date,from,to\\n2024-03-30,KIWA,KELP\\n")
run.file.save("sighting-log.csv", content, save=False)
run.save()
started = time.monotonic()
error = ""
try:
    with transaction.atomic():
        enqueue_import(run.pk)
except Exception as exc:
    error = f"{type(exc).__name__}: {exc}"
run.refresh_from_db()
print(json.dumps({"error": error, "seconds": time.monotonic() - started, "status": run.status,
                  "stored": run.file.storage.exists(run.file.name), "id": run.pk,
                  "queue_available": queue_available()}))
"""


def test_starting_an_import_while_the_broker_is_down_fails_fast_and_keeps_the_run(stack):
    """Queuing never raises into the caller; the run and its file stay, queued, to be re-sent."""
    stack.redis.stop()
    try:
        out = stack.manage("shell", "-v", "0", "-c", START_IMPORT_WHILE_BROKER_IS_DOWN, timeout=60)
    finally:
        stack.redis.start()
    result = json.loads(out.strip().splitlines()[-1])
    assert result["seconds"] < 15
    assert result["error"] == "", result
    assert result["queue_available"] is False
    assert result["status"] == "queued"
    assert result["stored"] is True


UPLOAD_WHILE_BROKER_IS_DOWN = """
import json
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from flights.models import ImportRun

staff, _ = User.objects.get_or_create(username="fault-staff", defaults={"is_staff": True})
# Starting an import takes the one import permission (flights.permissions).
codenames = ["add_importrun", "view_importrun"]
staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
client.force_login(staff)
before = ImportRun.objects.count()
upload = SimpleUploadedFile("log.csv", b"date,from,to\\n2024-03-30,KIWA,KELP\\n", "text/csv")
response = client.post("/imports/", {"format": "flightlog", "file": upload}, follow=True)
run = ImportRun.objects.order_by("-pk").first()
print(json.dumps({"status": response.status_code, "body": response.content.decode()[:20000],
                  "runs": ImportRun.objects.count() - before,
                  "run_status": run.status if run else None,
                  "stored": bool(run and run.file and run.file.storage.exists(run.file.name))}))
"""


def test_the_upload_page_says_the_queue_is_unavailable_and_keeps_the_file(stack):
    stack.redis.stop()
    try:
        out = stack.manage("shell", "-v", "0", "-c", UPLOAD_WHILE_BROKER_IS_DOWN, timeout=60)
    finally:
        stack.redis.start()
    result = json.loads(out.strip().splitlines()[-1])
    # Nothing lost, whatever the page says.
    assert (result["runs"], result["run_status"], result["stored"]) == (1, "queued", True)
    assert result["status"] == 200
    assert "queue is unavailable" in result["body"].lower()


def test_requests_recover_after_postgres_restarts_without_restarting_gunicorn(stack):
    paths = stack.pages()
    assert _statuses(stack, paths) == dict.fromkeys(paths, 200)
    master_pid = stack.web.process.pid
    seen: list[tuple[float, int]] = []
    stop = threading.Event()

    def traffic():
        # Bounded: at most 60 s, whatever happens to the restart.
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            for path in paths:
                seen.append((time.monotonic(), stack.web.get(path, timeout=10)[0]))

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    try:
        time.sleep(1.5)
        stack.postgres.stop()
        outage_started = time.monotonic()
        time.sleep(2)
        down_status, down_body = stack.web.get("/readyz")
        stack.postgres.start()
        back = time.monotonic()
        time.sleep(3)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert down_status == 503
    assert json.loads(down_body)["checks"]["database"]["ok"] is False
    during = [status for at, status in seen if outage_started <= at < back]
    # Cached pages keep answering 200; the others say 503 (retry), never 500.
    assert 503 in during and set(during) <= {200, 503}, f"during the outage: {sorted(set(during))}"
    # Once PostgreSQL is back, every worker reconnects on its next request: no 5xx after 1 s.
    after = [status for at, status in seen if at >= back + 1]
    assert after and set(after) == {200}, f"after the restart: {sorted(set(after))}"
    assert stack.web.process.poll() is None and stack.web.process.pid == master_pid
    assert _statuses(stack, paths) == dict.fromkeys(paths, 200)
    assert stack.web.get("/readyz")[0] in (200, 503)  # 503 only for the missing worker
    assert json.loads(stack.web.get("/readyz")[1])["checks"]["database"]["ok"] is True
