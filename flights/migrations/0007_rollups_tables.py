"""Rollup tables and, on PostgreSQL, the triggers that keep them current (docs/operations.md).

Statement-level AFTER triggers with transition tables: one INSERT ... ON CONFLICT per rollup and
statement, whatever the number of rows (a COPY of 100,000 flights is one upsert of its groups),
inside the writing transaction, so a page never sees a flight without its counts. They are
ENABLE ALWAYS: imports write with session_replication_role = replica, which skips others. Rows whose
count falls to zero are deleted through a partial index. TRUNCATE of a fact table empties its
rollups. SQLite has no such triggers: there `flights.rollups` reads the fact tables instead.
"""

from django.db import migrations, models

MONTH = "date_trunc('month', {0})::date"
FLIGHT_KEY_CHANGES = (
    "date, kind, status, is_synthetic, destination_country_id, origin_id, operator_id, "
    "leg_count, pax_count, pax_min, pax_max, seat_ceiling"
)
FLIGHT_COLUMNS = "id, " + FLIGHT_KEY_CHANGES
MEASURES = """sum(sign), sum(sign * leg_count), sum(sign * coalesce(pax_count, 0)),
    sum(sign * (pax_count IS NOT NULL)::int), sum(sign * coalesce(pax_count, pax_min, 0)),
    sum(sign * coalesce(pax_count, pax_max, seat_ceiling, 0)),
    sum(sign * (pax_count IS NULL AND pax_max IS NULL AND seat_ceiling IS NULL)::int)"""
MEASURE_NAMES = (
    "flights",
    "legs",
    "pax_reported",
    "pax_reported_flights",
    "pax_low",
    "pax_high",
    "pax_unbounded",
)


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


def _upsert(table: str, keys: list[tuple[str, str]], measures: str, names, changes: str) -> str:
    """INSERT the grouped changes into a rollup, adding to existing rows; drop rows now zero."""
    key_names = ", ".join(name for name, _ in keys)
    key_exprs = ", ".join(expr for _, expr in keys)
    positions = ", ".join(str(i + 1) for i in range(len(keys)))
    updates = ", ".join(f"{n} = r.{n} + EXCLUDED.{n}" for n in names)
    return f"""
    WITH changes AS ({changes})
    INSERT INTO {table} AS r ({key_names}, {", ".join(names)})
    SELECT {key_exprs}, {measures} FROM changes
    GROUP BY {positions} ORDER BY {positions}
    ON CONFLICT ({key_names}) DO UPDATE SET {updates};
    DELETE FROM {table} WHERE {names[0]} = 0;"""


def flight_upserts(changes: str) -> str:
    month_keys = [
        ("month", MONTH.format("date")),
        ("kind", "kind"),
        ("status", "status"),
        ("is_synthetic", "is_synthetic"),
        ("country", "destination_country_id"),
        ("origin", "origin_id"),
        ("operator", "operator_id"),
    ]
    day_keys = [("date", "date"), *month_keys[1:5]]
    return _upsert("flights_rollup_month", month_keys, MEASURES, MEASURE_NAMES, changes) + _upsert(
        "flights_rollup_day", day_keys, MEASURES, MEASURE_NAMES, changes
    )


LEG_KEYS = [
    ("month", "month"),
    ("leg_month", "leg_month"),
    ("is_synthetic", "is_synthetic"),
    ("country", "country"),
    ("departure", "departure"),
    ("arrival", "arrival"),
]


def leg_changes(sign: int, legs: str, flights: str, join: str, where: str = "") -> str:
    """Signed leg rows with the attributes of their flight, for the leg rollup."""
    return f"""SELECT {sign} AS sign, {MONTH.format("f.date")} AS month,
        {MONTH.format("l.date")} AS leg_month, f.is_synthetic,
        f.destination_country_id AS country, l.departure_airport_id AS departure,
        l.arrival_airport_id AS arrival
        FROM {legs} l JOIN {flights} f ON {join} {where}"""


def leg_upsert(changes: str) -> str:
    return _upsert("flights_rollup_leg", LEG_KEYS, "sum(sign)", ("legs",), changes)


FLIGHT_ATTRS = (
    "date_trunc('month', {0}.date), {0}.is_synthetic, {0}.destination_country_id"
)
LEG_ATTRS = "{0}.flight_id, {0}.date, {0}.departure_airport_id, {0}.arrival_airport_id"

BODIES = {
    ("flights_flight", "INSERT"): flight_upserts(f"SELECT 1 AS sign, * FROM new_rows"),
    ("flights_flight", "DELETE"): flight_upserts(f"SELECT -1 AS sign, * FROM old_rows"),
    ("flights_flight", "UPDATE"): flight_upserts(
        f"""SELECT -1 AS sign, {_prefixed(FLIGHT_KEY_CHANGES, "o")} FROM old_rows o
        JOIN new_rows n USING (id)
        WHERE ({_prefixed(FLIGHT_KEY_CHANGES, "o")}) IS DISTINCT FROM
              ({_prefixed(FLIGHT_KEY_CHANGES, "n")})
        UNION ALL
        SELECT 1, {_prefixed(FLIGHT_KEY_CHANGES, "n")} FROM old_rows o JOIN new_rows n USING (id)
        WHERE ({_prefixed(FLIGHT_KEY_CHANGES, "o")}) IS DISTINCT FROM
              ({_prefixed(FLIGHT_KEY_CHANGES, "n")})"""
    )
    # A flight whose month, synthetic flag or country changed moves its legs.
    + leg_upsert(
        leg_changes(
            -1,
            "flights_leg",
            "old_rows",
            "f.id = l.flight_id JOIN new_rows n ON n.id = f.id",
            f"WHERE ({FLIGHT_ATTRS.format('f')}) IS DISTINCT FROM ({FLIGHT_ATTRS.format('n')})",
        )
        + " UNION ALL "
        + leg_changes(
            1,
            "flights_leg",
            "new_rows",
            "f.id = l.flight_id JOIN old_rows o ON o.id = f.id",
            f"WHERE ({FLIGHT_ATTRS.format('o')}) IS DISTINCT FROM ({FLIGHT_ATTRS.format('f')})",
        )
    ),
    ("flights_leg", "INSERT"): leg_upsert(
        leg_changes(1, "new_rows", "flights_flight", "f.id = l.flight_id")
    ),
    ("flights_leg", "DELETE"): leg_upsert(
        leg_changes(-1, "old_rows", "flights_flight", "f.id = l.flight_id")
    ),
    ("flights_leg", "UPDATE"): leg_upsert(
        leg_changes(
            -1,
            "old_rows",
            "flights_flight",
            "f.id = l.flight_id JOIN new_rows n ON n.id = l.id",
            f"WHERE ({LEG_ATTRS.format('l')}) IS DISTINCT FROM ({LEG_ATTRS.format('n')})",
        )
        + " UNION ALL "
        + leg_changes(
            1,
            "new_rows",
            "flights_flight",
            "f.id = l.flight_id JOIN old_rows o ON o.id = l.id",
            f"WHERE ({LEG_ATTRS.format('o')}) IS DISTINCT FROM ({LEG_ATTRS.format('l')})",
        )
    ),
}
# DELETE, not TRUNCATE: a TRUNCATE naming the rollups too (Django's flush) would conflict.
TRUNCATES = {
    "flights_flight": "DELETE FROM flights_rollup_month; DELETE FROM flights_rollup_day;",
    "flights_leg": "DELETE FROM flights_rollup_leg;",
}
ZERO_INDEXES = {
    "flights_rollup_month": "flights",
    "flights_rollup_day": "flights",
    "flights_rollup_leg": "legs",
}
TRANSITIONS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in ZERO_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {table}_zero ON {table} ((1)) WHERE {column} = 0")
    for (table, event), body in BODIES.items():
        name = f"{table}_rollup_{event.lower()}"
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN "
            f"{body} RETURN NULL; END $body$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {TRANSITIONS[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
        # Imports COPY with session_replication_role = replica (flights/importers/bulk.py),
        # which silences ordinary triggers; rollups must count those rows too.
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
    for table, body in TRUNCATES.items():
        name = f"{table}_rollup_truncate"
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN "
            f"{body} RETURN NULL; END $body$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    names = [(t, f"{t}_rollup_{e.lower()}") for t, e in BODIES]
    names += [(t, f"{t}_rollup_truncate") for t in TRUNCATES]
    for table, name in names:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def fill(apps, schema_editor):
    """Nothing: 0009_h14p_coarse_rollups replaces these tables and fills its own from the
    flights already there (`flights.rollups.rebuild` knows only today's rollups)."""


class Migration(migrations.Migration):
    dependencies = [
        ("flights", "0006_fewer_redundant_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="FlightDayRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("flights", models.BigIntegerField(default=0)),
                ("legs", models.BigIntegerField(default=0)),
                ("pax_reported", models.BigIntegerField(default=0)),
                ("pax_reported_flights", models.BigIntegerField(default=0)),
                ("pax_low", models.BigIntegerField(default=0)),
                ("pax_high", models.BigIntegerField(default=0)),
                ("pax_unbounded", models.BigIntegerField(default=0)),
                ("date", models.DateField()),
                ("kind", models.CharField(max_length=12)),
                ("status", models.CharField(max_length=12)),
                ("is_synthetic", models.BooleanField()),
                ("country", models.CharField(max_length=2, null=True)),
            ],
            options={
                "db_table": "flights_rollup_day",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("date", "kind", "status", "is_synthetic", "country"),
                        name="rollup_day_key",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="FlightMonthRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("flights", models.BigIntegerField(default=0)),
                ("legs", models.BigIntegerField(default=0)),
                ("pax_reported", models.BigIntegerField(default=0)),
                ("pax_reported_flights", models.BigIntegerField(default=0)),
                ("pax_low", models.BigIntegerField(default=0)),
                ("pax_high", models.BigIntegerField(default=0)),
                ("pax_unbounded", models.BigIntegerField(default=0)),
                ("month", models.DateField()),
                ("kind", models.CharField(max_length=12)),
                ("status", models.CharField(max_length=12)),
                ("is_synthetic", models.BooleanField()),
                ("country", models.CharField(max_length=2, null=True)),
                ("origin", models.BigIntegerField(null=True)),
                ("operator", models.BigIntegerField(null=True)),
            ],
            options={
                "db_table": "flights_rollup_month",
                "indexes": [models.Index(fields=["country", "month"], name="rollup_month_country")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "month",
                            "kind",
                            "status",
                            "is_synthetic",
                            "country",
                            "origin",
                            "operator",
                        ),
                        name="rollup_month_key",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LegRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "month",
                    models.DateField(
                        help_text="Month of the flight's date (what the filters use)."
                    ),
                ),
                (
                    "leg_month",
                    models.DateField(help_text="Month of the leg's own date (the airport series)."),
                ),
                ("is_synthetic", models.BooleanField()),
                ("country", models.CharField(max_length=2, null=True)),
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
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "month",
                            "leg_month",
                            "is_synthetic",
                            "country",
                            "departure",
                            "arrival",
                        ),
                        name="rollup_leg_key",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
