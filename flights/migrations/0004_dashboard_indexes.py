"""Indexes for the analyst pages (dashboard area).

Raw SQL because the models (another area's files) do not declare them and Django's Index cannot
say NULLS LAST in both directions or INCLUDE columns everywhere we need. Invisible to the model
state, so makemigrations never proposes dropping them.
"""

from django.db import migrations

INDEXES = {
    # The flight list's sort orders, each with id as the tie-breaker, so LIMIT/OFFSET reads an
    # index instead of sorting 250,000 rows.
    "flight_dash_date_id": "flights_flight (date, id)",
    "flight_dash_dist_desc": "flights_flight (distance_km DESC NULLS LAST, id DESC)",
    "flight_dash_dist_asc": "flights_flight (distance_km ASC NULLS LAST, id)",
    "flight_dash_pax_desc": "flights_flight (pax_count DESC NULLS LAST, id DESC)",
    "flight_dash_pax_asc": "flights_flight (pax_count ASC NULLS LAST, id)",
    "flight_dash_legs": "flights_flight (leg_count, id)",
    "flight_dash_route": "flights_flight (route, id)",
    # Covering index: the overview's aggregates read this narrow index (index-only scan)
    # instead of the wide flight rows.
    "flight_dash_cover": (
        "flights_flight (date) INCLUDE (kind, status, destination_country_id, origin_id, "
        "operator_id, aircraft_id, leg_count, pax_count, pax_min, pax_max, seat_ceiling)"
    ),
    # The route map groups legs by airport pair: read in index order, no hashing of 750,000 rows.
    "leg_dash_pair": "flights_leg (departure_airport_id, arrival_airport_id) INCLUDE (flight_id)",
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
        ('flights', '0003_imports_runs'),
    ]

    operations = [migrations.RunPython(create, drop)]
