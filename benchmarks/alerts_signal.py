"""What a post_init receiver on Flight would cost every page that loads flights.

The alerts need a flight's status before a save to see it change. A post_init receiver would
remember it on every loaded instance; the tracker uses a pre_save read instead (one primary-key
query per save). This measures loading N flights from rows (Model.from_db, no database) with
and without such a receiver, alternating, in the same run.

    .venv/bin/python benchmarks/alerts_signal.py [N] [repeats]
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
import django  # noqa: E402

django.setup()

from django.db.models.signals import post_init  # noqa: E402

from flights.models import Flight  # noqa: E402


def remember(instance, **kwargs):
    instance._status_at_load = instance.__dict__.get("status")


def load(n: int, columns: list[str], row: list) -> float:
    started = time.perf_counter()
    for _ in range(n):
        Flight.from_db("default", columns, row)
    return time.perf_counter() - started


def main(n: int = 50_000, repeats: int = 5) -> None:
    columns = [f.attname for f in Flight._meta.concrete_fields]
    row = [None] * len(columns)
    row[columns.index("id")], row[columns.index("status")] = 1, "confirmed"
    times: dict[str, list[float]] = {"without (as shipped)": [], "with post_init": []}
    for _ in range(repeats):
        times["without (as shipped)"].append(load(n, columns, row))
        post_init.connect(remember, sender=Flight)
        times["with post_init"].append(load(n, columns, row))
        post_init.disconnect(remember, sender=Flight)
    base = statistics.median(times["without (as shipped)"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name}: median {median:.3f} s (min {min(values):.3f}, max {max(values):.3f}), "
            f"{median / n * 1e6:.1f} µs a flight, ratio {median / base:.2f}"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
