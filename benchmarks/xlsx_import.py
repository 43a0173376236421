"""The whole import of a fabricated ARTS workbook at two sizes: is its memory bounded?

    createdb -h 127.0.0.1 -U postgres tracker_xlsx_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_xlsx_bench \\
        .venv/bin/python benchmarks/xlsx_import.py --rows 50000 200000 --repeats 2

Each size's workbook (generate_arts.py's rows, numbers as numbers and dates as dates, written by
openpyxl's write-only mode, so strings go to the shared-strings table as Excel keeps them) is
written once to the temporary folder. Then, per repeat, the sizes are imported one after the
other, alternating, each into emptied flight tables through `manage.py import_flights` (the
worker's code path: .xlsx to CSV by the streaming reader, then read, validate, persist), with
wall time and the peak PSS of the import and the processes it forks (_common.run_import).
Results go in docs/benchmarks.md ("Excel workbooks in bounded memory").
"""

import argparse
import csv
import datetime as dt
import statistics
import tempfile
from pathlib import Path

from _common import empty_flight_tables, guard_database, machine, run_import, setup_django
from generate_arts import generate


def make_workbook(rows: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"arts_import_{rows}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    text = path.with_suffix(".csv")
    generate(rows, text)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("ARTS")
    with open(text, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        ws.append(next(reader))
        for cells in reader:
            ws.append([_typed(cell) for cell in cells])
    wb.save(path)
    text.unlink()
    return path


def _typed(cell: str):
    """A cell as Excel would hold it: numbers as numbers, ISO dates as dates."""
    if cell.isdigit() and len(cell) < 15:
        return int(cell)
    if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
        return dt.date.fromisoformat(cell)
    return cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    guard_database()
    setup_django()
    books = {rows: make_workbook(rows) for rows in args.rows}
    print(machine())
    for rows, path in books.items():
        print(f"{rows} rows: {path.stat().st_size / 1e6:.1f} MB workbook")
    runs: dict[int, list[dict]] = {rows: [] for rows in books}
    for repeat in range(args.repeats):
        for rows, path in books.items():
            empty_flight_tables()
            measured = run_import("arts", path)
            runs[rows].append(measured)
            result = measured["result"]
            print(
                f"repeat {repeat + 1}, {rows} rows: {measured['seconds']:.1f} s, "
                f"peak {measured['peak_mb']:.0f} MB, accepted {result['accepted']}, "
                f"rejected {result['rejected']}",
                flush=True,
            )
    for rows, measured in runs.items():
        times = [m["seconds"] for m in measured]
        peaks = [m["peak_mb"] for m in measured]
        print(
            f"{rows} rows: {statistics.median(times):.1f} s ({min(times):.1f}-{max(times):.1f}), "
            f"peak {statistics.median(peaks):.0f} MB ({min(peaks):.0f}-{max(peaks):.0f}), "
            f"{len(measured)} runs"
        )


if __name__ == "__main__":
    main()
