"""Indexes that let the analyst pages' GROUP BYs read rows in index order (dashboard area).

Each serves an index-only scan with COUNT(*), so the overview's, country and airport pages'
groupings do not read the wide flight and leg rows (and mostly need no hashing). Raw SQL and
invisible to the model state, like 0004_dashboard_indexes.
"""

from django.db import migrations

INDEXES = {
    # Overview: countries, origins and operators summed from one (country, origin, operator)
    # grouping.
    "flight_dash_rollup": "flights_flight (destination_country_id, origin_id, operator_id)",
    # Country page: its series by (kind, date) for one destination country.
    "flight_dash_country_kind": "flights_flight (destination_country_id, kind, date)",
    # Airport page: departures by (destination, month) and arrivals by month, one index each
    # (flight_id for the filtered pages' `flight_id IN (...)`).
    "leg_dash_departures": (
        "flights_leg (departure_airport_id, arrival_airport_id, date) INCLUDE (flight_id)"
    ),
    "leg_dash_arrivals": "flights_leg (arrival_airport_id, date) INCLUDE (flight_id)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("flights", "0004_dashboard_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
