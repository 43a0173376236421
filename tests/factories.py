"""Small builders for test records. Airports must be loaded (the `reference_data` fixture)."""

import datetime as dt
import itertools
from pathlib import Path

from django.db import transaction

from flights.choices import FlightKind, ReviewStatus, SourceKind
from flights.models import Aircraft, AircraftType, Airport, Flight, FlightSource, Leg, Source

# DATA.md's samples live in shared/, beside the repository (CI lays a copy there too).
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
if not SAMPLES.exists():
    SAMPLES = Path("/work/shared/samples")

_counter = itertools.count(1)


def make_aircraft(registration: str | None = None, type_code: str = "A320", **fields) -> Aircraft:
    registration = registration or f"N{next(_counter):03d}TS"
    aircraft_type = AircraftType.objects.get(designator=type_code) if type_code else None
    return Aircraft.objects.create(registration=registration, aircraft_type=aircraft_type, **fields)


def make_source(title: str = "Test report", kind: str = SourceKind.NEWS, **fields) -> Source:
    source, _ = Source.objects.get_or_create(
        kind=kind, title=title, url=fields.pop("url", ""), defaults=fields
    )
    return source


def make_flight(
    route: tuple[str, ...] = ("KAEX", "MGGT"),
    date: dt.date = dt.date(2025, 5, 6),
    kind: str = FlightKind.REMOVAL,
    status: str = ReviewStatus.REPORTED,
    aircraft: Aircraft | None = None,
    times: list[tuple[dt.datetime | None, dt.datetime | None]] | None = None,
    source: Source | None = None,
    **fields,
) -> Flight:
    """A flight flying `route` (ICAO codes) on `date`, one leg per hop, route fields refreshed.

    Written in one transaction, as imports and the admin write flights: the alert hooks run on
    commit, so a real worker evaluates the whole flight, never one still missing its legs."""
    with transaction.atomic():
        return _make_flight(route, date, kind, status, aircraft, times, source, **fields)


def _make_flight(route, date, kind, status, aircraft, times, source, **fields) -> Flight:
    flight = Flight.objects.create(date=date, kind=kind, status=status, aircraft=aircraft, **fields)
    airports = {a.icao: a for a in Airport.objects.filter(icao__in=route)}
    for seq, (dep, arr) in enumerate(itertools.pairwise(route), start=1):
        dep_time, arr_time = times[seq - 1] if times else (None, None)
        Leg.objects.create(
            flight=flight,
            sequence=seq,
            date=date,
            departure_airport=airports[dep],
            arrival_airport=airports[arr],
            departure_time=dep_time,
            arrival_time=arr_time,
            kind=kind,
        )
    FlightSource.objects.create(flight=flight, source=source or make_source())
    flight.refresh_route()
    return flight


def upload_on_a_real_worker(client, fmt: str, name: str, content: bytes):
    """Upload a file in the admin as a superuser while a real Celery worker (on the test broker)
    runs; return the import run once it has finished (or after 30 s)."""
    import time

    from celery.contrib.testing.worker import start_worker
    from django.contrib.auth.models import User
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from flights.models import ImportRun
    from tracker.celery import app

    app.control.purge()
    client.force_login(User.objects.create_superuser("root", "r@example.org", None))
    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=routed_queues()
    ):
        response = client.post(
            reverse("admin:flights_importrun_add"),
            {"format": fmt, "file": ContentFile(content, name=name)},
        )
        assert response.status_code == 302
        run = ImportRun.objects.get()
        for _ in range(300):
            run.refresh_from_db()
            if run.is_finished:
                break
            time.sleep(0.1)
    return run


def routed_queues() -> list[str]:
    """Every queue tasks are routed to (CELERY_TASK_ROUTES), as a production worker set takes."""
    from django.conf import settings

    queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
    queues |= {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted(queues)
