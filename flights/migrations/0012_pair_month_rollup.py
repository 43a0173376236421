"""Legs per airport pair and leg month, without the flight's other dimensions: the unfiltered
airport page reads a few thousand of its rows where the leg rollup has four to seven times as
many (docs/operations.md, "Rollups"). The trigger functions get new bodies from
`flights.rollup_sql`, which now also writes this rollup, and it is filled from the legs."""

from django.db import migrations, models


def replace_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from flights import rollup_sql

    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS flights_rollup_pair_month_zero "
        "ON flights_rollup_pair_month ((1)) WHERE legs = 0"
    )
    rollup_sql.replace_functions(schema_editor)


def fill(apps, schema_editor):
    from flights.models import PairMonthRollup
    from flights.rollups import rebuild

    rebuild(using=schema_editor.connection.alias, only=(PairMonthRollup,))


class Migration(migrations.Migration):
    dependencies = [
        ("flights", "0011_covering_leg_rollup_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="PairMonthRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("departure", models.BigIntegerField()),
                ("arrival", models.BigIntegerField()),
                ("leg_month", models.DateField()),
                ("is_synthetic", models.BooleanField()),
                ("legs", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_pair_month",
                "indexes": [
                    models.Index(
                        fields=["arrival", "leg_month"],
                        include=("legs", "is_synthetic"),
                        name="rollup_pair_month_arrival",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("departure", "leg_month", "arrival", "is_synthetic"),
                        include=("legs",),
                        name="rollup_pair_month_key",
                    )
                ],
            },
        ),
        migrations.RunPython(replace_triggers, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
