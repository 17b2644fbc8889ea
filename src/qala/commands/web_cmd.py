"""``qala serve`` (the web platform) and ``qala user`` (people and API tokens)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from qala.commands.common import DatabaseOpt, console, err
from qala.store import users
from qala.store.seed import open_database

WORKER_STARTUP_SECONDS = 120
user_app = typer.Typer(help="People who sign in to the web platform, and API tokens.", no_args_is_help=True)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
    database: DatabaseOpt = None,
) -> None:
    """The web platform (on a fresh database: created, migrated, Astana loaded)."""
    import os  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    from qala.store.db import database_url  # noqa: PLC0415
    from qala.web.settings import WebSettings  # noqa: PLC0415

    url = database_url(database)
    engine = open_database(url)
    WebSettings.from_env(url)  # refuse a placeholder secret before starting
    if not users.has_admin(engine):
        token = users.issue_setup_token(engine)
        shown = "localhost" if host in ("0.0.0.0", "::") else host
        console.print(
            f"[bold]No administrator yet.[/bold] Create one at http://{shown}:{port}/setup?token={token} "
            "(the link works once), or run: qala user add NAME --role admin"
        )
    os.environ["QALA_DATABASE_URL"] = url
    console.print(f"Qala on http://{host}:{port}  (database: {engine.url.render_as_string(hide_password=True)})")
    uvicorn.run(
        "qala.web.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=True,
        factory=False,
        # a worker loads Qala (pandas, polars, pint, the catalog) before it answers the supervisor's ping:
        # uvicorn's 5 s default kills and restarts it forever on a slow or busy machine
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Again: "):
        raise typer.BadParameter("the two passwords differ")
    return first


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="User name: lowercase letters, digits, '.', '_' or '-'.")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(users.ROLES)}.")],
    full_name: Annotated[str | None, typer.Option("--full-name")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Add a person (there is no default password: you type one, or pipe it with --password-stdin)."""
    try:
        users.add_user(open_database(database), username, _password(password_stdin), role, full_name=full_name)
    except users.UserError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"Added {username} ({role}).")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "script",
    database: DatabaseOpt = None,
) -> None:
    """Create an API token for a user (shown once; only its hash is kept)."""
    try:
        token = users.new_token(open_database(database), username, name)
    except users.UserError as exc:
        raise typer.BadParameter(str(exc)) from exc
    err.print("Keep this token; it is not shown again:")
    typer.echo(token)


@user_app.command("list")
def user_list(database: DatabaseOpt = None) -> None:
    """List the people who can sign in."""
    t = Table()
    for col in ("User", "Role", "Name", "Active", "Since"):
        t.add_column(col)
    for u in users.list_users(open_database(database)):
        t.add_row(u["username"], u["role"], u["full_name"] or "", str(u["active"]), str(u["created_at"])[:19])
    console.print(t)
