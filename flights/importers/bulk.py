"""Writing many rows at once inside an import's transaction.

On PostgreSQL new rows go in with COPY, their ids taken from the table's sequence beforehand
(so children can point at them without reading anything back), and changes go through a
temporary table joined in one UPDATE. Elsewhere (SQLite) the ORM's bulk methods do the same.

Foreign keys. PostgreSQL checks every inserted row's foreign keys one row at a time at commit:
about 3.5 µs each, which for an ARTS year (a million people → 300,000 citizenship counts × 2
keys) costs more than everything else in the write. When the database role may set
`session_replication_role` (superusers; others with `GRANT SET ON PARAMETER`), COPY runs
with those per-row checks off and `insert_rows` makes the same check for the whole batch
instead: each referenced row is looked up and locked `FOR KEY SHARE` (what the per-row check
does) in one query per key, and a missing one raises IntegrityError, which rolls the import
back. Without that privilege the per-row checks run as usual. Only inserts skip them: updates
and deletes always run with every check.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import IntegrityError, connection, models
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

# Rows per statement where a list of values travels as one array parameter.
ARRAY_CHUNK = 50_000


def chunks(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def field_of(model, name: str):
    for field in model._meta.concrete_fields:
        if field.attname == name or field.name == name:
            return field
    raise LookupError(f"{model.__name__} has no field {name}")


def column_of(model, name: str) -> str:
    return field_of(model, name).column


def postgres() -> bool:
    return connection.vendor == "postgresql"


def allocate_ids(model, count: int) -> list[int]:
    """`count` new primary keys for `model`, from its sequence in one query (PostgreSQL)."""
    if count <= 0:
        return []
    pk = model._meta.pk
    with connection.cursor() as cursor:
        # The sequence is looked up once: pg_get_serial_sequence in the select list would run
        # once per id (50 ms per 10,000 ids against 5 ms for nextval alone).
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, pk.column])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]


def new_row_defaults(model) -> dict[str, object]:
    """attname → the value a new row gets when it is not given (the model's defaults)."""
    now = timezone.now()
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()
    return defaults


def insert_records(model, records: Iterable[dict], count: int | None = None) -> list[int]:
    """Insert rows given as {attname: value} over the model's defaults; return their ids.

    `records` may be a generator when `count` says how many it yields: each record is then
    built while COPY sends the ones before, so Python and the database work at the same time.
    """
    defaults = new_row_defaults(model)
    names = list(defaults)
    pick = operator.itemgetter(*names)
    rows = (pick({**defaults, **record}) for record in records)
    return insert_rows_returning_ids(model, names, rows, count)


def insert_rows_returning_ids(
    model, columns: list[str], rows: Iterable[tuple], count: int | None = None
) -> list[int]:
    """insert_rows() that returns the new rows' ids, in order (`count`: as insert_records)."""
    if count is None:
        rows = list(rows)
        count = len(rows)
    if not count:
        return []
    if not postgres():
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=2000)
        return [obj.pk for obj in objs]
    ids = allocate_ids(model, count)
    insert_rows(
        model,
        [model._meta.pk.attname, *columns],
        ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
    )
    return ids


def insert_rows(model, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert rows of `columns` values: COPY on PostgreSQL, else bulk_create. `rows` may be a
    generator: it is consumed while COPY sends (see insert_records)."""
    if isinstance(rows, list) and not rows:
        return
    if not postgres():
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000
        )
        return
    qn = connection.ops.quote_name
    fields = [field_of(model, c) for c in columns]
    names = ", ".join(qn(f.column) for f in fields)
    batch_checked = connection.in_atomic_block and may_check_keys_in_batch()
    keys = [
        (pos, field)
        for pos, field in enumerate(fields)
        if field.is_relation and field.db_constraint
    ]
    picked: list = []
    with connection.cursor() as cursor:
        if batch_checked:
            cursor.execute("SET LOCAL session_replication_role = replica")
        with _copy_in(cursor, f"{qn(model._meta.db_table)} ({names})", fields) as copy:
            write = copy.write_row
            if batch_checked and keys:
                # The foreign keys of each row, picked in one C call, for the check below.
                pick = operator.itemgetter(*(pos for pos, _ in keys))
                keep = picked.append
                for row in rows:
                    write(row)
                    keep(pick(row))
            else:
                for row in rows:
                    write(row)
        if batch_checked:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            if picked:
                columns = list(zip(*picked, strict=True)) if len(keys) > 1 else [picked]
                for (_, field), values in zip(keys, columns, strict=True):
                    check_references(cursor, model, field, set(values))


class BinaryRows:
    """Rows for one `COPY … (FORMAT BINARY)` built as bytes, for `copy_binary_rows`.

    psycopg's write_row formats every value of every row; an import whose rows repeat a few
    values (a segment id over its ten countries, a country's name and code, small counts) builds
    each value's bytes once, and a row is three pieces appended to one buffer (no object per
    row). `int8`, `int4` and `text` give a value's field bytes (length word and data; None is
    NULL) to cache.
    """

    def __init__(self, field_count: int):
        self.head = struct.pack("!h", field_count)
        self.data = bytearray(BINARY_SIGNATURE)
        self.count = 0

    @staticmethod
    def int8(value: int | None) -> bytes:
        return BINARY_NULL if value is None else struct.pack("!iq", 8, value)

    @staticmethod
    def int4(value: int | None) -> bytes:
        return BINARY_NULL if value is None else struct.pack("!ii", 4, value)

    @staticmethod
    def text(value: str | None) -> bytes:
        if value is None:
            return BINARY_NULL
        data = value.encode()
        return struct.pack("!i", len(data)) + data


BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\0" + bytes(8)  # signature, flags, no header extension
BINARY_NULL = struct.pack("!i", -1)
BINARY_TRAILER = struct.pack("!h", -1)


def copy_binary_rows(model, columns: list[str], rows: BinaryRows, unchecked: dict) -> None:
    """COPY prebuilt `rows` of `columns` into `model`'s table (PostgreSQL only).

    Foreign keys as in insert_rows, except that only the values in `unchecked` (column →
    values) are looked up: the caller leaves out ones it created itself in this transaction,
    which exist and which no other transaction can see, let alone delete.
    """
    if not rows.count:
        return
    qn = connection.ops.quote_name
    fields = [field_of(model, c) for c in columns]
    names = ", ".join(qn(f.column) for f in fields)
    batch_checked = connection.in_atomic_block and may_check_keys_in_batch()
    with connection.cursor() as cursor:
        if batch_checked:
            cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.cursor.copy(
            f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            rows.data += BINARY_TRAILER
            copy.write(rows.data)
        if batch_checked:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            for field in fields:
                if field.is_relation and field.db_constraint:
                    check_references(cursor, model, field, set(unchecked[field.attname]))


def check_references(cursor, model, field, wanted: set) -> None:
    """Find and lock every row `field` of the new rows points at (`wanted`): IntegrityError
    when one is missing."""
    wanted.discard(None)
    if not wanted:
        return
    qn = connection.ops.quote_name
    target = field.target_field
    table = qn(target.model._meta.db_table)
    key = qn(target.column)
    found = set()
    for part in chunks(sorted(wanted), ARRAY_CHUNK):
        array, param = array_param(part, target)
        cursor.execute(
            f"SELECT {key} FROM {table} WHERE {key} = ANY({array}) FOR KEY SHARE", [param]
        )
        found.update(row[0] for row in cursor.fetchall())
    missing = wanted - found
    if missing:
        shown = ", ".join(repr(v) for v in sorted(missing, key=str)[:5])
        raise IntegrityError(
            f"{model._meta.db_table}.{field.column} points at no {target.model._meta.db_table} "
            f"row: {shown}"
        )


# PostgreSQL binary type of each kind of Django field: binary COPY formats and parses rows
# about three times faster than text (dates, times and numbers need no printing and parsing).
# JSON values are given as Python objects, as to the ORM.
BINARY_TYPES = {
    "AutoField": "int4", "BigAutoField": "int8", "SmallAutoField": "int2",
    "IntegerField": "int4", "PositiveIntegerField": "int4", "BigIntegerField": "int8",
    "PositiveBigIntegerField": "int8", "SmallIntegerField": "int2",
    "PositiveSmallIntegerField": "int2", "CharField": "text", "TextField": "text",
    "SlugField": "text", "DateField": "date", "DateTimeField": "timestamptz",
    "FloatField": "float8", "BooleanField": "bool", "JSONField": "jsonb",
}  # fmt: skip


@contextmanager
def _copy_in(cursor, target: str, fields: list):
    """COPY … FROM STDIN into `target`, in binary when every field's type is known. The queued
    writer sends from a thread, so building rows here overlaps with the server writing them."""
    types = [
        BINARY_TYPES.get((f.target_field if f.is_relation else f).get_internal_type())
        for f in fields
    ]
    binary = all(types)
    with cursor.cursor.copy(
        f"COPY {target} FROM STDIN" + (" (FORMAT BINARY)" if binary else ""),
        writer=QueuedLibpqWriter(cursor.cursor),
    ) as copy:
        if binary:
            copy.set_types(types)
        yield copy


_privilege: dict[tuple, bool] = {}


def may_check_keys_in_batch() -> bool:
    """Whether this database role may switch off the per-row foreign-key checks (see above)."""
    where = tuple(connection.settings_dict.get(k) for k in ("HOST", "PORT", "NAME", "USER"))
    known = _privilege.get(where)
    if known is None:
        query = "SELECT current_setting('is_superuser') = 'on'"
        if connection.pg_version >= 150000:
            query += " OR has_parameter_privilege('session_replication_role', 'SET')"
        with connection.cursor() as cursor:
            cursor.execute(query)
            known = bool(cursor.fetchone()[0])
        _privilege[where] = known
    return known


def update_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Set `columns` of many rows, given as (pk, *values): one UPDATE joined to a temporary table
    filled by COPY on PostgreSQL (bulk_update's CASE expressions grow quadratically)."""
    if not rows:
        return
    fields = [field_of(model, c) for c in columns]
    if not postgres():
        objs = []
        for row in rows:
            obj = model(pk=row[0])
            for field, value in zip(fields, row[1:], strict=True):
                setattr(obj, field.attname, value)
            objs.append(obj)
        model.objects.bulk_update(objs, [f.name for f in fields], batch_size=500)
        return
    qn = connection.ops.quote_name
    pk = model._meta.pk
    table = qn(model._meta.db_table)
    tmp = qn(f"tmp_{model._meta.db_table}")
    defs = ", ".join(
        f"{qn(f.column)} {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
        for f in (pk, *fields)
    ).replace("serial", "integer")
    sets = ", ".join(f"{qn(f.column)} = t.{qn(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
        cursor.execute(f"CREATE TEMP TABLE {tmp} ({defs}) ON COMMIT DROP")
        with _copy_in(cursor, tmp, [pk, *fields]) as copy:
            for row in rows:
                copy.write_row(row)
        key = qn(pk.column)
        cursor.execute(f"UPDATE {table} SET {sets} FROM {tmp} AS t WHERE {table}.{key} = t.{key}")
        cursor.execute(f"DROP TABLE {tmp}")


def rows_matching(model, column: str, values: list, fields: list[str]) -> list[tuple]:
    """`fields` of the rows whose `column` is one of `values`: one `= ANY(array)` query on
    PostgreSQL (Django's IN lists cost seconds to build for 100,000 values)."""
    if not values:
        return []
    if not postgres():
        found: list[tuple] = []
        for part in chunks(values, 500):
            found += model.objects.filter(**{f"{column}__in": part}).values_list(*fields)
        return found
    qn = connection.ops.quote_name
    cols = ", ".join(qn(column_of(model, f)) for f in fields)
    array, param = array_param(values, field_of(model, column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {cols} FROM {qn(model._meta.db_table)} "
            f"WHERE {qn(column_of(model, column))} = ANY({array})",
            [param],
        )
        return cursor.fetchall()


SEPARATOR = "\x1f"  # ASCII unit separator; a list holding one travels as an array


def array_param(values: Sequence, field) -> tuple[str, object]:
    """An SQL array of `values` and its one parameter. Large lists travel as one joined string
    that the server splits: adapting 100,000 values one by one costs half a second."""
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.IntegerField | models.AutoField):
        return "string_to_array(%s, ',')::bigint[]", ",".join(str(int(v)) for v in values)
    texts = [str(v) for v in values]
    if isinstance(field, models.CharField) and not any(SEPARATOR in t for t in texts):
        return "string_to_array(%s, E'\\x1f')::text[]", SEPARATOR.join(texts)
    return "%s", list(values)
