"""``qala publish``, ``qala submissions`` and ``qala revert``: the department's review and publishing steps."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, current_user, err, print_json
from qala.store.seed import open_database

UserOpt = Annotated[str | None, typer.Option("--user", help="Who acts (default: QALA_USER or the login name).")]
FmtOpt = Annotated[TableOrJson, typer.Option("--format", help="Output format.")]


def _fail(exc: Exception) -> None:
    err.print(f"[red]Nothing changed: {exc}[/red]", highlight=False)
    raise typer.Exit(2)


def publish_command(
    year: Annotated[int | None, typer.Option("--year", help="Publish this inventory year as its next version.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="What this version is (required to publish).")] = None,
    withdraw: Annotated[
        int | None, typer.Option("--withdraw", help="Withdraw the publication with this id (see --list).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the version is withdrawn (required).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List every version, withdrawn ones too.")] = False,
    city: CityOpt = DEFAULT_CITY,
    user: UserOpt = None,
    fmt: FmtOpt = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Publish an inventory year as a numbered, frozen version (what the public sees), withdraw one, or list them."""
    from qala.store import publications  # noqa: PLC0415

    engine = open_database(database)
    try:
        if withdraw is not None:
            result = publications.withdraw(engine, withdraw, current_user(user), reason or "")
        elif year is not None:
            result = publications.publish(engine, city, year, note or "", current_user(user))
        elif list_:
            _show(publications.listing(engine, city), fmt)
            return
        else:
            err.print("[red]Give --year and --note to publish, --withdraw ID --reason to withdraw, or --list.[/red]")
            raise typer.Exit(2)
    except publications.PublicationError as exc:
        _fail(exc)
        return
    if fmt is TableOrJson.json:
        print_json(result)
    else:
        state = f"withdrawn ({result['withdrawn_reason']})" if result.get("withdrawn_at") else "published"
        console.print(
            f"{result['city_code']} {result['year']} version {result['version']} (id {result['id']}): {state}; "
            f"SHA-256 {result['sha256'][:16]}"
        )


def _show(rows: list[dict], fmt: TableOrJson) -> None:
    if fmt is TableOrJson.json:
        print_json(rows)
        return
    t = Table(title="Published versions")
    for col in ("Id", "Year", "Version", "Note", "Who", "When", "SHA-256", "Withdrawn"):
        t.add_column(col)
    for r in rows:
        gone = f"{r['withdrawn_by']}: {r['withdrawn_reason']}" if r["withdrawn_at"] else ""
        t.add_row(
            str(r["id"]),
            str(r["year"]),
            str(r["version"]),
            r["note"],
            r["published_by"],
            str(r["published_at"])[:16],
            r["sha256"][:12],
            gone,
        )
    console.print(t)


def submissions_command(
    status: Annotated[
        str | None, typer.Option("--status", help="Only these: pending, accepted, rejected or partial.")
    ] = None,
    show: Annotated[
        int | None, typer.Option("--show", help="One submission, row by row beside the current figures.")
    ] = None,
    fmt: FmtOpt = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """List the data providers' submissions waiting for review (decide them in the web or the API)."""
    from qala.store import submissions  # noqa: PLC0415

    engine = open_database(database)
    if show is not None:
        sub = submissions.get(engine, show)
        if sub is None:
            _fail(ValueError("no such submission"))
            return
        if fmt is TableOrJson.json:
            print_json(sub)
            return
        t = Table(title=f"Submission #{show}: {sub['file_name']} ({sub['status']})")
        for col in ("Row", "Year", "GPC", "Activity", "Facility", "Amount", "Current", "Change %", "Flag", "Status"):
            t.add_column(col)
        for r in sub["rows_detail"]:
            pct = "" if r["change_percent"] is None else f"{r['change_percent']:+.1f}"
            cur = "" if r["current"] is None else f"{r['current']:g} {r['current_unit']}"
            t.add_row(
                str(r["source_row"]),
                str(r["year"]),
                r["gpc_ref"],
                r["activity"],
                r["facility"] or "",
                f"{r['amount']:g} {r['unit']}",
                cur,
                pct,
                r["flag"] or "",
                r["status"],
            )
        console.print(t)
        return
    rows = submissions.listing(engine, status=status)
    if fmt is TableOrJson.json:
        print_json(rows)
        return
    t = Table(title="Submissions")
    for col in ("Id", "File", "Who", "When", "Rows", "Status", "Decided by", "Reason"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            str(r["id"]),
            r["file_name"],
            r["submitted_by"],
            str(r["submitted_at"])[:16],
            str(r["rows"]),
            r["status"],
            r["decided_by"] or "",
            r["reason"] or "",
        )
    console.print(t)


def revert_command(
    batch: Annotated[int, typer.Argument(help="The import batch to revert (see 'qala records').")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept in the audit log).")],
    user: UserOpt = None,
    fmt: FmtOpt = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Revert an import batch in one action: its figures step aside and those they replaced come back."""
    from qala.store.revert import RevertError, revert_batch  # noqa: PLC0415

    engine = open_database(database)
    try:
        result = revert_batch(engine, batch, current_user(user), reason)
    except RevertError as exc:
        _fail(exc)
        return
    if fmt is TableOrJson.json:
        print_json(result)
    else:
        console.print(
            f"batch {batch} reverted: {result['reverted']} figure(s) stepped aside, {result['restored']} restored "
            f"(batch {result['revert_batch']}), {result['already_replaced']} already replaced"
        )
