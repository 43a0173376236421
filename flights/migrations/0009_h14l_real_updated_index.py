"""A partial index for "data last updated" (flights/context_processors.py, every page's footer).

MAX(updated_at) of the real flights read a million rows on every cold page; on this index it is
one step from its end. Partial (real flights only), so generated demo data does not widen it.
Raw SQL like 0004: invisible to the model state, so makemigrations never proposes dropping it.
"""

from django.db import migrations

NAME = "flight_real_updated"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON flights_flight (updated_at) "
            "WHERE NOT is_synthetic"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("flights", "0008_merge")]

    operations = [migrations.RunPython(create, drop)]
