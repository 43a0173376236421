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
"""

import argparse
import os
import statistics
import subprocess
import sys
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


def pandas_read_and_group(path: Path) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, "-c", PANDAS, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout.split()
    return float(out[0]), float(out[1]), f"pandas {out[3]}, strings stored by {out[4]}"


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
    ratios, memory, times_pd, times_import = [], [], [], []
    for n in range(args.repeats):
        load = os.getloadavg()[0]
        seconds_pd, rss_pd, versions = pandas_read_and_group(path)
        empty_flight_tables()
        measured = run_import("arts", path)
        ratios.append(measured["seconds"] / seconds_pd)
        memory.append(measured["peak_mb"] / rss_pd)
        times_pd.append(seconds_pd)
        times_import.append(measured["seconds"])
        print(
            f"repeat {n + 1} (load {load:.2f} → {os.getloadavg()[0]:.2f}; {versions}): "
            f"pandas read+group {seconds_pd:.1f} s, {rss_pd:.0f} MB; import "
            f"{measured['seconds']:.1f} s, {measured['peak_mb']:.0f} MB; time ratio "
            f"{ratios[-1]:.2f}, memory ratio {memory[-1]:.2f}; rejected "
            f"{measured['result']['rejected']}"
        )
    print(
        f"pandas median {statistics.median(times_pd):.1f} s, import median "
        f"{statistics.median(times_import):.1f} s; time ratio median "
        f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}); "
        f"memory ratio median {statistics.median(memory):.2f} (max {max(memory):.2f}); "
        f"load average after {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
