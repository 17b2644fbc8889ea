"""Options and helpers shared by the commands."""

from __future__ import annotations

import getpass
import json
import os
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (default: QALA_DATABASE_URL, else an SQLite file in QALA_HOME).",
        show_default=False,
    ),
]
CityOpt = Annotated[str, typer.Option("--city", help="City code.")]

console = Console()
err = Console(stderr=True)


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


def current_user(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    if os.environ.get("QALA_USER"):
        return os.environ["QALA_USER"]
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
