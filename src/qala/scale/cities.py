"""Many cities at once: each city's inventory and one scenario, the scenarios' chunks run together.

The chunks of every city go to the runner as one list, so a Dask cluster works on all cities at the
same time; each chunk is reduced to statistics where it is computed and each city's are merged there
too (``qala.scenario.reduced``), exactly as ``qala scenario run`` does for one city.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from qala.inventory.engine import InventoryError
from qala.scenario.chunks import Batch, OnChunk, Runner, serial
from qala.scenario.reduced import CHUNK, ScenarioSummary, reduced_batch, summarise
from qala.scenario.spec import CityModel, ModelError
from qala.services import scenario as svc
from qala.services.published import public_inventory
from qala.store.models import City

COMPARE_YEAR = 2030


@dataclass(frozen=True)
class CityTarget:
    name: str
    year: int
    p_met: float


@dataclass
class CityRow:
    """One line of the comparison (t CO2e on the model's basis; territorial without a model)."""

    code: str
    name: str
    basis: str = "territorial"
    year: int | None = None
    total_tco2e: float | None = None
    population: float | None = None
    per_capita_tco2e: float | None = None
    scenario: str | None = None
    p50_2030_tco2e: float | None = None
    change_2030: float | None = None  # p50 in 2030 against the base-year inventory total
    targets: list[CityTarget] = field(default_factory=list)
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def city_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(City.code, City.name_en).order_by(City.code)).all())


def run_cities(
    engine: Engine,
    codes: list[str],
    scenario: str,
    *,
    draws: int,
    seed: int,
    runner: Runner = serial,
    on_chunk: OnChunk = None,
    chunk_size: int = CHUNK,
) -> list[CityRow]:
    """The comparison rows, in the order of ``codes``; a city that cannot be computed says why."""
    names = city_names(engine)
    rows: list[CityRow] = []
    pending: list[tuple[CityRow, CityModel, Batch]] = []
    for code in codes:
        row = CityRow(code, names.get(code, code))
        rows.append(row)
        if code not in names:
            row.problem = "unknown city"
            continue
        model = _model(engine, code)
        row.basis = model.basis if model else "territorial"
        try:
            inv = public_inventory(engine, code, model.base_year if model else None)
        except InventoryError as exc:
            row.problem = "; ".join(exc.problems)
            continue
        row.year, row.total_tco2e = inv.year, float(inv.to_dict()["totals"][row.basis])
        if model is None:
            row.problem = "no scenario model"
            continue
        if scenario not in model.scenarios:
            row.problem = f"no scenario '{scenario}'"
            continue
        row.scenario = scenario
        prep = svc._prepared(model, None)
        base = svc.base_year(engine, model, None)
        pending.append((row, model, reduced_batch(prep, scenario, base, draws=draws, seed=seed, chunk_size=chunk_size)))
    results = runner([b for _, _, b in pending], on_chunk)
    for (row, model, batch), (stats,) in zip(pending, results, strict=True):
        _fill(row, model, summarise(batch.prep, scenario, batch.base, stats, seed))
    return rows


def _model(engine: Engine, code: str) -> CityModel | None:
    try:
        return svc.resolve("bau", code, engine)[0]
    except ModelError:
        return None


def _fill(row: CityRow, model: CityModel, result: ScenarioSummary) -> None:
    if model.population_driver:
        row.population = float(model.drivers[model.population_driver].base)
        if row.total_tco2e is not None and row.population:
            row.per_capita_tco2e = row.total_tco2e / row.population
    if COMPARE_YEAR in result.years:
        p50 = result.summary(f"total:{result.basis}")["p50"][result.years.index(COMPARE_YEAR)]
        row.p50_2030_tco2e = p50
        if row.total_tco2e:
            row.change_2030 = p50 / row.total_tco2e - 1.0
    row.targets = [CityTarget(t["name"], t["year"], t["p_met"]) for t in result.targets()]
