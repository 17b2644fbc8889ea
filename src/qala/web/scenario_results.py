"""A scenario's results as every page and the API show them: one function, one cache key, one set of numbers."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from qala.scenario.spec import CityModel
from qala.services import scenario as scenario_svc
from qala.web.cache import cached


def standard_dict(
    request: Request,
    city: str,
    model: CityModel,
    name: str,
    draws: int = scenario_svc.STANDARD_DRAWS,
    seed: int = scenario_svc.STANDARD_SEED,
    working: bool = False,
) -> dict[str, Any]:
    """The scenario's JSON (without the per-flow means), computed once per version of the data and publications:
    from the published base year, or the working one for an editor's ``?state=working``."""

    def build() -> dict[str, Any]:
        engine = request.app.state.engine
        data = scenario_svc.standard(engine, model, name, draws=draws, seed=seed, working=working).to_dict()
        data.pop("flows_mean", None)
        return data

    return cached(request, ("api-scenario", city, name, draws, seed, id(model), working), build)
