"""A transaction that holds an exclusive lock: a check and the write it allows cannot interleave.

Used where parallel requests must not all pass one check (sign-in delays, the one-time setup link, the
job queue's bounds). SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock before the first read.
PostgreSQL: a transaction-scoped advisory lock on a number derived from the lock's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def hold(conn: Connection, name: str) -> None:
    """Take the lock ``name`` in ``conn``'s transaction, until it ends. SQLite: the database's write lock, taken
    now unless the transaction has written already (pysqlite itself would begin only before the first write)."""
    if conn.dialect.name != "sqlite":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(name)})
    elif not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def locked(engine: Engine, name: str) -> Iterator[Connection]:
    """A connection in a transaction that holds the lock ``name`` until it commits (or rolls back)."""
    with engine.connect() as conn, conn.begin():
        hold(conn, name)
        yield conn
