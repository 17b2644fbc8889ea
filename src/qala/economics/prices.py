"""Energy prices (with sources) turned into KZT per canonical unit of each activity.

Savings are valued from the system's point of view: primary fuels and grid electricity are priced;
district heat is not (its price would count the plants' fuel a second time).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from qala.catalog import Catalog, UnitError

PRICED_KINDS = ("fuel",)
PRICED_ACTIVITIES = ("grid_electricity",)


@dataclass(frozen=True)
class Price:
    activity: str
    per_canonical: float  # KZT per TJ (or per t)
    text: str  # the price as given, e.g. "11,000 KZT/t (2024)"
    price_year: int
    kzt_per_usd: float | None
    source: str


def per_canonical(catalog: Catalog, activity: str, value: float, unit: str, ncv: str | None = None) -> float:
    """A price in KZT per ``unit`` of an activity, as KZT per its canonical unit (TJ); UnitError if impossible."""
    return value / catalog.conversion(activity, unit, ncv).multiplier


@cache
def prices(catalog: Catalog) -> dict[str, Price]:
    path = resources.files("qala.catalog").joinpath("data", "energy_prices.csv")
    out: dict[str, Price] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            act = catalog.activities.get(r["activity"])
            if act is None or not (act.kind in PRICED_KINDS or act.code in PRICED_ACTIVITIES):
                continue
            unit = r["unit"].removeprefix("KZT/").strip()
            value = float(r["price"])
            try:
                price_per_tj = per_canonical(catalog, act.code, value, unit, (r.get("ncv") or "").strip() or None)
            except UnitError:
                continue  # e.g. litres of a liquid fuel: no volume-based calorific value in the catalog
            rate = float(r["kzt_per_usd"]) if (r.get("kzt_per_usd") or "").strip() else None
            out[act.code] = Price(
                act.code,
                price_per_tj,
                f"{value:,.2f} {r['unit']} ({r['price_year']})",
                int(r["price_year"]),
                rate,
                r["source"],
            )
    return out
