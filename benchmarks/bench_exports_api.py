"""Server time, queries and size of the exports and the JSON API on a generated data set.

Run by hand against a database of your own filled by `generate_flights`, e.g.:

    createdb -h 127.0.0.1 -U postgres tracker_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_airports
    .venv/bin/python manage.py generate_flights --count 250000 --seed 4
    ALLOWED_HOSTS=testserver .venv/bin/python benchmarks/bench_exports_api.py

PostgreSQL's JIT compiles the wide export and list queries for seconds on a cold connection; the
numbers in docs/api.md are with `?options=-c%20jit%3Doff` appended to DATABASE_URL. BENCH_FULL=1
adds the unfiltered exports (every flight, every leg). BENCH_COPY=http://127.0.0.1:PORT instead
downloads the full legs CSV from a server started with the shipped gunicorn settings and compares
its rate with a bare COPY of the same legs, alternated, BENCH_REPEAT times (start that server
with EXPORT_ASYNC_ROWS above the leg count, or the export is handed to a task).

Each URL is requested through Django's test client (no network, no server process): the time is
the view's, the middleware's and the database's, with the streamed body read to its end.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from flights.models import Flight, Leg  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


def measure(client: Client, url: str, repeat: int) -> dict:
    times, queries, size = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, body[:300])
        queries, size = len(captured), len(body)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "queries": queries,
        "bytes": size,
    }


def main() -> None:
    client = Client()
    flight = Flight.objects.order_by("-leg_count", "id").first()
    print(f"data: {Flight.objects.count()} flights, {Leg.objects.count()} legs")
    api = [
        "/api/v1/flights/",
        "/api/v1/flights/?country=CN&start=2024-01-01&end=2024-12-31",
        "/api/v1/flights/?kind=removal&kind=lateral&source=advocacy&page_size=500",
        "/api/v1/flights/?page=2000",
        f"/api/v1/flights/{flight.pk}/",
        "/api/v1/legs/",
        "/api/v1/legs/?country=GT&start=2025-01-01&page_size=500",
        "/api/v1/airports/?country=US",
        "/api/v1/countries/",
        "/api/v1/openapi.json",
    ]
    exports = [
        "/flights/export.csv?country=CN",
        "/legs/export.csv?country=CN",
        "/flights/export.json?start=2025-01-01&end=2025-03-31",
        "/legs/export.csv?start=2025-01-01&end=2025-03-31",
    ]
    if os.environ.get("BENCH_FULL"):  # the whole table: minutes, not seconds
        exports += ["/flights/export.csv", "/legs/export.csv"]
    print(f"{'url':75} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'bytes':>11}")
    for url, repeat in [*((u, REPEAT) for u in api), *((u, 1) for u in exports)]:
        result = measure(client, url, repeat)
        print(
            f"{url:75} {result['p50']:8.1f} {result['p95']:8.1f} {result['queries']:7d}"
            f" {result['bytes']:11,d}"
        )


def bare_copy_seconds() -> tuple[float, int]:
    """A bare COPY of every leg joined to its flight: the reference an export is measured by."""
    connection.ensure_connection()
    rows = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor:
        query = (
            "COPY (SELECT l.*, f.* FROM flights_leg l JOIN flights_flight f ON f.id = l.flight_id)"
            " TO STDOUT WITH (FORMAT csv)"
        )
        with cursor.copy(query) as copy:
            for _row in copy:
                rows += 1
    return time.perf_counter() - started, rows


def export_seconds(url: str) -> tuple[float, int, bool]:
    """Download `url` over HTTP to its end: seconds, data rows, and whether the file is whole."""
    import csv
    import io
    import urllib.request

    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=3600) as response:  # noqa: S310 - our own server
        body = response.read()
    seconds = time.perf_counter() - started
    text = body.decode("utf-8-sig")
    rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
    return seconds, rows, text.endswith("\r\n")


def copy_ratio(base_url: str, repeat: int) -> None:
    """Legs export through a running server vs a bare COPY, alternated in one run (BENCH_COPY)."""
    url = base_url.rstrip("/") + "/legs/export.csv?synthetic=include"
    legs = Leg.objects.count()
    ratios, export_times, copy_times = [], [], []
    for _ in range(repeat):
        reference, copied = bare_copy_seconds()
        seconds, rows, whole = export_seconds(url)
        assert copied == legs and rows == legs and whole, (copied, rows, legs, whole)
        ratios.append(reference / seconds)
        export_times.append(seconds)
        copy_times.append(reference)
    print(f"legs: {legs:,}; {repeat} alternated runs")
    for label, values in (
        ("bare COPY s", copy_times),
        ("export s", export_times),
        ("ratio", ratios),
    ):
        print(
            f"{label:12} median {statistics.median(values):.2f}"
            f" (min {min(values):.2f}, max {max(values):.2f})"
        )


if __name__ == "__main__":
    if os.environ.get("BENCH_COPY"):
        copy_ratio(os.environ["BENCH_COPY"], REPEAT)
    else:
        main()
