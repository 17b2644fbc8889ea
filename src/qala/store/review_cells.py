"""The review's comparison per inventory cell: how much a submission's pending rows would move each GPC cell and gas.

A row beside its own key's figure (``submissions.compare``) says what the provider changed; the editor also needs
what it does to the inventory: for each year of the pending rows, the working inventory as it is and as it would
be with those rows in place of the figures of the same key (year, GPC reference, activity, facility). A cell is
(GPC reference, gas) with its t CO2e; it is flagged when it moves by more than the threshold (percent), or
appears where the cell had nothing.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine

from qala.catalog import load_catalog
from qala.inventory.engine import InventoryError, InventoryOptions, compute_inventory
from qala.store import records

KEY = ("gpc_ref", "activity", "facility")


def _cells(frame: pl.DataFrame, city: str, year: int, keys: dict[str, Any]) -> dict[tuple[str, str], float]:
    if frame.is_empty():
        return {}
    inv = compute_inventory(frame, load_catalog(), city=city, year=year, options=InventoryOptions(), notation_keys=keys)
    grouped = inv.rows.group_by("gpc_ref", "gas").agg(pl.col("tco2e").fill_null(0).sum())
    return {(ref, gas): float(t) for ref, gas, t in grouped.iter_rows()}


def with_rows(frame: pl.DataFrame, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The year's records with ``rows`` in place of the figures of the same key (and new keys added)."""
    schema = records.ACTIVITY_SCHEMA
    replaced = {(r["gpc_ref"], r["activity"], r.get("facility") or "") for r in rows}
    key = pl.concat_list(pl.col("gpc_ref"), pl.col("activity"), pl.col("facility").fill_null(""))
    kept = frame.filter(~key.list.join("\x1f").is_in(["\x1f".join(k) for k in replaced]))
    new = pl.DataFrame(
        [
            {
                **{c: r.get(c) for c in schema if c != "ncv"},
                "ncv": None if r.get("ncv") is None else str(r["ncv"]),
                "id": None,
                "status": "reported",
                "method": None,
                "inputs": None,
                "facility": r.get("facility") or None,
            }
            for r in rows
        ],
        schema=schema,
        orient="row",
    )
    return pl.concat([kept, new.select(kept.columns)], how="vertical")


def cell_changes(engine: Engine, city: str, rows: list[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    """Per (year, GPC reference, gas): t CO2e now, with the rows, the difference, the % change and the flag."""
    out: list[dict[str, Any]] = []
    for year in sorted({int(r["year"]) for r in rows}):
        mine = [r for r in rows if int(r["year"]) == year]
        frame = records.activity_frame(engine, city, year)
        keys = records.notation_keys(engine, city, year)
        try:
            before = _cells(frame, city, year, keys)
            after = _cells(with_rows(frame, mine), city, year, keys)
        except InventoryError:
            continue
        for ref, gas in sorted(set(before) | set(after)):
            b, a = before.get((ref, gas), 0.0), after.get((ref, gas), 0.0)
            diff = a - b
            if abs(diff) < 1e-9:
                continue
            pct = None if b == 0 else 100.0 * diff / abs(b)
            out.append(
                {
                    "year": year,
                    "gpc_ref": ref,
                    "gas": gas,
                    "current_tco2e": b,
                    "submitted_tco2e": a,
                    "difference_tco2e": diff,
                    "change_percent": pct,
                    "flagged": pct is None or abs(pct) > threshold,
                }
            )
    return out
