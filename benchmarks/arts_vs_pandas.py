"""The whole ARTS import (read, validate, persist) against pandas merely reading the file and
grouping it by mission and segment, side by side in one run (issue 10, item 8).

    pip install pandas   # the reference only; the tracker does not use it
    createdb -h 127.0.0.1 -U postgres tracker_h10_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_h10_bench \\
        .venv/bin/python benchmarks/arts_vs_pandas.py --rows 1000000 --repeats 3

pandas runs in the tracker's own environment, so with pyarrow installed (a dependency of the
importer) pandas 3 reads text into its pyarrow-backed `str` dtype; the run prints which.

Each repeat runs pandas (in a fresh process: its peak RSS) and then the import into emptied
flight tables (a fresh process: peak PSS of it and its readers, see _common.py), so the two
see the same load. Ratios are per repeat; results go in docs/benchmarks.md.

Time is compared two symmetric ways (docs/benchmarks.md): whole processes (each child's wall
time from start to exit: interpreter, imports, Django or pandas, the work, the exit) and from
inside (pandas' read_csv + groupby against the import run's own started → finished, which
leaves out Django's start). The ratio of the import's whole process to pandas' inside time,
the only one measured before 2026-12-02 04:00 UTC, is printed too ("asymmetric").
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import REPO, empty_flight_tables, guard_database, machine, run_import, setup_django
from generate_arts import generate

PANDAS = """
import resource, sys, time
import pandas as pd
t = time.perf_counter()
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
groups = frame.groupby(["MissionID", "PULOC", "DropLoc"]).size()
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      len(groups), pd.__version__, frame["MissionID"].dtype.storage)
"""


def pandas_read_and_group(path: Path) -> tuple[float, float, float, str]:
    """pandas' read+group seconds, its whole process's seconds, its peak RSS, its versions."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PANDAS, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout.split()
    whole = time.perf_counter() - started
    return float(out[0]), whole, float(out[1]), f"pandas {out[3]}, strings stored by {out[4]}"


def last_run_seconds() -> float:
    """The import run's own duration, as it recorded it (started → finished)."""
    from flights.models import ImportRun

    run = ImportRun.objects.order_by("-pk").first()
    return (run.finished_at - run.started_at).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--path", type=Path, help="the ARTS file (generated when missing)")
    args = parser.parse_args()
    guard_database()
    setup_django()
    path = args.path or Path(f"/tmp/arts_bench_{args.rows}.csv")
    if not path.exists():
        generate(args.rows, path)
    print(machine())
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows} rows)")
    import pyarrow

    print(f"pyarrow {pyarrow.__version__}")
    ratios: dict[str, list[float]] = {"whole": [], "inside": [], "asymmetric": []}
    memory, times_pd, times_import = [], [], []
    for n in range(args.repeats):
        load = os.getloadavg()[0]
        seconds_pd, whole_pd, rss_pd, versions = pandas_read_and_group(path)
        empty_flight_tables()
        measured = run_import("arts", path)
        inside = last_run_seconds()
        ratios["whole"].append(measured["seconds"] / whole_pd)
        ratios["inside"].append(inside / seconds_pd)
        ratios["asymmetric"].append(measured["seconds"] / seconds_pd)
        memory.append(measured["peak_mb"] / rss_pd)
        times_pd.append(whole_pd)
        times_import.append(measured["seconds"])
        print(
            f"repeat {n + 1} (load {load:.2f} → {os.getloadavg()[0]:.2f}; {versions}): "
            f"pandas process {whole_pd:.1f} s (read+group {seconds_pd:.1f} s), {rss_pd:.0f} MB; "
            f"import process {measured['seconds']:.1f} s (run {inside:.1f} s), "
            f"{measured['peak_mb']:.0f} MB; time ratio {ratios['whole'][-1]:.2f} whole "
            f"processes, {ratios['inside'][-1]:.2f} inside, {ratios['asymmetric'][-1]:.2f} "
            f"asymmetric; memory ratio {memory[-1]:.2f}; rejected {measured['result']['rejected']}"
        )
    spread = {
        name: f"{statistics.median(r):.2f} ({min(r):.2f}–{max(r):.2f})"
        for name, r in ratios.items()
    }
    print(
        f"pandas process median {statistics.median(times_pd):.1f} s, import process median "
        f"{statistics.median(times_import):.1f} s; time ratio median (min–max): whole processes "
        f"{spread['whole']}, inside {spread['inside']}, asymmetric {spread['asymmetric']}; "
        f"memory ratio median {statistics.median(memory):.2f} (max {max(memory):.2f}); "
        f"load average after {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
