"""Indexes that let the analyst pages' GROUP BYs read rows in index order (dashboard area).

Each is an index-only scan feeding a streaming GroupAggregate with COUNT(*), so the overview's
and country page's groupings neither read the wide flight rows nor hash 250,000 of them. Raw
SQL and invisible to the model state, like 0004_dashboard_indexes.
"""

from django.db import migrations

INDEXES = {
    # Overview: countries, origins and operators summed from one (country, origin, operator)
    # grouping.
    "flight_dash_rollup": "flights_flight (destination_country_id, origin_id, operator_id)",
    # Country page: its series by (kind, date) for one destination country.
    "flight_dash_country_kind": "flights_flight (destination_country_id, kind, date)",
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
