"""The reconciliation of an imported inventory with the activity-based figures, cell by cell.

For each cell of a year that has imported figures or Qala's own figures (when the year has an imported
inventory at all): the imported t CO2e (its gases' masses x the GWP of the set asked for), Qala's own t CO2e
(the inventory of the records that are not imported: activity data, reported emissions and estimates, with
``own_status``), the difference (own minus imported) and which of the two the inventory uses
(:mod:`qala.inventory.layers`: the own figures when the cell has reported ones, else the imported ones).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine

from qala.catalog import load_catalog
from qala.inventory.engine import InventoryOptions, compute_inventory, emission_gas
from qala.inventory.layers import PLANTS, is_imported


def reconciliation(
    engine: Engine, city: str, year: int, gwp: str | None = None, *, working: bool = True
) -> dict[str, Any]:
    """The cells of ``year``: of the working records (the department's import and CLI), or of the published
    version (``working=False``: the public inventory page and API, beside the figures they show)."""
    from qala.services.published import public_records  # noqa: PLC0415

    catalog = load_catalog()
    gwp_set = catalog.gwp_set(gwp)
    frame, keys = public_records(engine, city, year, working=working)
    imported = frame.filter(is_imported()) if "method" in frame.columns else frame.head(0)
    if imported.is_empty():
        return {"city": city, "year": year, "gwp": gwp_set.code, "cells": [], "totals": None}
    other = frame.filter(~is_imported())
    reported_cells = set(other.filter(pl.col("status").fill_null("reported") == "reported")["gpc_ref"].to_list())
    estimated_cells = set(other.filter(pl.col("status") == "estimated")["gpc_ref"].to_list())
    activity: dict[str, float] = {}
    if not other.is_empty():
        inv = compute_inventory(other, catalog, city=city, year=year, options=InventoryOptions(gwp=gwp))
        rows = inv.rows.filter(pl.col("gas") != "CO2(b)")
        activity = {r: float(v) for r, v in rows.group_by("gpc_ref").agg(pl.col("tco2e").sum()).iter_rows()}
    mine: dict[str, float] = {}
    sources: dict[str, set[str]] = {}
    for ref, act, amount, source in imported.select("gpc_ref", "activity", "amount", "source").iter_rows():
        mine[ref] = mine.get(ref, 0.0) + amount * gwp_set.gwp(emission_gas(act))
        sources.setdefault(ref, set()).add(source or "")
    ie = {ref for ref, nk in keys.items() if nk.key == "IE"}
    cells = []
    for ref in (r for r in catalog.cells if r in mine or r in activity):
        a, i = activity.get(ref), mine.get(ref)
        cells.append(
            {
                "gpc_ref": ref,
                "imported_tco2e": i,
                "activity_tco2e": a,
                "difference_tco2e": None if a is None or i is None else a - i,
                "difference_pct": None if a is None or not i else (a - i) / i * 100,
                "own_status": _status(ref, reported_cells, estimated_cells),
                "used": _used(ref, a, i, reported_cells, ie),
                "imported_source": "; ".join(sorted(s for s in sources.get(ref, ()) if s)),
            }
        )
    both = [c for c in cells if c["imported_tco2e"] is not None and c["activity_tco2e"] is not None]
    totals = {
        "imported_tco2e": sum(c["imported_tco2e"] or 0.0 for c in cells),
        "activity_tco2e": sum(c["activity_tco2e"] or 0.0 for c in cells),
        "cells_in_both": len(both),
        "cells_imported_only": sum(1 for c in cells if c["activity_tco2e"] is None),
        "cells_activity_only": sum(1 for c in cells if c["imported_tco2e"] is None),
        "inventory_tco2e": sum(
            {"own": c["activity_tco2e"], "imported": c["imported_tco2e"]}.get(c["used"]) or 0.0 for c in cells
        ),
    }
    return {"city": city, "year": year, "gwp": gwp_set.code, "cells": cells, "totals": totals}


def _used(ref: str, own: float | None, imported: float | None, reported: set[str], ie: set[str]) -> str:
    """Which figure the inventory counts (qala.inventory.layers): ``own``, ``imported`` or ``IE`` (neither here)."""
    if imported is None or ref in reported or (ref == PLANTS and own is not None):
        return "own"
    if ref in ie:  # the city counts these tonnes in another cell
        return "own" if own is not None else "IE"
    return "imported"


def _status(ref: str, reported: set[str], estimated: set[str]) -> str | None:
    if ref in reported:
        return "mixed" if ref in estimated else "reported"
    return "estimated" if ref in estimated else None
