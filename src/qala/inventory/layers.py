"""An imported (sector-level) inventory beside Qala's own figures: the rule that counts each tonne once.

Per cell (year and GPC reference number), in this order:
1. the cell has reported figures that are not from an imported inventory (activity data, plant reports): the
   inventory uses them (with any estimates of the cell, as without an import); the imported figures of the
   cell are a comparison layer only;
2. else the cell has imported figures: the inventory uses them; estimates of the cell are set aside (kept,
   shown in the reconciliation);
3. else the estimates, as before.
One exception: in I.4.4 (energy generation supplied to the grid) the city's own plant figures, estimated or
reported, always stay, because the district-heat and electricity factors of every consumer cell are derived
from them; an imported I.4.4 is then a comparison only. And a cell the city declares IE (included elsewhere)
keeps its key: an imported figure there is a comparison only (its tonnes are already in another cell).
Imported figures are stored with the facility mark :data:`MARK` (so they never share a key with an estimate
or a reported figure); the mark is removed here before the inventory is computed.
"""

from __future__ import annotations

import polars as pl

IMPORTED = "imported_inventory"
MARK = "imported-inventory"  # the facility of an imported figure: its own key beside estimates and reports
PLANTS = "I.4.4"


def is_imported() -> pl.Expr:
    return pl.col("method").fill_null("") == IMPORTED


def split(frame: pl.DataFrame, included_elsewhere: frozenset[str] = frozenset()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the rows the inventory uses, the rows set aside by the rule above).

    ``included_elsewhere``: cells the city declares IE (their emissions are counted in another cell, e.g.
    the sectors' grid energy in I.6.2): an imported figure there would count those tonnes a second time, so it
    is a comparison only."""
    if "method" not in frame.columns or frame.is_empty() or not frame.select(is_imported().any()).item():
        return frame, frame.head(0)  # no imported inventory: the frame as it is, in its order
    keys = ["year", "gpc_ref"] if "year" in frame.columns else ["gpc_ref"]
    imported = is_imported()
    # the city's own plants (I.4.4), even estimated, give the district-heat factor: they are never set aside
    reported = ~imported & ((pl.col("status").fill_null("reported") == "reported") | (pl.col("gpc_ref") == PLANTS))
    blocked = pl.col("gpc_ref").is_in(sorted(included_elsewhere))
    estimated = ~imported & (pl.col("status") == "estimated")
    flags = frame.group_by(keys).agg(reported.any().alias("_rep"), (imported & ~blocked).any().alias("_imp"))
    marked = frame.join(flags, on=keys, how="left", maintain_order="left")
    keep = (imported & ~pl.col("_rep") & ~blocked) | (~imported & ~(estimated & pl.col("_imp") & ~pl.col("_rep")))
    used = marked.filter(keep).drop("_rep", "_imp")
    aside = marked.filter(~keep).drop("_rep", "_imp")
    if "facility" in used.columns:
        used = used.with_columns(pl.when(is_imported()).then(None).otherwise(pl.col("facility")).alias("facility"))
    return used, aside
