"""Credentials with a life cycle, progressive sign-in delays, password resets, background jobs.

* ``users.display_name``: the name a person chooses to be shown in public pages (never the user name).
* ``api_tokens``: scopes (``read``, ``import``), an expiry, a revocation and the last use.
* ``login_throttle`` replaces ``login_failures``: one row per user name, address or device with its
  failures and the moment the next attempt is allowed (checked and reserved in one locked transaction).
* ``password_resets``: one-time links made by an administrator (only their SHA-256 is kept).
* ``jobs``: imports, reports and exports run by the job runner: state, progress and the result.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(80)))
    with op.batch_alter_table("api_tokens") as batch:
        # tokens made before scopes existed keep what they could do: read and import
        batch.add_column(sa.Column("scopes", sa.String(40), nullable=False, server_default="read,import"))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True)))
    op.drop_index("ix_login_failures_username", table_name="login_failures")
    op.drop_table("login_failures")
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("phase", sa.String(200), nullable=False),
        sa.Column("cache_key", sa.String(300)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("result", sa.Text),
        sa.Column("file", sa.LargeBinary),
        sa.Column("file_name", sa.String(200)),
        sa.Column("media_type", sa.String(100)),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_index("ix_jobs_cache_key", "jobs", ["cache_key"])


def downgrade() -> None:
    op.drop_index("ix_jobs_cache_key", table_name="jobs")
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
    op.drop_table("password_resets")
    op.drop_table("login_throttle")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_username", "login_failures", ["username"])
    with op.batch_alter_table("api_tokens") as batch:
        for column in ("last_used_at", "revoked_at", "expires_at", "scopes"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("display_name")
