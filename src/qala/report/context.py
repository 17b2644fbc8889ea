"""One typed context for the report, gathered from the store and the services (pure data, no formatting).

Every number comes from the same calls the CLI and the web pages make: the inventory service, the scenario
service, the economics service (MACC), the assessment service (indicators, co-benefits, alignment) and the
stored roadmap. Nothing here recomputes what they compute; it only selects and groups.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import Engine, select

from qala.catalog import load_catalog
from qala.economics.prices import prices as energy_prices
from qala.inventory.engine import InventoryError, InventoryOptions
from qala.report import MACC_YEAR, REPORT_DRAWS, REPORT_SEED
from qala.report.stamp import Stamp, make_stamp
from qala.roadmap import export as roadmap_export
from qala.roadmap.model import RoadmapError
from qala.scenario.run import base_year_from
from qala.scenario.spec import ModelError
from qala.services import economics as econ
from qala.services import scenario as scenario_svc
from qala.services.assessment import assess
from qala.services.inventory import inventory_from_store
from qala.store import records as record_store
from qala.store import roadmap as roadmap_store
from qala.store.models import City

# facts of the city profile (ids of the city's city.csv) and their labels, translated by the templates
PROFILE_FACTS = (
    "pop_2025_06_01",
    "area_after_2017",
    "clim_jan_mean",
    "clim_jul_mean",
    "clim_precip",
    "heat_total_capacity_2025",
    "heat_peak_demand_2025",
    "chp2_el_capacity",
    "gasification_share",
    "vehicles_2025_12_01",
    "buses_on_routes_2025",
    "msw_generated_2023_24",
    "msw_recycled_share_2024",
    "green_belt_area",
)
YEAR = re.compile(r"\d{4}(-\d{4})?")
NOT_PRICED = ("district_heat",)  # priced through the plants' fuel (economics/prices.py)


@dataclass(frozen=True)
class ReportContext:
    city: str
    city_names: dict[str, str]
    lang: str
    today: date
    inventory: dict[str, Any]  # the inventory JSON (DESIGN.md §5, extended)
    cells: list[dict[str, Any]]  # every GPC cell: t CO2e or its notation key
    sectors: dict[str, dict[str, str]]
    by_basis_sector: dict[str, dict[str, float]]  # basis -> sector -> t CO2e (the scenario engine's base year)
    profile: list[dict[str, Any]]
    assessment: dict[str, Any]  # indicators, co-benefits, documents, alignment
    scenarios: dict[str, dict[str, Any]]  # name -> the scenario JSON
    measures: list[dict[str, Any]]
    macc: dict[str, Any] | None
    unpriced: list[str]  # fuels and grid electricity without a sourced price
    roadmap: dict[str, Any] | None
    records: list[dict[str, Any]]  # the inventory year's activity records with their provenance and quality
    stamp: Stamp
    gaps: dict[str, Any] = field(default_factory=dict)

    @property
    def city_name(self) -> str:
        return self.city_names.get(self.lang) or self.city_names.get("en") or self.city

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the JSON twin of the report)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["today"] = self.today.isoformat()
        out["stamp"] = self.stamp.to_dict()
        return out


def city_names(engine: Engine, city: str) -> dict[str, str]:
    with engine.connect() as conn:
        row = conn.execute(select(City.name_en, City.name_ru, City.name_kk).where(City.code == city)).first()
    return {"en": row[0], "ru": row[1], "kk": row[2]} if row else {"en": city}


def city_profile(city: str) -> list[dict[str, Any]]:
    """The chosen facts of the city's ``city.csv``, each with its year and source (absent ones are left out)."""
    path = resources.files("qala.cities").joinpath(city, "city.csv")
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    out = []
    for fact in PROFILE_FACTS:
        r = rows.get(fact)
        if r is None:
            continue
        out.append(
            {
                "id": fact,
                "value": float(r["value"]),
                "unit": r["unit"],
                "year": year.group(0) if (year := YEAR.match(r["year"])) else None,  # "2025 (reported ...)" -> 2025
                "normal": r["year"].startswith("normal"),  # a climate normal
                "source": r["source"],
                "confidence": r["confidence"],
            }
        )
    return out


def gpc_cells(inventory: dict[str, Any], declared: set[str]) -> list[dict[str, Any]]:
    """Every cell of the GPC tree with its t CO2e (without biogenic CO2) or its notation key.

    ``declared``: the cells whose key the city declared with a reason (the others are NE for want of data).
    """
    totals: dict[str, float] = {}
    for r in inventory["rows"]:
        if r["gas"] != "CO2(b)":
            totals[r["gpc_ref"]] = totals.get(r["gpc_ref"], 0.0) + r["tco2e"]
    out = []
    for c in load_catalog().cells.values():
        out.append(
            {
                "ref": c.ref,
                "sector": c.sector,
                "scope": c.scope,
                "level": c.level,
                "names": c.subsector_names,
                "tco2e": totals.get(c.ref),
                "key": inventory["notation_keys"].get(c.ref),
                "explanation": inventory["notation_key_explanations"].get(c.ref),
                "declared": c.ref in declared,
                "status": (inventory.get("cells", {}).get(c.ref) or {}).get("status") if c.ref in totals else None,
                "methods": (inventory.get("cells", {}).get(c.ref) or {}).get("methods", []),
            }
        )
    return out


def _scenarios(engine: Engine, city: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    try:
        model, _ = scenario_svc.resolve("bau", city, engine)
    except ModelError:
        return {}, []
    runs = {
        name: scenario_svc.standard(engine, model, name, draws=REPORT_DRAWS, seed=REPORT_SEED).to_dict()
        for name in model.scenarios
    }
    for d in runs.values():
        d.pop("flows_mean", None)
        removals = d.get("removals")
        # the mean removals and offsets in the total on its basis (None: none, or the basis does not count them)
        d["removals_in_total"] = (
            removals["mean"]
            if removals and any(removals["mean"]) and scenario_svc.removals_counted(model, d["basis"])
            else None
        )
    measures = [
        {
            "code": m.code,
            "names": m.names,
            "start": m.start,
            "full": m.full,
            "cost": m.cost,
            "financing": list(m.financing),
            "roadmap_activity": m.roadmap_activity,
            "source": m.source,
        }
        for m in model.measures.values()
    ]
    return runs, measures


def unpriced() -> list[str]:
    """Fuels and grid electricity of the catalog without a sourced energy price."""
    cat = load_catalog()
    priced = set(energy_prices(cat))
    energy = [a.code for a in cat.activities.values() if a.kind in ("fuel", "grid_energy")]
    return [a for a in energy if a not in priced and a not in NOT_PRICED]


def _roadmap(engine: Engine, city: str, today: date, lang: str) -> dict[str, Any] | None:
    try:
        return roadmap_export.to_dict(roadmap_store.load_roadmap(engine, city), today, lang)
    except RoadmapError:
        return None


def gaps(ctx: ReportContext) -> dict[str, Any]:
    """What is missing or a placeholder, so that the report says so instead of presenting it as a fact."""
    rm = ctx.roadmap or {"sections": [], "expert_group": []}
    acts = [a for s in rm["sections"] for a in s["activities"]]
    return {
        "not_estimated": [c["ref"] for c in ctx.cells if c["key"] == "NE"],
        "declared_keys": [c["ref"] for c in ctx.cells if c["key"] in ("NO", "IE", "C")],
        "placeholder_sections": sum(1 for s in rm["sections"] if s["placeholder"]),
        "placeholder_activities": sum(1 for a in acts if a["placeholder"]),
        "placeholder_experts": sum(1 for p in rm["expert_group"] if p["placeholder"]),
        "activities": len(acts),
        "experts": len(rm["expert_group"]),
        "unknown_indicators": [i["name"] for i in ctx.assessment.get("indicators", []) if i["value"] is None],
        "unrated_indicators": [i["name"] for i in ctx.assessment.get("indicators", []) if i["rating"] == "not_rated"],
        "unpriced": ctx.unpriced,
        "warnings": list(ctx.inventory.get("warnings", [])),
        "no_model": not ctx.scenarios,
        "no_roadmap": ctx.roadmap is None,
    }


def build_context(
    engine: Engine,
    city: str,
    lang: str,
    today: date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> ReportContext:
    """Everything the report shows, in ``lang`` where the data carry names; InventoryError without an inventory.

    The store is read, not written, while the report is gathered: the base year and the standard scenario
    runs are computed once and reused by the pathways, the MACC and the co-benefits (the same numbers).
    ``progress(share, phase)`` is told how far the gathering is (0 to 1).
    """
    with scenario_svc.reuse():
        return _build_context(engine, city, lang, today or date.today(), progress or (lambda share, phase: None))


def _build_context(
    engine: Engine, city: str, lang: str, today: date, progress: Callable[[float, str], None]
) -> ReportContext:
    from qala.services.published import frozen_inventory  # noqa: PLC0415
    from qala.store import publications  # noqa: PLC0415

    pub = publications.current(engine, city)  # the report shows the published version, as the public pages do
    if pub is not None:
        inv = frozen_inventory(pub["records_json"], pub["gwp"])
    else:
        inv = inventory_from_store(engine, city, None, InventoryOptions())
    inventory = inv.to_dict()
    inventory["version"] = (
        publications.version_info(engine, pub) if pub else {"state": "unpublished", "number": None, "stale": False}
    )
    progress(0.1, "scenarios")
    runs, measures = _scenarios(engine, city)
    macc = None
    progress(0.4, "economics")
    if runs:
        try:
            macc = econ.macc_data(engine, city, MACC_YEAR, basis=econ.MACC_BASIS)
        except (ValueError, InventoryError):
            macc = None
    progress(0.7, "assessment")
    ctx = ReportContext(
        city=city,
        city_names=city_names(engine, city),
        lang=lang,
        today=today,
        inventory=inventory,
        cells=gpc_cells(inventory, set(record_store.notation_keys(engine, city, inv.year))),
        sectors=load_catalog().sectors,
        by_basis_sector=base_year_from(inv).by_basis,
        profile=city_profile(city),
        assessment=assess(engine, city, lang, draws=REPORT_DRAWS),
        scenarios=runs,
        measures=measures,
        macc=macc,
        unpriced=unpriced(),
        roadmap=_roadmap(engine, city, today, lang),
        records=[
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in record_store.record_provenance(engine, city, inv.year)
        ],
        stamp=make_stamp(engine, city, today, REPORT_DRAWS, REPORT_SEED),
    )
    object.__setattr__(ctx, "gaps", gaps(ctx))
    return ctx
