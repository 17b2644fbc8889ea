"""PostgreSQL's COPY FROM STDIN of a polars frame: in COPY's binary format where every column has a binary
form here, else as CSV.

Binary (``FORMAT binary``): the frame's Arrow buffers are encoded by pgpq (Rust, no Python value per cell),
and the server reads each field by its type's receive function instead of parsing text: at 1 M rows of
activity records (8 columns sent) the server's COPY took 1.9 s of CPU instead of 2.9 s. A double travels
as its 8 bytes (every bit kept: -0.0, NaN, the last digit), NULL as length -1 and an empty text as length 0,
so nothing depends on how a value is written as text. The binary format carries no types: each column must
be sent in exactly the width of the table's column (an ``integer`` as 4 bytes), so the frame is cast to the
table's types first, and where a cast could change a value (an integer out of the column's range, a float
into an integer column, a type this module does not map) the whole frame goes as CSV instead, where the
server reports the value as it always did.

CSV: every text quoted (so "" is an empty text and \\N unquoted is NULL); floats written by polars as the
shortest text that reads back as the same double. Used where pgpq is not installed, too.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

BLOCK = 200_000  # rows encoded and written at a time (bounded memory for any batch)
NULL = r"\N"
# The table's column type (pg_type.typname) -> the frame's dtype whose Arrow form pgpq writes in that type's
# binary format. varchar and bpchar take text's format (their length limit is checked by the server as for CSV).
WIRE: dict[str, pl.DataType] = {
    "int2": pl.Int16(),
    "int4": pl.Int32(),
    "int8": pl.Int64(),
    "float4": pl.Float32(),
    "float8": pl.Float64(),
    "text": pl.String(),
    "varchar": pl.String(),
    "bpchar": pl.String(),
    "bool": pl.Boolean(),
}
_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_RANGE = {"int2": 2**15, "int4": 2**31, "int8": 2**63}
CHECK_VALUES = 10_000  # a foreign key's distinct values in a batch looked up one by one, at most


def copy_in(dbapi, table: str, frame: pl.DataFrame) -> None:
    """COPY the frame's rows (its columns named as the table's) into ``table`` through the psycopg 3
    connection ``dbapi``, inside its transaction."""
    pgpq = _pgpq()
    wire = binary_frame(frame, column_types(dbapi, table)) if pgpq is not None else None
    names = ", ".join(frame.columns)
    cursor = dbapi.cursor()
    try:
        if wire is not None:
            encoder = None
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as copy:
                for start in range(0, wire.height, BLOCK):
                    block = wire.slice(start, BLOCK).to_arrow()
                    if encoder is None:
                        encoder = pgpq.ArrowToPostgresBinaryEncoder(block.schema)
                        copy.write(encoder.write_header())
                    for batch in block.to_batches():
                        copy.write(encoder.write_batch(batch))
                copy.write(encoder.finish())
            return
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv, NULL '{NULL}')") as copy:
            for start in range(0, frame.height, BLOCK):
                buf = io.BytesIO()
                frame.slice(start, BLOCK).write_csv(
                    buf, include_header=False, quote_style="non_numeric", null_value=NULL
                )
                copy.write(buf.getvalue())
    finally:
        cursor.close()


def column_types(dbapi, table: str) -> dict[str, str]:
    """The type name (pg_type.typname: int4, varchar, float8, …) of each column of ``table``."""
    rows = dbapi.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        (table,),
    ).fetchall()
    return dict(rows)


def binary_frame(frame: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame | None:
    """The frame with each column cast to the dtype of its table column's binary form, or None when a column
    cannot be sent in binary without changing a value (then CSV)."""
    cast = []
    for name, dtype in frame.schema.items():
        typname = types.get(name, "")
        target = WIRE.get(typname)
        if target is None:
            return None
        column = frame[name]
        if dtype == target:
            cast.append(column)
        elif dtype == pl.Null:  # NULL throughout: NULL in any type
            cast.append(column.cast(target))
        elif dtype in _INTEGERS and target in _INTEGERS:
            limit = _RANGE[typname]
            low, high = column.min(), column.max()
            if low is not None and (low < -limit or high >= limit):  # type: ignore[operator]
                return None  # out of the column's range: CSV, and the server's own error
            cast.append(column.cast(target))
        else:  # e.g. an integer or a text into a float column, a float into an integer column: as text
            return None
    return pl.DataFrame(cast)


def _pgpq():
    """The pgpq module (Arrow -> COPY binary encoder), or None where it is not installed."""
    try:
        import pgpq  # noqa: PLC0415
    except ImportError:
        return None
    return pgpq


# Foreign keys checked once per batch instead of dropped and added back (a scan of the whole table each).


@dataclass(frozen=True)
class ForeignKey:
    """A one-column foreign key of the table being loaded, to another table."""

    name: str
    column: str
    target: str  # the referenced table, as regclass text
    target_column: str
    target_type: str  # the referenced column's type without length (format_type), for the array of values


def checked_once(dbapi, table: str, frame: pl.DataFrame) -> list[ForeignKey]:
    """The foreign keys of ``table`` that can stay in place during the COPY, their per-row triggers off, and be
    checked once for the batch's distinct values (``check``): one column each, to another table, the column in
    the frame with at most CHECK_VALUES distinct values; only where this role may set
    ``session_replication_role`` (a superuser, or granted SET on it: PostgreSQL 15) and the table has no
    trigger of its own (the setting would skip that too). Else none."""
    version = int(dbapi.execute("SELECT current_setting('server_version_num')").fetchone()[0])
    if version >= 150000:
        allowed = dbapi.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')").fetchone()[0]
    else:
        allowed = dbapi.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    own = dbapi.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", (table,)
    ).fetchone()[0]
    if not allowed or own:
        return []
    rows = dbapi.execute(
        "SELECT c.conname, a.attname, c.confrelid::regclass::text, af.attname, format_type(af.atttypid, NULL) "
        "FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND cardinality(c.conkey) = 1 "
        "AND c.confrelid <> c.conrelid ORDER BY c.conname",
        (table,),
    ).fetchall()
    return [ForeignKey(*row) for row in rows if row[1] in frame.columns and _few(frame[row[1]])]


def checked_in_place(dbapi, table: str, frame: pl.DataFrame) -> list[ForeignKey]:
    """For a batch that leaves the table's constraints in place (a table already larger than it): the keys of
    ``checked_once``, when they are all the foreign keys the batch's rows could break, so that every trigger may
    be off during the COPY; else none (each row then checked by its key's trigger, as always).

    A foreign key the batch cannot break: each of its columns is NULL in every row of the frame (a key with a
    NULL column is not checked: MATCH SIMPLE, PostgreSQL's default), or absent from it and without a default.
    At 125,000 rows a chunk of a streamed import took 3–4 s with the two keys' per-row triggers on."""
    kept = checked_once(dbapi, table, frame)
    if not kept:
        return []
    rows = dbapi.execute(
        "SELECT c.conname, a.attname, a.atthasdef FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f'",
        (table,),
    ).fetchall()
    names = {k.name for k in kept}
    for name, column, has_default in rows:
        if name in names:
            continue
        given = column in frame.columns and frame[column].null_count() < frame.height
        if given or (column not in frame.columns and has_default):
            return []
    return kept


def _few(column: pl.Series) -> bool:
    """Whether the column holds at most CHECK_VALUES distinct values (one lookup each, instead of a scan)."""
    first = column[0]
    if first is not None and column.null_count() == 0 and (column == first).all():  # usually one city, one batch
        return True
    return column.n_unique() <= CHECK_VALUES


@contextlib.contextmanager
def triggers_off(dbapi) -> Iterator[None]:
    """``session_replication_role = replica`` for this transaction, until the block ends: the foreign keys'
    per-row checks (internal triggers) do not fire; then the setting as it was."""
    was = dbapi.execute("SELECT current_setting('session_replication_role')").fetchone()[0]
    dbapi.execute("SELECT set_config('session_replication_role', 'replica', true)")
    try:
        yield
    finally:
        dbapi.execute("SELECT set_config('session_replication_role', %s, true)", (was,))


def check(dbapi, table: str, frame: pl.DataFrame, keys: list[ForeignKey]) -> None:
    """Each foreign key of ``keys`` holds for the frame's rows: every distinct non-NULL value of its column is in
    the referenced table, and that row is locked FOR KEY SHARE until the transaction ends (as the per-row check
    locks it). Where one does not hold, the constraint is dropped and added back, so that PostgreSQL checks
    every row and raises its own error (a ForeignKeyViolation naming the value)."""
    for key in keys:
        values = frame[key.column].drop_nulls().unique().to_list()
        if not values:
            continue
        found = dbapi.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM ONLY {key.target} WHERE {key.target_column} = "
            f"ANY(%s::{key.target_type}[]) FOR KEY SHARE) x",
            (values,),
        ).fetchone()[0]
        if found != len(values):
            definition = dbapi.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
                (table, key.name),
            ).fetchone()[0]
            dbapi.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{key.name}"')
            dbapi.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{key.name}" {definition}')
