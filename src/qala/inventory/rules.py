"""Which activity may stand in which GPC cell, and whether the catalog can compute it.

One function, shared by the importer (which reports the message with file, row and column) and
the engine (which refuses rows that break it).
"""

from __future__ import annotations

from qala.catalog import Catalog


def placement_error(
    catalog: Catalog, gpc_ref: str, activity: str, has_user_factors: bool, facility: str | None
) -> str | None:
    """A plain message when ``activity`` cannot be reported in ``gpc_ref``; None when it can."""
    cell = catalog.cells.get(gpc_ref)
    act = catalog.activities.get(activity)
    if cell is None or act is None:
        return None  # reported separately as unknown reference / activity
    if act.kind == "plant_output":
        if gpc_ref != "I.4.4":
            return f"{activity} is a plant's output and belongs in I.4.4 (energy generation supplied to the grid)"
        if not facility:
            return f"{activity} needs a facility code naming the plant (column 'facility')"
        return None
    if act.kind == "grid_energy":
        if cell.sector not in ("I", "II") or cell.scope == 1:
            return (
                f"{activity} is grid-supplied energy: report consumption in a scope-2 cell (e.g. I.1.2) "
                f"and T&D losses in a scope-3 cell (e.g. I.1.3), not in {gpc_ref}"
            )
        return None
    if act.kind == "emission":
        return None  # a mass of gas (an estimate or reported emissions) may stand in any cell
    if act.kind == "waste":
        if cell.subsector != "III.1":
            return f"{activity} belongs in III.1 (solid waste disposal: III.1.1, III.1.2 or III.1.3)"
        return None
    if act.kind == "other":
        if not has_user_factors:
            return "activity 'other' needs its own factors (ef_co2, ef_ch4, ef_n2o in kg per unit of the row)"
        return None
    # fuels
    if cell.sector not in ("I", "II") or cell.scope == 2 or (cell.sector == "I" and cell.scope == 3):
        if has_user_factors and cell.sector not in ("I", "II"):
            return None
        return (
            f"{activity} is a fuel: report its combustion in a scope-1 cell of sector I or II "
            f"(or II.n.3 for the out-of-boundary part of trips), not in {gpc_ref}"
        )
    if has_user_factors:
        return None
    category = cell.combustion_category
    if not category:
        return (
            f"the catalog has no default factors for {gpc_ref}; give ef_co2, ef_ch4 and ef_n2o (kg per unit of the row)"
        )
    if "CO2" not in catalog.combustion_factors(activity, category):
        return (
            f"the catalog has no default factor for {activity} in {gpc_ref} ({category}); "
            f"give ef_co2, ef_ch4 and ef_n2o (kg per unit of the row)"
        )
    return None
