"""The ``qala`` command line. Exit codes: 0 success, 1 failure, 2 invalid input.

A command's module is imported only when that command runs: ``qala import FILE`` loads the import's
modules, not the scenario engine, the assessment or the report's (their imports took 1 s of the 2.5 s that
every command spent starting). ``qala --help``, an unknown command and ``from qala.cli import app`` build the
whole command line.
"""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache

import typer
from rich.markup import escape

from qala import __version__
from qala.commands.common import err

MAX_SHOWN = 200

# The commands in the order ``qala --help`` lists them: (name, module of qala.commands, its command or group).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("import", "import_cmd", "import_command"),
    ("template", "template_cmd", "template_command"),
    ("inventory", "inventory_cmd", "inventory_command"),
    ("estimate", "estimate_cmd", "estimate_command"),
    ("records", "records_cmd", "records_command"),
    ("history", "records_cmd", "history_command"),
    ("catalog", "catalog_cmd", "catalog_command"),
    ("city", "admin_cmd", "city_app"),
    ("db", "admin_cmd", "db_app"),
    ("cities", "cities_cmd", "app"),
    ("scenario", "scenario_cmd", "app"),
    ("roadmap", "roadmap_cmd", "app"),
    ("documents", "documents_cmd", "app"),
    ("assess", "assess_cmd", "assess_command"),
    ("macc", "economics_cmd", "macc_command"),
    ("optimize", "economics_cmd", "optimize_command"),
    ("report", "report_cmd", "report_command"),
    ("export", "export_cmd", "export_command"),
    ("import-inventory", "import_inventory_cmd", "import_inventory_command"),
    ("reconcile", "import_inventory_cmd", "reconcile_command"),
    ("serve", "web_cmd", "serve_command"),
    ("user", "web_cmd", "user_app"),
    ("backup", "backup_cmd", "backup_command"),
    ("restore", "backup_cmd", "restore_command"),
    ("publish", "publish_cmd", "publish_command"),
    ("submissions", "publish_cmd", "submissions_command"),
    ("revert", "publish_cmd", "revert_command"),
)


def build(only: str | None = None) -> typer.Typer:
    """The command line with every command, or with the command ``only`` alone (only its module imported)."""
    app = typer.Typer(
        name="qala",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        help="Qala: a city's low-carbon development strategy workbench (GPC inventory, data base, scenarios).",
    )
    for name, module, attr in COMMANDS:
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(f"qala.commands.{module}"), attr)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    if only in (None, "version"):
        app.command("version")(version)
    if only is not None:  # a group of one command, not that command in the group's place
        app.callback()(_one_of_many)
    return app


def _one_of_many() -> None:
    """Nothing to do: the callback keeps a command line of one command a group (its help is the app's)."""


@cache
def _whole() -> typer.Typer:
    return build()


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # ``from qala.cli import app``: the whole command line, built once
        return _whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def version() -> None:
    """Print Qala's version and the catalog version."""
    from qala.catalog import load_catalog  # noqa: PLC0415

    cat = load_catalog()
    typer.echo(f"qala {__version__}; catalog {cat.version} ({cat.digest[:12]})")


def _refuse(headline: str, problems: list) -> None:
    """Print an invalid-input headline and its problems (at most MAX_SHOWN), then exit 2."""
    err.print(f"[red]{headline}[/red]")
    for p in problems[:MAX_SHOWN]:
        err.print(f"  {p}", highlight=False, markup=False)
    if len(problems) > MAX_SHOWN:
        err.print(f"  ... and {len(problems) - MAX_SHOWN} more")
    sys.exit(2)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else None
    only = name if name in {c[0] for c in COMMANDS} | {"version"} else None
    try:
        build(only)()
    except Exception as exc:
        _fail(exc)
        raise  # QALA_DEBUG: the whole traceback


def _fail(exc: Exception) -> None:
    """Print what went wrong and exit: 2 for input Qala cannot use, 1 for a failure (with ``QALA_DEBUG``, an
    internal error returns, to be raised whole). The error types are imported here, on the way out: a command
    that went well never loads the modules of the others."""
    from qala.assessment.alignment import DocumentRegistryError  # noqa: PLC0415
    from qala.assessment.indicators import IndicatorError  # noqa: PLC0415
    from qala.catalog.units import UnitError  # noqa: PLC0415
    from qala.documents.read import DocumentError  # noqa: PLC0415
    from qala.estimate.model import EstimateError  # noqa: PLC0415
    from qala.ingest.problems import ValidationFailed  # noqa: PLC0415
    from qala.inventory.engine import InventoryError  # noqa: PLC0415
    from qala.report import PdfUnavailable  # noqa: PLC0415
    from qala.roadmap.model import RoadmapError  # noqa: PLC0415
    from qala.scale.cluster import SchedulerError  # noqa: PLC0415
    from qala.scenario.spec import ModelError  # noqa: PLC0415
    from qala.store.db import DatabaseError  # noqa: PLC0415

    if isinstance(exc, ValidationFailed):
        _refuse(f"Nothing was imported or computed: {len(exc.problems)} problem(s).", exc.problems)
    if isinstance(exc, IndicatorError | DocumentRegistryError):
        err.print(f"[red]The assessment data cannot be used: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2)
    if isinstance(exc, RoadmapError):
        err.print(f"[red]Nothing changed: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2)
    if isinstance(exc, DocumentError):
        err.print(f"[red]Documents: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2)
    if isinstance(exc, ModelError):
        _refuse(f"The model cannot be used: {len(exc.problems)} problem(s).", exc.problems)
    if isinstance(exc, EstimateError):
        _refuse(f"Nothing was estimated or written: {len(exc.problems)} problem(s).", exc.problems)
    if isinstance(exc, InventoryError | UnitError):
        _refuse("The inventory cannot be computed:", getattr(exc, "problems", [str(exc)]))
    if isinstance(exc, KeyError):  # unknown GWP set or grid factor
        err.print(f"[red]{escape(str(exc.args[0] if exc.args else exc))}[/red]", highlight=False)
        sys.exit(2)
    if isinstance(exc, DatabaseError):
        err.print(f"[red]Database: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(1)
    if isinstance(exc, SchedulerError):
        err.print(f"[red]Dask: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2 if exc.invalid else 1)
    if isinstance(exc, PdfUnavailable):
        err.print(f"[red]Nothing was written: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(1)
    if os.environ.get("QALA_DEBUG"):
        return
    err.print(f"[red]Internal error ({type(exc).__name__}): {escape(str(exc))}[/red]", highlight=False)
    err.print("Nothing was written. Set QALA_DEBUG=1 to see the details and please report it.")
    sys.exit(1)


if __name__ == "__main__":
    main()
