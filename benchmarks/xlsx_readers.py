"""python-calamine, openpyxl read-only and the streaming reader (flights/importers/xlsx.py) on one
ARTS-shaped workbook (docs/imports.md).

    .venv/bin/python benchmarks/xlsx_readers.py [ROWS] [REPEATS] [READER,READER...]

Writes a fabricated 43-column ARTS workbook of ROWS rows (default 200,000) once, then reads it
REPEATS times with each reader, each read in a fresh process, and prints the wall time and the
peak resident memory (ru_maxrss of the child) and CPU time of each, with the spread.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

COLUMNS = 43


def make_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("ARTS")
    ws.append([f"col{i}" for i in range(COLUMNS)])
    start = dt.date(2015, 1, 1)
    for i in range(rows):
        ws.append(
            [start + dt.timedelta(days=i % 900), 190000 + i // 90, "KAEX", "MGGT", "R", "No"]
            + [f"x{i % 97}" for _ in range(COLUMNS - 6)]
        )
    wb.save(path)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    path = Path(tempfile.gettempdir()) / f"arts_{rows}.xlsx"
    if not path.exists():
        make_workbook(path, rows)
    print(f"{rows} rows x {COLUMNS} columns, {path.stat().st_size / 1e6:.1f} MB")
    readers = sys.argv[3].split(",") if len(sys.argv) > 3 else ["calamine", "openpyxl", "stream"]
    for reader in readers:
        times, peaks, cpus = [], [], []
        for _ in range(repeats):
            # ru_maxrss of children is the max over all children: one reader per process tree.
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, reader, str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            times.append(float(out[0]))
            peaks.append(float(out[1]))
            cpus.append(float(out[3]))
        print(
            f"{reader}: {statistics.median(times):.1f} s (min {min(times):.1f}, max "
            f"{max(times):.1f}), peak RSS {statistics.median(peaks):.0f} MB "
            f"(min {min(peaks):.0f}, max {max(peaks):.0f}), CPU {statistics.median(cpus):.1f} s "
            f"(min {min(cpus):.1f}, max {max(cpus):.1f}), {repeats} runs"
        )


_CHILD = """
import os, resource, sys, time
from pathlib import Path
sys.path.insert(0, '.')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tracker.settings')
import django
django.setup()
from flights.importers.sources import xlsx_rows
t, cpu = time.perf_counter(), time.process_time()
n = sum(1 for _ in xlsx_rows(Path(sys.argv[2]), reader=sys.argv[1]))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, n,
      time.process_time() - cpu)
"""

if __name__ == "__main__":
    main()
