"""The triggers that keep the rollups (`flights.models.rollups`) current on PostgreSQL.

Statement-level AFTER triggers with transition tables: one INSERT ... ON CONFLICT per rollup and
statement, whatever the number of rows (a COPY of 100,000 flights is one upsert of its groups),
inside the writing transaction, so a page never sees a flight without its counts. They are
ENABLE ALWAYS: imports write with session_replication_role = replica, which skips others. Rows
whose count falls to zero are deleted through a partial index. TRUNCATE of a fact table empties
its rollups. The function names are those of migration 0007, so migration
0009_h14p_coarse_rollups replaces their bodies and keeps the triggers.

Each rollup is a list of (column, SQL expression over a "changes" row) keys and (column,
signed SQL sum) measures; `flights.rollups.direct` computes the same from the fact tables with
the ORM, and tests/test_rollups.py checks one against the other.
"""

MONTH = "date_trunc('month', {0})::date"
ESTIMATED = "pax_basis IN ('estimated', 'inferred')"
COUNTED = f"(pax_count IS NOT NULL AND NOT {ESTIMATED})"
ESTIMATE = (
    f"((pax_count IS NOT NULL AND {ESTIMATED}) "
    "OR (pax_count IS NULL AND pax_min IS NOT NULL AND pax_max IS NOT NULL))"
)
TIMED = "(departure_time IS NOT NULL AND arrival_time IS NOT NULL)"
METRES = "coalesce(round(distance_km * 1000)::bigint, 0)"

FLIGHTS = [("flights", "sum(sign)")]
# The keys every flight rollup shares (flights.models.rollups.FlightDimensions).
DIMENSIONS = [
    ("kind", "kind"),
    ("status", "status"),
    ("is_synthetic", "is_synthetic"),
    ("country", "destination_country_id"),
]
FLIGHT_ROLLUPS = {
    "flights_rollup_day": (
        [
            ("date", "date"),
            *DIMENSIONS,
        ],
        [
            *FLIGHTS,
            ("legs", "sum(sign * leg_count)"),
            ("pax_counted", f"sum(sign * CASE WHEN {COUNTED} THEN pax_count ELSE 0 END)"),
            ("pax_counted_flights", f"sum(sign * ({COUNTED})::int)"),
            (
                "pax_estimated_doubled",
                f"sum(sign * CASE WHEN {ESTIMATE} "
                "THEN coalesce(2 * pax_count, pax_min + pax_max) ELSE 0 END)",
            ),
            ("pax_estimated_flights", f"sum(sign * ({ESTIMATE})::int)"),
        ],
    ),
    "flights_rollup_month_kind": None,  # the day rollup's keys by month (below)
    "flights_rollup_origin": (
        [
            *DIMENSIONS,
            ("origin", "origin_id"),
        ],
        FLIGHTS,
    ),
    "flights_rollup_operator_all": (
        [
            *DIMENSIONS,
            ("operator", "operator_id"),
        ],
        FLIGHTS,
    ),
    "flights_rollup_month": (
        [
            ("month", MONTH.format("date")),
            *DIMENSIONS,
            ("origin", "origin_id"),
        ],
        FLIGHTS,
    ),
    "flights_rollup_operator": (
        [
            ("month", MONTH.format("date")),
            *DIMENSIONS,
            ("operator", "operator_id"),
        ],
        FLIGHTS,
    ),
    "flights_rollup_aircraft": (
        [
            ("aircraft", "aircraft_id"),
            ("month", MONTH.format("date")),
            *DIMENSIONS,
            ("operator", "operator_id"),
        ],
        FLIGHTS,
    ),
}
FLIGHT_ROLLUPS["flights_rollup_month_kind"] = (
    [("month", MONTH.format("date")), *FLIGHT_ROLLUPS["flights_rollup_day"][0][1:]],
    FLIGHT_ROLLUPS["flights_rollup_day"][1],
)
LEGS = [("legs", "sum(sign)")]
LEG_ROLLUPS = {
    "flights_rollup_leg": (
        [
            ("month", MONTH.format("f_date")),
            ("leg_month", MONTH.format("date")),
            ("is_synthetic", "is_synthetic"),
            ("country", "destination_country_id"),
            ("kind", "kind"),
            ("departure", "departure_airport_id"),
            ("arrival", "arrival_airport_id"),
        ],
        LEGS,
    ),
    "flights_rollup_pair": (
        [
            ("departure", "departure_airport_id"),
            ("arrival", "arrival_airport_id"),
            ("kind", "kind"),
            ("status", "status"),
            ("is_synthetic", "is_synthetic"),
        ],
        LEGS,
    ),
    "flights_rollup_pair_month": (
        [
            ("departure", "departure_airport_id"),
            ("leg_month", MONTH.format("date")),
            ("arrival", "arrival_airport_id"),
            ("is_synthetic", "is_synthetic"),
        ],
        LEGS,
    ),
    "flights_rollup_aircraft_leg": (
        [
            ("aircraft", "aircraft_id"),
            ("month", MONTH.format("f_date")),
            *DIMENSIONS,
        ],
        [
            *LEGS,
            ("metres", f"sum(sign * {METRES})"),
            ("timed_legs", f"sum(sign * ({TIMED})::int)"),
            (
                "timed_us",
                f"sum(sign * CASE WHEN {TIMED} THEN round(extract(epoch FROM "
                "arrival_time - departure_time) * 1000000)::bigint ELSE 0 END)",
            ),
            ("untimed_metres", f"sum(sign * CASE WHEN {TIMED} THEN 0 ELSE {METRES} END)"),
        ],
    ),
}

# Flight columns the flight rollups read; a change to any of them moves the flight.
FLIGHT_INPUTS = (
    "date, kind, status, is_synthetic, destination_country_id, origin_id, operator_id, "
    "aircraft_id, leg_count, pax_count, pax_min, pax_max, pax_basis"
)
# Flight columns the leg rollups read (as f_date, kind, ...); a change moves the flight's legs.
FLIGHT_OF_LEG = "date_trunc('month', {0}.date), {0}.kind, {0}.status, {0}.is_synthetic, " + (
    "{0}.destination_country_id, {0}.aircraft_id"
)
# Leg columns the leg rollups read; a change moves the leg.
LEG_INPUTS = (
    "{0}.flight_id, {0}.date, {0}.departure_airport_id, {0}.arrival_airport_id, "
    "{0}.distance_km, {0}.departure_time, {0}.arrival_time"
)


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


def _upsert(table: str, keys: list, measures: list, changes: str) -> str:
    """INSERT the grouped changes into a rollup, adding to existing rows; drop rows now zero."""
    key_names = ", ".join(name for name, _ in keys)
    key_exprs = ", ".join(expr for _, expr in keys)
    names = [name for name, _ in measures]
    positions = ", ".join(str(i + 1) for i in range(len(keys)))
    updates = ", ".join(f"{n} = r.{n} + EXCLUDED.{n}" for n in names)
    return f"""
    WITH changes AS ({changes})
    INSERT INTO {table} AS r ({key_names}, {", ".join(names)})
    SELECT {key_exprs}, {", ".join(expr for _, expr in measures)} FROM changes
    GROUP BY {positions} ORDER BY {positions}
    ON CONFLICT ({key_names}) DO UPDATE SET {updates};
    DELETE FROM {table} WHERE {names[0]} = 0;"""


def flight_upserts(changes: str) -> str:
    return "".join(
        _upsert(table, keys, measures, changes)
        for table, (keys, measures) in FLIGHT_ROLLUPS.items()
    )


def leg_changes(sign: int, legs: str, flights: str, join: str, where: str = "") -> str:
    """Signed leg rows with the attributes of their flight, for the leg rollups."""
    return f"""SELECT {sign} AS sign, f.date AS f_date, f.kind, f.status, f.is_synthetic,
        f.destination_country_id, f.aircraft_id, l.date, l.departure_airport_id,
        l.arrival_airport_id, l.distance_km, l.departure_time, l.arrival_time
        FROM {legs} l JOIN {flights} f ON {join} {where}"""


def leg_upserts(changes: str) -> str:
    return "".join(
        _upsert(table, keys, measures, changes) for table, (keys, measures) in LEG_ROLLUPS.items()
    )


def _flight_update() -> str:
    old, new = _prefixed(FLIGHT_INPUTS, "o"), _prefixed(FLIGHT_INPUTS, "n")
    changed = f"WHERE ({old}) IS DISTINCT FROM ({new})"
    flights = f"""SELECT -1 AS sign, {old} FROM old_rows o JOIN new_rows n USING (id) {changed}
        UNION ALL
        SELECT 1, {new} FROM old_rows o JOIN new_rows n USING (id) {changed}"""
    # A flight whose month, kind, status, synthetic flag, country or aircraft changed moves
    # its legs.
    moved_from = leg_changes(
        -1,
        "flights_leg",
        "old_rows",
        "f.id = l.flight_id JOIN new_rows n ON n.id = f.id",
        f"WHERE ({FLIGHT_OF_LEG.format('f')}) IS DISTINCT FROM ({FLIGHT_OF_LEG.format('n')})",
    )
    moved_to = leg_changes(
        1,
        "flights_leg",
        "new_rows",
        "f.id = l.flight_id JOIN old_rows o ON o.id = f.id",
        f"WHERE ({FLIGHT_OF_LEG.format('o')}) IS DISTINCT FROM ({FLIGHT_OF_LEG.format('f')})",
    )
    return flight_upserts(flights) + leg_upserts(f"{moved_from} UNION ALL {moved_to}")


def _leg_update() -> str:
    changed = "WHERE ({0}) IS DISTINCT FROM ({1})"
    moved_from = leg_changes(
        -1,
        "old_rows",
        "flights_flight",
        "f.id = l.flight_id JOIN new_rows n ON n.id = l.id",
        changed.format(LEG_INPUTS.format("l"), LEG_INPUTS.format("n")),
    )
    moved_to = leg_changes(
        1,
        "new_rows",
        "flights_flight",
        "f.id = l.flight_id JOIN old_rows o ON o.id = l.id",
        changed.format(LEG_INPUTS.format("o"), LEG_INPUTS.format("l")),
    )
    return leg_upserts(f"{moved_from} UNION ALL {moved_to}")


def bodies() -> dict[tuple[str, str], str]:
    """The trigger functions' bodies, per (table, event)."""
    return {
        ("flights_flight", "INSERT"): flight_upserts("SELECT 1 AS sign, * FROM new_rows"),
        ("flights_flight", "DELETE"): flight_upserts("SELECT -1 AS sign, * FROM old_rows"),
        ("flights_flight", "UPDATE"): _flight_update(),
        ("flights_leg", "INSERT"): leg_upserts(
            leg_changes(1, "new_rows", "flights_flight", "f.id = l.flight_id")
        ),
        ("flights_leg", "DELETE"): leg_upserts(
            leg_changes(-1, "old_rows", "flights_flight", "f.id = l.flight_id")
        ),
        ("flights_leg", "UPDATE"): _leg_update(),
    }


# DELETE, not TRUNCATE: a TRUNCATE naming the rollups too (Django's flush) would conflict.
def truncates() -> dict[str, str]:
    return {
        "flights_flight": "".join(f"DELETE FROM {t};" for t in FLIGHT_ROLLUPS),
        "flights_leg": "".join(f"DELETE FROM {t};" for t in LEG_ROLLUPS),
    }


def zero_indexes() -> dict[str, str]:
    """The rollups and their count column (rows at zero are found through a partial index)."""
    return {t: measures[0][0] for t, (_, measures) in (FLIGHT_ROLLUPS | LEG_ROLLUPS).items()}


def replace_functions(schema_editor) -> None:
    """(Re)define every trigger function; the triggers themselves (0007) call them by name."""
    for (table, event), body in bodies().items():
        _function(schema_editor, f"{table}_rollup_{event.lower()}", body)
    for table, body in truncates().items():
        _function(schema_editor, f"{table}_rollup_truncate", body)


def _function(schema_editor, name: str, body: str) -> None:
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN "
        f"{body} RETURN NULL; END $body$"
    )
