"""``qala import``: activity data into the technical information base, all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.commands.common import (
    CityOpt,
    DatabaseOpt,
    TableOrJson,
    console,
    current_user,
    print_json,
)
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import read_table
from qala.ingest.stream import csv_chunks, streamable
from qala.ingest.validate import ValidatedTable, validate_table
from qala.store.records import ImportReport, import_stream, import_tables
from qala.store.seed import open_database


def validate_files(files: list[Path], city: str | None) -> list[ValidatedTable]:
    """Read and validate every file; raise one ValidationFailed with all problems of all files."""
    catalog = load_catalog()
    problems: list[Problem] = []
    tables = []
    for path in files:
        try:
            tables.append(validate_table(read_table(path), catalog, city))
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    return tables


def validated_chunks(
    path: Path, sha256: str, city: str | None
) -> Iterator[tuple[ValidatedTable | None, list[Problem]]]:
    """Each chunk of a large CSV file, validated: the table, or the chunk's problems."""
    catalog = load_catalog()
    for chunk in csv_chunks(path, path.name, sha256):
        if chunk.table is None:
            yield None, list(chunk.problems)
            continue
        raw = chunk.table
        del chunk  # the cells are not kept while the validated chunk is written and the next one read
        try:
            validated = validate_table(raw, catalog, city), []
        except ValidationFailed as exc:
            validated = None, exc.problems
        del raw
        held = [validated]  # yielded from a list: this frame keeps no reference while it waits
        del validated
        yield held.pop()


def import_command(
    files: Annotated[list[Path], typer.Argument(help="CSV or XLSX files in the activity-data format.")],
    city: CityOpt = DEFAULT_CITY,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report only; write nothing.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Who imports (default: QALA_USER or the login name).")
    ] = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Import activity data (CSV or XLSX) into the technical information base, all-or-nothing."""
    sha256 = streamable(files[0]) if len(files) == 1 else None
    if sha256 is not None:  # one large plain CSV: read, validated and written in chunks (bounded memory)
        engine = open_database(database)
        chunks = validated_chunks(files[0], sha256, city)
        report = import_stream(engine, files[0].name, sha256, chunks, who=current_user(user), dry_run=dry_run)
    else:
        tables = validate_files(files, city)
        engine = open_database(database)
        report = import_tables(engine, tables, who=current_user(user), dry_run=dry_run)
    if fmt is TableOrJson.json:
        print_json(report.to_dict())
    else:
        show_report(report)


def show_report(report: ImportReport) -> None:
    t = Table(title="Import (dry run: nothing written)" if report.dry_run else "Import")
    for col in ("File", "SHA-256", "Rows", "New", "Superseding", "Duplicates", "Batch"):
        t.add_column(col, justify="left" if col in ("File", "SHA-256") else "right")
    for f in report.files:
        t.add_row(
            f.file,
            f.sha256[:12],
            str(f.rows_read),
            str(f.new),
            str(f.superseding),
            str(len(f.duplicates)),
            "-" if f.batch_id is None else str(f.batch_id),
        )
    console.print(t)
    for f in report.files:
        for n in f.superseded:
            console.print(f"[cyan]corrected[/cyan] {n}")
        for n in f.duplicates:
            console.print(f"[yellow]duplicate[/yellow] {n}")
