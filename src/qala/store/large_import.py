"""The transaction of a large import on SQLite: its own checks in place of the foreign keys', and the
checkpoint after it left to a background thread.

SQLite checks a row's foreign keys one row at a time (two B-tree searches a figure: its city, its batch);
its documentation advises turning them off for a bulk load. An import of at least ``bulk.REBUILD_ROWS``
rows in a transaction of its own does so, because it checks every key it writes itself, in the same
transaction: the city of each row is one of the cities table (``import_into``, else nothing is written),
the batch is the row it has just inserted, and a superseded figure points at a figure of this batch.
The transaction takes the write lock at its start (``BEGIN IMMEDIATE``), so those checks read what it
commits over. ``PRAGMA foreign_keys`` only changes outside a transaction: it is turned off before ``BEGIN`` and on again
after ``COMMIT`` or ``ROLLBACK`` (a connection that cannot be set back is dropped, never pooled without it).

In WAL mode the connection that commits copies the new pages into the database file at once once the
log is long (the checkpoint: about as long as writing them). For such an import it is left to a thread
that checkpoints (``PASSIVE``: readers and writers go on meanwhile) right after the commit: the import
returns when its figures are committed, and the copy runs on the machine's other core. Nothing is lost if
the process ends first: the committed pages are in the log, and the next connection copies them.
PostgreSQL checks its foreign keys at once after a large COPY (``bulk._copy``): nothing here for it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import Connection, Engine

from qala.store import bulk

_checkpoints: list[threading.Thread] = []
_lock = threading.Lock()


def is_large(rows: int) -> bool:
    return rows >= bulk.REBUILD_ROWS


@contextlib.contextmanager
def import_transaction(engine: Engine, rows: int | None, *, roll_back: bool = False) -> Iterator[Connection]:
    """A connection in a new transaction for an import of ``rows`` rows (``None``: a streamed file, large),
    committed on leaving (rolled back with ``roll_back``: a dry run), rolled back on an error; on SQLite, from
    ``REBUILD_ROWS`` rows, as the module says."""
    if engine.dialect.name != "sqlite" or not (rows is None or is_large(rows)):
        with engine.connect() as conn, conn.begin() as tx:
            yield conn
            if roll_back:
                tx.rollback()
        return
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        dbapi.execute("PRAGMA foreign_keys=OFF")  # outside a transaction: SQLAlchemy has not begun one yet
        dbapi.execute("PRAGMA wal_autocheckpoint=0")
        committed = False
        try:
            with conn.begin() as tx:
                # At once the write lock: every check of the import (its cities) is then read in the snapshot
                # it writes to, so that no writer can delete what it checked before it commits.
                dbapi.execute("BEGIN IMMEDIATE")
                yield conn
                if roll_back:
                    tx.rollback()
            committed = not roll_back
        finally:
            try:
                dbapi.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
                dbapi.execute("PRAGMA foreign_keys=ON")
                restored = dbapi.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            except Exception:  # whatever went wrong, the connection must not go back to the pool as it is
                restored = False
            if not restored:
                conn.invalidate()
    if committed:
        checkpoint_soon(engine)


def checkpoint_soon(engine: Engine) -> threading.Thread:
    """Copy the write-ahead log into the database file in a thread of its own (non-daemon: a command waits for
    it before it exits). Its failure loses nothing (the log stays, and is copied later)."""

    def run() -> None:
        with contextlib.suppress(Exception), engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    thread = threading.Thread(target=run, name="qala-checkpoint")
    with _lock:
        _checkpoints[:] = [t for t in _checkpoints if t.is_alive()]
        _checkpoints.append(thread)
    thread.start()
    return thread


def wait_for_checkpoints() -> None:
    """Wait until every checkpoint this process started has ended (benchmarks and tests)."""
    with _lock:
        pending = list(_checkpoints)
    for thread in pending:
        thread.join()
