"""Run ``qala ARGS`` and stop it at one point of its first writing transaction, for the parent to SIGKILL it there.

    python tests/fault_child.py POINT FD qala-args...

POINT is where the child stops:

- ``first-write``: just after the first statement that writes (INSERT, UPDATE, DELETE, CREATE, ALTER, DROP):
  the transaction is open and holds a write;
- ``before-commit``: every statement of that transaction has run, its COMMIT has not been sent;
- ``after-commit``: the database has acknowledged the COMMIT, the process has not gone on;
- ``chunk-K-written`` (a streamed import, ``qala.ingest.stream``): the first K chunks of the file are
  validated and written in the open transaction, the next one has been asked for (the import reads one
  ahead, so it may be read already: the point is taken in the import's thread). The child counts, in its
  own transaction, the rows of its batch written so far and prints ``rows written: N`` to stderr (a count of
  0 stops it with an error instead: nothing had been written).

There the child writes one byte to the pipe FD and sleeps until it is killed. The parent waits on the pipe: the
byte means "kill me now", end of file means the child exited without reaching the point (a failure). Nothing
waits on a clock. The hooks are SQLAlchemy's own events (and the dialect's ``do_commit``), installed in the
child only: Qala's code runs unchanged.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import DefaultDialect

POINTS = ("first-write", "before-commit", "after-commit")
CHUNK_POINT = re.compile(r"^chunk-([1-9][0-9]*)-written$")
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b", re.IGNORECASE)


def main() -> None:
    point, fd, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    chunk_point = CHUNK_POINT.match(point)
    if point not in POINTS and not chunk_point:
        raise SystemExit(f"unknown point {point!r}: one of {', '.join(POINTS)} or chunk-K-written")
    wrote: set[int] = set()  # DBAPI connections whose transaction has written
    batch_writer: list = []  # the connection that inserted the import batch: its transaction sees its rows

    def reached() -> None:
        os.write(fd, b"!")
        while True:  # until SIGKILL
            signal.pause()

    @event.listens_for(Engine, "after_cursor_execute")
    def after_execute(conn, _cursor, statement, _params, _context, _executemany) -> None:
        if WRITES.match(statement):
            if re.match(r"\s*INSERT INTO import_batches\b", statement, re.IGNORECASE):
                batch_writer[:] = [conn]
            first = not wrote
            wrote.add(id(conn.connection.dbapi_connection))
            if first and point == "first-write":
                reached()

    @event.listens_for(Engine, "commit")
    def before_commit(conn) -> None:
        if point == "before-commit" and id(conn.connection.dbapi_connection) in wrote:
            reached()

    do_commit = DefaultDialect.do_commit

    def commit_then_stop(self, connection) -> None:  # the pool's proxy of the DBAPI connection
        do_commit(self, connection)
        if point == "after-commit" and id(getattr(connection, "dbapi_connection", connection)) in wrote:
            reached()

    DefaultDialect.do_commit = commit_then_stop  # type: ignore[method-assign]

    if chunk_point:
        from sqlalchemy import func, select

        from qala.store import blocks, records  # after the hooks are installed, as qala below
        from qala.store.models import ActivityRecord

        after = int(chunk_point.group(1))
        read_ahead = records.read_ahead

        @contextlib.contextmanager
        def counted(chunks, depth=1):
            """The chunks as the import takes them (the next one read ahead in a thread meanwhile); after the
            K-th, when the import has written it and asks for the next, in the import's own thread."""
            with read_ahead(chunks, depth) as ahead:

                def taken():
                    for k, chunk in enumerate(ahead, 1):
                        yield chunk
                        if k == after:
                            (conn,) = batch_writer
                            batch = conn.exec_driver_sql("SELECT max(id) FROM import_batches").scalar()
                            rows = (
                                conn.execute(
                                    select(func.count())
                                    .select_from(ActivityRecord)
                                    .where(ActivityRecord.batch_id == batch)
                                ).scalar()
                                + blocks.held(conn, batch_id=batch).height
                            )  # as rows, or kept in blocks
                            if not rows:
                                raise SystemExit(f"nothing written after chunk {k}")
                            print(f"rows written: {rows}", file=sys.stderr, flush=True)
                            reached()

                yield taken()

        records.read_ahead = counted  # observed, not changed: the same chunks in the same order

    from qala.cli import main as qala_main

    sys.argv = ["qala", *args]
    qala_main()


if __name__ == "__main__":
    main()
