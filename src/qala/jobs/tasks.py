"""The jobs of the web platform, run in a worker process: an import of one file, and the strategy report.

Each takes the progress callback first and plain arguments after (the database URL, not an engine), and
returns an ``Outcome``. Engines are made once per worker process and URL.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import Engine

from qala.ingest.limits import ImportLimits
from qala.jobs.worker import Outcome, Progress


@cache
def _engine(url: str) -> Engine:
    from qala.store import db  # noqa: PLC0415

    return db.create(url)


def import_file(
    progress: Progress,
    *,
    url: str,
    filename: str,
    data: bytes,
    username: str,
    role: str,
    city: str,
    limits: ImportLimits,
    dry_run: bool,
) -> Outcome:
    """Read, validate and import one file (all or nothing); the outcome is the upload's JSON and status."""
    from qala.catalog import load_catalog  # noqa: PLC0415
    from qala.ingest.problems import ValidationFailed  # noqa: PLC0415
    from qala.ingest.read import parse_bytes  # noqa: PLC0415
    from qala.ingest.validate import validate_table  # noqa: PLC0415
    from qala.store.records import import_tables  # noqa: PLC0415
    from qala.web.uploads import UploadOutcome  # noqa: PLC0415

    try:
        progress(0.0, "reading")
        table = parse_bytes(data, filename, limits, lambda share: progress(0.7 * share, "reading"))
        progress(0.7, "checking")
        validated = validate_table(table, load_catalog(), city)
        progress(0.85, "writing" if not dry_run else "checking")
        own_only = role not in ("admin", "editor")  # a provider never replaces another account's figure
        if own_only and not dry_run:  # a provider's upload waits for an editor's review (store/submissions.py)
            return _submit(_engine(url), validated, username, city)
        report = import_tables(_engine(url), [validated], who=username, dry_run=dry_run, own_only=own_only)
        outcome = UploadOutcome(200 if dry_run else 201, report, [])
    except ValidationFailed as exc:
        outcome = UploadOutcome(422, None, exc.problems)
    return Outcome(outcome.status, outcome.to_dict())


def _submit(engine: Engine, validated, username: str, city: str) -> Outcome:
    """Check a provider's table as an import would (nothing written), then keep it as a pending submission."""
    from qala.ingest.problems import ValidationFailed  # noqa: PLC0415
    from qala.store import submissions  # noqa: PLC0415
    from qala.store.records import import_into  # noqa: PLC0415
    from qala.web.uploads import UploadOutcome  # noqa: PLC0415

    try:
        with engine.begin() as conn:
            report = import_into(conn, [validated], who=username, dry_run=True, own_only=True)
            body = report.to_dict()
            sid = submissions.create(conn, city, validated, body, username)
    except ValidationFailed as exc:
        outcome = UploadOutcome(422, None, exc.problems)
        return Outcome(outcome.status, outcome.to_dict())
    return Outcome(202, {"submission": sid, "status": "pending", "files": body["files"]})


def build_report(progress: Progress, *, url: str, city: str, lang: str, fmt: str, today: date | None = None) -> Outcome:
    """The strategy report's file, from the report cache or built now and kept (a city without an inventory is a
    404 outcome). ``today`` is not used: the report is dated the day it was built (kept per version of the data)."""
    from qala.inventory.engine import InventoryError  # noqa: PLC0415
    from qala.report import MEDIA_TYPES, PdfUnavailable  # noqa: PLC0415
    from qala.report.build import cached_report, file_name  # noqa: PLC0415

    progress(0.05, "gathering")
    try:
        body, built = cached_report(_engine(url), city, lang, fmt, progress=progress)
    except InventoryError:
        return Outcome(404, {"status": "failed", "error": "no_inventory", "message": "no inventory for this city yet"})
    except PdfUnavailable:  # the server lacks Pango: HTML and XLSX still work
        return Outcome(
            503,
            {
                "status": "failed",
                "error": "pdf_unavailable",
                "message": "PDF is not available on this server; choose HTML or XLSX",
            },
        )
    name = file_name(city, lang, fmt, built)
    return Outcome(200, {"status": "done", "file_name": name}, body, name, MEDIA_TYPES[fmt])
