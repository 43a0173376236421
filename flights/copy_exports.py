"""The flights and legs CSV exports as one PostgreSQL `COPY (SELECT …) TO STDOUT`.

Same columns, values, escaping and formula rule as the Python writers in flights/exports.py and
flights/views/exports.py, computed in SQL so that the server streams rows at COPY speed
(docs/api.md, "Exports"; docs/benchmarks.md). The tests run both writers on the same records and
compare the bytes, so the two cannot drift.

PostgreSQL writes CSV as Python's csv module does (a field is quoted when it holds a comma, a
quote or a line break; quotes doubled), with two differences handled here: an empty string would
be written `""` (it equals the NULL string), so every text column is NULLIF(…, ''); and rows end
in LF, so each row (one CopyData message per row) gets CR LF instead.
"""

from collections.abc import Iterator

import psycopg
from django.db import connection

from flights.choices import Basis
from flights.exports import CHAIN_REF_PREFIX, MISSION_REF_PREFIX
from flights.filters import FilterValues, Synthetic
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
from flights.spreadsheet import FORMULA_START

T = {
    "flight": Flight._meta.db_table,
    "leg": Leg._meta.db_table,
    "airport": Airport._meta.db_table,
    "aircraft": Aircraft._meta.db_table,
    "type": AircraftType._meta.db_table,
    "operator": Operator._meta.db_table,
    "flightsource": FlightSource._meta.db_table,
    "source": Source._meta.db_table,
}
BATCH_ROWS = 1000


def available() -> bool:
    return connection.vendor == "postgresql"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The formula rule of flights/spreadsheet.py, in SQL: a leading apostrophe when the first
# character is one a spreadsheet starts a formula with.
_STARTS = ", ".join(_literal(c) if c.isprintable() else f"chr({ord(c)})" for c in FORMULA_START)


def safe(expr: str) -> str:
    return f"(CASE WHEN left({expr}, 1) IN ({_STARTS}) THEN '''' || {expr} ELSE {expr} END)"


def text(expr: str) -> str:
    """A text column as Python's csv writes it: empty when empty, never `""`."""
    return f"NULLIF(({expr})::text, '')"


def _iso(expr: str) -> str:
    """flights.exports._iso in SQL: UTC, seconds only when there are any."""
    utc = f"({expr} AT TIME ZONE 'UTC')"
    return (
        f"(CASE WHEN to_char({utc}, 'SS') = '00' "
        f"""THEN to_char({utc}, 'YYYY-MM-DD"T"HH24:MI"Z"') """
        f"""ELSE to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END)"""
    )


def _mission_id(f: str) -> str:
    """flights.exports.mission_id_of in SQL."""
    mission, chain = _literal(MISSION_REF_PREFIX), _literal(CHAIN_REF_PREFIX)
    ref = f"COALESCE({f}.external_ref, '')"
    skip = len(MISSION_REF_PREFIX) + 1
    return (
        f"(CASE WHEN starts_with({ref}, {mission}) THEN substr({ref}, {skip})"
        f" WHEN starts_with({ref}, {chain}) THEN '' WHEN {ref} <> '' THEN {ref}"
        f" ELSE 'tracker-' || {f}.id END)"
    )


def _source_kinds_join(filtered: bool) -> str:
    """LEFT JOIN `sk` (sk.kinds: the flight's distinct source kinds, sorted, '; '-joined).

    Joined once per flight, not evaluated per leg: as a subquery in the SELECT list it ran in
    the leader after the parallel workers had joined, once per leg (40 s of a 50 s export).
    A whole-table export aggregates every flight's sources in one grouped pass; a filtered one
    looks up its own flights' sources.
    """
    kinds = (
        "SELECT fs.flight_id, string_agg(DISTINCT (s.kind::text COLLATE \"C\"), '; ' "
        'ORDER BY (s.kind::text COLLATE "C")) AS kinds '
        f"FROM {T['flightsource']} fs JOIN {T['source']} s ON s.id = fs.source_id "
        "WHERE s.kind <> ''"
    )
    if filtered:
        return f"LEFT JOIN LATERAL ({kinds} AND fs.flight_id = f.id GROUP BY 1) sk ON TRUE "
    return f"LEFT JOIN ({kinds} GROUP BY 1) sk ON sk.flight_id = f.id "


def _flights_from(values: FilterValues) -> tuple[str, str, list]:
    """FROM … `f` (the filtered flights) … WHERE, with its parameters.

    A filter's flight ids come first, as a derived table joined to the flights: with the joins
    of an export past PostgreSQL's join_collapse_limit, the planner keeps the written order,
    and a filter written as `f.id IN (…)` was applied after joining every leg (3.7 s for 0.6 %
    of 720,000 legs).
    """
    flights = T["flight"]
    if values == FilterValues(synthetic=values.synthetic):
        where = {Synthetic.EXCLUDE: "NOT f.is_synthetic", Synthetic.ONLY: "f.is_synthetic"}
        return f"{flights} f", where.get(values.synthetic, "TRUE"), []
    sql, params = values.filter_flights().order_by().values("pk").query.sql_with_params()
    return f"({sql}) sel (id) JOIN {flights} f ON f.id = sel.id", "TRUE", list(params)


def legs_select(values: FilterValues) -> tuple[str, list]:
    """The legs CSV (flight-log columns, then the tracker's provenance) as one SELECT."""
    flights, where, params = _flights_from(values)
    columns = [
        "to_char(l.date, 'YYYY-MM-DD')",
        _iso("l.departure_time"),
        _iso("l.arrival_time"),
        "dep.icao",
        "arr.icao",
        text(safe("a.registration")),
        text("a.icao24"),
        text(safe("COALESCE(NULLIF(l.callsign, ''), f.callsign)")),
        text(safe("o.name")),
        text("COALESCE(aat.designator, fat.designator)"),
        "l.kind",
        text(safe(_mission_id("f"))),
        "l.passengers::text",
        text("l.passengers_basis"),
        text(safe("l.source_url")),
        text(safe("l.notes")),
        "f.id::text",
        "f.status",
        "l.departure_basis",
        "l.arrival_basis",
        "sk.kinds",
        "CASE WHEN f.is_synthetic THEN 'yes' ELSE 'no' END",
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {flights} "
        + _source_kinds_join(bool(params) or "sel" in flights)
        + f"JOIN {T['leg']} l ON l.flight_id = f.id "
        f"JOIN {T['airport']} dep ON dep.id = l.departure_airport_id "
        f"JOIN {T['airport']} arr ON arr.id = l.arrival_airport_id "
        f"LEFT JOIN {T['aircraft']} a ON a.id = f.aircraft_id "
        f"LEFT JOIN {T['type']} aat ON aat.id = a.aircraft_type_id "
        f"LEFT JOIN {T['type']} fat ON fat.id = f.aircraft_type_id "
        f"LEFT JOIN {T['operator']} o ON o.id = f.operator_id "
        f"WHERE {where} ORDER BY f.date, f.id, l.sequence"
    )
    return sql, params


def _basis_label(expr: str, default: str) -> str:
    """get_pax_basis_display().lower(), or `default` when there is no basis."""
    cases = " ".join(
        f"WHEN {_literal(v)} THEN {_literal(str(label).lower())}" for v, label in Basis.choices
    )
    return f"(CASE {expr} {cases} ELSE {_literal(default)} END)"


def _people_on_board() -> str:
    """Flight.people_on_board() in SQL."""
    reported, estimated = (
        _basis_label("f.pax_basis", "reported"),
        _basis_label("f.pax_basis", "estimated"),
    )
    return (
        "(CASE WHEN f.pax_count IS NOT NULL THEN f.pax_count || ' (' || " + reported + " || ')'"
        " WHEN f.pax_min IS NULL AND f.pax_max IS NULL THEN 'not published'"
        " WHEN f.pax_min IS NULL OR f.pax_min = 0 THEN"
        " 'at most ' || COALESCE(f.pax_max::text, 'None') || ' (' || " + estimated + " || ')'"
        " WHEN f.pax_max IS NULL THEN 'at least ' || f.pax_min || ' (' || " + estimated + " || ')'"
        " ELSE f.pax_min || '–' || f.pax_max || ' (' || " + estimated + " || ')' END)"
    )


def _sources(column: str) -> str:
    """The flight's sources' `column`, '; '-joined in (kind, title, url) order, empties skipped."""
    order = 's.kind COLLATE "C", s.title COLLATE "C", s.url COLLATE "C"'
    return (
        f"(SELECT string_agg(NULLIF(s.{column}, ''), '; ' ORDER BY {order}) "
        f"FROM {T['flightsource']} fs JOIN {T['source']} s ON s.id = fs.source_id "
        f"WHERE fs.flight_id = f.id)"
    )


def flights_select(values: FilterValues, url_head: str, url_tail: str) -> tuple[str, list]:
    """The flights CSV as one SELECT; a flight's URL is url_head || id || url_tail."""
    flights, where, params = _flights_from(values)
    columns = [
        "f.id::text",
        "to_char(f.date, 'YYYY-MM-DD')",
        text(safe(_mission_id("f"))),
        "f.kind",
        "f.status",
        "CASE WHEN f.is_synthetic THEN 'yes' ELSE 'no' END",
        text(safe("f.route")),
        text("org.icao"),
        text("dst.icao"),
        text("f.destination_country_id"),
        "f.leg_count::text",
        "f.distance_km::text",
        text(safe("a.registration")),
        text("COALESCE(aat.designator, fat.designator)"),
        text("f.aircraft_basis"),
        text(safe("o.name")),
        text(safe("f.callsign")),
        "f.pax_count::text",
        "f.pax_min::text",
        "f.pax_max::text",
        text("f.pax_basis"),
        text(safe("f.pax_method")),
        "f.seat_ceiling::text",
        text(safe(_people_on_board())),
        text(safe(_sources("kind"))),
        text(safe(_sources("title"))),
        text(safe(_sources("url"))),
        f"{_literal(url_head)} || f.id || {_literal(url_tail)}",
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {flights} "
        f"LEFT JOIN {T['airport']} org ON org.id = f.origin_id "
        f"LEFT JOIN {T['airport']} dst ON dst.id = f.destination_id "
        f"LEFT JOIN {T['aircraft']} a ON a.id = f.aircraft_id "
        f"LEFT JOIN {T['type']} aat ON aat.id = a.aircraft_type_id "
        f"LEFT JOIN {T['type']} fat ON fat.id = f.aircraft_type_id "
        f"LEFT JOIN {T['operator']} o ON o.id = f.operator_id "
        f"WHERE {where} ORDER BY f.date, f.id"
    )
    return sql, params


def copy_csv(select: str, params: list) -> Iterator[bytes]:
    """The rows of `select` as CSV bytes with CR LF line ends, streamed from COPY."""
    connection.ensure_connection()
    raw = connection.connection
    statement = psycopg.ClientCursor(raw).mogrify(
        f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", params
    )
    with raw.cursor() as cursor:
        # A web worker's queries are bounded (DATABASE_STATEMENT_TIMEOUT, deploy/gunicorn.conf.py);
        # a full export streams for minutes, as long as its client reads, so its COPY is not.
        cursor.execute("SET statement_timeout = 0")
        try:
            yield from _batches(cursor, statement)
        finally:
            _restore_timeout(raw, cursor)


def _restore_timeout(raw, cursor) -> None:
    if raw.closed:
        return
    try:
        cursor.execute("RESET statement_timeout")
    except psycopg.Error:
        # Not reusable with its bound lifted: Django opens a new connection for the next request.
        raw.close()


def _batches(cursor, statement: bytes) -> Iterator[bytes]:
    with cursor.copy(statement) as copy:
        batch: list[bytes] = []
        for row in copy:
            batch.append(bytes(row[:-1]))
            if len(batch) >= BATCH_ROWS:
                yield b"\r\n".join(batch) + b"\r\n"
                batch = []
        if batch:
            yield b"\r\n".join(batch) + b"\r\n"
