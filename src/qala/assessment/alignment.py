"""Targets of strategic documents held against the city's inventory and scenarios: on track or not."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from qala.scenario.engine import counted
from qala.scenario.targets import national_series

METRICS = ("reduction", "level", "max", "min")
LEVEL_TOLERANCE = 0.05  # a 'level' target is met within ±5 %


class DocumentRegistryError(ValueError):
    pass


@dataclass(frozen=True)
class DocTarget:
    document: str
    document_title: dict[str, str]
    code: str
    indicator: str
    metric: str
    base_year: int | None
    target_year: int
    value: float
    unit: str
    basis: str
    measurable: bool
    note: str
    emissions: str = "gross"  # ghg_total targets: gross (removals and offsets do not count) or net (neutrality)


def _emissions(t: dict[str, Any], where: str, doc: str) -> str:
    value = str(t.get("emissions", "gross"))
    if value not in ("gross", "net"):
        raise DocumentRegistryError(f"{where}: {doc}/{t.get('code')}: emissions gross or net, not {value!r}")
    return value


def load_registry(text: str, where: str) -> tuple[list[dict[str, Any]], list[DocTarget]]:
    data = yaml.safe_load(text) or {}
    docs = data.get("documents")
    if not isinstance(docs, list):
        raise DocumentRegistryError(f"{where}: a list under 'documents'")
    targets = []
    for d in docs:
        if not d.get("code") or not d.get("title") or not str(d.get("source", "")).strip():
            raise DocumentRegistryError(f"{where}: document {d.get('code')!r} needs a code, a title and a source")
        for t in d.get("targets") or []:
            metric = t.get("metric")
            if metric not in METRICS:
                raise DocumentRegistryError(f"{where}: {d['code']}/{t.get('code')}: metric one of {', '.join(METRICS)}")
            value = t.get("value")
            if isinstance(value, float) and not math.isfinite(value):
                raise DocumentRegistryError(f"{where}: {d['code']}/{t.get('code')}: a finite value, not {value!r}")
            measurable = bool(t.get("measurable", True)) and isinstance(value, int | float)
            targets.append(
                DocTarget(
                    document=d["code"],
                    document_title=d["title"],
                    code=str(t.get("code")),
                    indicator=str(t.get("indicator")),
                    metric=metric,
                    base_year=t.get("base_year"),
                    target_year=int(t.get("target_year") or 0),
                    value=float(value) if isinstance(value, int | float) else float("nan"),
                    unit=str(t.get("unit", "")),
                    basis=str(t.get("basis", "territorial")),
                    measurable=measurable,
                    note=str(t.get("note", "")),
                    emissions=_emissions(t, where, d["code"]),
                )
            )
    return docs, targets


def _status(metric: str, got: float, limit: float) -> str:
    if metric in ("reduction", "max"):
        return "on_track" if got <= limit else "off_track"
    if metric == "min":
        return "on_track" if got >= limit else "off_track"
    return "on_track" if abs(got - limit) <= LEVEL_TOLERANCE * abs(limit) else "off_track"


def align(
    targets: list[DocTarget],
    *,
    scenarios: dict[str, Any],
    base_totals: dict[str, float],
    base_year: int,
    indicators: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per target: the limit, the city's numbers (per scenario, median), the status and how."""
    out = []
    for t in targets:
        row: dict[str, Any] = {
            "document": t.document,
            "target": t.code,
            "indicator": t.indicator,
            "metric": t.metric,
            "target_year": t.target_year,
            "value": None if np.isnan(t.value) else t.value,
            "unit": t.unit,
            "note": t.note,
        }
        if not t.measurable:
            out.append({**row, "status": "not_measurable", "why": t.note or "no value in the document"})
            continue
        if t.indicator in ("ghg_total", "ghg_per_capita"):
            any_result = next(iter(scenarios.values()), None)
            if any_result is None or t.target_year not in any_result.years:
                out.append({**row, "status": "not_measurable", "why": "no scenario reaches the target year"})
                continue
            limit, how = t.value, "absolute"
            if t.metric == "reduction":
                reference = base_totals.get(t.basis, 0.0)
                how = f"{t.value:.0%} below the {base_year} inventory ({t.basis})"
                if t.base_year and t.base_year != base_year:
                    series = national_series()
                    latest = max(y for y in series.values if y <= base_year)
                    reference *= series.values[t.base_year] / series.values[latest]
                    how = (
                        f"{t.value:.0%} below a {t.base_year} reference = the {base_year} inventory ({t.basis}) x "
                        f"national {t.base_year}/{latest}"
                    )
                limit = reference * (1 - t.value)
            per_scenario = {}
            i = any_result.years.index(t.target_year)
            for name, res in scenarios.items():
                total = counted(res.totals, getattr(res, "removals", {}), t.basis, t.emissions)[:, i]
                if t.indicator == "ghg_per_capita":
                    if res.population is None:
                        continue
                    total = total / res.population[:, i]
                got = float(np.median(total))
                per_scenario[name] = {
                    "p50": got,
                    "status": _status(t.metric if t.metric != "reduction" else "max", got, limit),
                }
            statuses = {v["status"] for v in per_scenario.values()}
            out.append(
                {
                    **row,
                    "limit": limit,
                    "how": how,
                    "scenarios": per_scenario,
                    "status": statuses.pop() if len(statuses) == 1 else "depends_on_scenario",
                }
            )
            continue
        ind = indicators.get(t.indicator)
        if ind is not None and ind.get("value") is not None:
            got = float(ind["value"])
            out.append(
                {
                    **row,
                    "limit": t.value,
                    "current": got,
                    "current_year": ind.get("year"),
                    "status": _status(t.metric, got, t.value),
                    "how": "latest observed value of the indicator",
                }
            )
            continue
        out.append(
            {
                **row,
                "status": "not_measurable",
                "why": f"the city has no data for '{t.indicator}' (neither inventory, scenario nor indicator)",
            }
        )
    return out
