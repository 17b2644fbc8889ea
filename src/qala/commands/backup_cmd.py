"""``qala backup`` and ``qala restore``: the whole database as a portable archive, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from qala.commands.common import DatabaseOpt, console
from qala.store import db
from qala.store.backup import BackupError, backup, restore


def backup_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="The archive to write (a .zip).")],
    database: DatabaseOpt = None,
) -> None:
    """Write a consistent snapshot of the database to one portable archive (SQLite or PostgreSQL)."""
    url = db.database_url(database)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise BackupError(f"there is no database at {url}")
    manifest = backup(db.create(url), output)
    rows = sum(t["rows"] for t in manifest["tables"])
    tables, revision = len(manifest["tables"]), manifest["alembic_revision"]
    console.print(f"Wrote {output}: {tables} tables, {rows} rows, schema revision {revision}.")


def restore_command(
    archive: Annotated[Path, typer.Argument(help="An archive written by qala backup.")],
    database: DatabaseOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace everything in a database that is not empty.")] = False,
    trust_unsigned: Annotated[
        bool,
        typer.Option("--trust-unsigned", help="Restore an archive whose signature is missing or not this key's."),
    ] = False,
) -> None:
    """Restore an archive into an empty database (all or nothing; signature and checksums checked first)."""
    done = restore(db.database_url(database), archive, force=force, trust_unsigned=trust_unsigned)
    console.print(
        f"Restored {done.rows} rows in {done.tables} tables from {archive} "
        f"(schema revision {done.backup_revision}, now {done.revision})."
    )
