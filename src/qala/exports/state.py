"""Which state of the inventory an export comes from: one function every export calls.

Today there is one state, the working state (the current, not superseded records). The stamp names it
and fixes it by content: a SHA-256 over the year's current records and declared notation keys (canonical
order, no database ids), the number of records and the newest import batch. Published versions (issue 14)
will be connected here: :func:`inventory_state` is the single place that says which version an export shows.
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
STATE_FIELDS = ("state", "city", "year", "data_sha256", "n_records", "last_batch", "catalog_version", "qala_version")


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
    """The state of ``city``'s ``year`` inventory that an export shows (today: the working state)."""
    frame = records.activity_frame(engine, city, year)
    keys = [(ref, nk.key, nk.explanation) for ref, nk in records.notation_keys(engine, city, year).items()]
    return {
        "state": "working",
        "city": city,
        "year": year,
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
        "data_sha256": _digest(frame, []),
        "n_records": frame.height,
        "last_batch": None,
        "catalog_version": load_catalog().version,
        "qala_version": __version__,
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def describe(state: dict[str, Any]) -> str:
    """One line for a sheet or a CSV comment: which state, which content."""
    what = (
        "working state (current records, not a published version)"
        if state["state"] == "working"
        else ("computed from activity files, not from the database")
    )
    return (
        f"{state['city']} {state['year']}: {what}; data SHA-256 {state['data_sha256']}; "
        f"{state['n_records']} records; last import batch {state['last_batch']}; catalog {state['catalog_version']}; "
        f"Qala {state['qala_version']}; generated {state['generated']}"
    )
