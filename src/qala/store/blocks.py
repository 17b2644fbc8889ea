"""Figures of a large import kept as blocks of columns: one row of ``figure_blocks`` per block, not a row each.

A million figures written as a million rows cost the store alone 3.0 s (SQLite) and 4.4 s (PostgreSQL) on a
two-core machine, before any of Qala's own work and whatever the indexes (benchmarks/README.md, "(b) eighth
pass"). An import that brings at least ``BLOCK_ROWS`` new figures (figures for keys that hold no current
figure) keeps them instead as one block: their columns in an Arrow IPC file compressed with zstd (about 13 MB
a million figures, written in 0.2 s), with the batch it belongs to and the cities and years it holds.

What stays as it was:

- **Ids and provenance.** Figure ``i`` of a block (0-based, in the file's order) has the record id
  ``first_id + i``, drawn from the same numbering as the rows; it keeps its batch (file, SHA-256, who, when)
  and its row in the file. Every reader (``held``) gives a block's figures with the columns a row has.
- **Nothing is changed in place.** A block is written once and never rewritten (its ``sha256`` is kept).
  A figure of a block that must change — superseded by a later import, retired by a revert, replaced by an
  estimate's successor — is first copied into ``activity_records`` with its id, batch and row
  (``materialise``), and from then on lives there: a figure of a block whose id is in ``activity_records``
  is not read from the block any more.
- **One state per reader.** A reader of figures reads the rows and the blocks in one snapshot
  (``db.snapshot``), so that a figure moved from a block into a row meanwhile is seen once.
- **One current figure per key.** A block holds only figures that were new when it was written, so no other
  figure of its keys was current then; any later figure for one of its keys supersedes it, and so
  materialises it first, where the unique index of current figures checks the rule again. Writers of figures
  take the figures' lock (``lock``) before they read what is current, so that two of them cannot both find
  a key free (PostgreSQL; SQLite has one writer at a time).
- **The numbering.** The last figure of each block is materialised when the block is written: the highest id
  in use is then always in ``activity_records``, where SQLite numbers a new row from and a restored backup
  sets PostgreSQL's sequence from.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator

import numpy as np
import polars as pl
from sqlalchemy import Connection, Select, func, insert, select
from sqlalchemy.exc import IntegrityError

from qala.store import locks
from qala.store.bulk import insert_frame
from qala.store.models import ActivityRecord, FigureBlock, ImportBatch

BLOCK_ROWS = 50_000  # an import's new figures, from which they are kept as a block (QALA_BLOCK_ROWS)
T, BLK, B = ActivityRecord.__table__, FigureBlock.__table__, ImportBatch.__table__
SCHEMA: dict[str, pl.DataType] = {
    "city_code": pl.String(),
    "year": pl.Int64(),
    "gpc_ref": pl.String(),
    "activity": pl.String(),
    "activity_as_written": pl.String(),
    "facility": pl.String(),
    "amount": pl.Float64(),
    "unit": pl.String(),
    "source": pl.String(),
    "data_quality": pl.String(),
    "ef_co2": pl.Float64(),
    "ef_ch4": pl.Float64(),
    "ef_n2o": pl.Float64(),
    "ncv": pl.String(),
    "note": pl.String(),
    "source_row": pl.Int64(),
}  # a block's columns: those of a row an import writes
ROW_EXTRA: dict[str, pl.DataType] = {
    "status": pl.String(),
    "method": pl.String(),
    "inputs": pl.String(),
    "superseded_by": pl.Int64(),
    "superseded_at": pl.Datetime(time_zone="UTC"),
}  # what a row has besides: a block's figures are reported, current figures
BATCH: dict[str, pl.DataType] = {"imported_by": pl.String()}  # of the batch: whose figures they are
_CACHE: OrderedDict[str, pl.DataFrame] = OrderedDict()  # decoded payloads by digest (a block never changes)
_CACHE_SIZE = 2  # a decoded million figures take about 150 MB
_cache_lock = threading.Lock()


def block_rows() -> int:
    """``QALA_BLOCK_ROWS`` (a whole number of at least 1), else ``BLOCK_ROWS``."""
    raw = os.environ.get("QALA_BLOCK_ROWS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) >= 1 else BLOCK_ROWS


def takes(new_figures: int) -> bool:
    """Whether an import's ``new_figures`` are kept as a block."""
    return new_figures >= block_rows()  # at least 1


def lock(conn: Connection) -> None:
    """Hold the figures' lock until the transaction ends (``locks.hold``: PostgreSQL, an advisory lock; SQLite,
    the database's write lock), so that what a writer of figures reads next is what it writes over."""
    locks.hold(conn, "qala figures")


def _reserve(conn: Connection, n: int) -> int:
    """The first of ``n`` record ids no figure has (the caller holds the figures' lock)."""
    if conn.dialect.name == "postgresql":
        seq = conn.exec_driver_sql("SELECT pg_get_serial_sequence('activity_records', 'id')").scalar()
        first: int = conn.exec_driver_sql("SELECT nextval(%s)", (seq,)).scalar_one()
        conn.exec_driver_sql("SELECT setval(%s, %s)", (seq, first + n - 1))
        return first
    return int(conn.execute(select(func.max(T.c.id))).scalar() or 0) + 1


def encode(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.select(list(SCHEMA)).cast(SCHEMA).write_ipc(buf, compression="zstd")  # type: ignore[arg-type]
    return buf.getvalue()


def write(conn: Connection, batch_id: int, frame: pl.DataFrame) -> pl.Series:
    """Keep ``frame``'s figures (new ones, of ``SCHEMA``'s columns) as one block of ``batch_id``; their ids."""
    n = frame.height
    key = frame.select("city_code", "year", "gpc_ref", "activity", "facility")
    if key.n_unique() != n:  # what the unique index of current figures checks for rows, checked here
        twice = key.filter(key.is_duplicated()).row(0)
        raise IntegrityError(
            "INSERT INTO figure_blocks",
            None,
            ValueError(f"one current figure per key: the block holds {twice} twice"),
        )
    first = _reserve(conn, n)
    payload = encode(frame)
    cells = sorted(frame.group_by("city_code", "year").len().iter_rows())  # [city, year, figures]
    conn.execute(
        insert(BLK).values(
            batch_id=batch_id,
            first_id=first,
            rows=n,
            cells=json.dumps(cells),
            sha256=hashlib.sha256(payload).hexdigest(),
            payload=payload,
        )
    )
    materialise(conn, [first + n - 1])  # the highest id in use kept in activity_records (the module says why)
    return pl.Series("id", np.arange(first, first + n, dtype=np.int64))


def _decoded(conn: Connection, block_id: int, digest: str, columns: list[str] | None = None) -> pl.DataFrame:
    """A block's figures (``columns`` only: read for the call, not kept), its digest checked."""
    if columns is None:
        with _cache_lock:
            if digest in _CACHE:
                _CACHE.move_to_end(digest)
                return _CACHE[digest]
    payload = conn.execute(select(BLK.c.payload).where(BLK.c.id == block_id)).scalar_one()
    if hashlib.sha256(payload).hexdigest() != digest:
        raise RuntimeError(f"figure block #{block_id} does not match its SHA-256: the store is damaged")
    frame = pl.read_ipc(io.BytesIO(payload), columns=columns)
    if columns is None:
        with _cache_lock:
            _CACHE[digest] = frame
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return frame


def _cells(raw: str) -> list[tuple[str, int, int]]:
    """A block's (city, year, figures) triples."""
    return [(c, y, n) for c, y, n in json.loads(raw)]


def _blocks(conn: Connection, *, city: str | None, years: Iterable[int] | None, batch_id: int | None) -> list:
    stmt = select(BLK.c.id, BLK.c.batch_id, BLK.c.first_id, BLK.c.rows, BLK.c.cells, BLK.c.sha256).order_by(BLK.c.id)
    if batch_id is not None:
        stmt = stmt.where(BLK.c.batch_id == batch_id)
    wanted = None if years is None else set(years)
    return [
        b
        for b in conn.execute(stmt)
        if any((city is None or c == city) and (wanted is None or y in wanted) for c, y, _ in _cells(b.cells))
    ]


def _moved(b, **where: object) -> Select:
    """The ids of block ``b``'s figures that are rows now (materialised), of ``where``'s column values."""
    last = b.first_id + b.rows - 1
    return select(T.c.id).where(
        T.c.batch_id == b.batch_id, T.c.id.between(b.first_id, last), *(T.c[c] == v for c, v in where.items())
    )


def parts(
    conn: Connection,
    *,
    city: str | None = None,
    years: Iterable[int] | None = None,
    batch_id: int | None = None,
    up_to: int | None = None,
    ids: Iterable[int] | None = None,
    keys: pl.DataFrame | None = None,
    columns: Iterable[str] | None = None,
) -> Iterator[pl.DataFrame]:
    """The figures held in blocks (not materialised), one block at a time: as ``held``; with ``columns`` only
    those of ``SCHEMA`` (and ``id``, ``batch_id``), read for the call (a large batch's figures are then
    never all in memory at once)."""
    years = None if years is None else sorted(set(years))
    wanted = None if ids is None else np.unique(np.fromiter(ids, dtype=np.int64))
    needed = None
    if columns is not None:
        filtered = ["city_code"] * (city is not None) + ["year"] * (years is not None)
        filtered += list(keys.columns) if keys is not None else []
        needed = list(dict.fromkeys([c for c in columns if c in SCHEMA] + filtered))
    for b in _blocks(conn, city=city, years=years, batch_id=batch_id):
        last = b.first_id + b.rows - 1
        if wanted is not None and not ((wanted >= b.first_id) & (wanted <= last)).any():
            continue
        if up_to is not None and b.first_id > up_to:
            continue
        frame = _decoded(conn, b.id, b.sha256, needed).with_columns(
            pl.int_range(b.first_id, last + 1, dtype=pl.Int64).alias("id"),
            pl.lit(b.batch_id, pl.Int64).alias("batch_id"),
        )
        conditions = []
        if city is not None:
            conditions.append(pl.col("city_code") == city)
        if years is not None:
            conditions.append(pl.col("year").is_in(years))
        if up_to is not None:
            conditions.append(pl.col("id") <= up_to)
        if wanted is not None:
            conditions.append(pl.col("id").is_in(pl.Series(wanted).implode()))
        if conditions:
            frame = frame.filter(pl.all_horizontal(conditions))
        if keys is not None:
            frame = frame.join(keys.cast({c: SCHEMA[c] for c in keys.columns}), on=keys.columns, how="semi")
        out = np.fromiter((r for (r,) in conn.execute(_moved(b))), dtype=np.int64)
        if out.size:
            frame = frame.filter(~pl.col("id").is_in(pl.Series(out).implode()))
        if frame.is_empty():
            continue
        if columns is not None:
            yield frame.select("id", "batch_id", *(c for c in columns if c in SCHEMA))
            continue
        batch = conn.execute(select(*(B.c[c] for c in BATCH)).where(B.c.id == b.batch_id)).one()  # one row
        yield frame.with_columns(
            *(pl.lit(None, t).alias(c) for c, t in ROW_EXTRA.items() if c != "status"),
            pl.lit("reported").alias("status"),
            *(pl.lit(v, BATCH[c]).alias(c) for c, v in zip(BATCH, batch, strict=True)),
        ).select(empty().columns)


def held(conn: Connection, **where: object) -> pl.DataFrame:
    """The figures held in blocks (not materialised) of ``city``, ``years``, ``batch_id``, with an id up to
    ``up_to``, among ``ids``, of the ``keys`` given (a frame of some of ``SCHEMA``'s columns): as rows of
    ``activity_records`` (``id``, ``batch_id``, ``SCHEMA``, ``ROW_EXTRA``) with who imported them
    (``BATCH``), ordered by id."""
    frame = pl.concat([empty(), *parts(conn, **where)])  # type: ignore[arg-type]
    return frame if frame["id"].is_sorted() else frame.sort("id")


def held_years(conn: Connection, city: str) -> set[int]:
    """The years of ``city`` that blocks hold figures of (from the blocks' counts: nothing decoded)."""
    years: set[int] = set()
    for b in _blocks(conn, city=city, years=None, batch_id=None):
        for c, y, n in _cells(b.cells):
            if c == city and y not in years:
                moved = conn.execute(select(func.count()).select_from(_moved(b, city_code=c, year=y).subquery()))
                if n > moved.scalar():
                    years.add(y)
    return years


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"id": pl.Int64(), "batch_id": pl.Int64(), **SCHEMA, **ROW_EXTRA, **BATCH})


def materialise(conn: Connection, ids: Iterable[int]) -> None:
    """Copy the figures of ``ids`` that are held in a block into ``activity_records`` (same id, batch, row;
    current), so that they can be changed there; ids of rows already are left."""
    ids = list(ids)
    if not ids or not conn.execute(select(func.count()).select_from(BLK)).scalar():
        return  # most stores have no blocks
    frame = held(conn, ids=ids)
    if not frame.is_empty():
        insert_frame(conn, T.name, frame.select("id", "batch_id", *SCHEMA))


def held_count(conn: Connection) -> int:
    """How many figures are held in blocks (not materialised)."""
    total = 0
    for b in _blocks(conn, city=None, years=None, batch_id=None):
        total += b.rows - conn.execute(select(func.count()).select_from(_moved(b).subquery())).scalar_one()
    return total


def batches(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, object]]:
    """The provenance of import batches by id that ``held`` does not give (file, SHA-256, when), as the store
    gives it."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(B.c.id, B.c.file_name, B.c.sha256, B.c.imported_at).where(B.c.id.in_(wanted))
    return {
        r.id: {"file_name": r.file_name, "sha256": r.sha256, "imported_at": r.imported_at} for r in conn.execute(stmt)
    }
