"""Import a generated ARTS file of N rows through `manage.py import_flights` (the worker's code
path) and, in the same run, COPY the same file into an unindexed table as the physical reference.

    createdb -h 127.0.0.1 -U postgres tracker_imports_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_imports_bench \\
        .venv/bin/python benchmarks/import_arts.py --rows 1000000

The COPY reference runs before and after the imports; the faster of the two sets the ratio (the
stricter comparison). Peak memory is the importing process and the processes it forks to read
in parts, summed (PSS, see _common.py). Results go in docs/benchmarks.md ("Imports").
"""

import argparse
import time
from pathlib import Path

from _common import empty_flight_tables, guard_database, machine, run_import, setup_django
from generate_arts import generate


def copy_reference(path: Path, columns: list[str]) -> float:
    """Seconds to COPY the file into a fresh unindexed table of text columns."""
    from django.db import connection

    cols = ", ".join(f'"c{i}" text' for i in range(len(columns)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_arts_copy")
        cursor.execute(f"CREATE TABLE bench_arts_copy ({cols})")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY bench_arts_copy FROM STDIN (FORMAT csv, HEADER true)") as cp:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_arts_copy")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, default=None)
    args = parser.parse_args()
    guard_database()
    setup_django()
    from flights.importers.arts import ARTS_COLUMNS

    path = args.file or Path(f"/tmp/arts_{args.rows}.csv")
    if not path.exists():
        generate(args.rows, path)
    empty_flight_tables()
    print(machine())
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows} rows)")

    copies = [copy_reference(path, ARTS_COLUMNS)]
    print(f"COPY into an unindexed table: {copies[0]:.1f} s = {args.rows / copies[0]:,.0f} rows/s")
    runs = []
    for label in ("import (empty database)", "import again (same file)"):
        runs.append((label, run_import("arts", path)))
    copies.append(copy_reference(path, ARTS_COLUMNS))
    print(f"COPY again, after: {copies[1]:.1f} s = {args.rows / copies[1]:,.0f} rows/s")
    copy_rate = args.rows / min(copies)
    for label, measured in runs:
        rate = args.rows / measured["seconds"]
        print(
            f"{label}: {measured['seconds']:.1f} s = {rate:,.0f} rows/s "
            f"({rate / copy_rate:.2f} of the faster COPY), peak {measured['peak_mb']:.0f} MB; "
            f"{measured['result']['objects']}"
        )


if __name__ == "__main__":
    main()
