"""Server time, SQL queries and size of every analyst page, cold (aggregates not cached) and warm.

Run against a database you filled yourself, never the shared one, with the production
settings (DEBUG off: its template and query bookkeeping is not what a server does; the static
files collected, as the server's manifest storage needs them):

    createdb -h 127.0.0.1 -U postgres tracker_dash_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_dash_bench
    export REDIS_URL=redis://127.0.0.1:6379/4
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_airports
    .venv/bin/python manage.py generate_flights --count 250000 --seed 1
    export DEBUG=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=testserver SECRET_KEY=<any 50 chars>
    .venv/bin/python manage.py collectstatic --noinput
    .venv/bin/python benchmarks/pages.py --runs 20

Every page is requested cold three times (`--warm-rounds`), untimed, before any measurement (the
process's templates compiled, modules imported and code specialised, as in a running server's
workers), then the cache is emptied.
"Cold" empties the cache (Redis FLUSHDB of the benchmark's own REDIS_URL database, as after a
Redis restart) before each request, so every aggregate is recomputed (PostgreSQL's own buffers
stay warm, as on a live server). The reference is `SELECT count(*) FROM flights_flight`, timed
the same number of times between the pages (issue 14: every page's cold p95 below one
count(*), warm p50 at most 30 ms); `--json FILE` keeps the numbers for `--compare`, which
prints each page's cold p95 against another run's (at 100,000 flights: at most 1.5x).
"Warm" repeats the same request with
the aggregates in Redis. Times are measured around Django's test Client: URL routing, views,
SQL, cache and template rendering, without network or a WSGI server. Sizes are the HTML with
its chart JSON; plotly.min.js and the map outlines are static files and not counted.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

BUDGET_WARM_P50_MS = 30
BUDGET_BYTES = 300_000
BUDGET_QUERIES = 15


def pages() -> list[tuple[str, str]]:
    from django.db.models import Count
    from django.urls import reverse

    from flights.models import Aircraft, Flight

    flight = Flight.objects.order_by("-date", "-id").only("id").first()
    origin = (
        Flight.objects.values("origin__icao")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["origin__icao"]
    )
    aircraft = Aircraft.objects.annotate(n=Count("flights")).order_by("-n").first()
    country = (
        Flight.objects.exclude(destination_country=None)
        .values("destination_country")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["destination_country"]
    )
    overview = reverse("flights:dashboard")
    route_map = reverse("flights:route_map")
    flight_list = reverse("flights:flight_list")
    return [
        ("overview", overview),
        ("overview, filtered", f"{overview}?start=2024-01-01&end=2024-12-31&country=CN"),
        ("overview, kind+status", f"{overview}?kind=removal&status=reported"),
        ("route map", route_map),
        ("route map, filtered", f"{route_map}?start=2024-01-01&end=2024-06-30&country=GT"),
        ("flight list", flight_list),
        ("flight list, by distance", f"{flight_list}?sort=-distance"),
        ("flight list, page 200", f"{flight_list}?page=200"),
        ("flight detail", reverse("flights:flight_detail", args=[flight.pk])),
        (f"airport {origin}", reverse("flights:airport_detail", args=[origin])),
        (
            f"aircraft {aircraft.registration}",
            reverse("flights:aircraft_detail", args=[aircraft.registration]),
        ),
        (f"country {country}", reverse("flights:country_detail", args=[country])),
        ("country CN, 2023", reverse("flights:country_detail", args=["CN"]) + "?start=2023-01-01"),
    ]


def measure(client, url: str, runs: int, cold: bool) -> dict:
    from django.core.cache import cache
    from django.db import connection

    times, queries, size = [], 0, 0
    if not cold:
        client.get(url)  # fill the cache
    for _ in range(runs):
        if cold:
            cache.clear()
        # Queries counted by a wrapper, not CaptureQueriesContext: that turns on Django's debug
        # cursor, which formats every statement, work a production server never does.
        counted: list[int] = []

        def count(execute, *args, counted=counted):
            counted.append(1)
            return execute(*args)

        with connection.execute_wrapper(count):
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = max(queries, len(counted))
        size = len(response.content)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "queries": queries,
        "bytes": size,
    }


def count_star(runs: int) -> dict:
    """The reference: one count(*) of the flights table, as PostgreSQL plans it."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            began = time.perf_counter()
            cursor.execute("SELECT count(*) FROM flights_flight")
            cursor.fetchone()
            times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "min": times[0], "max": times[-1]}


def selected(args) -> list[tuple[str, str]]:
    chosen = []
    for name, url in pages():
        if args.only and not any(name.startswith(prefix) for prefix in args.only):
            continue
        if args.synthetic:
            url += ("&" if "?" in url else "?") + f"synthetic={args.synthetic}"
        chosen.append((name, url))
    return chosen


def warm_up_process(client, chosen: list[tuple[str, str]], rounds: int) -> None:
    """Untimed cold requests of every page, then an empty cache: a live server's workers have
    compiled their templates, imported their modules and run their code often enough for
    Python to specialise it long before a Redis restart empties the cache, so the first
    requests of this fresh process would measure start-up, not the page (measured at 1,000,000
    flights: the sum of the thirteen cold p50s 12% higher after one round than after three)."""
    from django.core.cache import cache

    for _ in range(rounds):
        for _name, url in chosen:
            cache.clear()
            client.get(url)
    cache.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--compare", help="a --json file of another run (e.g. 100,000 flights)")
    parser.add_argument(
        "--only", action="append", default=[], help="pages whose name starts with this (repeat)"
    )
    parser.add_argument(
        "--synthetic",
        choices=("include", "only"),
        help="add synthetic=... to every page (generated flights are all synthetic)",
    )
    parser.add_argument(
        "--warm-rounds", type=int, default=3, help="untimed cold rounds of every page first"
    )
    parser.add_argument(
        "--without-rollups",
        action="store_true",
        help="answer every aggregate from the flights and legs (the rollups' reference)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from flights.models import Flight, Leg

    settings.ALLOWED_HOSTS.append("testserver")
    if args.without_rollups:
        from flights import rollups

        rollups.enabled = lambda using=None: False
    client = Client()
    flights, legs = Flight.objects.count(), Leg.objects.count()
    print(
        f"{flights:,} flights, {legs:,} legs; database {connection.settings_dict['NAME']}; "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.runs} runs per page; "
        f"PAGE_CACHE_SECONDS={settings.PAGE_CACHE_SECONDS}; DEBUG={settings.DEBUG}"
        + ("; rollups off" if args.without_rollups else "")
    )
    warm_up_process(client, selected(args), args.warm_rounds)
    other = json.loads(Path(args.compare).read_text())["pages"] if args.compare else {}
    print()
    print(
        "| page | cold p50 ms | cold p95 ms | warm p50 ms | warm p95 ms | queries (cold) "
        "| KB | count(*) p50 ms (same minute) | cold p95 / other run | within budget |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    results: dict = {"flights": flights, "legs": legs, "pages": {}, "count_star": []}
    for name, url in selected(args):
        reference = count_star(args.runs)
        cold = measure(client, url, args.runs, cold=True)
        warm = measure(client, url, args.runs, cold=False)
        results["count_star"].append(reference)
        results["pages"][name] = {"cold": cold, "warm": warm, "count_star": reference}
        ratio = ""
        if name in other:
            ratio = f"{cold['p95'] / other[name]['cold']['p95']:.2f}x"
        misses = []
        if cold["p95"] >= reference["p50"]:
            misses.append("cold p95 >= count(*)")
        if ratio and float(ratio[:-1]) > 1.5:
            misses.append("> 1.5x other run")
        if warm["p50"] > BUDGET_WARM_P50_MS:
            misses.append("warm p50")
        if cold["queries"] > BUDGET_QUERIES:
            misses.append("queries")
        if cold["bytes"] > BUDGET_BYTES:
            misses.append("size")
        print(
            f"| {name} | {cold['p50']:.0f} | {cold['p95']:.0f} | {warm['p50']:.0f} "
            f"| {warm['p95']:.0f} | {cold['queries']} | {cold['bytes'] / 1000:.0f} "
            f"| {reference['p50']:.0f} ({reference['min']:.0f}-{reference['max']:.0f}) "
            f"| {ratio} | {'yes' if not misses else 'NO: ' + ', '.join(misses)} |",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
