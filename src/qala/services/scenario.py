"""Load a city's model and its base-year inventory, and run scenarios (shared by the CLI and the web)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from qala.catalog import load_catalog
from qala.scenario.chunks import Runner, serial
from qala.scenario.engine import BaseYear, Prepared, prepare
from qala.scenario.reduced import CHUNK, ScenarioSummary, run_reduced
from qala.scenario.run import ScenarioResult, base_year_from, run_scenario
from qala.scenario.spec import CityModel, ModelError, load_model

# One answer everywhere: the web pages, the API, the report and the exports all run a scenario through
# ``standard`` with these draws and this seed unless the user asks for others, so they show the same numbers.
STANDARD_DRAWS = 1000
STANDARD_SEED = 1


def model_path(city: str) -> Path:
    return Path(str(resources.files("qala.cities").joinpath(city, "model.yaml")))


def resolve(name_or_file: str, city: str, engine: Engine | None = None) -> tuple[CityModel, str | None]:
    """A scenario name of the city's model, or a model file (then the scenario is chosen separately).

    A city without a bundled model may have one derived from a bundled city's (synthetic cities, see
    ``qala.scale.synth``): that needs the database, ``engine``.
    """
    if name_or_file.endswith((".yaml", ".yml")):
        return load_model(Path(name_or_file), load_catalog()), None
    path = model_path(city)
    if not path.is_file():
        derived = _derived_model(engine, city) if engine is not None else None
        if derived is None:
            raise ModelError([f"city '{city}' has no model ({path.name}); give a model file"])
        return derived, name_or_file
    return _cached_model(str(path), path.stat().st_mtime_ns), name_or_file


def _derived_model(engine: Engine, city: str) -> CityModel | None:
    from qala.scale.synth import derivation  # noqa: PLC0415

    how = derivation(engine, city)
    if how is None:
        return None
    source = str(how["from"])
    path = model_path(source)
    return _scaled(city, source, float(how["scale"]), str(path), path.stat().st_mtime_ns)  # type: ignore[arg-type]


@lru_cache(maxsize=128)
def _scaled(city: str, source: str, factor: float, path: str, mtime_ns: int) -> CityModel:
    """One model object per derived city and process: the prepared model is cached by identity."""
    from qala.scale.synth import scaled_model  # noqa: PLC0415

    return scaled_model(_cached_model(path, mtime_ns), city, factor)


@lru_cache(maxsize=16)
def _cached_model(path: str, mtime_ns: int) -> CityModel:
    """A bundled model, parsed once per process (and again if its file changes)."""
    return load_model(Path(path), load_catalog())


@lru_cache(maxsize=128)  # many cities: one prepared model each
def _prepared(model: CityModel, gwp: str | None) -> Prepared:
    return prepare(model, load_catalog(), gwp)


def removals_counted(model: CityModel, basis: str) -> bool:
    """Whether the model's removal flows (``removal: true``) are part of its totals on ``basis``: a total that
    includes them is net of removals, and the pages say so."""
    from qala.scenario.engine import _in_basis  # noqa: PLC0415 - the engine's own rule, not a copy of it

    cells = load_catalog().cells  # a flow's GPC cell gives its level and scope; no prepared model needed
    removals = [cells[n.flow.gpc_ref] for n in model.flows if n.flow is not None and n.flow.removal]
    return any(_in_basis(c.level, c.scope, basis) for c in removals)


_reused: ContextVar[dict[tuple[object, ...], object] | None] = ContextVar("qala_reused_results", default=None)


@contextmanager
def reuse() -> Iterator[None]:
    """Within the block, a model's base year and its standard runs are computed once and then reused.

    For work that reads the store many times without writing to it (the report asks for the six standard
    scenarios for its pathways and again for the co-benefits, and for the base year in every one of them and
    in the MACC): the same inputs, so the same numbers, computed once.
    """
    token = _reused.set({})
    try:
        yield
    finally:
        _reused.reset(token)


def base_year(engine: Engine, model: CityModel, gwp: str | None, working: bool = False) -> BaseYear:
    """The base year every run starts from: its published version (what the public sees; a provider's accepted
    data enter it only when an editor publishes), or the working records (``working``: editors, the CLI)."""
    from qala.services.published import public_inventory  # noqa: PLC0415

    memo = _reused.get()
    key = ("base", id(engine), model.city, model.base_year, gwp, working)
    if memo is not None and key in memo:
        return memo[key]  # type: ignore[return-value]
    base = base_year_from(public_inventory(engine, model.city, model.base_year, gwp, working=working))
    if memo is not None:
        memo[key] = base
    return base


def run(
    engine: Engine,
    model: CityModel,
    scenario: str,
    *,
    draws: int,
    seed: int,
    gwp: str | None = None,
    chunk_size: int = 2000,
    on_chunk: Callable[[int], None] | None = None,
    runner: Runner = serial,
    working: bool = False,
) -> ScenarioResult:
    prep: Prepared = _prepared(model, gwp)
    base = base_year(engine, model, gwp, working)
    return run_scenario(
        prep, scenario, base, draws=draws, seed=seed, chunk_size=chunk_size, on_chunk=on_chunk, runner=runner
    )


def standard(
    engine: Engine,
    model: CityModel,
    scenario: str,
    *,
    draws: int = STANDARD_DRAWS,
    seed: int = STANDARD_SEED,
    gwp: str | None = None,
    working: bool = False,
) -> ScenarioResult:
    """The scenario as every surface shows it (web, API, report, exports): the standard draws and seed."""
    memo = _reused.get()
    key = ("run", id(engine), id(model), scenario, draws, seed, gwp, working)
    if memo is not None and key in memo:
        return memo[key]  # type: ignore[return-value]
    result = run(engine, model, scenario, draws=draws, seed=seed, gwp=gwp, working=working)
    if memo is not None:
        memo[key] = result
    return result


def summarise(
    engine: Engine,
    model: CityModel,
    scenario: str,
    *,
    draws: int,
    seed: int,
    gwp: str | None = None,
    chunk_size: int = CHUNK,
    on_chunk: Callable[[int], None] | None = None,
    runner: Runner = serial,
    working: bool = False,
) -> ScenarioSummary:
    """A run reduced where its chunks are computed (any number of draws in bounded memory): the JSON of
    ``run``, with quantiles from mergeable histograms (``qala.scenario.sketch``)."""
    prep: Prepared = _prepared(model, gwp)
    base = base_year(engine, model, gwp, working)
    return run_reduced(
        prep, scenario, base, draws=draws, seed=seed, chunk_size=chunk_size, on_chunk=on_chunk, runner=runner
    )


def with_custom(model: CityModel, measures: list[str], name: str = "custom") -> CityModel:
    """The model with one more scenario made of the chosen measures (unknown codes are an error)."""
    from dataclasses import replace  # noqa: PLC0415

    from qala.scenario.spec import ScenarioSpec  # noqa: PLC0415

    unknown = [m for m in measures if m not in model.measures]
    if unknown:
        raise ModelError([f"unknown measure(s): {', '.join(unknown)}"])
    ordered = tuple(m for m in model.measures if m in measures)  # the model's order: results do not depend on clicks
    spec = ScenarioSpec(name, ordered, {"en": "Chosen measures", "ru": "Выбранные меры", "kk": "Таңдалған шаралар"})
    return replace(model, scenarios={**model.scenarios, name: spec})
