"""Coarser rollups, each sized for the reads of one page part (docs/operations.md, "Rollups").

0007's month rollup (month × kind × status × synthetic × country × origin × operator) had 16 %
as many rows as there are flights at 1,000,000 flights; it is split into one by origin and one
by operator. The day rollup gains the period totals' measures (people by basis), the leg rollup
the flight's kind (the map's route colours), and three rollups are new: airport pairs without
dates (the unfiltered map) and flights and legs per aircraft and month (the aircraft page).
The old tables are dropped and created again, the trigger functions (0007's names, so the
triggers stay) get new bodies from `flights.rollup_sql`, and every rollup is filled again.
"""

from django.db import migrations, models

ID = ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"))


def _country():
    return models.CharField(max_length=2, null=True)


def _key(name, fields):
    return [models.UniqueConstraint(fields=fields, name=name, nulls_distinct=False)]


def _flight_dims(*extra):
    return [
        ("month", models.DateField()),
        ("kind", models.CharField(max_length=12)),
        ("status", models.CharField(max_length=12)),
        ("is_synthetic", models.BooleanField()),
        ("country", _country()),
        *extra,
    ]


def _totals_measures():
    names = ("flights", "legs", "pax_counted", "pax_counted_flights")
    names += ("pax_estimated_doubled", "pax_estimated_flights")
    return [(name, models.BigIntegerField(default=0)) for name in names]


def _tables(schema_editor) -> set[str]:
    # Today's code knows rollups a later migration creates (0012's pair-month rollup): only
    # the tables there at this point are indexed and filled here. The trigger bodies may name
    # a later table; PL/pgSQL resolves names when a body runs, and no leg is written before
    # that migration creates it.
    return set(schema_editor.connection.introspection.table_names())


def replace_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from flights import rollup_sql

    tables = _tables(schema_editor)
    for table, column in rollup_sql.zero_indexes().items():
        if table not in tables:
            continue
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_zero ON {table} ((1)) WHERE {column} = 0"
        )
    rollup_sql.replace_functions(schema_editor)
    # The aircraft page reads each operator's first and last date from one month of flights.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS flight_dash_aircraft "
        "ON flights_flight (aircraft_id, operator_id, date)"
    )
    # (The footer's partial index flight_real_updated is migration 0009_h14l_real_updated_index.)


def fill(apps, schema_editor):
    """Rollups of the flights already there (the grouped queries of `rebuild`)."""
    from flights.rollups import ROLLUPS, rebuild

    tables = _tables(schema_editor)
    rebuild(
        using=schema_editor.connection.alias,
        only=tuple(model for model in ROLLUPS if model._meta.db_table in tables),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("flights", "0008_merge"),
    ]

    operations = [
        migrations.DeleteModel(name="FlightDayRollup"),
        migrations.DeleteModel(name="FlightMonthRollup"),
        migrations.DeleteModel(name="LegRollup"),
        migrations.CreateModel(
            name="FlightDayRollup",
            fields=[
                ID,
                ("date", models.DateField()),
                ("kind", models.CharField(max_length=12)),
                ("status", models.CharField(max_length=12)),
                ("is_synthetic", models.BooleanField()),
                ("country", _country()),
                *_totals_measures(),
            ],
            options={
                "db_table": "flights_rollup_day",
                "constraints": _key(
                    "rollup_day_key", ("date", "kind", "status", "is_synthetic", "country")
                ),
            },
        ),
        migrations.CreateModel(
            name="FlightMonthKindRollup",
            fields=[ID, *_flight_dims(), *_totals_measures()],
            options={
                "db_table": "flights_rollup_month_kind",
                "constraints": _key(
                    "rollup_month_kind_key", ("month", "kind", "status", "is_synthetic", "country")
                ),
            },
        ),
        migrations.CreateModel(
            name="FlightOriginRollup",
            fields=[
                ID,
                *_flight_dims(("origin", models.BigIntegerField(null=True)))[1:],
                ("flights", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_origin",
                "constraints": _key(
                    "rollup_origin_key", ("kind", "status", "is_synthetic", "country", "origin")
                ),
            },
        ),
        migrations.CreateModel(
            name="FlightOperatorAllRollup",
            fields=[
                ID,
                *_flight_dims(("operator", models.BigIntegerField(null=True)))[1:],
                ("flights", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_operator_all",
                "constraints": _key(
                    "rollup_operator_all_key",
                    ("kind", "status", "is_synthetic", "country", "operator"),
                ),
            },
        ),
        migrations.CreateModel(
            name="FlightMonthRollup",
            fields=[
                ID,
                *_flight_dims(("origin", models.BigIntegerField(null=True))),
                ("flights", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_month",
                "indexes": [models.Index(fields=["country", "month"], name="rollup_month_country")],
                "constraints": _key(
                    "rollup_month_key",
                    ("month", "kind", "status", "is_synthetic", "country", "origin"),
                ),
            },
        ),
        migrations.CreateModel(
            name="FlightOperatorRollup",
            fields=[
                ID,
                *_flight_dims(("operator", models.BigIntegerField(null=True))),
                ("flights", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_operator",
                "constraints": _key(
                    "rollup_operator_key",
                    ("month", "kind", "status", "is_synthetic", "country", "operator"),
                ),
            },
        ),
        migrations.CreateModel(
            name="AircraftRollup",
            fields=[
                ID,
                ("aircraft", models.BigIntegerField(null=True)),
                *_flight_dims(("operator", models.BigIntegerField(null=True))),
                ("flights", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_aircraft",
                "constraints": _key(
                    "rollup_aircraft_key",
                    ("aircraft", "month", "kind", "status", "is_synthetic", "country", "operator"),
                ),
            },
        ),
        migrations.CreateModel(
            name="LegRollup",
            fields=[
                ID,
                (
                    "month",
                    models.DateField(help_text="Month of the flight's date (what the filters use)."),
                ),
                (
                    "leg_month",
                    models.DateField(help_text="Month of the leg's own date (the airport series)."),
                ),
                ("is_synthetic", models.BooleanField()),
                ("country", _country()),
                ("kind", models.CharField(help_text="The flight's kind.", max_length=12)),
                ("departure", models.BigIntegerField()),
                ("arrival", models.BigIntegerField()),
                ("legs", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_leg",
                "indexes": [
                    models.Index(fields=["departure", "leg_month"], name="rollup_leg_departure"),
                    models.Index(fields=["arrival", "leg_month"], name="rollup_leg_arrival"),
                ],
                "constraints": _key(
                    "rollup_leg_key",
                    (
                        "month",
                        "leg_month",
                        "is_synthetic",
                        "country",
                        "kind",
                        "departure",
                        "arrival",
                    ),
                ),
            },
        ),
        migrations.CreateModel(
            name="PairRollup",
            fields=[
                ID,
                ("departure", models.BigIntegerField()),
                ("arrival", models.BigIntegerField()),
                ("kind", models.CharField(max_length=12)),
                ("status", models.CharField(max_length=12)),
                ("is_synthetic", models.BooleanField()),
                ("legs", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_pair",
                "constraints": _key(
                    "rollup_pair_key", ("departure", "arrival", "kind", "status", "is_synthetic")
                ),
            },
        ),
        migrations.CreateModel(
            name="AircraftLegRollup",
            fields=[
                ID,
                ("aircraft", models.BigIntegerField(null=True)),
                *_flight_dims(),
                ("legs", models.BigIntegerField(default=0)),
                ("metres", models.BigIntegerField(default=0)),
                ("timed_legs", models.BigIntegerField(default=0)),
                ("timed_us", models.BigIntegerField(default=0)),
                ("untimed_metres", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "flights_rollup_aircraft_leg",
                "constraints": _key(
                    "rollup_aircraft_leg_key",
                    ("aircraft", "month", "kind", "status", "is_synthetic", "country"),
                ),
            },
        ),
        migrations.RunPython(replace_triggers, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
