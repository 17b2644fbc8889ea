"""Uploads through the web and the API: the importer's validation, all-or-nothing, size and type checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import Engine

from qala.catalog import load_catalog
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.store.records import ImportReport, import_tables
from qala.store.users import Account

ALLOWED = (".csv", ".xlsx")


@dataclass(frozen=True)
class UploadOutcome:
    status: int  # HTTP status: 201 imported, 200 dry run, 4xx refused
    report: ImportReport | None
    problems: list[Problem]

    def to_dict(self) -> dict[str, object]:
        if self.report is not None:
            return {"status": "imported" if not self.report.dry_run else "validated", **self.report.to_dict()}
        return {
            "status": "refused",
            "problems": [p.to_dict() for p in self.problems],
            "messages": [str(p) for p in self.problems],
        }


def process_upload(
    engine: Engine,
    filename: str | None,
    data: bytes,
    user: Account,
    city: str,
    *,
    max_bytes: int,
    dry_run: bool = False,
) -> UploadOutcome:
    name = PurePath(filename or "upload").name[:200] or "upload"
    if len(data) > max_bytes:
        return UploadOutcome(
            413, None, [Problem(name, None, None, None, f"a file of at most {max_bytes // 2**20} MiB")]
        )
    if PurePath(name).suffix.lower() not in ALLOWED:
        return UploadOutcome(
            415, None, [Problem(name, None, None, None, "a .csv or .xlsx file in the activity format")]
        )
    try:
        table = validate_table(parse_bytes(data, name), load_catalog(), city)
        report = import_tables(engine, [table], who=user.username, dry_run=dry_run)
    except ValidationFailed as exc:
        return UploadOutcome(422, None, exc.problems)
    return UploadOutcome(200 if dry_run else 201, report, [])
