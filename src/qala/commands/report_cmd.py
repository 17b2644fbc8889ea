"""``qala report``: the strategy report in kk, ru or en, as HTML, PDF or an XLSX workbook."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, err
from qala.report.build import cached_report
from qala.store.seed import open_database


class Lang(StrEnum):
    kk = "kk"
    ru = "ru"
    en = "en"


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


def report_command(
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report.")],
    fmt: Annotated[Format, typer.Option("--format", help="html, pdf or xlsx.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    city: CityOpt = DEFAULT_CITY,
    database: DatabaseOpt = None,
) -> None:
    """The strategy report: summary, city profile, ecological state, inventory, scenarios, measures, targets,
    roadmap, methodology annex and a reproducibility stamp, all from the city's own data."""
    folder = output.resolve().parent
    if not folder.is_dir():
        raise typer.BadParameter(f"the folder {folder} does not exist", param_hint="--output")
    if output.is_dir():
        raise typer.BadParameter(f"{output} is a folder; give a file name", param_hint="--output")
    started = time.perf_counter()
    body, _ = cached_report(open_database(database), city, lang.value, fmt.value)  # kept per version of the data
    output.write_bytes(body)
    err.print(f"{output} ({len(body):,} bytes, {time.perf_counter() - started:.1f} s)", highlight=False)
