"""Reading and writing activity records: all-or-nothing imports, supersession, provenance."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, Select, bindparam, func, insert, select, update

from qala.ingest import columns as cols
from qala.ingest.limits import ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read_ahead import read_ahead
from qala.ingest.seen_keys import SeenKeys
from qala.ingest.validate import ValidatedTable
from qala.inventory.result import NotationKey
from qala.store import blocks, db
from qala.store.bulk import insert_frame, load_drivers, read_frame, read_rows
from qala.store.large_import import import_transaction
from qala.store.models import ActivityRecord, City, ImportBatch, NotationKeyRecord

RECORD_COLUMNS = (
    "city_code",
    "year",
    "gpc_ref",
    "activity",
    "activity_as_written",
    "facility",
    "amount",
    "unit",
    "source",
    "data_quality",
    "ef_co2",
    "ef_ch4",
    "ef_n2o",
    "ncv",
    "note",
    "source_row",
)
T = ActivityRecord.__table__
KEY_COLUMNS = ["city_code", "year", "gpc_ref", "activity", "facility"]
REPORTED, ESTIMATED = "reported", "estimated"
HELD_CACHE_ROWS = 500_000  # a streamed import into a store of at most so many figures reads those it holds once


@dataclass
class Notice:
    file: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}: {self.message}"


@dataclass
class FileOutcome:
    file: str
    sha256: str
    rows_read: int
    new: int = 0
    superseding: int = 0
    duplicates: list[Notice] = field(default_factory=list)
    superseded: list[Notice] = field(default_factory=list)
    batch_id: int | None = None
    estimates_replaced: int = 0  # estimates of whole cells that stepped aside for these reported figures

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "new": self.new,
            "superseding": self.superseding,
            "duplicates": [str(d) for d in self.duplicates],
            "superseded": [str(s) for s in self.superseded],
            "batch_id": self.batch_id,
            "estimates_replaced": self.estimates_replaced,
        }


@dataclass
class ImportReport:
    files: list[FileOutcome]
    dry_run: bool
    # With ``keep_current``: every current record of each (city, year) the import wrote, as ``activity_frame``
    # gives them right after it — built from what the import held, not read back.
    current: dict[tuple[str, int], pl.DataFrame] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, object]:
        return {"dry_run": self.dry_run, "files": [f.to_dict() for f in self.files]}

    def current_frame(self, city: str, year: int) -> pl.DataFrame:
        """``activity_frame(engine, city, year)`` as the import left it (KeyError for a year it did not write)."""
        return self.current[(city, year)]


def known_cities(conn: Connection) -> list[str]:
    return list(conn.execute(select(City.code).order_by(City.code)).scalars())


def import_tables(
    engine: Engine,
    tables: list[ValidatedTable],
    *,
    who: str,
    dry_run: bool = False,
    now: datetime | None = None,
    own_only: bool = False,
    keep_current: bool = False,
) -> ImportReport:
    """Write validated tables in one transaction, or nothing; report duplicates and supersessions.

    ``own_only`` (a data provider's upload): a figure may supersede only figures ``who`` imported; one
    that would replace another account's figure is refused, without showing that figure.
    ``keep_current``: the report keeps the current records of the years written (``ImportReport.current``),
    so that an inventory of them needs no reading back.
    A large import on SQLite checks its foreign keys itself (``large_import``).
    """
    rows = sum(t.records.height for t in tables)
    with import_transaction(engine, rows) as conn:
        return import_into(
            conn, tables, who=who, dry_run=dry_run, now=now, own_only=own_only, keep_current=keep_current
        )


def import_into(
    conn: Connection,
    tables: list[ValidatedTable],
    *,
    who: str,
    dry_run: bool = False,
    now: datetime | None = None,
    own_only: bool = False,
    audit_as: str | None = None,
    keep_current: bool = False,
) -> ImportReport:
    """As ``import_tables``, inside the caller's transaction (a dry run writes nothing).

    ``audit_as``: who the audit log names when it is not ``who`` (an editor accepting a provider's figures).
    """
    now = now or datetime.now(UTC)
    outcomes = [FileOutcome(t.file, t.sha256, t.records.height + len(t.duplicates)) for t in tables]
    for t, out in zip(tables, outcomes, strict=True):
        out.duplicates.extend(
            Notice(d.file, d.row, f"exact duplicate of {d.same_as}; counted once") for d in t.duplicates
        )
    if not dry_run:
        blocks.lock(conn)  # what is current is read, then written on: by one writer of figures at a time
    cities = set(known_cities(conn))
    unknown = ~pl.col("city").is_in(sorted(cities))
    problems = [
        Problem(t.file, row, "city", city, f"a known city ({', '.join(sorted(cities)) or 'none yet'})")
        for t in tables
        for city, row in t.records.filter(unknown).select("city", "source_row").iter_rows()
    ]
    batches = _cross_file(tables, problems)
    if problems:
        raise ValidationFailed(problems)
    current: dict[tuple[str, int], pl.DataFrame] = {}
    for frame, out in zip(batches, outcomes, strict=True):
        held = _import_one(
            conn, frame, out, who=who, now=now, dry_run=dry_run, own_only=own_only, keep_current=keep_current
        )
        current.update(held)  # a later file's view of a year includes what the earlier ones wrote
        if not dry_run:
            from qala.store.users import audit  # noqa: PLC0415 - users imports this module's neighbours

            audit(conn, audit_as or who, "import", "import_batch", str(out.batch_id), None, out.to_dict())
    return ImportReport(outcomes, dry_run, current)


def import_stream(
    engine: Engine,
    file: str,
    sha256: str,
    chunks: Iterable[tuple[ValidatedTable | None, Sequence[Problem]]],
    *,
    who: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """One large file, validated chunk by chunk (``chunks``: each a validated table, or its problems) and
    written as it comes, in one transaction and one import batch: all or nothing, as ``import_tables``.

    The same key in two chunks is found without keeping the rows: a hash of each key seen so far is kept
    (8 bytes a row, in one sorted array: ``SeenKeys``), and a key seen before is compared with the figure
    already written in this batch: identical is a duplicate (counted once), different is the problem
    ``validate_table`` reports within a file. After the first problem nothing more is written, but every
    chunk is still checked; a dry run writes everything and rolls it back."""
    now = now or datetime.now(UTC)
    out = FileOutcome(file, sha256, 0)
    problems: list[Problem] = []
    told: set[Problem] = set()
    with import_transaction(engine, None, roll_back=dry_run) as conn:  # large, as a streamed file is
        blocks.lock(conn)
        cities = known_cities(conn)
        before = conn.execute(select(func.max(T.c.id))).scalar() or 0
        batch_id = conn.execute(
            insert(ImportBatch)
            .values(
                file_name=file,
                sha256=sha256,
                imported_by=who,
                imported_at=now,
                rows_read=0,
                rows_new=0,
                rows_superseding=0,
                rows_duplicate=0,
            )
            .returning(ImportBatch.id)
        ).scalar_one()
        seen = SeenKeys(ImportLimits.from_env().max_rows)
        held = {} if before <= HELD_CACHE_ROWS else None  # the figures held before, by city and year, read once
        years: set[tuple[str, int]] = set()
        with read_ahead(_hashed(chunks)) as ahead:  # the next chunk read, validated and hashed meanwhile
            load_drivers(conn)  # while the first chunk is read
            for table, found, hashes in ahead:
                fresh = [p for p in found if p not in told]  # a header problem comes with every chunk
                told.update(fresh)
                problems.extend(fresh)
                if table is None:
                    continue
                out.rows_read += table.records.height + len(table.duplicates)
                out.duplicates.extend(
                    Notice(d.file, d.row, f"exact duplicate of {d.same_as}; counted once") for d in table.duplicates
                )
                records = table.records
                unknown = records.filter(~pl.col("city").is_in(cities)).select("city", "source_row")
                problems.extend(
                    Problem(file, row, "city", city, f"a known city ({', '.join(cities) or 'none yet'})")
                    for city, row in unknown.iter_rows()
                )
                again = seen.met(hashes)
                if again.any():
                    records = _seen_before(conn, batch_id, file, records, pl.Series(again), out, problems)
                seen.add(hashes)
                del hashes, again
                if problems:
                    continue  # check the rest, write nothing more
                new_rows, superseding, _ = _classify(conn, records, out, who=who, before=before, cache=held)
                years.update(_write(conn, batch_id, new_rows, superseding, now)[0])
                del table, records, unknown, new_rows, superseding  # freed before the next chunk is taken
        if problems:
            raise ValidationFailed(problems)
        conn.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(
                rows_read=out.rows_read,
                rows_new=out.new,
                rows_superseding=out.superseding,
                rows_duplicate=len(out.duplicates),
            )
        )
        from qala.store.estimates import estimates_step_aside  # noqa: PLC0415 - estimates imports this module
        from qala.store.users import audit  # noqa: PLC0415 - users imports this module's neighbours

        out.estimates_replaced = estimates_step_aside(conn, batch_id, now, years)
        out.batch_id = None if dry_run else batch_id
        audit(conn, who, "import", "import_batch", str(batch_id), None, out.to_dict())
    return ImportReport([out], dry_run)


def _hashed(
    chunks: Iterable[tuple[ValidatedTable | None, Sequence[Problem]]],
) -> Iterator[tuple[ValidatedTable | None, Sequence[Problem], np.ndarray]]:
    """Each chunk with the 8-byte hashes of its records' keys (in the read-ahead's thread: 0.5 s a million rows)."""
    for table, found in chunks:
        if table is None:
            hashes = np.empty(0, dtype=np.uint64)
        else:
            hashes = table.records.select(pl.struct(list(cols.KEY)).hash(7).alias("h"))["h"].to_numpy()
        held = [(table, found, hashes)]  # yielded from a list: this frame keeps no chunk while it waits
        del table, found, hashes
        yield held.pop()


def _seen_before(
    conn: Connection,
    batch_id: int,
    file: str,
    records: pl.DataFrame,
    again: pl.Series,
    out: FileOutcome,
    problems: list[Problem],
) -> pl.DataFrame:
    """Rows whose key hash was seen in an earlier chunk: compared with the figure this batch wrote for the key
    (a hash shared by two keys finds none, and the row stays)."""
    drop = []
    repeated = records.filter(again)
    keys = repeated.select(
        pl.col("city").alias("city_code"), "year", "gpc_ref", "activity", pl.col("facility").fill_null("")
    )
    kept = blocks.held(conn, batch_id=batch_id, keys=keys)  # written as a block by an earlier chunk
    in_block = {
        (r["city_code"], r["year"], r["gpc_ref"], r["activity"], r["facility"]): SimpleNamespace(**r)
        for r in kept.select("source_row", *KEY_COLUMNS, *cols.VALUE).to_dicts()
    }
    for rec in repeated.iter_rows(named=True):
        key = (rec["city"], rec["year"], rec["gpc_ref"], rec["activity"], rec["facility"] or "")
        first = (
            in_block.get(key)
            or conn.execute(
                select(T.c.source_row, T.c.amount, T.c.unit, T.c.ef_co2, T.c.ef_ch4, T.c.ef_n2o, T.c.ncv).where(
                    T.c.batch_id == batch_id,
                    T.c.city_code == rec["city"],
                    T.c.year == rec["year"],
                    T.c.gpc_ref == rec["gpc_ref"],
                    T.c.activity == rec["activity"],
                    T.c.facility == (rec["facility"] or ""),
                )
            ).first()
        )
        if first is None:
            continue
        if all(rec[c] == getattr(first, c) for c in cols.VALUE):
            drop.append(rec["source_row"])
            out.duplicates.append(
                Notice(file, rec["source_row"], f"exact duplicate of row {first.source_row}; counted once")
            )
        else:
            amount = f"{rec['amount']:g}"
            problems.append(
                Problem(
                    file,
                    rec["source_row"],
                    "amount",
                    amount,
                    f"one figure per year, gpc_ref, activity and facility: row {first.source_row} gives "
                    f"{first.amount:g} {first.unit} for the same key; give each a distinct "
                    "facility, sum them, or remove one",
                )
            )
    return records.filter(~pl.col("source_row").is_in(drop)) if drop else records


def _cross_file(tables: list[ValidatedTable], problems: list[Problem]) -> list[pl.DataFrame]:
    """The same key in two files of one import: identical is a duplicate, different is an error."""
    seen: dict[tuple, tuple[str, int, tuple]] = {}
    frames = []
    for t in tables:
        drop = []
        for rec in t.records.iter_rows(named=True) if len(tables) > 1 else ():
            key = tuple(rec[c] for c in cols.KEY)
            value = tuple(rec[c] for c in cols.VALUE)
            if key in seen:
                other_file, other_row, other_value = seen[key]
                if other_value == value:
                    drop.append(rec["source_row"])
                else:
                    problems.append(
                        Problem(
                            t.file,
                            rec["source_row"],
                            "amount",
                            f"{rec['amount']:g}",
                            f"one figure per key in one import: {other_file} row {other_row} "
                            "gives a different figure for the same year, gpc_ref, activity and facility",
                        )
                    )
            else:
                seen[key] = (t.file, rec["source_row"], value)
        frames.append(t.records.filter(~pl.col("source_row").is_in(drop)) if drop else t.records)
    return frames


def _import_one(
    conn: Connection,
    records: pl.DataFrame,
    out: FileOutcome,
    *,
    who: str,
    now: datetime,
    dry_run: bool,
    own_only: bool = False,
    keep_current: bool = False,
) -> dict[tuple[str, int], pl.DataFrame]:
    """Classify and write one file's records; with ``keep_current`` the current records of each (city, year)
    written, afterwards (what was current before, less what this import retired, plus what it wrote)."""
    new_rows, superseding, existing = _classify(
        conn, records, out, who=who, own_only=own_only, full=keep_current and not dry_run
    )
    if dry_run:
        return {}
    batch_id = conn.execute(
        insert(ImportBatch)
        .values(
            file_name=out.file,
            sha256=out.sha256,
            imported_by=who,
            imported_at=now,
            rows_read=out.rows_read,
            rows_new=out.new,
            rows_superseding=out.superseding,
            rows_duplicate=len(out.duplicates),
        )
        .returning(ImportBatch.id)
    ).scalar_one()
    out.batch_id = batch_id
    years, written = _write(conn, batch_id, new_rows, superseding, now, with_ids=keep_current)
    from qala.store.estimates import estimates_step_aside  # noqa: PLC0415 - estimates imports this module

    retired: list[int] = []
    out.estimates_replaced = estimates_step_aside(conn, batch_id, now, years, retired)
    if not keep_current:
        return {}
    gone = pl.concat([superseding["id_old"].cast(pl.Int64), pl.Series("id_old", retired, pl.Int64)])
    kept = existing.filter(~pl.col("id").is_in(gone.implode()))
    fresh = written.with_columns(
        status=pl.lit(REPORTED), method=pl.lit(None, pl.String), inputs=pl.lit(None, pl.String)
    )
    columns = ["city_code", *ACTIVITY_SCHEMA]
    after = pl.concat([kept.select(columns).cast(ACTIVITY_SCHEMA), fresh.select(columns).cast(ACTIVITY_SCHEMA)])
    after = after.with_columns(pl.col("facility").replace("", None))  # as activity_frame gives it
    cells = set(years) | set(_cells(existing))  # all duplicates: a cell too
    return {(c, y): _by_id(after if len(cells) == 1 else after.filter(city_code=c, year=y)) for c, y in cells}


def _by_id(frame: pl.DataFrame) -> pl.DataFrame:
    """The records of one cell ordered by id, as ``activity_frame`` reads them (usually so already: not sorted)."""
    frame = frame.drop("city_code")
    return frame if frame["id"].is_sorted() else frame.sort("id")


def _classify(
    conn: Connection,
    records: pl.DataFrame,
    out: FileOutcome,
    *,
    who: str,
    own_only: bool = False,
    before: int | None = None,
    full: bool = False,
    cache: dict[tuple[str, int], pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """New figures and figures superseding a current one (with its id_old), and the current records of the
    cities and years of ``records`` (every column of ``activity_frame`` too when ``full``); notices of
    duplicates and supersessions added to ``out``. ``before``: only records with an id up to it count as held
    (``cache``: as ``_current_for``)."""
    recs = records.rename({"city": "city_code"}).with_columns(pl.col("facility").fill_null(""))
    held = _current_for(conn, recs, before, full=full, cache=cache)
    key = ["city_code", "year", "gpc_ref", "activity", "facility"]
    existing = held.rename({c: f"{c}_old" for c in held.columns if c not in key})
    if existing.is_empty():  # nothing held in these years (a first import): every row is new, no join to make
        joined = recs.with_columns(pl.lit(None, t).alias(c) for c, t in existing.schema.items() if c not in key)
    else:
        joined = recs.join(existing, on=key, how="left")
    same = (
        (pl.col("amount") == pl.col("amount_old"))
        & (pl.col("unit") == pl.col("unit_old"))
        & (pl.col("status_old") == REPORTED)  # a reported figure equal to an estimate still replaces it
    )
    for c in (*cols.EF, "ncv"):
        same = same & pl.col(c).eq_missing(pl.col(f"{c}_old"))
    new_rows = joined.filter(pl.col("id_old").is_null())
    duplicates = joined.filter(pl.col("id_old").is_not_null() & same)
    superseding = joined.filter(pl.col("id_old").is_not_null() & ~same)
    if own_only:
        foreign = superseding.filter((pl.col("imported_by_old") != who) & (pl.col("status_old") == REPORTED))
        if not foreign.is_empty():
            raise ValidationFailed(
                [
                    Problem(
                        out.file,
                        rec["source_row"],
                        "amount",
                        None,
                        "a figure for a key no other account holds: this year, gpc_ref, activity and facility "
                        "already have a figure imported by someone else, which only an editor can replace",
                    )
                    for rec in foreign.iter_rows(named=True)
                ]
            )
    for rec in duplicates.iter_rows(named=True):
        msg = f"same figure as record #{rec['id_old']} already in the base; counted once"
        out.duplicates.append(Notice(out.file, rec["source_row"], msg))
    for rec in superseding.iter_rows(named=True):
        what = "the estimate" if rec["status_old"] == ESTIMATED else "record"
        msg = (
            f"supersedes {what} #{rec['id_old']} ({rec['amount_old']:g} {rec['unit_old']} -> "
            f"{rec['amount']:g} {rec['unit']}); the old figure is kept in the history"
        )
        out.superseded.append(Notice(out.file, rec["source_row"], msg))
    out.new += new_rows.height
    out.superseding += superseding.height
    return new_rows, superseding, held


def _write(
    conn: Connection,
    batch_id: int,
    new_rows: pl.DataFrame,
    superseding: pl.DataFrame,
    now: datetime,
    *,
    with_ids: bool = False,
) -> tuple[list[tuple[str, int]], pl.DataFrame]:
    """Insert the figures of a batch, retiring those they supersede; the (city, year) pairs written, and with
    ``with_ids`` the rows written with their ids (else an empty frame).

    The ids are given in the insert where ``insert_frame`` can (SQLite; a large batch on PostgreSQL), else the
    sequence gives them and they are read back by source row (one per row in a batch) when needed."""
    old_ids = superseding["id_old"].to_list()
    if old_ids:
        # The partial unique index allows one current figure per key: retire the old ones first
        # (pointing at themselves for a moment), then insert, then point them at their successors.
        blocks.materialise(conn, old_ids)  # a figure held in a block is changed as a row
        for chunk in _chunks(old_ids, 500):
            conn.execute(update(T).where(T.c.id.in_(chunk)).values(superseded_by=T.c.id, superseded_at=now))
    kept: pl.DataFrame | None = None
    if blocks.takes(new_rows.height):  # many new figures: kept as one block, the superseding ones as rows
        kept = new_rows.select(RECORD_COLUMNS).with_columns(batch_id=batch_id)
        kept = kept.with_columns(blocks.write(conn, batch_id, kept))
        new_rows = new_rows.clear()
    rows = pl.concat([new_rows, superseding]).select(RECORD_COLUMNS).with_columns(batch_id=batch_id)
    last = conn.execute(select(func.max(T.c.id))).scalar() or 0
    # Every row is a reported figure (status by default): none enters the partial index of estimates.
    ids = insert_frame(conn, T.name, rows, assign_ids=True, keep=("ix_activity_estimates",))
    if ids is not None:
        rows = rows.with_columns(ids)
    elif old_ids or with_ids:
        found = read_frame(
            conn,
            f"SELECT source_row, id FROM {T.name} WHERE id > ? AND batch_id = ?",
            [last, batch_id],
            {"source_row": pl.Int64, "id": pl.Int64},
        )
        rows = rows.join(found, on="source_row", how="left")
    if old_ids:
        pairs = superseding.select("id_old", "source_row").join(rows.select("source_row", "id"), on="source_row")
        conn.execute(
            update(T).where(T.c.id == bindparam("old")).values(superseded_by=bindparam("new")),
            [{"old": old, "new": new} for old, _, new in pairs.iter_rows()],
        )
    if kept is not None:  # the block's figures first: their ids are the lower
        if "id" not in rows.columns:
            rows = rows.with_columns(pl.lit(None, pl.Int64).alias("id"))
        rows = pl.concat([kept, rows.select(kept.columns)], how="vertical_relaxed")
    years = _cells(rows)
    return years, rows if with_ids else rows.clear()


def _cells(frame: pl.DataFrame) -> list[tuple[str, int]]:
    """The (city_code, year) pairs of ``frame``, sorted: a file of one city and one year (the usual case) is
    recognised by comparing its columns with their first value, without hashing every row."""
    if frame.is_empty():
        return []
    city, year = frame["city_code"], frame["year"]
    if not city.null_count() and not year.null_count() and (city == city[0]).all() and (year == year[0]).all():
        return [(city[0], year[0])]
    return sorted(frame.select("city_code", "year").unique().iter_rows())


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _current_for(
    conn: Connection,
    recs: pl.DataFrame,
    before: int | None = None,
    *,
    full: bool = False,
    cache: dict[tuple[str, int], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """The current records of the cities and years of ``recs`` (with ``before``: those with an id up to it and
    of ``recs``' keys only). ``cache`` (a streamed import): each city and year's records up to ``before`` read
    once and kept for the chunks after (they can only have been superseded since by this import, for keys of an
    earlier chunk, which a later chunk's rows never reach: ``_seen_before``). Without it each chunk would read
    them again, and the engine, finding them through the city/year index, would walk every figure the import has
    written so far (PostgreSQL: 0.04 s for the second chunk of 1 M rows, 0.24 s for the ninth)."""
    schema: dict[str, pl.DataType] = {
        "id": pl.Int64,
        "city_code": pl.String,
        "year": pl.Int64,
        "gpc_ref": pl.String,
        "activity": pl.String,
        "facility": pl.String,
        "amount": pl.Float64,
        "unit": pl.String,
        "ef_co2": pl.Float64,
        "ef_ch4": pl.Float64,
        "ef_n2o": pl.Float64,
        "ncv": pl.String,
        "status": pl.String,
        "imported_by": pl.String,
    }
    if full:  # every column of activity_frame
        schema |= {c: t for c, t in ACTIVITY_SCHEMA.items() if c not in schema}
    names = ", ".join("b.imported_by" if c == "imported_by" else f"r.{c}" for c in schema)  # in the schema's order
    frames = [pl.DataFrame(schema=schema)]
    by_city: dict[str, list[int]] = {}
    for city, year in _cells(recs):
        by_city.setdefault(city, []).append(year)

    def query(city: str, years: list[int], up_to: int | None) -> pl.DataFrame:
        sql = (
            f"SELECT {names} FROM {T.name} r JOIN {ImportBatch.__tablename__} b ON b.id = r.batch_id "
            f"WHERE r.city_code = ? AND r.year IN ({', '.join('?' * len(years))}) AND r.superseded_by IS NULL"
        )
        if up_to is None:
            rows = read_frame(conn, sql, [city, *years], schema)
        else:
            rows = read_frame(conn, sql + " AND r.id <= ?", [city, *years, up_to], schema)
        kept = blocks.held(conn, city=city, years=years, up_to=up_to)
        return rows if kept.is_empty() else pl.concat([rows, kept.select(list(schema)).cast(schema)])

    for city, years in by_city.items():
        if before is None:
            frames.append(query(city, years, None))
            continue
        # A chunk of a streamed file: held before the import began, and of this chunk's keys only.
        if cache is None:
            held = query(city, years, before)
        else:
            if missing := [y for y in years if (city, y) not in cache]:
                read = query(city, missing, before)
                cache.update({(city, y): read.filter(pl.col("year") == y) for y in missing})
            held = pl.concat([cache[(city, y)] for y in years])
        frames.append(held.join(recs.select(KEY_COLUMNS), on=KEY_COLUMNS, how="semi"))
    return pl.concat(frames)


# --- reading ------------------------------------------------------------------------------------
ACTIVITY_SCHEMA = {
    "id": pl.Int64,
    "year": pl.Int64,
    "gpc_ref": pl.String,
    "activity": pl.String,
    "amount": pl.Float64,
    "unit": pl.String,
    "facility": pl.String,
    "ef_co2": pl.Float64,
    "ef_ch4": pl.Float64,
    "ef_n2o": pl.Float64,
    "ncv": pl.String,
    "source": pl.String,
    "data_quality": pl.String,
    "status": pl.String,
    "method": pl.String,
    "inputs": pl.String,
}  # the columns of activity_frame (and of a published version's frozen records)
# Columns that are NULL in most records (and a status that is mostly "reported"): fetched only for the records
# where they are not (bulk.read_rows).
USUAL = dict.fromkeys(("ef_co2", "ef_ch4", "ef_n2o", "ncv", "data_quality", "method", "inputs")) | {"status": REPORTED}


def activity_frame(engine: Engine, city: str, year: int | None = None) -> pl.DataFrame:
    """Current (not superseded) records of a city, optionally of one year, for the inventory."""
    schema = ACTIVITY_SCHEMA
    where, params = "city_code = ? AND superseded_by IS NULL", [city]
    if year is not None:
        where, params = where + " AND year = ?", [city, year]
    with db.snapshot(engine) as conn:
        frame = read_rows(
            conn, T.name, schema, where, params, USUAL | ({} if year is None else {"year": year})
        )  # the driver's rows straight into polars
        kept = blocks.held(conn, city=city, years=None if year is None else [year])
    if not kept.is_empty():
        frame = pl.concat([frame, kept.select(list(schema)).cast(schema)]).sort("id")
    return frame.with_columns(pl.col("facility").replace("", None))


def years_with_data(engine: Engine, city: str) -> list[int]:
    with db.snapshot(engine) as conn:
        years = set(
            conn.execute(
                select(T.c.year).where(T.c.city_code == city, T.c.superseded_by.is_(None)).distinct()
            ).scalars()
        )
        years.update(blocks.held_years(conn, city))
    return sorted(years)


def notation_keys(engine: Engine, city: str, year: int) -> dict[str, NotationKey]:
    nk = NotationKeyRecord.__table__
    stmt = select(nk.c.gpc_ref, nk.c.key, nk.c.explanation).where(nk.c.city_code == city, nk.c.year == year)
    with engine.connect() as conn:
        return {ref: NotationKey(key, why) for ref, key, why in conn.execute(stmt)}


def history(engine: Engine, city: str, year: int, gpc_ref: str, activity: str, facility: str = "") -> list[dict]:
    """Every figure ever imported for one key, oldest first, with its provenance."""
    batches = ImportBatch.__table__
    stmt = (
        select(
            T.c.id,
            T.c.amount,
            T.c.unit,
            T.c.source,
            T.c.data_quality,
            T.c.note,
            T.c.source_row,
            T.c.superseded_by,
            T.c.superseded_at,
            T.c.status,
            T.c.method,
            batches.c.file_name,
            batches.c.sha256,
            batches.c.imported_by,
            batches.c.imported_at,
        )
        .join(batches, batches.c.id == T.c.batch_id)
        .where(
            T.c.city_code == city,
            T.c.year == year,
            T.c.gpc_ref == gpc_ref,
            T.c.activity == activity,
            T.c.facility == facility,
        )
        .order_by(T.c.id)
    )
    key = pl.DataFrame({"gpc_ref": [gpc_ref], "activity": [activity], "facility": [facility]})
    with db.snapshot(engine) as conn:
        found = [dict(r._mapping) for r in conn.execute(stmt)]
        kept = _with_batches(conn, blocks.held(conn, city=city, years=[year], keys=key), stmt)
    return sorted(found + kept, key=lambda r: r["id"])


def _with_batches(conn: Connection, kept: pl.DataFrame, stmt: Select) -> list[dict]:
    """Figures held in blocks as the rows ``stmt`` (a query over records joined with their batches) gives."""
    if kept.is_empty():
        return []
    batch = blocks.batches(conn, kept["batch_id"].unique().to_list())
    names = [c.name for c in stmt.selected_columns]
    merged = ({**r, **batch[r["batch_id"]]} for r in kept.to_dicts())
    return [{c: m[c] for c in names} for m in merged]


def record_provenance(
    engine: Engine, city: str, year: int | None = None, include_superseded: bool = False
) -> list[dict]:
    batches = ImportBatch.__table__
    stmt = (
        select(
            T.c.id,
            T.c.year,
            T.c.gpc_ref,
            T.c.activity,
            T.c.facility,
            T.c.amount,
            T.c.unit,
            T.c.source,
            T.c.data_quality,
            T.c.source_row,
            T.c.superseded_by,
            T.c.status,
            T.c.method,
            batches.c.file_name,
            batches.c.sha256,
            batches.c.imported_by,
            batches.c.imported_at,
        )
        .join(batches, batches.c.id == T.c.batch_id)
        .where(T.c.city_code == city)
    )
    if year is not None:
        stmt = stmt.where(T.c.year == year)
    if not include_superseded:
        stmt = stmt.where(T.c.superseded_by.is_(None))
    with db.snapshot(engine) as conn:
        found = [dict(r._mapping) for r in conn.execute(stmt.order_by(T.c.year, T.c.gpc_ref, T.c.activity, T.c.id))]
        kept = blocks.held(conn, city=city, years=None if year is None else [year])
        if kept.is_empty():
            return found
        rows = found + _with_batches(conn, kept, stmt)
    # as the query orders them (text compared byte by byte, as the key's columns are on either store)
    return sorted(rows, key=lambda r: (r["year"], r["gpc_ref"].encode(), r["activity"].encode(), r["id"]))


def data_version(engine: Engine) -> int:
    """A number that changes whenever activity data change (the newest import batch): a cache key."""
    from sqlalchemy import func  # noqa: PLC0415

    with engine.connect() as conn:
        return int(conn.execute(select(func.max(ImportBatch.id))).scalar() or 0)


def state_version(engine: Engine) -> int:
    """A number that changes whenever anything a report shows may have changed (the newest audited write)."""
    from sqlalchemy import func  # noqa: PLC0415

    from qala.store.models import AuditEntry  # noqa: PLC0415

    quiet = ("login", "logout", "display_name", "password", "password_reset", "reset_link")
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(AuditEntry.id)).where(AuditEntry.action.not_in(quiet))).scalar() or 0)
