"""Energy prices (with sources) turned into KZT per canonical unit of each activity.

Savings are valued from the system's point of view: primary fuels and grid electricity are priced;
district heat is not (its price would count the plants' fuel a second time).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import IO

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
    value: float = 0.0  # the price as given, as a number (pages format it for their locale) …
    unit: str = ""  # … and its unit, e.g. "KZT/t"


def per_canonical(catalog: Catalog, activity: str, value: float, unit: str, ncv: str | None = None) -> float:
    """A price in KZT per ``unit`` of an activity, as KZT per its canonical unit (TJ); UnitError if impossible."""
    return value / catalog.conversion(activity, unit, ncv).multiplier


@cache
def prices(catalog: Catalog) -> dict[str, Price]:
    """The catalog's energy prices (``catalog/data/energy_prices.csv``), one per priced activity."""
    path = resources.files("qala.catalog").joinpath("data", "energy_prices.csv")
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        return read_prices(catalog, fh, path.name)


def read_prices(catalog: Catalog, fh: IO[str], name: str) -> dict[str, Price]:
    """Prices from a CSV of energy_prices.csv's form; two prices for one priced activity are refused."""
    out: dict[str, Price] = {}
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
        if act.code in out:
            raise ValueError(
                f"{name}: two prices for {act.code!r} ({out[act.code].text} and {value:,.2f} {r['unit']}); "
                "savings need exactly one - keep the other as a note"
            )
        out[act.code] = Price(
            act.code,
            price_per_tj,
            f"{value:,.2f} {r['unit']} ({r['price_year']})",
            int(r["price_year"]),
            rate,
            r["source"],
            value,
            r["unit"],
        )
    return out
