"""``qala backup`` and ``qala restore``: a portable archive of the whole database, restored exactly.

The archive is a zip: ``manifest.json`` (Qala version, schema revision, tables with their columns,
row counts and SHA-256) and ``tables/NAME.jsonl``, one canonical JSON line per row in primary-key
order (see ``backup_format``). It is engine-independent: a backup of SQLite restores into PostgreSQL
and back, and a second backup of the restored database is byte-identical per table.

A backup reads in one transaction (REPEATABLE READ on PostgreSQL, one WAL snapshot on SQLite). A
restore checks the whole archive first, then in one transaction: brings the target to the backup's
schema revision, loads every table in foreign-key order, resets PostgreSQL sequences, checks counts
and checksums again, and migrates to the newest revision. Any failure leaves the target as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, MetaData, Table, bindparam, func, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from qala import __version__
from qala.store import backup_sign, db
from qala.store.backup_format import FormatError, kind_of, line, parse
from qala.store.models import Base

FORMAT = "qala-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 2000
TRANSIENT = frozenset({"jobs"})  # finished and running jobs (and their report files) are not kept in backups


class BackupError(db.DatabaseError):
    """The archive or the target cannot be used; the message names what is wrong. Nothing was changed."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    backup_revision: str
    revision: str | None


# --- tables -------------------------------------------------------------------------------------
def _tables(conn: Connection) -> list[Table]:
    """The model tables present in the database, in foreign-key order, with the columns they have now."""
    insp = inspect(conn)
    present = set(insp.get_table_names())
    tables = []
    for model in Base.metadata.sorted_tables:
        if model.name not in present or model.name in TRANSIENT:
            continue
        reflected = {c["name"]: c for c in insp.get_columns(model.name)}
        unknown = [n for n, c in reflected.items() if n not in model.c and not c.get("computed")]
        if unknown:
            raise BackupError(f"table {model.name} has columns this Qala does not know: {', '.join(unknown)}")
        columns = [Column(c.name, c.type, primary_key=c.primary_key) for c in model.columns if c.name in reflected]
        tables.append(Table(model.name, MetaData(), *columns))
    return tables


def _kinds(table: Table) -> list[str]:
    return [kind_of(c.type) for c in table.columns]


def _rows(conn: Connection, table: Table) -> list[tuple]:
    """Every row in primary-key order (strings compared by code point, not by the server's collation)."""
    pk = list(table.primary_key.columns)
    rows = [tuple(r) for r in conn.execute(select(table).order_by(*pk))]
    if any(kind_of(c.type) != "int" for c in pk):
        idx = [list(table.columns).index(c) for c in pk]
        rows.sort(key=lambda r: tuple(r[i] for i in idx))
    return rows


def _dump(conn: Connection, table: Table) -> tuple[bytes, int]:
    kinds = _kinds(table)
    rows = _rows(conn, table)
    return b"".join(line(kinds, r) for r in rows), len(rows)


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


# --- backup -------------------------------------------------------------------------------------
def backup(engine: Engine, output: Path) -> dict[str, Any]:
    """Write a consistent snapshot of the database to ``output`` (atomically); return the manifest."""
    try:
        return _backup(engine, output)
    except DBAPIError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise BackupError(f"cannot read {where}; no backup written: {exc.orig}") from exc


def _backup(engine: Engine, output: Path) -> dict[str, Any]:
    part = output.with_name(output.name + ".part")
    key = backup_sign.backup_key()
    try:
        with db.snapshot(engine) as conn:
            revision = _revision(conn)
            if revision is None:
                raise BackupError(f"{engine.url.render_as_string(hide_password=True)} holds no Qala database")
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "qala_version": __version__,
                "alembic_revision": revision,
                "created_at": datetime.now(UTC).isoformat(),
                "source_dialect": engine.dialect.name,
                "tables": [],
            }
            part.unlink(missing_ok=True)
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it holds password hashes
            with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for table in _tables(conn):
                    data, count = _dump(conn, table)
                    name = f"tables/{table.name}.jsonl"
                    zf.writestr(name, data)
                    manifest["tables"].append(
                        {
                            "name": table.name,
                            "file": name,
                            "columns": [{"name": c.name, "kind": kind_of(c.type)} for c in table.columns],
                            "primary_key": [c.name for c in table.primary_key.columns],
                            "rows": count,
                            "sha256": hashlib.sha256(data).hexdigest(),
                        }
                    )
                manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
                zf.writestr(MANIFEST, manifest_bytes)
                zf.writestr(backup_sign.SIGNATURE, backup_sign.sign(manifest_bytes, key))
        os.replace(part, output)
    finally:
        part.unlink(missing_ok=True)
    return manifest


# --- reading an archive ---------------------------------------------------------------------------
def read_archive(path: Path, *, trust_unsigned: bool = False) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every table's bytes, checked against the manifest and its signature.

    A BackupError says why not; a missing or wrong signature is accepted only with ``trust_unsigned``.
    """
    where = f"backup {path}"
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad:
                raise BackupError(f"{where}: {bad} is damaged (CRC mismatch)")
            names = set(zf.namelist())
            if MANIFEST not in names:
                raise BackupError(f"{where}: no {MANIFEST} inside; not a Qala backup")
            manifest_bytes = zf.read(MANIFEST)
            signature = zf.read(backup_sign.SIGNATURE) if backup_sign.SIGNATURE in names else None
            manifest = json.loads(manifest_bytes)
            _check_manifest(manifest, where)
            files = {}
            for t in manifest["tables"]:
                if t["file"] not in names:
                    raise BackupError(f"{where}: {t['file']} is missing")
                files[t["name"]] = zf.read(t["file"])
    except FileNotFoundError as exc:
        raise BackupError(f"{where}: no such file") from exc
    except (zipfile.BadZipFile, EOFError) as exc:
        raise BackupError(f"{where}: not a zip archive, or truncated ({exc})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"{where}: {MANIFEST} is not valid JSON ({exc})") from exc
    for t in manifest["tables"]:
        data = files[t["name"]]
        if hashlib.sha256(data).hexdigest() != t["sha256"]:
            raise BackupError(f"{where}: {t['file']} does not match its SHA-256 in the manifest")
        lines = data.count(b"\n")
        if lines != t["rows"]:
            raise BackupError(f"{where}: {t['file']} has {lines} rows, the manifest says {t['rows']}")
    if not trust_unsigned:
        problem = backup_sign.check(manifest_bytes, signature, backup_sign.backup_key(), where)
        if problem:
            raise BackupError(problem)
    return manifest, files


def _check_manifest(manifest: Any, where: str) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{where}: {MANIFEST} is not a Qala backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{where}: backup format {manifest.get('format_version')}; this Qala reads format {FORMAT_VERSION}"
        )
    for key in ("alembic_revision", "tables"):
        if key not in manifest:
            raise BackupError(f"{where}: {MANIFEST} lacks '{key}'")


# --- restore --------------------------------------------------------------------------------------
def _revisions() -> list[str]:
    """Known schema revisions, oldest first."""
    script = ScriptDirectory.from_config(db.alembic_config())
    return [r.revision for r in script.walk_revisions()][::-1]


def restore(url: str, archive: Path, *, force: bool = False, trust_unsigned: bool = False) -> Restored:
    """Load an archive into the database at ``url``, all or nothing (see the module's docstring)."""
    manifest, files = read_archive(archive, trust_unsigned=trust_unsigned)
    revision = manifest["alembic_revision"]
    known = _revisions()
    if revision not in known:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this Qala ({__version__}, newest revision "
            f"{known[-1]}) does not know: restore it with a newer Qala"
        )
    _refuse_missing_sqlite(url)
    engine = db.create(url)
    try:
        with engine.begin() as conn:
            db.begin_sqlite(conn)
            _prepare_target(conn, revision, known, force=force)
            present = _tables(conn)
            entries = {t["name"]: t for t in manifest["tables"]}
            missing = sorted(set(entries) - {t.name for t in present})
            if missing:
                raise BackupError(f"tables {', '.join(missing)} of the backup do not exist at revision {revision}")
            tables = [_as_in_backup(t, entries[t.name]) for t in present if t.name in entries]
            rows = sum(_load(conn, t, entries[t.name], files[t.name]) for t in tables)
            _reset_sequences(conn, tables)
            _verify(conn, tables, entries)
            db.migrate_in(conn, "head")
            now = _revision(conn)
    except (FormatError, ValueError) as exc:
        raise BackupError(f"backup {archive}: a value cannot be read: {exc}") from exc
    except DBAPIError as exc:
        raise BackupError(f"backup {archive} cannot be loaded, nothing was restored: {exc.orig}") from exc
    finally:
        engine.dispose()
    return Restored(len(tables), rows, revision, now)


def _refuse_missing_sqlite(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise BackupError("restore into an SQLite file, not an in-memory database")


def _prepare_target(conn: Connection, revision: str, known: list[str], *, force: bool) -> None:
    current = _revision(conn)
    tables = _tables(conn)
    filled = [t.name for t in tables if conn.execute(select(func.count()).select_from(t)).scalar()]
    if filled and not force:
        raise BackupError(
            f"the target database is not empty ({', '.join(filled)}); restore into an empty database, "
            "or pass --force to replace everything in it"
        )
    for table in reversed(tables):
        conn.execute(table.delete())
    cfg = db.alembic_config()
    cfg.attributes["connection"] = conn
    from alembic import command  # noqa: PLC0415

    if current is not None and current not in known:
        raise BackupError(f"the target database is at schema revision {current}, which this Qala does not know")
    if current is not None and known.index(current) > known.index(revision):
        command.downgrade(cfg, revision)
    else:
        command.upgrade(cfg, revision)


def _self_references(name: str) -> dict[str, str]:
    """Columns of a table that refer to the table's own key (e.g. a record superseded by a newer one)."""
    model = Base.metadata.tables[name]
    return {fk.parent.name: fk.column.name for fk in model.foreign_keys if fk.column.table is model}


def _as_in_backup(table: Table, entry: dict[str, Any]) -> Table:
    """The target's table with its columns in the backup's order (checked to be the same columns)."""
    names = [c["name"] for c in entry["columns"]]
    have = [c.name for c in table.columns]
    if sorted(names) != sorted(have):
        raise BackupError(f"table {table.name}: the backup's columns {names} differ from the database's {have}")
    columns = [Column(n, table.c[n].type, primary_key=table.c[n].primary_key) for n in names]
    return Table(table.name, MetaData(), *columns)


def _load(conn: Connection, table: Table, entry: dict[str, Any], data: bytes) -> int:
    names = [c["name"] for c in entry["columns"]]
    kinds = [c["kind"] for c in entry["columns"]]
    # a reference to a later row of the same table points at the row itself first, and is set after
    selfref = _self_references(table.name)
    deferred: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    count = 0
    for raw in data.splitlines():
        row = dict(zip(names, parse(kinds, raw), strict=True))
        for col, target in selfref.items():
            if row[col] is not None:
                deferred.append({"_key": row[target], "_value": row[col]})
                row[col] = row[target]
        batch.append(row)
        count += 1
        if len(batch) >= CHUNK:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    for col, target in selfref.items():
        if deferred:
            stmt = update(table).where(table.c[target] == bindparam("_key")).values({col: bindparam("_value")})
            conn.execute(stmt, deferred)
    return count


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: each serial column continues after the highest restored key."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for col in table.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}).scalar()
            if seq:
                col_sql, table_sql = f'"{col.name}"', f'"{table.name}"'
                stmt = f"SELECT setval(:s, COALESCE(MAX({col_sql}), 1), MAX({col_sql}) IS NOT NULL) FROM {table_sql}"
                conn.execute(text(stmt), {"s": seq})


def _verify(conn: Connection, tables: list[Table], entries: dict[str, dict[str, Any]]) -> None:
    for table in tables:
        entry = entries[table.name]
        data, count = _dump(conn, table)
        if count != entry["rows"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BackupError(
                f"table {entry['name']} reads back differently after loading ({count} rows, "
                f"{entry['rows']} expected); nothing was restored"
            )
