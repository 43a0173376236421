"""The rollups against the fact tables: after any sequence of writes they hold exactly what a
grouped query over the flights and legs gives (docs/operations.md, "Rollups")."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from flights import aggregates, rollups
from flights.choices import Basis, FlightKind, ReviewStatus
from flights.filters import FilterValues, FlightFilterForm, Synthetic
from flights.generate import generate_flights
from flights.importers import import_path
from flights.models import (
    Aircraft,
    Airport,
    Country,
    Flight,
    FlightDayRollup,
    FlightMonthRollup,
    Leg,
    LegRollup,
    Operator,
    PairMonthRollup,
)
from tests.factories import SAMPLES, make_aircraft, make_flight

pytestmark = pytest.mark.django_db

ROUTES = [
    ("KAEX", "MGGT"),
    ("KHRL", "MHLM", "KHRL"),
    ("KIWA", "KELP", "PANC", "ZYTX"),
    ("KMIA", "MDSD"),
    ("KELP", "KSAT"),
]
COUNTRIES = ["GT", "HN", "CN", "DO", "US", None]


def assert_rollups_match_the_fact_tables():
    for model in rollups.ROLLUPS:
        assert rollups.stored(model) == rollups.computed(model), model.__name__


def _fleet() -> list:
    """Two aircraft and no aircraft; two operators and none (the aircraft page's rollups)."""
    if not Aircraft.objects.filter(registration__startswith="N14P").exists():
        make_aircraft("N14P1")
        make_aircraft("N14P2", type_code="B738")
    return [None, *Aircraft.objects.filter(registration__startswith="N14P")]


def _operators() -> list:
    return [None, *Operator.objects.order_by("pk")[:2]]


def _times(rng: random.Random, day: dt.date, hops: int) -> list:
    """Leg times: known for some legs (block time), unknown for others (estimated)."""
    start = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
    return [
        (start, start + dt.timedelta(minutes=rng.choice([55, 127, 241])))
        if rng.random() < 0.5
        else (None, None)
        for _ in range(hops)
    ]


def _random_flight(rng: random.Random) -> Flight:
    route = rng.choice(ROUTES)
    day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(700))
    pax_min = rng.choice([None, 10])
    return make_flight(
        route=route,
        date=day,
        kind=rng.choice(list(FlightKind.values)),
        status=rng.choice(list(ReviewStatus.values)),
        aircraft=rng.choice(_fleet()),
        times=_times(rng, day, len(route) - 1),
        operator=rng.choice(_operators()),
        pax_count=rng.choice([None, 0, 35, 120]),
        pax_min=pax_min,
        pax_max=rng.choice([None, 90]) if pax_min else None,
        pax_basis=rng.choice(list(Basis.values)),
        seat_ceiling=rng.choice([None, 150]),
        is_synthetic=rng.random() < 0.3,
    )


def _edit(rng: random.Random, flight: Flight) -> None:
    change = rng.choice(
        [
            "kind",
            "status",
            "date",
            "country",
            "pax",
            "basis",
            "synthetic",
            "aircraft",
            "operator",
            "nothing",
        ]
    )
    if change == "kind":
        flight.kind = rng.choice(list(FlightKind.values))
    elif change == "status":
        flight.status = rng.choice(list(ReviewStatus.values))
    elif change == "date":
        flight.date += dt.timedelta(days=rng.randrange(-60, 60))
    elif change == "country":
        flight.destination_country_id = rng.choice(COUNTRIES)
    elif change == "pax":
        flight.pax_count = rng.choice([None, 7, 200])
    elif change == "basis":
        flight.pax_basis = rng.choice(list(Basis.values))
    elif change == "synthetic":
        flight.is_synthetic = not flight.is_synthetic
    elif change == "aircraft":
        flight.aircraft = rng.choice(_fleet())
    elif change == "operator":
        flight.operator = rng.choice(_operators())
    flight.save()


def _merge(flights: list[Flight]) -> None:
    """Two flights become one, as a moderator merging duplicates would: the legs of the second
    move to the first, which recounts them; the second goes."""
    keep, gone = flights[0], flights[1]
    last = keep.legs.count()
    for offset, leg in enumerate(gone.legs.order_by("sequence"), start=1):
        leg.flight = keep
        leg.sequence = last + offset
        leg.date = leg.date + dt.timedelta(days=31 * (offset % 2))
        leg.save()
    gone.delete()
    keep.refresh_route()


def test_the_rollups_match_direct_aggregates_after_a_random_sequence_of_writes(reference_data):
    rng = random.Random(14)
    flights = [_random_flight(rng) for _ in range(12)]
    for _step in range(60):
        action = rng.choice(["add", "edit", "edit", "delete", "merge", "leg", "bulk"])
        if action == "add":
            flights.append(_random_flight(rng))
        elif action == "edit" and flights:
            _edit(rng, rng.choice(flights))
        elif action == "delete" and flights:
            flights.pop(rng.randrange(len(flights))).delete()
        elif action == "merge" and len(flights) >= 2:
            pair = rng.sample(flights, 2)
            _merge(pair)
            flights.remove(pair[1])
        elif action == "leg" and flights:
            leg = Leg.objects.filter(flight=rng.choice(flights)).order_by("?").first()
            if leg is not None:
                leg.departure_airport, leg.arrival_airport = (
                    leg.arrival_airport,
                    leg.departure_airport,
                )
                leg.distance_km = rng.choice([None, 812.3456, 1500.5])
                if leg.departure_time and rng.random() < 0.5:
                    leg.arrival_time = leg.departure_time + dt.timedelta(seconds=4321.5)
                else:
                    leg.departure_time = leg.arrival_time = None
                leg.save()
        elif action == "bulk":
            # One UPDATE statement over many flights: one trigger run with many rows.
            Flight.objects.filter(pk__in=[f.pk for f in flights[::2]]).update(
                status=rng.choice(list(ReviewStatus.values))
            )
            for f in flights:
                f.refresh_from_db()
    assert Flight.objects.count() == len(flights) > 0
    assert_rollups_match_the_fact_tables()


def test_an_import_and_generated_flights_are_counted_in_the_same_transaction(reference_data):
    import_path("flightlog", SAMPLES / "flightlog_sample.csv")
    generate_flights(300, seed=3)
    assert FlightMonthRollup.objects.exists() and LegRollup.objects.exists()
    assert_rollups_match_the_fact_tables()


def test_a_write_rolled_back_leaves_the_rollups_as_they_were(reference_data):
    make_flight()
    before = {model: rollups.stored(model) for model in rollups.ROLLUPS}
    with pytest.raises(RuntimeError), transaction.atomic():
        make_flight(route=("KHRL", "MHLM"))
        raise RuntimeError("abort")
    assert {model: rollups.stored(model) for model in rollups.ROLLUPS} == before


@pytest.mark.django_db(transaction=True)
def test_truncating_the_flights_empties_the_rollups(reference_data):
    make_flight()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE flights_flight CASCADE")
    assert not FlightMonthRollup.objects.exists()
    assert not FlightDayRollup.objects.exists()
    for model in rollups.ROLLUPS:
        assert not model.objects.exists(), model.__name__


def test_rebuild_rollups_restores_rows_that_were_lost(reference_data):
    make_flight()
    make_flight(route=("KIWA", "KELP", "PANC", "ZYTX"), date=dt.date(2024, 3, 9))
    FlightMonthRollup.objects.all().delete()
    LegRollup.objects.all().delete()
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_rollups_match_the_fact_tables()
    assert FlightMonthRollup.objects.count() == 2


def _pages(data: dict) -> dict:
    """Every page that reads the rollups, under the filters `data`."""
    form = FlightFilterForm(data)
    assert form.is_valid(), form.errors
    return {
        "overview": aggregates.overview(form),
        "route_map": aggregates.route_map(form),
        "airport": aggregates.airport_activity(Airport.objects.get(icao="KHRL"), form),
        "country": aggregates.country_activity(Country.objects.get(pk="GT"), form),
        "aircraft": aggregates.aircraft_history(_fleet()[1], form),
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": ["removal"], "status": ["reported"]},
        {"start": "2023-02-01", "end": "2023-12-31", "country": "GT"},
        {"start": "2023-02-11", "end": "2023-09-30"},
        {"airport": "KHRL"},
        {"synthetic": "include", "start": "2023-03-01", "end": "2024-02-29"},
        {"synthetic": "only", "country": "DO"},
        {"country": "CN", "kind": ["removal", "lateral"]},
    ],
    ids=[
        "unfiltered",
        "kind+status",
        "month-aligned period+country",
        "odd period",
        "origin",
        "synthetic included, month-aligned period",
        "synthetic only+country",
        "country+removal kinds",
    ],
)
def test_pages_read_from_rollups_give_the_numbers_of_the_fact_tables(
    reference_data, monkeypatch, data
):
    monkeypatch.setattr(aggregates, "cached", lambda name, key, compute, timeout=None: compute())
    rng = random.Random(7)
    for _ in range(120):
        _random_flight(rng)
    read = []
    monkeypatch.setattr(rollups, "_rows", _counting(rollups._rows, read))
    from_rollups = _pages(data)
    assert read, "no page read a rollup"
    monkeypatch.setattr(rollups, "enabled", lambda using=None: False)
    from_fact_tables = _pages(data)
    assert from_rollups["overview"]["empty"] is False
    for page, result in from_rollups.items():
        assert result == from_fact_tables[page], page


def _counting(function, calls: list):
    def wrapper(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return wrapper


def test_coarse_filters_are_answered_by_the_rollups_and_fine_ones_are_not(reference_data):
    make_flight()
    make_flight(is_synthetic=True)
    removals = FilterValues(kinds=("removal",))
    assert rollups.flight_counts(removals, ("kind", "date")) == [
        ("removal", dt.date(2025, 5, 6), 1)
    ]
    both = FilterValues(synthetic=Synthetic.INCLUDE)
    assert sorted(rollups.flight_counts(both, ("is_synthetic",))) == [(False, 1), (True, 1)]
    assert rollups.flight_counts(FilterValues(aircraft="N123"), ("kind", "date")) is None
    assert rollups.flight_counts(FilterValues(source="flightlog"), ("kind",)) is None
    odd = FilterValues(start=dt.date(2025, 5, 2))
    assert rollups.flight_counts(odd, ("country", "operator")) is None
    assert rollups.flight_counts(FilterValues(), ("origin", "operator")) is None
    assert rollups.leg_counts(odd, ("departure", "arrival")) is None
    assert rollups.leg_counts(FilterValues(statuses=("reported",)), ("month",)) is None
    assert rollups.leg_counts(FilterValues(kinds=("removal",)), ("month",)) == [
        (dt.date(2025, 5, 1), 1)
    ]
    assert rollups.pair_counts(odd) is None
    assert rollups.aircraft_legs(FilterValues(operator_id=1), 1) is None
    assert rollups.leg_counts(FilterValues(), ("month",)) == [(dt.date(2025, 5, 1), 1)]


def test_an_airport_without_filters_is_read_from_the_pair_month_rollup(reference_data, monkeypatch):
    flight = make_flight()
    make_flight(is_synthetic=True)
    departure = flight.legs.get(sequence=1).departure_airport_id
    read = []
    monkeypatch.setattr(rollups, "_rows", _counting(rollups._rows, read))
    both = FilterValues(synthetic=Synthetic.INCLUDE)
    by_month = rollups.leg_counts(both, ("leg_month", "arrival"), departure=departure)
    assert [model for model, _using in read] == [PairMonthRollup]
    assert sum(n for _month, _arrival, n in by_month) == 2
    read.clear()
    removals = rollups.leg_counts(
        FilterValues(kinds=("removal",)), ("leg_month",), departure=departure
    )
    assert [model for model, _using in read] == [LegRollup]
    assert removals == [(dt.date(2025, 5, 1), 1)]
