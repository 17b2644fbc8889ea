"""Many rows in and out of the store at the driver's speed, inside the caller's transaction.

PostgreSQL takes rows with COPY (the frame written as CSV by polars, streamed to the server in blocks);
SQLite a large batch through a staging file that the Arrow-native ADBC driver fills and the import's own
connection attaches and copies from with one ``INSERT … SELECT`` (a small one through ``executemany``,
column by column); a large batch into a table not much
bigger than it drops the table's indexes first and builds them again after (one sort instead of a
million B-tree insertions; the unique index then checks the whole table). Reads go through the driver's
cursor straight into a polars frame, not through SQLAlchemy's rows. Table and column names are Qala's
own, never user text; values always travel as parameters or COPY data.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import re
import tempfile
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import polars as pl
from sqlalchemy import Connection, event
from sqlalchemy.exc import DBAPIError

from qala.store import bulk_pg

COPY_BLOCK = 200_000  # rows per block sent to COPY or executemany, or fetched (bounded memory for any batch)
REBUILD_ROWS = 50_000  # SQLite: from this many rows, and at least as many as the table holds, rebuild indexes
CHECK_ONCE_ROWS = 1_000  # PostgreSQL: from this many rows, a batch's foreign keys are checked once, not per row
PG_SORT_MEMORY = "256MB"  # PostgreSQL: maintenance_work_mem while a large batch's indexes are built
STAGE_ROWS = 20_000  # SQLite: from this many rows, through an ADBC-filled staging file (when ADBC is installed)
MAX_STAGES = 8  # SQLite: staging files attached in one transaction (a streamed import's first chunks), then bound
STAGE_PART = 200_000  # SQLite: a staged batch of at least two of these is written in parts, one while another is copied
STAGE_PARTS = 4  # SQLite: at most so many parts (each an attachment)
_stage_names = itertools.count(1)
NULL = r"\N"
SAFE_LITERAL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def insert_frame(
    conn: Connection, table: str, frame: pl.DataFrame, *, assign_ids: bool = False, keep: Collection[str] = ()
) -> pl.Series | None:
    """Insert every row of ``frame`` (its columns named as the table's) in the caller's transaction.

    ``assign_ids`` (a table whose key ``id`` the database numbers): the ids of the rows, in the frame's order,
    are returned — on SQLite in a write transaction (the only writer: each row gets one more than the highest,
    checked afterwards), on PostgreSQL when the batch is large enough to hold the table's exclusive lock (a
    block of the sequence taken at once and written with the rows); else None.
    ``keep``: indexes left in place when a large batch rebuilds the others — a partial index that no row of the
    batch enters costs a predicate check per row, not a scan of the table.
    The driver's own errors come out as SQLAlchemy's (an IntegrityError stays an IntegrityError)."""
    if frame.is_empty():
        return None
    try:
        if conn.dialect.name == "postgresql":
            return _copy(conn, table, frame, assign_ids, keep)
        numbered = assign_ids and conn.connection.driver_connection.in_transaction
        last = (conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0) if numbered else 0
        _executemany(conn, table, frame, keep)
        # SQLite gives each row one more than the highest id (documented; not when that is the largest integer):
        # checked by the new highest, then the ids follow the frame's order. An id in the insert itself would
        # cost a B-tree search per row (twice the time of the INSERT … SELECT).
        if numbered and conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() == last + frame.height:
            return _numbered(last + 1, frame.height)
        return None
    except conn.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(f"bulk insert into {table}", None, exc, conn.dialect.loaded_dbapi.Error) from exc


def _numbered(first: int, n: int) -> pl.Series:
    """The ids first, first + 1, … of n rows."""
    return pl.Series("id", np.arange(first, first + n, dtype=np.int64))


def _copy(
    conn: Connection, table: str, frame: pl.DataFrame, assign_ids: bool = False, keep: Collection[str] = ()
) -> pl.Series | None:
    """COPY FROM STDIN (``bulk_pg.copy_in``): in COPY's binary format, encoded from the frame's Arrow buffers,
    where every column has a binary form (every bit of a double kept), else in CSV.

    A large batch into a table not much bigger than it is loaded as PostgreSQL's manual advises
    ("Populating a Database"): the table's foreign keys, secondary indexes and primary key (unless another
    table's foreign key needs it) are dropped, the rows copied, then the indexes and the primary key built
    and the foreign keys added back, which checks every row at once — all in the caller's transaction (the
    table is locked meanwhile), so a failure leaves everything as it was. The indexes are built with
    ``maintenance_work_mem`` raised for this transaction only (the sort in memory). A column that holds one
    value in every row is not sent: it is the column's default during the COPY (``_constants_as_defaults``).

    A one-column foreign key to another table whose column the batch gives (the city, the batch) is not dropped
    where the role may set ``session_replication_role`` (``bulk_pg.checked_once``): its per-row trigger is off
    during the COPY only, and the batch's distinct values (one city, one batch) are looked up and locked once
    after it (``bulk_pg.check``) — the constraint stays in place and validated, and adding it back would scan the
    whole table. Where a value is missing, the key is dropped and added back, so that PostgreSQL reports it.
    A batch of at least ``CHECK_ONCE_ROWS`` rows into a larger table (a streamed import's later chunks) keeps
    every constraint and index, and has its keys' triggers off and its distinct values checked once the same
    way, where those keys are all the batch's rows could break (``bulk_pg.checked_in_place``).
    Indexes are never kept during the COPY to save their rebuild: a B-tree insertion per row cost more than the
    sort, even where every key lands at the right end (benchmarks/README.md, "PostgreSQL").
    """
    constraints, indexes, primary = _pg_rebuild(conn, table, frame.height)
    indexes = [(name, ddl) for name, ddl in indexes if name not in keep]
    frame = _without_null_columns(conn, table, frame)
    ids = None
    restore_defaults: list[str] = []
    sent = frame
    if constraints or indexes:
        conn.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # as DROP INDEX would take
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{PG_SORT_MEMORY}'")
        if assign_ids:  # no one else can insert (so draw from the sequence) until the transaction ends
            seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).scalar()
            first: int = conn.exec_driver_sql("SELECT nextval(%s)", (seq,)).scalar_one()
            conn.exec_driver_sql("SELECT setval(%s, %s)", (seq, first + frame.height - 1))
            ids = _numbered(first, frame.height)
            frame = frame.with_columns(ids)
        sent = frame
        frame, restore_defaults = _constants_as_defaults(conn, table, frame)
    dbapi = conn.connection.driver_connection  # psycopg 3, inside the same transaction
    if constraints:
        kept = bulk_pg.checked_once(dbapi, table, sent)
    elif frame.height >= CHECK_ONCE_ROWS and not indexes:  # every constraint stays: its own keys only
        kept = bulk_pg.checked_in_place(dbapi, table, sent)
    else:
        kept = []
    constraints = [(name, d) for name, d in constraints if name not in {k.name for k in kept}]
    for name, _ in constraints:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in primary:  # after the foreign keys: a self-reference needs it
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    with bulk_pg.triggers_off(dbapi) if kept else contextlib.nullcontext():
        bulk_pg.copy_in(dbapi, table, frame)
    bulk_pg.check(dbapi, table, sent, kept)
    for statement in restore_defaults:
        conn.connection.driver_connection.execute(statement.encode())  # bytes, no parameters: taken as written
    for _, ddl in indexes:
        conn.exec_driver_sql(ddl)
    for name, definition in [*primary, *constraints]:  # the primary key first: a self-reference needs it
        conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return ids


def _constants_as_defaults(conn: Connection, table: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """PostgreSQL, the table locked: each column that holds one integer, text or finite double in every row
    becomes the column's default for the COPY and leaves the frame (the server parses no field for it: a
    constant source text was a third of the bytes COPY parsed). Returns the frame and the statements that put
    the defaults back as they were. The value travels as a literal quoted by psycopg; a double as the shortest
    text that reads back as the same double, cast."""
    from psycopg import sql as pgsql  # noqa: PLC0415

    dbapi = conn.connection.driver_connection
    nulls = frame.null_count().row(0)
    fixed = {}
    for c, n_null in zip(frame.columns, nulls, strict=True):
        if c == "id" or n_null or not _one_value(frame[c]):
            continue
        value = frame[c][0]
        if isinstance(value, bool):
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                continue
            fixed[c] = pgsql.SQL("CAST({} AS double precision)").format(pgsql.Literal(repr(value)))
        elif isinstance(value, int | str):
            fixed[c] = pgsql.Literal(value)
    if not fixed or len(fixed) == frame.width:
        return frame, []
    defaults = dict(
        conn.exec_driver_sql(
            "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            (table,),
        ).all()
    )
    restore = []
    for c, literal in fixed.items():  # no parameters: psycopg leaves a '%' in a literal alone
        dbapi.execute(pgsql.SQL(f"ALTER TABLE {table} ALTER COLUMN {c} SET DEFAULT {{}}").format(literal))
        was = defaults.get(c)
        restore.append(
            f"ALTER TABLE {table} ALTER COLUMN {c} " + (f"SET DEFAULT {was}" if was is not None else "DROP DEFAULT")
        )
    return frame.drop(list(fixed)), restore


def _without_null_columns(conn: Connection, table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """PostgreSQL: the frame less its columns that are NULL throughout and whose default is NULL (the server
    writes them as it would read them, without parsing a field per row)."""
    empty = [c for c, n in zip(frame.columns, frame.null_count().row(0), strict=True) if n == frame.height]
    if not empty or len(empty) == frame.width:
        return frame
    defaulted = set(
        conn.exec_driver_sql(
            "SELECT a.attname FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = %s::regclass",
            (table,),
        ).scalars()
    )
    return frame.drop(c for c in empty if c not in defaulted)


def _pg_rebuild(
    conn: Connection, table: str, rows: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Foreign keys (name, definition), secondary indexes (name, DDL) and the primary key (name, definition;
    none when another table's foreign key refers to it) to drop and restore, or none."""
    if rows < REBUILD_ROWS:
        return [], [], []
    held = conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0
    if held > rows:
        return [], [], []
    primary = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'p' AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
        "AND f.confrelid = %s::regclass AND f.conrelid <> %s::regclass)",
        (table, table, table),
    ).all()
    constraints = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        (table,),
    ).all()
    indexes = conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.schemaname = current_schema() "
        "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('p', 'u', 'x')) ORDER BY i.indexname",
        (table, table),
    ).all()
    return [(n, d) for n, d in constraints], [(n, d) for n, d in indexes], [(n, d) for n, d in primary]


def _executemany(conn: Connection, table: str, frame: pl.DataFrame, keep: Collection[str] = ()) -> None:
    """SQLite: a large batch through staging files (``_staged``), a small one bound per row.

    Bound per row: only the columns that vary. A column that is NULL throughout is left to its default
    (NULL); one that holds the same integer, or the same short code (letters, digits, . _ -), throughout is
    written once into the statement. Text of any other kind and every float always travel as parameters
    (SQLite's own reading of a decimal literal is not always the nearest double)."""
    dbapi = conn.connection.driver_connection  # sqlite3, in the transaction the batch's row opened
    indexes = _indexes_to_rebuild(conn, table, frame.height) if dbapi.in_transaction else []
    indexes = [(name, ddl) for name, ddl in indexes if name not in keep]
    for name, _ in indexes:
        dbapi.execute(f'DROP INDEX "{name}"')
    staged = len(conn.connection.info.get("qala_stages", ()))  # this transaction's (SQLite attaches ten at most)
    adbc = _adbc_sqlite() if frame.height >= STAGE_ROWS and staged < MAX_STAGES else None
    if adbc is not None:
        _staged(conn, adbc, table, frame)
    else:
        _bound(dbapi, table, frame)
    for _, ddl in indexes:
        dbapi.execute(ddl)


def _bound(dbapi, table: str, frame: pl.DataFrame) -> None:
    varying, fixed = [], {}
    nulls = frame.null_count().row(0)
    for c, n_null in zip(frame.columns, nulls, strict=True):
        if n_null == frame.height:
            continue
        value = frame[c][0] if n_null == 0 and _one_value(frame[c]) else None
        if isinstance(value, int) and not isinstance(value, bool):
            fixed[c] = str(value)
        elif isinstance(value, str) and SAFE_LITERAL.match(value):
            fixed[c] = f"'{value}'"
        else:
            varying.append(c)
    if not varying:  # every column fixed (e.g. one row): bind one, so that each row is one parameter set
        first = next(iter(fixed))
        varying.append(first)
        del fixed[first]
    names = ", ".join([*varying, *fixed])
    marks = ", ".join([*(["?"] * len(varying)), *fixed.values()])
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    for start in range(0, frame.height, COPY_BLOCK):  # Python values for one block at a time
        part = frame.slice(start, COPY_BLOCK)
        dbapi.executemany(sql, zip(*(part[c].to_list() for c in varying), strict=True))


def load_drivers(conn: Connection) -> None:
    """Import now the modules a large batch will need (pyarrow and ADBC's SQLite driver, or pgpq): their first
    import takes 0.7 s, which a streamed import spends while its first chunk is read instead of after."""
    if conn.dialect.name == "postgresql":
        bulk_pg._pgpq()
    else:
        _adbc_sqlite()
    with contextlib.suppress(ImportError):
        import pyarrow  # noqa: F401, PLC0415 - polars' to_arrow imports it on first use


def _adbc_sqlite():
    """ADBC's SQLite driver (``adbc_driver_sqlite.dbapi``), or None where it is not installed."""
    try:
        import adbc_driver_sqlite.dbapi as adbc  # noqa: PLC0415
    except ImportError:
        return None
    return adbc


def _staged(conn: Connection, adbc, table: str, frame: pl.DataFrame) -> None:
    """The frame written by ADBC (Arrow, no Python value per cell) into new files of its own, closed, then
    attached by the import's connection and copied with one ``INSERT … SELECT`` each inside its transaction.

    A batch of at least twice ``STAGE_PART`` rows is cut into parts (as many as attachments are left, at most
    ``STAGE_PARTS``): while the import's connection copies one part, a second thread has ADBC write the
    next (both run outside the GIL, on two cores). The parts are copied in the frame's order, so that the
    rows get their ids as without parts.

    ADBC brings its own SQLite library: it never opens the store's file (two SQLite libraries in one process
    break each other's POSIX locks), and the store's connection opens a staging file only after ADBC closed
    it. A staging file is scratch (no journal, no fsync): it is unlinked as soon as it was read; the
    attachment itself ends when the connection goes back to the pool (``_detach_stages``), since a file read
    in a transaction cannot be detached before it ends. Values keep their type and bits: doubles are bound
    as doubles, texts as texts, NULL as NULL."""
    dbapi = conn.connection.driver_connection
    _watch_pool(conn)
    staged, fixed = _split_constant(frame)
    rows = frame.select(staged)
    free = MAX_STAGES - len(conn.connection.info.get("qala_stages", ()))
    parts = max(1, min(free, STAGE_PARTS, frame.height // STAGE_PART))
    cuts = [frame.height * i // parts for i in range(parts + 1)]
    names = ", ".join([*staged, *fixed])
    values = ", ".join([*staged, *("?" * len(fixed))])
    written: list[str] = []
    with ThreadPoolExecutor(1, thread_name_prefix="qala-stage") as writer:
        pending: Future[str] | None = writer.submit(_stage_file, adbc, rows.slice(0, cuts[1]))
        try:
            for i in range(parts):
                assert pending is not None
                path, pending = pending.result(), None
                written.append(path)
                if i + 1 < parts:  # the next part is written while this one is copied
                    pending = writer.submit(_stage_file, adbc, rows.slice(cuts[i + 1], cuts[i + 2] - cuts[i + 1]))
                schema = f"qala_stage_{next(_stage_names)}"
                dbapi.execute("ATTACH DATABASE ? AS " + schema, (path,))
                conn.connection.info.setdefault("qala_stages", []).append(schema)
                dbapi.execute(
                    f"INSERT INTO {table} ({names}) SELECT {values} FROM {schema}.rows ORDER BY rowid",
                    tuple(fixed.values()),
                )
                os.unlink(path)
        finally:
            if pending is not None:  # a part still being written when a copy failed
                with contextlib.suppress(Exception):
                    written.append(pending.result())
            for path in written:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


def _stage_file(adbc, rows: pl.DataFrame) -> str:
    """A new scratch SQLite file holding ``rows`` as its table ``rows``, written by ADBC and closed; its path."""
    fd, path = tempfile.mkstemp(prefix="qala-stage-", suffix=".sqlite3")
    os.close(fd)
    os.unlink(path)  # ADBC creates it
    try:
        with adbc.connect(path, autocommit=True) as staging, staging.cursor() as cur:
            cur.execute("PRAGMA journal_mode=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
            cur.adbc_ingest("rows", rows.to_arrow(), mode="create")
            cur.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return path


def _split_constant(frame: pl.DataFrame) -> tuple[list[str], dict[str, object]]:
    """The columns worth staging, and those that hold one value throughout (NULL, an integer, a float or a text).

    A constant column travels as one bound parameter of the ``INSERT … SELECT`` (a float as a double, its bits
    kept; NaN is staged, as sqlite3 would bind it as NULL), so that ADBC binds only the cells that vary (in a
    typical file: the amount, the facility, the row number and a few codes)."""
    staged: list[str] = []
    fixed: dict[str, object] = {}
    nulls = frame.null_count().row(0)
    for c, n_null in zip(frame.columns, nulls, strict=True):
        value = frame[c][0] if n_null == 0 and _one_value(frame[c]) else None
        plain = isinstance(value, int | str) and not isinstance(value, bool)
        if n_null == frame.height or (n_null == 0 and (plain or (isinstance(value, float) and not math.isnan(value)))):
            fixed[c] = value
        else:
            staged.append(c)
    if not staged:  # one column staged all the same: the staging table holds the rows
        first = next(iter(fixed))
        staged.append(first)
        del fixed[first]
    return staged, fixed


def _one_value(column: pl.Series) -> bool:
    """Whether a column without NULLs holds one value in every row, bit for bit (a float's -0.0 is not 0.0).

    Three rows are compared first (a column that varies usually shows it there), then every row with the first:
    no hashing of every value as ``n_unique`` does (0.45 s of CPU for a million rows of 17 columns)."""
    if column.dtype in (pl.Float64, pl.Float32):  # compared as their bits
        values = column.to_numpy()
        bits = values.view(np.int64 if values.itemsize == 8 else np.int32)
        return bool((bits == bits[0]).all())
    first = column[0]
    if column[-1] != first or column[column.len() // 2] != first:
        return False
    return bool((column == first).all())


def _watch_pool(conn: Connection) -> None:
    pool = conn.engine.pool
    if not event.contains(pool, "checkin", _detach_stages):
        event.listen(pool, "checkin", _detach_stages)


def _detach_stages(dbapi_conn, record) -> None:
    """A connection back in the pool (its transaction over): detach the staging files it attached."""
    if record is None:
        return
    stages = record.info.get("qala_stages")
    while stages:
        schema = stages.pop()
        with contextlib.suppress(Exception):  # a connection being closed takes its attachments with it
            dbapi_conn.execute(f"DETACH DATABASE {schema}")


def _indexes_to_rebuild(conn: Connection, table: str, rows: int) -> list[tuple[str, str]]:
    """A large batch into a table not larger than it: the table's indexes (name, DDL), to rebuild.

    Every index, including those whose columns hold one value throughout the batch (the batch id; the city
    and year of a file of one cell), whose new entries would all go to one place: kept during the insert,
    these cost more than they save (measured at 1 M rows: 7.4-7.7 s of CPU for the import against 6.0 s)."""
    if rows < REBUILD_ROWS:
        return []
    held = conn.exec_driver_sql(f"SELECT max(rowid) FROM {table}").scalar() or 0  # an upper bound, at once
    if held > rows:
        return []
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).all()
    return [(name, ddl) for name, ddl in found]


def read_frame(conn: Connection, sql: str, params: Sequence[object], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of ``sql`` (its placeholders written ``?``) as a frame of ``schema``, through the driver."""
    if conn.dialect.name == "postgresql":
        return _copy_out(conn, sql, params, schema)
    cursor = conn.connection.driver_connection.cursor()
    frames = [pl.DataFrame(schema=schema)]
    try:
        cursor.execute(sql, tuple(params))
        while rows := cursor.fetchmany(COPY_BLOCK):  # Python rows for one block at a time
            frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    finally:
        cursor.close()
    return pl.concat(frames, rechunk=True)


def read_rows(
    conn: Connection,
    table: str,
    schema: dict[str, pl.DataType],
    where: str,
    params: Sequence[object],
    usual: dict[str, object] | None = None,
) -> pl.DataFrame:
    """``SELECT <schema's columns> FROM table WHERE where ORDER BY id`` as a frame of ``schema`` (which has "id").

    ``usual``: columns that hold, in most rows, one value (NULL for most of them). On SQLite, where every
    value crosses into Python, the other columns are fetched for every row, and the ``usual`` ones only for
    the rows where any of them holds something else (a second query); every other row gets the usual values.
    PostgreSQL sends every column through COPY at once. ``conn`` is in one read snapshot (``db.snapshot``), so
    that both queries see the same rows."""
    names = list(schema)
    if conn.dialect.name != "sqlite" or not usual:
        return read_frame(conn, f"SELECT {', '.join(names)} FROM {table} WHERE {where} ORDER BY id", params, schema)
    common = [c for c in names if c not in usual]
    rare = ["id", *usual]
    differs = " OR ".join(f"{c} IS NOT ?" for c in usual)  # IS NOT: NULL compared as a value
    if not conn.connection.driver_connection.in_transaction:
        raise RuntimeError("read_rows makes two queries: give it a connection in one snapshot (db.snapshot)")
    sql = f"SELECT {', '.join(common)} FROM {table} WHERE {where} ORDER BY id"
    frame = read_frame(conn, sql, params, {c: schema[c] for c in common})
    sql = f"SELECT {', '.join(rare)} FROM {table} WHERE ({where}) AND ({differs})"
    others = read_frame(conn, sql, [*params, *usual.values()], {c: schema[c] for c in rare})
    filled = frame.with_columns(pl.lit(v, dtype=schema[c]).alias(c) for c, v in usual.items())
    if not others.is_empty():
        filled = filled.update(others, on="id", how="left", include_nulls=True)
    return filled.select(names)


def _copy_out(conn: Connection, sql: str, params: Sequence[object], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """COPY (query) TO STDOUT as CSV with every value quoted, so that an unquoted empty field is NULL and a
    quoted one an empty text; PostgreSQL writes a double as the shortest text that reads back the same."""
    from psycopg import sql as pgsql  # noqa: PLC0415

    dbapi = conn.connection.driver_connection
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError("one parameter per '?'")
    query = pgsql.SQL("").join(
        [pgsql.SQL(parts[0])]
        + [piece for p, text in zip(params, parts[1:], strict=True) for piece in (pgsql.Literal(p), pgsql.SQL(text))]
    )
    copy_sql = pgsql.SQL("COPY ({}) TO STDOUT (FORMAT csv, FORCE_QUOTE *)").format(query)
    buf = io.BytesIO()
    cursor = dbapi.cursor()
    try:
        with cursor.copy(copy_sql) as copy:
            for block in copy:
                buf.write(block)
    finally:
        cursor.close()
    if not buf.tell():
        return pl.DataFrame(schema=schema)
    frame = pl.read_csv(
        buf.getvalue(), has_header=False, new_columns=list(schema), infer_schema=False, empty_string_is_null=True
    )
    return frame.cast(schema)  # type: ignore[arg-type]
