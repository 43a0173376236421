"""Load benchmark: gunicorn (2 workers, production settings) on loopback under wrk.

    .venv/bin/python benchmarks/load.py --database-url postgres://postgres@127.0.0.1:5432/NAME

The database must hold the data set, e.g. `python manage.py generate_flights --count 250000
--seed 1` after migrate and load_airports. The script starts its own Redis on a spare port
(cache and broker: nothing shared is touched), collects static files into a temporary
directory, starts gunicorn, warms each endpoint once, then runs wrk for DURATION seconds at
CONNECTIONS connections against each endpoint in turn: the overview, the flight list, a flight
detail and the API. It prints a Markdown table (requests/s, p50/p95/p99) and counts 5xx
responses from gunicorn's access log. Everything it started is stopped at the end.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} within {timeout} s")


def get(url: str, timeout: float = 120) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}"


def run_wrk(url: str, duration: int, connections: int, threads: int) -> dict:
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    for line in result.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            stats = json.loads(line.removeprefix("WRK_JSON "))
            stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
            return stats
    raise SystemExit(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")


def access_statuses(log: Path, since: int) -> Counter:
    """(path, status) counts from gunicorn's JSON access log, from byte offset `since`."""
    counts: Counter = Counter()
    with open(log, "rb") as handle:
        handle.seek(since)
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "gunicorn.access":
                counts[(entry["path"], int(entry["status"]))] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tracker_ops_bench"
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument("--only", nargs="*", help="endpoint labels to run (default: all)")
    parser.add_argument(
        "--page-cache",
        type=int,
        default=300,
        help="PAGE_CACHE_SECONDS (docker-compose's default 300; 0 measures the views themselves)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{args.redis_port}/1",
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "BIND_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(args.workers),
        "PAGE_CACHE_SECONDS": str(args.page_cache),
    }
    gunicorn = None
    log_handle = None
    redis_started = False
    try:
        subprocess.run(
            [
                "redis-server",
                "--port", str(args.redis_port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "yes",
                "--dir", str(workdir),
                "--pidfile", str(workdir / "redis.pid"),
            ],
            check=True,
            timeout=30,
        )  # fmt: skip
        redis_started = True
        manage(env, "collectstatic", "--noinput", "-v", "0")
        counts = manage(
            env,
            "shell",
            "-v",
            "0",
            "-c",
            "from flights.models import Flight, Leg; import json; "
            "ids = Flight.objects.order_by('pk').values_list('pk', flat=True); n = ids.count(); "
            "print(json.dumps({'flights': n, 'legs': Leg.objects.count(), "
            "'detail': ids[n // 2] if n else None}))",
        )
        data = json.loads(counts.strip().splitlines()[-1])
        if not data["detail"]:
            raise SystemExit("the database holds no flights: run generate_flights first")
        log = workdir / "gunicorn.log"
        log_handle = open(log, "wb")  # noqa: SIM115 - closed in finally
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "tracker.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: get(f"{base}/healthz", 2) == 200, 60, "gunicorn did not start")

        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
        import django

        django.setup()
        from django.urls import reverse

        endpoints = [
            ("overview (cached)", reverse("flights:dashboard")),
            ("flight list", reverse("flights:flight_list")),
            ("flight detail", reverse("flights:flight_detail", args=[data["detail"]])),
            ("API flights", reverse("flights:api_flights")),
        ]
        if args.only:
            endpoints = [e for e in endpoints if any(o in e[0] for o in args.only)]
        results = []
        for label, path in endpoints:
            started = time.monotonic()
            status = get(base + path)
            warm = time.monotonic() - started
            if status != 200:
                raise SystemExit(f"{label} {path} answered {status} before the run")
            offset = log.stat().st_size
            load_before = os.getloadavg()[0]
            stats = run_wrk(base + path, args.duration, args.connections, args.wrk_threads)
            time.sleep(1)
            statuses = access_statuses(log, offset)
            stats |= {
                "label": label,
                "path": path,
                "first_request_s": warm,
                "status_5xx": sum(n for (_, code), n in statuses.items() if code >= 500),
                "statuses": dict(Counter({code: n for (_, code), n in statuses.items()})),
                "load_before": load_before,
            }
            results.append(stats)
            print(json.dumps(stats), flush=True)

        print()
        print(
            f"Machine: {machine()}. Data: {data['flights']:,} flights, {data['legs']:,} legs. "
            f"gunicorn {args.workers} sync workers, wrk {args.wrk_threads} threads, "
            f"{args.connections} connections, {args.duration} s per endpoint, same host, "
            f"PAGE_CACHE_SECONDS={args.page_cache}."
        )
        print()
        print("| endpoint | path | requests/s | p50 ms | p95 ms | p99 ms | requests | 5xx |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for r in results:
            print(
                f"| {r['label']} | `{r['path']}` | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
                f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['requests']:,} | {r['status_5xx']} |"
            )
        bad = [r["label"] for r in results if r["status_5xx"] or r["non_2xx_3xx"]]
        if bad:
            print(f"\nNon-2xx/3xx or 5xx responses on: {', '.join(bad)}")
            sys.exit(1)
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if log_handle is not None:
            log_handle.close()
        if redis_started:
            subprocess.run(
                ["redis-cli", "-p", str(args.redis_port), "shutdown", "nosave"],
                capture_output=True,
                timeout=10,
            )
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
