"""Realistic synthetic flights for demos and benchmarks.

The shape follows what advocacy groups report about ICE Air: a few US hubs (Alexandria LA,
Harlingen and El Paso TX, Mesa AZ, Miami), most legs are domestic transfers between detention
areas, about one flight in six is a removal, removal aircraft fly home empty, and the Gulfstreams
carry the long-haul Asian and African removals. Removals to China stop between the August 2022
suspension and the November 2023 resumption. Every generated flight is marked `is_synthetic`.

On PostgreSQL the rows go in with COPY, so 100,000 flights take seconds, not minutes.
"""

import bisect
import datetime as dt
import functools
import itertools
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from flights.choices import Basis, FlightKind, ReviewStatus, SourceKind
from flights.geo import great_circle_km
from flights.models import (
    Aircraft,
    AircraftType,
    Airport,
    Flight,
    FlightSource,
    Leg,
    Operator,
    Source,
)

HUBS = {"KAEX": 30, "KHRL": 25, "KELP": 18, "KIWA": 15, "KMIA": 12}
DETENTION_AIRPORTS = [
    "KSAT",
    "KDFW",
    "KIAH",
    "KMSP",
    "KOMA",
    "KBFI",
    "KSAN",
    "KLAS",
    "KATL",
    "KCLT",
    "KORD",
    "KBOS",
    "KNEW",
    "KSHV",
    "KBRO",
    "KLRD",
    "KPHX",
    "KDEN",
    "KSLC",
    "KJFK",
    "KMCO",
    "KEWR",
]
# (ICAO, weight): weights loosely follow reported removal destinations.
DESTINATIONS = {
    "central_america": [("MGGT", 26), ("MHLM", 20), ("MHTG", 6), ("MSLP", 12), ("MNMG", 3)],
    "mexico": [("MMMX", 4), ("MMVR", 3), ("MMTO", 2)],
    "south_america": [("SKBO", 8), ("SEQM", 7), ("SPJC", 3), ("SBCF", 3), ("SVMI", 2)],
    "caribbean": [("MDSD", 5), ("MTPP", 3), ("MKJP", 3)],
    "africa": [("DNAA", 2), ("DGAA", 1), ("HAAB", 1), ("GOBD", 1), ("HKJK", 1)],
    "asia": [("VIDP", 3), ("ZBAA", 2), ("ZYTX", 1), ("VVNB", 1), ("RPLL", 1)],
}
REGION_WEIGHTS = [
    ("central_america", 60),
    ("mexico", 8),
    ("south_america", 17),
    ("caribbean", 8),
    ("africa", 3),
    ("asia", 4),
]
STATUS_WEIGHTS = [
    (ReviewStatus.REPORTED, 70),
    (ReviewStatus.CONFIRMED, 25),
    (ReviewStatus.DISPUTED, 5),
]
HUB_WEIGHTS = list(HUBS.items())
LATERAL = [("MPTO", 3), ("MROC", 2), ("MSLP", 1)]
LONG_HAUL_STOPS = {"asia": ["PANC"], "africa": ["LPLA", "GVAC"]}
CHINA_SUSPENDED = (dt.date(2022, 8, 5), dt.date(2023, 11, 15))

FLEET = [
    # (operator name, type designator, registration prefix, count)
    ("GlobalX", "A320", "N2", 10),
    ("GlobalX", "A321", "N3", 4),
    ("Eastern Air Express", "B737", "N6", 6),
    ("Avelo Airlines", "B738", "N8", 4),
    ("World Atlantic Airlines", "MD83", "N4", 3),
    ("iAero Airways", "B734", "N5", 5),
    ("Denver Air Connection", "E145", "N7", 4),
    ("US Immigration and Customs Enforcement", "GLF5", "N1", 2),
]
KIND_WEIGHTS = [
    (FlightKind.DOMESTIC, 62),
    (FlightKind.REMOVAL, 17),
    (FlightKind.LATERAL, 2),
    (FlightKind.RETURN, 12),
    (FlightKind.UNKNOWN, 5),
    (FlightKind.COMMERCIAL, 2),
]
SYNTHETIC_SOURCE = ("Synthetic demo data (generated, not real flights)", SourceKind.OTHER)


@dataclass
class _Plan:
    flight: dict
    legs: list[dict]


_TABLES: dict[int, tuple[tuple, list[float], float]] = {}


def _weighted(rng: random.Random, pairs):
    """A weighted choice; the cumulative table is built once per list (the hot path)."""
    key = id(pairs)
    table = _TABLES.get(key)
    if table is None:
        items, weights = zip(*pairs, strict=True)
        cumulative = list(itertools.accumulate(weights))
        table = _TABLES[key] = (items, cumulative, cumulative[-1])
    items, cumulative, total = table
    return items[bisect.bisect_right(cumulative, rng.random() * total)]


def synthetic_fleet() -> list[Aircraft]:
    """The made-up aircraft the generator flies (registrations end in XD: not real tails)."""
    fleet = []
    for operator_name, type_code, prefix, count in FLEET:
        operator = Operator.objects.matching(operator_name).first()
        aircraft_type = AircraftType.objects.get(designator=type_code)
        for n in range(count):
            registration = f"{prefix}{n:02d}XD"
            aircraft, _ = Aircraft.objects.get_or_create(
                registration=registration,
                defaults={
                    "aircraft_type": aircraft_type,
                    "operator": operator,
                    "notes": "Synthetic demo aircraft: not a real registration.",
                },
            )
            fleet.append(aircraft)
    return fleet


@functools.cache
def _distance(dep: Airport, arr: Airport) -> float:
    return round(great_circle_km(dep.latitude, dep.longitude, arr.latitude, arr.longitude), 1)


class Generator:
    def __init__(self, seed: int, start: dt.date, end: dt.date):
        self.rng = random.Random(seed)
        self.start, self.days = start, (end - start).days + 1
        codes = (
            set(HUBS) | set(DETENTION_AIRPORTS) | {c for g in DESTINATIONS.values() for c, _ in g}
        )
        codes |= {c for c, _ in LATERAL} | {c for stops in LONG_HAUL_STOPS.values() for c in stops}
        self.airports = {a.icao: a for a in Airport.objects.filter(icao__in=codes)}
        missing = codes - set(self.airports)
        if missing:
            raise RuntimeError(
                f"airports missing: {', '.join(sorted(missing))}; run manage.py load_airports"
            )
        self.fleet = synthetic_fleet()
        self.by_type: dict[str, list[Aircraft]] = {}
        for aircraft in self.fleet:
            self.by_type.setdefault(aircraft.aircraft_type.designator, []).append(aircraft)

    def _date(self) -> dt.date:
        return self.start + dt.timedelta(days=self.rng.randrange(self.days))

    def _destination(self, day: dt.date) -> tuple[str, str]:
        region = _weighted(self.rng, REGION_WEIGHTS)
        code = _weighted(self.rng, DESTINATIONS[region])
        if code in ("ZBAA", "ZYTX") and CHINA_SUSPENDED[0] <= day <= CHINA_SUSPENDED[1]:
            region, code = "central_america", "MGGT"
        return region, code

    def plan(self) -> _Plan:
        rng = self.rng
        kind = _weighted(rng, KIND_WEIGHTS)
        day = self._date()
        hub = _weighted(rng, HUB_WEIGHTS)
        if kind in (FlightKind.REMOVAL, FlightKind.LATERAL):
            if kind == FlightKind.LATERAL:
                region, dest = "central_america", _weighted(rng, LATERAL)
            else:
                region, dest = self._destination(day)
            long_haul = region in LONG_HAUL_STOPS
            aircraft = rng.choice(
                self.by_type["GLF5"] if long_haul and rng.random() < 0.7 else self.fleet
            )
            route = [hub]
            if rng.random() < 0.35:
                route.insert(0, rng.choice(DETENTION_AIRPORTS))
            if long_haul:
                route.append(rng.choice(LONG_HAUL_STOPS[region]))
            route.append(dest)
            kinds = [
                FlightKind.DOMESTIC if i == 0 and len(route) > 2 and not long_haul else kind
                for i in range(len(route) - 1)
            ]
            route.append(hub)
            kinds.append(FlightKind.RETURN)
        else:
            aircraft = rng.choice(self.fleet) if rng.random() < 0.92 else None
            stops = rng.sample(DETENTION_AIRPORTS, rng.choice([2, 3, 3, 4]))
            route = [hub, *stops] if rng.random() < 0.7 else [*stops, hub]
            kinds = [kind] * (len(route) - 1)

        depart = dt.datetime.combine(
            day, dt.time(rng.randrange(5, 20), rng.choice([0, 15, 30, 45])), tzinfo=dt.UTC
        )
        legs = []
        for i, (a, b) in enumerate(zip(route, route[1:], strict=False)):
            dep, arr = self.airports[a], self.airports[b]
            km = _distance(dep, arr)
            arrive = depart + dt.timedelta(hours=km / 760 + 0.4)
            legs.append(
                {
                    "sequence": i + 1,
                    "date": depart.date(),
                    "dep": dep,
                    "arr": arr,
                    "departure_time": depart,
                    "arrival_time": arrive,
                    "distance_km": km,
                    "kind": kinds[i],
                }
            )
            depart = arrive + dt.timedelta(minutes=rng.randrange(45, 240))

        seats = aircraft.seat_capacity if aircraft else None
        flight = {
            "date": day,
            "kind": kind,
            "aircraft": aircraft,
            "operator": aircraft.operator if aircraft else None,
            "callsign": (aircraft.operator.icao_code or "XX") + str(rng.randrange(1000, 9999))
            if aircraft and aircraft.operator
            else "",
            "status": _weighted(rng, STATUS_WEIGHTS),
            "seat_ceiling": seats,
            "pax_count": None,
            "pax_min": None,
            "pax_max": None,
            "pax_basis": "",
            "pax_method": "",
        }
        if kind in (FlightKind.REMOVAL, FlightKind.LATERAL) and seats:
            roll = rng.random()
            if roll < 0.4:
                flight.update(
                    pax_count=rng.randint(seats // 3, seats),
                    pax_basis=Basis.REPORTED,
                    pax_method="Reported by the destination government",
                )
            elif roll < 0.75:
                low = rng.randint(seats // 4, seats // 2)
                flight.update(
                    pax_min=low,
                    pax_max=min(seats, low + rng.randint(5, 40)),
                    pax_basis=Basis.ESTIMATED,
                    pax_method="Estimated from buses counted",
                )
            else:
                flight.update(
                    pax_min=0,
                    pax_max=seats,
                    pax_basis=Basis.INFERRED,
                    pax_method="Not published; at most the aircraft's seats",
                )
        outbound = [leg for leg in legs if leg["kind"] != FlightKind.RETURN] or legs
        codes = [legs[0]["dep"].code] + [leg["arr"].code for leg in legs]
        flight.update(
            origin=legs[0]["dep"],
            destination=outbound[-1]["arr"],
            destination_country_id=outbound[-1]["arr"].country_id,
            route=" → ".join(codes),
            leg_count=len(legs),
            distance_km=round(sum(leg["distance_km"] for leg in legs), 1),
        )
        return _Plan(flight, legs)


def generate_flights(
    count: int,
    seed: int = 1,
    start: dt.date = dt.date(2022, 1, 1),
    end: dt.date = dt.date(2025, 12, 31),
    prefix: str = "gen",
) -> dict[str, int]:
    """Create `count` synthetic flights (external_ref `<prefix>:<seed>:<n>`); returns counts."""
    ref_prefix = f"{prefix}:{seed}:"
    if Flight.objects.filter(external_ref__startswith=ref_prefix).exists():
        raise ValueError(f"flights with seed {seed} already exist (external_ref {ref_prefix}*)")
    generator = Generator(seed, start, end)
    source, _ = Source.objects.get_or_create(
        kind=SYNTHETIC_SOURCE[1],
        title=SYNTHETIC_SOURCE[0],
        url="",
        defaults={"note": "Made by manage.py generate_flights for demos and benchmarks."},
    )
    plans = [generator.plan() for _ in range(count)]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            legs = _copy_postgres(plans, ref_prefix, source)
        else:
            legs = _bulk_create(plans, ref_prefix, source)
    return {"flights": count, "legs": legs}


def _flight_model(plan: _Plan, ref: str, now) -> Flight:
    f = plan.flight
    return Flight(
        date=f["date"],
        external_ref=ref,
        aircraft=f["aircraft"],
        operator=f["operator"],
        callsign=f["callsign"],
        kind=f["kind"],
        status=f["status"],
        pax_count=f["pax_count"],
        pax_min=f["pax_min"],
        pax_max=f["pax_max"],
        pax_basis=f["pax_basis"],
        pax_method=f["pax_method"],
        seat_ceiling=f["seat_ceiling"],
        origin=f["origin"],
        destination=f["destination"],
        destination_country_id=f["destination_country_id"],
        route=f["route"],
        leg_count=f["leg_count"],
        distance_km=f["distance_km"],
        is_synthetic=True,
        created_at=now,
        updated_at=now,
    )


def _bulk_create(plans: list[_Plan], ref_prefix: str, source: Source) -> int:
    now = timezone.now()
    flights = Flight.objects.bulk_create(
        [_flight_model(p, f"{ref_prefix}{i}", now) for i, p in enumerate(plans)], batch_size=500
    )
    legs = [
        Leg(
            flight=flight,
            sequence=leg["sequence"],
            date=leg["date"],
            departure_airport=leg["dep"],
            arrival_airport=leg["arr"],
            departure_time=leg["departure_time"],
            arrival_time=leg["arrival_time"],
            distance_km=leg["distance_km"],
            kind=leg["kind"],
            callsign=flight.callsign,
        )
        for flight, plan in zip(flights, plans, strict=True)
        for leg in plan.legs
    ]
    Leg.objects.bulk_create(legs, batch_size=1000)
    FlightSource.objects.bulk_create(
        [FlightSource(flight=f, source=source) for f in flights], batch_size=1000
    )
    return len(legs)


def _text(value) -> str:
    """One value in COPY's text format; the generator's own strings hold no tabs or newlines."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _copy_rows(cursor, table: str, columns: list[str], rows, chunk: int = 5000) -> None:
    # Text-format COPY in large writes: several times faster than adapting row by row.
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        lines = []
        for row in rows:
            lines.append("\t".join(map(_text, row)))
            if len(lines) >= chunk:
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")


def _foreign_keys(cursor, tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        [list(tables)],
    )
    return cursor.fetchall()


def _copy_postgres(plans: list[_Plan], ref_prefix: str, source: Source) -> int:
    now = timezone.now()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg 3 cursor, for COPY
        cursor.execute("LOCK TABLE flights_flight, flights_leg IN EXCLUSIVE MODE")
        # Checking foreign keys row by row costs more than the COPY itself; dropping them and
        # adding them back validates each in one pass (as pg_restore does), in this transaction.
        foreign_keys = _foreign_keys(
            cursor, ("flights_flight", "flights_leg", "flights_flightsource")
        )
        # Pending deferred checks (the fleet just created) would block ALTER TABLE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM flights_flight")
        first_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM flights_leg")
        leg_id = cursor.fetchone()[0]
        flight_cols = [
            "id",
            "date",
            "external_ref",
            "aircraft_id",
            "aircraft_basis",
            "operator_id",
            "callsign",
            "kind",
            "status",
            "pax_count",
            "pax_min",
            "pax_max",
            "pax_basis",
            "pax_method",
            "seat_ceiling",
            "origin_id",
            "destination_id",
            "destination_country_id",
            "route",
            "leg_count",
            "distance_km",
            "notes",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]

        def flight_rows():
            for i, p in enumerate(plans):
                f = p.flight
                yield (
                    first_id + i,
                    f["date"],
                    f"{ref_prefix}{i}",
                    f["aircraft"].pk if f["aircraft"] else None,
                    Basis.REPORTED,
                    f["operator"].pk if f["operator"] else None,
                    f["callsign"],
                    f["kind"],
                    f["status"],
                    f["pax_count"],
                    f["pax_min"],
                    f["pax_max"],
                    f["pax_basis"],
                    f["pax_method"],
                    f["seat_ceiling"],
                    f["origin"].pk,
                    f["destination"].pk,
                    f["destination_country_id"],
                    f["route"],
                    f["leg_count"],
                    f["distance_km"],
                    "",
                    True,
                    now,
                    now,
                )

        _copy_rows(cursor, "flights_flight", flight_cols, flight_rows())
        leg_cols = [
            "id",
            "flight_id",
            "sequence",
            "date",
            "departure_airport_id",
            "arrival_airport_id",
            "departure_basis",
            "arrival_basis",
            "departure_time",
            "arrival_time",
            "distance_km",
            "kind",
            "callsign",
            "passengers",
            "passengers_basis",
            "source_url",
            "notes",
        ]
        counter = {"n": leg_id}

        def leg_rows():
            for i, p in enumerate(plans):
                for leg in p.legs:
                    counter["n"] += 1
                    yield (
                        counter["n"],
                        first_id + i,
                        leg["sequence"],
                        leg["date"],
                        leg["dep"].pk,
                        leg["arr"].pk,
                        Basis.REPORTED,
                        Basis.REPORTED,
                        leg["departure_time"],
                        leg["arrival_time"],
                        leg["distance_km"],
                        leg["kind"],
                        p.flight["callsign"],
                        None,
                        "",
                        "",
                        "",
                    )

        _copy_rows(cursor, "flights_leg", leg_cols, leg_rows())
        _copy_rows(
            cursor,
            "flights_flightsource",
            ["flight_id", "source_id", "note", "added_at"],
            ((first_id + i, source.pk, "", now) for i in range(len(plans))),
        )
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in ("flights_flight", "flights_leg"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("ANALYZE flights_flight; ANALYZE flights_leg; ANALYZE flights_flightsource")
    return counter["n"] - leg_id
