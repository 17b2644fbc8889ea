"""Where the database is, and opening it: created, migrated and seeded on first touch."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_URL = "QALA_DATABASE_URL"
ENV_HOME = "QALA_HOME"


class DatabaseError(RuntimeError):
    """The database cannot be opened or used; the message says why in plain words."""


def qala_home() -> Path:
    return Path(os.environ.get(ENV_HOME) or user_data_dir("qala", appauthor=False))


def database_url(explicit: str | None = None) -> str:
    """``--database`` first, then ``QALA_DATABASE_URL``, else an SQLite file in the data directory."""
    url = explicit or os.environ.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{qala_home() / 'qala.sqlite3'}"


# SQLite's page for a new database file (an existing one keeps its own): 16 KiB instead of SQLite's 4 KiB. A
# million-row import writes and indexes fewer, fuller pages (1 M rows: 4.4 s instead of 5.0 s, best of 3, under
# load); a small import takes as long (17 ms) and writes 130 KB to the log instead of 35 KB. 64 KiB gained about
# 0.25 s more for 530 KB a small commit (benchmarks/README.md, "sixth pass").
PAGE_SIZE = 16384


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before WAL: only a file without tables takes it
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def create(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"'{url}' is not a database URL (e.g. sqlite:///path.db, postgresql://...)") from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _create_private(path: Path) -> None:
    """A new SQLite file is readable by its owner only (mode 0600: it holds password hashes); SQLite gives
    its -wal and -shm files the same mode. A new data directory is the owner's only too (0700)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "qala.store:migrations")
    return cfg


def begin_sqlite(conn: Connection) -> None:
    """Open the transaction now on SQLite, so that DDL is inside it too.

    The sqlite3 module begins a transaction only before INSERT/UPDATE/DELETE: without this, each
    CREATE TABLE of a migration would commit on its own, and a killed migration would leave half a schema.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction whose reads all see one state of the database, whatever commits meanwhile:
    REPEATABLE READ on PostgreSQL, one read transaction (its WAL snapshot) on SQLite. For readers that make
    several queries that must agree (a backup; the rows and blocks of figures, ``qala.store.blocks``)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            begin_sqlite(conn)
            yield conn


def migrate_in(conn: Connection, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside the caller's transaction (PostgreSQL and SQLite alike)."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest revision (idempotent), all migrations in one transaction."""
    with engine.begin() as conn:
        begin_sqlite(conn)
        migrate_in(conn, revision)


def head_revision() -> str:
    """The newest schema revision this version of Qala migrates to."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
