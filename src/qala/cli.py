"""The ``qala`` command line. Exit codes: 0 success, 1 failure, 2 invalid input."""

from __future__ import annotations

import os
import sys

import typer
from rich.markup import escape

from qala import __version__
from qala.assessment.alignment import DocumentRegistryError
from qala.assessment.indicators import IndicatorError
from qala.catalog.units import UnitError
from qala.commands import (
    admin_cmd,
    assess_cmd,
    backup_cmd,
    catalog_cmd,
    cities_cmd,
    documents_cmd,
    economics_cmd,
    estimate_cmd,
    export_cmd,
    import_cmd,
    import_inventory_cmd,
    inventory_cmd,
    publish_cmd,
    records_cmd,
    report_cmd,
    roadmap_cmd,
    scenario_cmd,
    template_cmd,
    web_cmd,
)
from qala.commands.common import err
from qala.documents.read import DocumentError
from qala.estimate.model import EstimateError
from qala.ingest.problems import ValidationFailed
from qala.inventory.engine import InventoryError
from qala.report import PdfUnavailable
from qala.roadmap.model import RoadmapError
from qala.scale.cluster import SchedulerError
from qala.scenario.spec import ModelError
from qala.store.db import DatabaseError

MAX_SHOWN = 200

app = typer.Typer(
    name="qala",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="Qala: a city's low-carbon development strategy workbench (GPC inventory, data base, scenarios).",
)
app.command("import")(import_cmd.import_command)
app.command("template")(template_cmd.template_command)
app.command("inventory")(inventory_cmd.inventory_command)
app.command("estimate")(estimate_cmd.estimate_command)
app.command("records")(records_cmd.records_command)
app.command("history")(records_cmd.history_command)
app.command("catalog")(catalog_cmd.catalog_command)
app.add_typer(admin_cmd.city_app, name="city")
app.add_typer(admin_cmd.db_app, name="db")
app.add_typer(cities_cmd.app, name="cities")
app.add_typer(scenario_cmd.app, name="scenario")
app.add_typer(roadmap_cmd.app, name="roadmap")
app.add_typer(documents_cmd.app, name="documents")
app.command("assess")(assess_cmd.assess_command)
app.command("macc")(economics_cmd.macc_command)
app.command("optimize")(economics_cmd.optimize_command)
app.command("report")(report_cmd.report_command)
app.command("export")(export_cmd.export_command)
app.command("import-inventory")(import_inventory_cmd.import_inventory_command)
app.command("reconcile")(import_inventory_cmd.reconcile_command)
app.command("serve")(web_cmd.serve_command)
app.add_typer(web_cmd.user_app, name="user")
app.command("backup")(backup_cmd.backup_command)
app.command("restore")(backup_cmd.restore_command)
app.command("publish")(publish_cmd.publish_command)
app.command("submissions")(publish_cmd.submissions_command)
app.command("revert")(publish_cmd.revert_command)


@app.command("version")
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
    try:
        app()
    except ValidationFailed as exc:
        _refuse(f"Nothing was imported or computed: {len(exc.problems)} problem(s).", exc.problems)
    except (IndicatorError, DocumentRegistryError) as exc:
        err.print(f"[red]The assessment data cannot be used: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2)
    except RoadmapError as exc:
        err.print(f"[red]Nothing changed: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2)
    except DocumentError as exc:
        err.print(f"[red]Documents: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2)
    except ModelError as exc:
        _refuse(f"The model cannot be used: {len(exc.problems)} problem(s).", exc.problems)
    except EstimateError as exc:
        _refuse(f"Nothing was estimated or written: {len(exc.problems)} problem(s).", exc.problems)
    except (InventoryError, UnitError) as exc:
        _refuse("The inventory cannot be computed:", getattr(exc, "problems", [str(exc)]))
    except KeyError as exc:  # unknown GWP set or grid factor
        err.print(f"[red]{escape(str(exc.args[0] if exc.args else exc))}[/red]", highlight=False)
        sys.exit(2)
    except DatabaseError as exc:
        err.print(f"[red]Database: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(1)
    except SchedulerError as exc:
        err.print(f"[red]Dask: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(2 if exc.invalid else 1)
    except PdfUnavailable as exc:
        err.print(f"[red]Nothing was written: {escape(str(exc))}[/red]", highlight=False)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("QALA_DEBUG"):
            raise
        err.print(f"[red]Internal error ({type(exc).__name__}): {escape(str(exc))}[/red]", highlight=False)
        err.print("Nothing was written. Set QALA_DEBUG=1 to see the details and please report it.")
        sys.exit(1)


if __name__ == "__main__":
    main()
