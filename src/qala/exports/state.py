"""Which state of the inventory an export comes from: one function every export calls.

An export is computed from the current (not superseded) records. When they are exactly the records of the
year's published version (``store.publications``: the frozen records text is the same), the export *is*
that version and says so (``state: published``, its number and SHA-256); otherwise it is the working
state, and the stamp names the published version it differs from, if any. Either way the stamp fixes the
content: a SHA-256 over the year's current records and declared notation keys (canonical order, no
database ids), the number of records and the newest import batch.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine

from qala import __version__
from qala.catalog import load_catalog
from qala.store import records

ORDER = ("gpc_ref", "activity", "facility", "unit", "amount", "status", "method", "source")
STATE_FIELDS = (
    "state",
    "city",
    "year",
    "version",
    "published_version",
    "data_sha256",
    "n_records",
    "last_batch",
    "catalog_version",
    "qala_version",
)


def _digest(frame: pl.DataFrame, keys: list[tuple[str, str, str]]) -> str:
    h = hashlib.sha256()
    cols = [c for c in frame.columns if c not in ("id", "year")]
    frame = frame.select(cols).sort([c for c in ORDER if c in cols], nulls_last=True)
    h.update(json.dumps(cols).encode())
    for row in frame.iter_rows():
        h.update(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8") + b"\n")
    for key in sorted(keys):
        h.update(json.dumps(list(key), ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()


def inventory_state(engine: Engine, city: str, year: int) -> dict[str, Any]:
    """The state of ``city``'s ``year`` inventory that an export shows: its published version when the current
    records are that version's, else the working state (``published_version``: the one it differs from)."""
    from qala.store import publications  # noqa: PLC0415

    frame = records.activity_frame(engine, city, year)
    keys = [(ref, nk.key, nk.explanation) for ref, nk in records.notation_keys(engine, city, year).items()]
    pub = publications.current(engine, city, year)
    same = pub is not None and publications.frozen_records(engine, city, year) == pub["records_json"]
    return {
        "state": "published" if same else "working",
        "city": city,
        "year": year,
        "version": pub["version"] if same and pub is not None else None,
        "published_version": pub["version"] if pub is not None else None,
        "version_sha256": pub["sha256"] if same and pub is not None else None,
        "data_sha256": _digest(frame, keys),
        "n_records": frame.height,
        "last_batch": records.data_version(engine),
        "catalog_version": load_catalog().version,
        "qala_version": __version__,
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def files_state(frame: pl.DataFrame, city: str, year: int) -> dict[str, Any]:
    """The state of an inventory computed straight from activity files (``--activity``): no database."""
    return {
        "state": "files",
        "city": city,
        "year": year,
        "version": None,
        "published_version": None,
        "version_sha256": None,
        "data_sha256": _digest(frame, []),
        "n_records": frame.height,
        "last_batch": None,
        "catalog_version": load_catalog().version,
        "qala_version": __version__,
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def describe(state: dict[str, Any]) -> str:
    """One line for a sheet or a CSV comment: which state, which content."""
    if state["state"] == "published":
        what = f"published version {state['version']} (SHA-256 {state['version_sha256']})"
    elif state["state"] == "working" and state.get("published_version") is not None:
        what = f"working state (current records, newer than published version {state['published_version']})"
    elif state["state"] == "working":
        what = "working state (current records; no published version of this year)"
    else:
        what = "computed from activity files, not from the database"
    return (
        f"{state['city']} {state['year']}: {what}; data SHA-256 {state['data_sha256']}; "
        f"{state['n_records']} records; last import batch {state['last_batch']}; catalog {state['catalog_version']}; "
        f"Qala {state['qala_version']}; generated {state['generated']}"
    )
