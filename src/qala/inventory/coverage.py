"""What an inventory rests on: for each cell and total, how much is reported, how much estimated, and which
cells carry only a notation key (a sector with no figure is ``None`` with its key, never 0)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from qala.inventory.result import Inventory

KEY_PRIORITY = ("NE", "C", "IE", "NO")  # the key a whole sector shows when its cells have several
BOUNDARIES = {
    "basic": pl.col("level") == "B",
    "basic_plus": pl.col("level").is_in(["B", "B+"]),
    "territorial": pl.col("scope") == 1,
}


def _counted(inv: Inventory) -> pl.DataFrame:
    return inv.rows.filter(pl.col("gas") != "CO2(b)")


def boundary_coverage(inv: Inventory) -> dict[str, dict[str, float | None]]:
    """Per boundary: t CO2e from reported and from estimated figures, and the estimated share (None if 0 total)."""
    rows = _counted(inv)
    out: dict[str, dict[str, float | None]] = {}
    for name, expr in BOUNDARIES.items():
        part = rows.filter(expr)
        est = float(part.filter(pl.col("status") == "estimated")["tco2e"].sum())
        total = float(part["tco2e"].sum())
        out[name] = {
            "reported_tco2e": total - est,
            "estimated_tco2e": est,
            "share_estimated": est / total if total else None,
        }
    return out


def share_estimated(inv: Inventory) -> dict[str, float | None]:
    return {name: c["share_estimated"] for name, c in boundary_coverage(inv).items()}


def cell_coverage(inv: Inventory, cells: list[str]) -> dict[str, dict[str, Any]]:
    """Every GPC cell: ``reported``, ``estimated`` or ``mixed`` with its t CO2e, methods and estimated share —
    or its notation key and explanation when it has no figure."""
    rows = _counted(inv)
    out: dict[str, dict[str, Any]] = {}
    for ref in cells:
        part = rows.filter(pl.col("gpc_ref") == ref)
        if part.is_empty():
            biogenic = inv.rows.filter((pl.col("gpc_ref") == ref) & (pl.col("gas") == "CO2(b)"))
            if not biogenic.is_empty():  # only biogenic CO2: a figure (0 t CO2e), not a notation key
                out[ref] = {
                    "status": _status(biogenic),
                    "tco2e": 0.0,
                    "share_estimated": None,
                    "methods": _methods(biogenic),
                }
                continue
            nk = inv.notation_keys.get(ref)
            if nk is not None:
                out[ref] = {"status": nk.key, "key": nk.key, "explanation": nk.explanation, "tco2e": None}
            continue
        total = float(part["tco2e"].sum())
        est = float(part.filter(pl.col("status") == "estimated")["tco2e"].sum())
        out[ref] = {
            "status": _status(part),
            "tco2e": total,
            "share_estimated": est / total if total else (1.0 if _status(part) == "estimated" else 0.0),
            "methods": _methods(part),
        }
    return out


def _status(part: pl.DataFrame) -> str:
    kinds = set(part["status"].unique().to_list())
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _methods(part: pl.DataFrame) -> list[str]:
    return sorted(m for m in part["method"].unique().to_list() if m)


def sector_values(inv: Inventory, sectors: tuple[str, ...]) -> tuple[dict[str, float | None], dict[str, str]]:
    """t CO2e per sector within BASIC+, ``None`` for a sector without any figure, and that sector's key."""
    rows = _counted(inv).filter(BOUNDARIES["basic_plus"])
    all_rows = inv.rows.filter(BOUNDARIES["basic_plus"])
    values: dict[str, float | None] = {}
    keys: dict[str, str] = {}
    for s in sectors:
        if all_rows.filter(pl.col("sector") == s).is_empty():
            values[s] = None
            found = {nk.key for ref, nk in inv.notation_keys.items() if ref.split(".")[0] == s}
            keys[s] = next((k for k in KEY_PRIORITY if k in found), "NE")
        else:
            values[s] = float(rows.filter(pl.col("sector") == s)["tco2e"].sum())
    return values, keys


def row_dicts(inv: Inventory, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of the JSON: each with its status, and an estimate's method and inputs as objects."""
    out = []
    for r in inv.rows.select(*columns, "inputs").iter_rows(named=True):
        raw = r.pop("inputs") or []
        if r.get("status") == "estimated":
            r["inputs"] = [json.loads(x) for x in raw]
        out.append(r)
    return out
