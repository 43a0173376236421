"""Demo data: one real, cited mission, the timeline events, and a labelled synthetic set.

`load_demo()` is idempotent: a second run finds everything in place and writes nothing.
"""

import datetime as dt

from django.db import transaction

from flights.choices import Basis, FlightKind, ReviewStatus, SourceKind
from flights.generate import generate_flights
from flights.models import (
    AircraftType,
    Airport,
    Country,
    Flight,
    FlightChange,
    FlightSource,
    Leg,
    Source,
    TimelineEvent,
)
from flights.reference import load_reference_data

SHENYANG_REF = "demo:2024-03-30-SHE"
DEMO_SEED = 2024
DEMO_COUNT = 600
DEMO_PERIOD = (dt.date(2022, 4, 1), dt.date(2024, 3, 31))

EVENTS = [
    (
        dt.date(2021, 9, 19),
        "Mass removal flights to Haiti from Del Rio begin",
        "Thousands of Haitians camped under the Del Rio bridge are flown to Port-au-Prince and "
        "Cap-Haïtien within weeks.",
        ["HT"],
    ),
    (
        dt.date(2022, 8, 5),
        "China suspends deportation cooperation",
        "After the US House Speaker's visit to Taiwan, China suspends cooperation with the United "
        "States, including on the repatriation of its nationals.",
        ["CN"],
    ),
    (
        dt.date(2023, 5, 11),
        "Title 42 ends",
        "The pandemic-era expulsion policy ends; removals under Title 8 rise.",
        ["US"],
    ),
    (
        dt.date(2023, 11, 15),
        "Biden–Xi meeting in Woodside, California",
        "The two presidents meet; cooperation on migration, including removals to China, resumes "
        "in the months that follow.",
        ["CN"],
    ),
    (
        dt.date(2025, 2, 12),
        "Third-country removal flights to Panama begin",
        "People from countries outside the Americas are flown to Panama and, days later, Costa "
        "Rica, rather than to their own countries.",
        ["PA", "CR"],
    ),
]


def load_demo() -> dict[str, int]:
    """Load the example mission, the timeline events and the synthetic set; idempotent."""
    if not Airport.objects.filter(icao="ZYTX").exists():
        load_reference_data()
    with transaction.atomic():
        created_mission = load_shenyang_mission()
        created_events = load_events()
    synthetic = 0
    if not Flight.objects.filter(external_ref__startswith=f"demo:{DEMO_SEED}:").exists():
        synthetic = generate_flights(
            DEMO_COUNT, seed=DEMO_SEED, start=DEMO_PERIOD[0], end=DEMO_PERIOD[1], prefix="demo"
        )["flights"]
    return {"mission": int(created_mission), "events": created_events, "synthetic": synthetic}


def load_shenyang_mission() -> bool:
    """30 March 2024: a Gulfstream V flies Arizona → Texas → Alaska → Shenyang, then Seoul.

    The source names only the states for the first two airports, so those airports are marked
    inferred; the number of people on board was not published, so only the 14-seat ceiling is
    recorded, as an inference.
    """
    if Flight.objects.filter(external_ref=SHENYANG_REF).exists():
        return False
    source, _ = Source.objects.get_or_create(
        kind=SourceKind.NEWS,
        title="Associated Press report on the 30 March 2024 removal flight to China",
        url="https://apnews.com/",
        defaults={
            "publisher": "Associated Press",
            "note": "Names the states of the US airports (Arizona, Texas), not the airports.",
        },
    )
    flight = Flight(
        date=dt.date(2024, 3, 30),
        external_ref=SHENYANG_REF,
        aircraft_type=AircraftType.objects.get(designator="GLF5"),
        kind=FlightKind.REMOVAL,
        status=ReviewStatus.REPORTED,
        notes=(
            "The source names only the states of the first two airports: Mesa Gateway (Arizona) "
            "and El Paso (Texas) are inferred."
        ),
    )
    flight.seat_ceiling = flight.seat_capacity()
    flight.set_estimate(
        None,
        None,
        method="Number of deportees not published; at most the Gulfstream V's 14 seats",
        basis=Basis.INFERRED,
    )
    flight.save()
    airports = {
        a.icao: a for a in Airport.objects.filter(icao__in=["KIWA", "KELP", "PANC", "ZYTX", "RKSI"])
    }
    legs = [
        ("KIWA", "KELP", dt.date(2024, 3, 30), Basis.INFERRED, Basis.INFERRED, FlightKind.REMOVAL),
        ("KELP", "PANC", dt.date(2024, 3, 30), Basis.INFERRED, Basis.REPORTED, FlightKind.REMOVAL),
        ("PANC", "ZYTX", dt.date(2024, 3, 31), Basis.REPORTED, Basis.REPORTED, FlightKind.REMOVAL),
        ("ZYTX", "RKSI", dt.date(2024, 3, 31), Basis.REPORTED, Basis.REPORTED, FlightKind.RETURN),
    ]
    for seq, (dep, arr, day, dep_basis, arr_basis, kind) in enumerate(legs, start=1):
        Leg.objects.create(
            flight=flight,
            sequence=seq,
            date=day,
            departure_airport=airports[dep],
            arrival_airport=airports[arr],
            departure_basis=dep_basis,
            arrival_basis=arr_basis,
            kind=kind,
        )
    FlightSource.objects.create(flight=flight, source=source, note="Route, aircraft type and date")
    flight.refresh_route()
    FlightChange.objects.create(
        flight=flight, action="created", summary="Loaded from the demo data (cited AP report)"
    )
    return True


def load_events() -> int:
    created = 0
    countries = {c.code: c for c in Country.objects.all()}
    for date, title, description, codes in EVENTS:
        event, was_created = TimelineEvent.objects.get_or_create(
            date=date, title=title, defaults={"description": description}
        )
        if was_created:
            event.countries.set([countries[c] for c in codes])
            created += 1
    return created
