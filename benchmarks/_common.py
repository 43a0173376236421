"""Shared helpers of the import benchmarks: run the real command in a child process and measure
its wall time and peak memory (the worker runs exactly this code path)."""

import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GB RAM, "
        f"Python {platform.python_version()}, load average before the run {load[0]:.2f}"
    )


def run_import(fmt: str, path: Path) -> dict:
    """`manage.py import_flights --json` in a child; its result, seconds and peak memory.

    Peak memory is sampled every 0.1 s as the proportional set size (PSS) of the child and the
    processes it forks to read a big file in parts, summed: shared pages are counted once, so
    the sum is what the import as a whole holds.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import_flights", "--format", fmt, str(path), "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            peak[0] = max(peak[0], _tree_pss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"import failed: {err.decode()[-500:]}")
    result = json.loads(out)
    result["errors"] = len(result["errors"])
    return {"result": result, "seconds": elapsed, "peak_mb": peak[0] / 1024}


def _tree_pss_kb(root: int) -> int:
    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The parent pid is the second field after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(entry))
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def empty_flight_tables() -> None:
    """TRUNCATE the flights and everything hanging off them: "an empty database" means empty
    tables and indexes, not deleted rows still bloating them (only in a bench database)."""
    from django.db import connection

    guard_database()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE flights_flight CASCADE")
        cursor.execute("VACUUM ANALYZE")


def guard_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("set DATABASE_URL to a database whose name contains 'bench'")
    return url


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    from flights.models import Airport
    from flights.reference import load_reference_data

    call_command("migrate", verbosity=0)
    if not Airport.objects.filter(icao="KAEX").exists():
        load_reference_data()
