"""Seeded synthetic activity rows that Qala accepts: a realistic mix of cells, fuels and units.

Every (gpc_ref, activity, unit) combination below is valid for the shipped catalog: fuels in
scope-1 cells of sector I and in II.1.1 (on-road), grid electricity in scope-2 cells, municipal
solid waste in III.1.1. Amounts are lognormal per combination (a few large consumers, many small
ones) and rounded to 3 decimals, so that the CSV text is exact and both readers parse the same
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

YEAR = 2012  # before the years Astana's bundled estimates fill (2015-2024), so the benchmark rows stand alone
CITY = "astana"
SOURCE = "synthetic benchmark data (benchmarks/data.py)"
CSV_COLUMNS = ("year", "gpc_ref", "activity", "amount", "unit", "source", "facility")


@dataclass(frozen=True)
class Combo:
    gpc_ref: str
    activity: str
    unit: str
    weight: float  # share of rows
    median: float  # median amount per row, in ``unit``
    sigma: float  # lognormal spread (log space)


COMBOS: tuple[Combo, ...] = (
    # I.1 residential buildings: gas by volume, coal and firewood by mass, grid electricity
    Combo("I.1.1", "natural_gas", "thousand m3", 0.20, 1.8, 0.8),
    Combo("I.1.1", "other_bituminous_coal", "t", 0.08, 4.0, 0.7),
    Combo("I.1.1", "wood", "t", 0.03, 2.0, 0.6),  # biogenic CO2: reported as CO2(b), 0 tCO2e
    Combo("I.1.1", "lpg", "t", 0.02, 0.3, 0.5),
    Combo("I.1.2", "grid_electricity", "MWh", 0.22, 2.5, 0.9),
    # I.2 commercial and institutional
    Combo("I.2.1", "natural_gas", "thousand m3", 0.06, 25.0, 1.2),
    Combo("I.2.1", "gas_diesel_oil", "t", 0.01, 3.0, 1.0),
    Combo("I.2.2", "grid_electricity", "MWh", 0.08, 60.0, 1.3),
    # I.3 manufacturing and construction: metered energy, fuels by mass
    Combo("I.3.1", "natural_gas", "TJ", 0.015, 2.0, 1.5),
    Combo("I.3.1", "natural_gas", "t", 0.005, 50.0, 1.4),
    Combo("I.3.1", "other_bituminous_coal", "t", 0.02, 400.0, 1.5),
    Combo("I.3.1", "residual_fuel_oil", "t", 0.005, 80.0, 1.2),
    Combo("I.3.2", "grid_electricity", "MWh", 0.03, 900.0, 1.6),
    # I.4.1 energy industries' own use
    Combo("I.4.1", "natural_gas", "TJ", 0.002, 5.0, 1.0),
    # II.1.1 on-road transport fuel sales
    Combo("II.1.1", "motor_gasoline", "t", 0.12, 1.5, 0.9),
    Combo("II.1.1", "gas_diesel_oil", "t", 0.06, 3.5, 1.0),
    Combo("II.1.1", "lpg", "t", 0.02, 1.0, 0.8),
    Combo("II.1.1", "natural_gas", "thousand m3", 0.008, 4.0, 0.9),
    # III.1.1 solid waste landfilled within the city
    Combo("III.1.1", "msw_landfilled", "t", 0.015, 30.0, 1.0),
)


def _categories(field: str) -> list[str]:
    return sorted({getattr(c, field) for c in COMBOS})


GPC_REFS = _categories("gpc_ref")
ACTIVITIES = _categories("activity")
UNITS = _categories("unit")


@dataclass(frozen=True)
class Rows:
    """Generated rows as codes into ``COMBOS`` (plus amounts), ready to become any frame."""

    combo: np.ndarray  # index into COMBOS, uint8
    amount: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.amount)

    def codes(self, field: str) -> np.ndarray:
        """Per-row code of ``field`` (gpc_ref, activity or unit) into its sorted category list."""
        cats = {"gpc_ref": GPC_REFS, "activity": ACTIVITIES, "unit": UNITS}[field]
        lookup = np.array([cats.index(getattr(c, field)) for c in COMBOS], dtype=np.uint8)
        return lookup[self.combo]


def generate(n: int, seed: int = 20220101) -> Rows:
    rng = np.random.default_rng(seed)
    weights = np.array([c.weight for c in COMBOS])
    combo = rng.choice(len(COMBOS), size=n, p=weights / weights.sum()).astype(np.uint8)
    mu = np.log(np.array([c.median for c in COMBOS]))[combo]
    sigma = np.array([c.sigma for c in COMBOS])[combo]
    amount = np.round(rng.lognormal(mu, sigma), 3)
    amount[amount == 0.0] = 0.001  # rounding can make a tiny amount zero; keep every row a figure
    return Rows(combo=combo, amount=amount)


def to_polars(rows: Rows, *, enum: bool = True) -> pl.DataFrame:
    """Activity table with Enum (default) or Categorical key columns: Qala's in-memory fast path."""
    columns = {}
    for field, cats in (("gpc_ref", GPC_REFS), ("activity", ACTIVITIES), ("unit", UNITS)):
        dtype = pl.Enum(cats) if enum else pl.Categorical()
        columns[field] = pl.Series(field, cats).cast(dtype).gather(pl.Series(rows.codes(field)))
    return pl.DataFrame({**columns, "amount": rows.amount})


def to_pandas(rows: Rows) -> pd.DataFrame:
    """The same table for pandas, with category dtypes (the idiomatic low-memory layout)."""
    columns = {
        field: pd.Categorical.from_codes(rows.codes(field), categories=cats)
        for field, cats in (("gpc_ref", GPC_REFS), ("activity", ACTIVITIES), ("unit", UNITS))
    }
    return pd.DataFrame({**columns, "amount": rows.amount})


def write_csv(rows: Rows, path: Path) -> None:
    """The DESIGN §5 columns, one distinct facility per row (so no two rows are the same figure)."""
    frame = to_polars(rows).select(
        pl.lit(YEAR).alias("year"),
        pl.col("gpc_ref").cast(pl.String),
        pl.col("activity").cast(pl.String),
        pl.col("amount"),
        pl.col("unit").cast(pl.String),
        pl.lit(SOURCE).alias("source"),
        ("site-" + pl.int_range(1, len(rows) + 1, eager=False).cast(pl.String).str.zfill(7)).alias("facility"),
    )
    assert tuple(frame.columns) == CSV_COLUMNS
    frame.write_csv(path)
