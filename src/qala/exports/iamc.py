"""Scenario results in the IAMC format: ``model, scenario, region, variable, unit`` and one column per year.

Written directly with polars (DESIGN.md §6: pyam and primap2 break the main stack). Conventions:

* ``model`` is ``Qala <model name>`` (e.g. ``Qala astana-v1``), ``region`` the city's name, ``unit``
  ``kt CO2e/yr`` (GWP-100 of the run's set), on the model's basis (territorial for Astana).
* ``Emissions|Kyoto Gases`` is the total and ``Emissions|Kyoto Gases|<sector>`` the GPC sectors
  (Stationary Energy, Transportation, Waste, IPPU, AFOLU, Other Scope 3), all as the **mean** over the draws,
  so that the sectors add up to the total (a mean is additive).
* With more than one draw, the statistics follow as a last level: ``|p05``, ``|p50``, ``|p95`` (quantiles
  over the draws, e.g. ``Emissions|Kyoto Gases|p05``); they are statistics, not sub-categories, and do not
  add up. A deterministic run (``--draws 1``) has only the plain variables.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from qala.exports.safe import safe_row, unescape
from qala.scenario.reduced import ScenarioSummary

INDEX = ("model", "scenario", "region", "variable", "unit")
ROOT = "Emissions|Kyoto Gases"
UNIT = "kt CO2e/yr"
PER_T = 1e-3  # kt per t
SECTOR_NAMES = {
    "I": "Stationary Energy",
    "II": "Transportation",
    "III": "Waste",
    "IV": "IPPU",
    "V": "AFOLU",
    "VI": "Other Scope 3",
}
QUANTILE_STATS = ("p05", "p50", "p95")


def _series(result: ScenarioSummary) -> dict[str, list[float]]:
    """variable -> values per year (t CO2e) on the result's basis."""
    out: dict[str, list[float]] = {}
    stats = ("mean",) if result.draws == 1 else ("mean", *QUANTILE_STATS)
    parts = {ROOT: f"total:{result.basis}"}
    parts.update({f"{ROOT}|{name}": f"sector:{result.basis}:{s}" for s, name in SECTOR_NAMES.items()})
    for variable, series in parts.items():
        summary = result.summary(series)
        for stat in stats:
            out[variable if stat == "mean" else f"{variable}|{stat}"] = summary[stat]
    return out


def wide_frame(results: list[ScenarioSummary], region: str) -> pl.DataFrame:
    """One row per (model, scenario, region, variable, unit), one column per year, in kt CO2e/yr."""
    rows: list[dict[str, object]] = []
    for result in results:
        model = f"Qala {result.prep.model.model}"
        for variable, values in _series(result).items():
            row: dict[str, object] = dict(zip(INDEX, (model, result.scenario, region, variable, UNIT), strict=True))
            row.update({str(y): v * PER_T for y, v in zip(result.years, values, strict=True)})
            rows.append(row)
    return pl.DataFrame(rows)


def to_csv(frame: pl.DataFrame) -> str:
    """The wide frame as CSV; text cells through :func:`qala.exports.safe.safe`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(frame.columns)
    for row in frame.iter_rows():
        w.writerow(safe_row(row))
    return buf.getvalue()


def read_iamc(source: str | Path) -> pl.DataFrame:
    """An IAMC CSV (wide, years as columns) as a tidy table: the index columns, ``year`` (int), ``value``."""
    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    wide = pl.read_csv(io.StringIO(text), infer_schema_length=0)  # all text: no guessing
    missing = [c for c in INDEX if c not in wide.columns]
    if missing:
        raise ValueError(f"not an IAMC table: missing column(s) {', '.join(missing)}")
    years = [c for c in wide.columns if c not in INDEX]
    bad = [c for c in years if not c.isdigit()]
    if bad:
        raise ValueError(f"not an IAMC table: columns {', '.join(bad)} are neither index nor years")
    wide = wide.with_columns(pl.col(c).map_elements(unescape, return_dtype=pl.String) for c in INDEX)
    long = wide.unpivot(index=list(INDEX), on=years, variable_name="year", value_name="value")
    return long.with_columns(pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64)).drop_nulls("value")
