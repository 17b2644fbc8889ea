"""``qala city`` and ``qala db``: cities and the database itself."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from qala.commands.common import DatabaseOpt, console
from qala.store import blocks, db
from qala.store.models import ActivityRecord, City, ImportBatch
from qala.store.seed import add_city, open_database

city_app = typer.Typer(help="Cities in the database.", no_args_is_help=True)
db_app = typer.Typer(help="The database: where it is, its schema revision, its contents.", no_args_is_help=True)


@city_app.command("list")
def city_list(database: DatabaseOpt = None) -> None:
    """List the cities."""
    engine = open_database(database)
    with engine.connect() as conn:
        for row in conn.execute(select(City.code, City.name_en, City.name_ru, City.name_kk, City.country)):
            console.print(" ".join(row))


@city_app.command("add")
def city_add(
    code: Annotated[str, typer.Argument(help="City code: lowercase letters, digits, _ or -.")],
    name_en: Annotated[str, typer.Option("--name-en")],
    name_ru: Annotated[str, typer.Option("--name-ru")],
    name_kk: Annotated[str, typer.Option("--name-kk")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2 code.")] = "KZ",
    database: DatabaseOpt = None,
) -> None:
    """Add a city, so that its activity data can be imported."""
    from qala.ingest.validate import CITY_RE  # noqa: PLC0415

    if not CITY_RE.match(code):
        raise typer.BadParameter("lowercase letters, digits, _ or -, starting with a letter", param_hint="CODE")
    engine = open_database(database)
    with engine.connect() as conn:
        if conn.execute(select(City.code).where(City.code == code)).first():
            raise typer.BadParameter(f"city '{code}' exists already", param_hint="CODE")
    add_city(engine, code, {"en": name_en, "ru": name_ru, "kk": name_kk}, country.upper())
    console.print(f"Added {code}.")


@db_app.command("info")
def db_info(database: DatabaseOpt = None) -> None:
    """Where the database is, its schema revision, and what it holds."""
    engine = open_database(database)
    t = Table(show_header=False)
    t.add_row("URL", engine.url.render_as_string(hide_password=True))
    t.add_row("Schema revision", str(db.current_revision(engine)))
    with engine.connect() as conn:
        t.add_row("Cities", str(conn.execute(select(func.count()).select_from(City)).scalar()))
        t.add_row("Import batches", str(conn.execute(select(func.count()).select_from(ImportBatch)).scalar()))
        kept = blocks.held_count(conn)  # figures kept as blocks (current, all of them)
        current = select(func.count()).select_from(ActivityRecord).where(ActivityRecord.superseded_by.is_(None))
        t.add_row("Activity records (current)", str(conn.execute(current).scalar() + kept))
        every = select(func.count()).select_from(ActivityRecord)
        t.add_row("Activity records (all)", str(conn.execute(every).scalar() + kept))
    console.print(t)


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Create or migrate the database to the newest schema (and load the bundled cities)."""
    engine = open_database(database)
    console.print(f"Schema at revision {db.current_revision(engine)}.")
