"""PostgreSQL: the text columns of a figure's key that sorts compare (gpc_ref, activity, facility) compare byte by
byte (COLLATE "C") instead of by the database's locale. SQLite: nothing (it compares text byte by byte already).

Why: building ix_activity_current after a bulk import sorts a million keys. Under a libc locale (a cluster
made with C.UTF-8, en_US.UTF-8, ru_RU.UTF-8, ...) PostgreSQL 15 compares two texts through strcoll(), without
abbreviated keys; under "C" by memcmp(). At 1 M rows of one city and year the sort of that index took
1.1 s of CPU in one process, 0.64 s under "C" (benchmarks/README.md, "PostgreSQL").

What it changes: equality and uniqueness are the same under any deterministic collation (texts equal byte for
byte), so every lookup, the one-current-figure-per-key rule and the foreign keys behave as before. Only an ORDER
BY on these columns could differ: the store's queries that sort by them (the data package's tables, the
history and the estimates' listings) now give the same byte order on PostgreSQL, whatever the server's locale,
as on SQLite; the web pages sort in Python (Babel) and do not depend on it. city_code keeps the database's
collation: other tables join on it, and a sort never reaches it in that index (it is the last column).

The three columns' indexes (ix_activity_current) are rebuilt by PostgreSQL in the same statement.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = {"gpc_ref": 12, "activity": 60, "facility": 200}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    changes = ", ".join(f'ALTER COLUMN {c} TYPE varchar({n}) COLLATE "{collation}"' for c, n in COLUMNS.items())
    op.execute(f"ALTER TABLE activity_records {changes}")  # one statement: the index is rebuilt once


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
