"""``qala template``: a data-collection workbook for one kind of data provider."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qala.catalog import load_catalog
from qala.commands.common import console


def template_command(
    provider: Annotated[
        str,
        typer.Argument(
            help="Provider kind: chp_plant, heat_network, power_utility, "
            "gas_utility, transport_department, waste_operator."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .xlsx file to write.")],
    year: Annotated[
        int | None, typer.Option("--year", help="Year the provider reports for (shown in the instructions).")
    ] = None,
) -> None:
    """Write an XLSX data-collection template with drop-downs for codes and units."""
    from qala.ingest.template import ProviderError, write_template  # noqa: PLC0415

    try:
        write_template(provider, output, catalog=load_catalog(), year=year)
    except ProviderError as exc:
        raise typer.BadParameter(str(exc), param_hint="PROVIDER") from exc
    console.print(f"Wrote {output} for {provider}.")
