"""Loading reference data: countries, airports, aircraft types, operators.

Plain functions, shared by management commands, demo data and test fixtures. All of them are
idempotent: they upsert on natural keys.
"""

import csv
from pathlib import Path

import airportsdata
import pycountry
from django.db import transaction

from flights.models import AircraftType, Airport, Country, Operator
from flights.models.reference import forget_short_code_clashes

DATA_DIR = Path(__file__).resolve().parent / "data"
# Codes airportsdata uses that ISO 3166 has not assigned.
EXTRA_COUNTRIES = {"XK": ("Kosovo", "XKX")}
BATCH = 2000


def load_countries() -> int:
    rows = [
        Country(code=c.alpha_2, name=getattr(c, "common_name", c.name), alpha3=c.alpha_3)
        for c in pycountry.countries
    ]
    rows += [
        Country(code=code, name=name, alpha3=a3) for code, (name, a3) in EXTRA_COUNTRIES.items()
    ]
    Country.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=["name", "alpha3"]
    )
    return len(rows)


def load_airports() -> int:
    """Upsert every airport of the airportsdata package (about 28,000) in batches."""
    load_countries()
    rows = [
        Airport(
            icao=icao,
            iata=a["iata"] or "",
            lid=a.get("lid") or "",
            name=a["name"][:200],
            city=(a["city"] or "")[:100],
            region=(a["subd"] or "")[:100],
            country_id=a["country"],
            latitude=a["lat"],
            longitude=a["lon"],
            tz=a["tz"] or "",
            elevation_ft=a.get("elevation"),
        )
        for icao, a in airportsdata.load("ICAO").items()
    ]
    fields = [
        "iata",
        "lid",
        "name",
        "city",
        "region",
        "country",
        "latitude",
        "longitude",
        "tz",
        "elevation_ft",
    ]
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            Airport.objects.bulk_create(
                rows[start : start + BATCH],
                update_conflicts=True,
                unique_fields=["icao"],
                update_fields=fields,
            )
    # bulk_create sends no post_save: this process would keep the short-code clashes of the
    # airports it had before (an empty table's none: `IWA` offered for Mesa Gateway).
    forget_short_code_clashes()
    return len(rows)


def _csv_rows(name: str) -> list[dict]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def seed_aircraft_types() -> int:
    rows = _csv_rows("aircraft_types.csv")
    for row in rows:
        AircraftType.objects.update_or_create(
            designator=row["designator"],
            defaults={"name": row["name"], "typical_seats": int(row["typical_seats"] or 0) or None},
        )
    return len(rows)


def seed_operators() -> int:
    rows = _csv_rows("operators.csv")
    for row in rows:
        operator = Operator.objects.matching(row["name"]).first() or Operator(name=row["name"])
        operator.kind, operator.icao_code, operator.notes = (
            row["kind"],
            row["icao_code"],
            row["notes"],
        )
        operator.save()
    return len(rows)


def load_reference_data() -> dict[str, int]:
    """Everything the tracker needs before the first flight: idempotent."""
    return {
        "airports": load_airports(),
        "aircraft_types": seed_aircraft_types(),
        "operators": seed_operators(),
    }
