"""The ecological-state assessment of a city: indicators, co-benefits of the scenarios, alignment of targets."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Engine

from qala.assessment.alignment import DocTarget, align, load_registry
from qala.assessment.cobenefits import inventory_pollutants, scenario_pollutants
from qala.assessment.indicators import Indicator, assessment, load_indicators
from qala.catalog import load_catalog
from qala.inventory.engine import InventoryError
from qala.scenario.spec import ModelError
from qala.services import scenario as scenario_svc
from qala.services.published import public_inventory

COBENEFIT_YEARS = (2030, 2060)
RATINGS = ("green", "amber", "red", "not_rated", "unknown")


def _text(city: str, name: str) -> tuple[str, str] | None:
    path = resources.files("qala.cities").joinpath(city, name)
    return (path.read_text(encoding="utf-8"), f"qala/cities/{city}/{name}") if path.is_file() else None


@lru_cache(maxsize=8)
def city_indicators(city: str) -> tuple[Indicator, ...]:
    found = _text(city, "indicators.yaml")
    return tuple(load_indicators(*found)) if found else ()


@lru_cache(maxsize=8)
def city_documents(city: str) -> tuple[tuple[dict[str, Any], ...], tuple[DocTarget, ...]]:
    found = _text(city, "strategic_documents.yaml")
    if not found:
        return (), ()
    docs, targets = load_registry(*found)
    return tuple(docs), tuple(targets)


def rating_counts(indicators: list[dict[str, Any]]) -> dict[str, int]:
    """How many indicators are green, amber, red, without a sourced benchmark, or without a value."""
    counts = dict.fromkeys(RATINGS, 0)
    for i in indicators:
        counts[i["rating"]] += 1
    return counts


def assess(engine: Engine, city: str, lang: str = "en", draws: int = scenario_svc.STANDARD_DRAWS) -> dict[str, Any]:
    catalog = load_catalog()
    indicators = assessment(list(city_indicators(city)), lang)
    out: dict[str, Any] = {"city": city, "indicators": indicators, "rating_counts": rating_counts(indicators)}
    try:
        inv = public_inventory(engine, city, None)  # the published version, as the public pages show it
        out["cobenefits"] = {
            "inventory_year": inv.year,
            "inventory": inventory_pollutants(catalog, inv.rows.to_dicts()),
        }
    except InventoryError:
        out["cobenefits"] = {"inventory": None}
    scenarios = {}
    try:
        model, _ = scenario_svc.resolve("bau", city, engine)
        for name in model.scenarios:
            scenarios[name] = scenario_svc.standard(engine, model, name, draws=draws)
    except (ModelError, InventoryError):
        model = None
    if scenarios:
        first = next(iter(scenarios.values()))
        years = [y for y in COBENEFIT_YEARS if y in first.years]
        out["cobenefits"]["scenarios"] = {
            name: {
                str(y): {p: series[first.years.index(y)] for p, series in scenario_pollutants(catalog, r).items()}
                for y in years
            }
            for name, r in scenarios.items()
        }
    docs, targets = city_documents(city)
    out["documents"] = [
        {
            "code": d["code"],
            "title": d["title"].get(lang, d["title"].get("en")),
            "level": d.get("level"),
            "adopted": d.get("adopted"),
            "source": d.get("source"),
        }
        for d in docs
    ]
    base = scenarios and next(iter(scenarios.values())).base
    out["alignment"] = (
        align(
            list(targets),
            scenarios=scenarios,
            base_totals=base.totals if base else {},
            base_year=base.year if base else 0,
            indicators={i["code"]: i for i in indicators},
        )
        if targets
        else []
    )
    return out
