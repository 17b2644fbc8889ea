"""``qala serve`` (the web platform) and ``qala user`` (people and API tokens)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from qala.commands.common import DatabaseOpt, console, current_user, err
from qala.store import tokens, users
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
        users.add_user(
            open_database(database), username, _password(password_stdin), role, full_name=full_name, who=current_user()
        )
    except users.UserError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"Added {username} ({role}).")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "script",
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="read and/or import (repeat the option); default both.")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=tokens.MAX_DAYS, help="Days until it expires.")] = 90,
    database: DatabaseOpt = None,
) -> None:
    """Create an API token for a user (shown once; only its hash is kept); it works on the API only."""
    try:
        token = users.new_token(
            open_database(database), username, name, who=current_user(), scopes=tuple(scope or users.SCOPES), days=days
        )
    except (users.UserError, users.TokenError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    err.print("Keep this token; it is not shown again:")
    typer.echo(token)


@user_app.command("tokens")
def user_tokens(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """List API tokens: their id, owner, scopes, expiry, state and last use (never the token itself)."""
    t = Table()
    for col in ("Id", "User", "Name", "Scopes", "Created", "Expires", "State", "Last used"):
        t.add_column(col)
    for k in users.list_tokens(open_database(database), username):
        t.add_row(
            str(k["id"]),
            k["username"],
            k["name"],
            ",".join(k["scopes"]),
            str(k["created_at"])[:16],
            str(k["expires_at"] or "")[:16],
            k["state"],
            str(k["last_used_at"] or "")[:16],
        )
    console.print(t)


@user_app.command("revoke-token")
def user_revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (qala user tokens).")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke an API token at once."""
    _change(lambda engine: users.revoke_token(engine, token_id, who=current_user()), database)
    console.print(f"Token {token_id} revoked.")


def _change(action, database: str | None) -> None:  # type: ignore[no-untyped-def]
    try:
        action(open_database(database))
    except users.UserError as exc:
        raise typer.BadParameter(str(exc)) from exc


@user_app.command("list")
def user_list(database: DatabaseOpt = None) -> None:
    """List the people who can sign in."""
    t = Table()
    for col in ("User", "Role", "Name", "Display name", "Active", "Since"):
        t.add_column(col)
    for u in users.list_users(open_database(database)):
        t.add_row(
            u["username"],
            u["role"],
            u["full_name"] or "",
            u["display_name"] or "",
            str(u["active"]),
            str(u["created_at"])[:19],
        )
    console.print(t)


@user_app.command("deactivate")
def user_deactivate(username: Annotated[str, typer.Argument()], database: DatabaseOpt = None) -> None:
    """Deactivate a person: sign-ins, sessions and API tokens stop working (the history stays)."""
    _change(lambda engine: users.set_active(engine, username, False, who=current_user()), database)
    console.print(f"{username} deactivated.")


@user_app.command("activate")
def user_activate(username: Annotated[str, typer.Argument()], database: DatabaseOpt = None) -> None:
    """Reactivate a person (their tokens work again unless revoked or expired)."""
    _change(lambda engine: users.set_active(engine, username, True, who=current_user()), database)
    console.print(f"{username} activated.")


@user_app.command("role")
def user_role(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help=f"One of {', '.join(users.ROLES)}.")],
    database: DatabaseOpt = None,
) -> None:
    """Change a person's role (the last active administrator keeps theirs)."""
    _change(lambda engine: users.set_role(engine, username, role, who=current_user()), database)
    console.print(f"{username} is now {role}.")


@user_app.command("reset")
def user_reset(
    username: Annotated[str, typer.Argument()],
    base_url: Annotated[str, typer.Option("--base-url", help="The site's address, for the link.")] = (
        "http://localhost:8000"
    ),
    database: DatabaseOpt = None,
) -> None:
    """Print a one-time link (valid 24 hours) with which the person sets a new password."""
    holder: list[str] = []
    _change(lambda engine: holder.append(users.issue_reset(engine, username, who=current_user())), database)
    err.print("Give this link to the person only; it works once, for 24 hours:")
    typer.echo(f"{base_url.rstrip('/')}/reset?token={holder[0]}")


@user_app.command("signout")
def user_signout(username: Annotated[str, typer.Argument()], database: DatabaseOpt = None) -> None:
    """Sign a person out everywhere: every session they have stops working (API tokens are revoked apart)."""
    _change(lambda engine: users.end_sessions(engine, username, who=current_user()), database)
    console.print(f"{username} signed out everywhere.")
