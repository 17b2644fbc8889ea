"""A variant of a scenario: the expert group's changes to a model's assumptions, checked and applied.

A variant names its base scenario and a list of changes, each one of:

* a parameter: ``{"parameter": "grid_ef", "path": {2030: 600, 2060: 100}}`` (a new path, linear between the
  years), ``{"parameter": "hp_cop", "value": 3.0}`` (a constant), ``{"parameter": "hp_cop", "dist": {"type":
  "triangular", "low": 2.5, "mode": 3, "high": 3.5}}`` (a drawn constant) or ``{"parameter": "grid_ef",
  "uncertainty": {"type": "uniform", "low": 0.9, "high": 1.1}}`` (a multiplier on the path; ``null`` removes it);
* a measure: ``{"measure": "lrt", "start": 2026, "full": 2030, "max_effect": 0.8, "capex": 3e11,
  "opex_per_year": 0, "lifetime": 40, "in_scenario": true}`` (any of these keys).

``apply`` returns a new model whose scenario ``name`` is the variant; nothing else in the model changes. The
new model draws every uncertain quantity with the random stream its base model used (``draw_keys``), so a
variant and its scenario, run with the same seed, differ only by the change (common random numbers). A change
that cannot be applied (unknown parameter or measure, impossible distribution, year outside the horizon) is a
``VariantError`` naming it; nothing is applied. Every change is checked against the model as the changes before
it left it, a refused change leaving it as it was, so that each problem named is the change's own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qala.catalog import load_catalog
from qala.scenario.spec import CityModel, ModelError, Parameter, ScenarioSpec, _Reader

MEASURE_KEYS = ("start", "full", "max_effect", "capex", "opex_per_year", "lifetime", "in_scenario")
PARAMETER_KEYS = ("path", "value", "dist", "uncertainty")
MAX_CHANGES = 200


class VariantError(ModelError):
    """A variant that cannot be applied; ``problems`` names each change and what is wrong with it."""


def apply(model: CityModel, scenario: str, changes: list[dict[str, Any]], name: str = "variant") -> CityModel:
    """The model with one more scenario, ``name``: ``scenario`` with ``changes`` applied."""
    r = _Reader("variant", load_catalog())
    if scenario not in model.scenarios:
        r.coded("scenario", "variant.scenario_unknown", scenario=repr(scenario), scenarios=", ".join(model.scenarios))
        raise VariantError(r.problems)
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        r.coded("changes", "variant.too_many_changes", max=MAX_CHANGES)
        raise VariantError(r.problems)
    lo, hi = model.base_year, model.end_year
    params = dict(model.parameters)
    measures = dict(model.measures)
    listed = list(model.scenarios[scenario].measures)
    for i, ch in enumerate(changes):
        key = f"changes[{i}]"
        if not isinstance(ch, dict):
            r.coded(key, "variant.change_mapping")
            continue
        if "parameter" in ch:
            _parameter(r, key, ch, params, lo, hi)
        elif "measure" in ch:
            listed = _measure(r, key, ch, measures, listed, lo, hi)
        else:
            r.coded(key, "variant.change_kind")
    if r.problems:
        raise VariantError(r.problems)
    keys = model.draw_keys or tuple(k for k, _ in model.uncertain())
    ordered = tuple(m for m in measures if m in listed)
    spec = ScenarioSpec(name, ordered, model.scenarios[scenario].description)
    return replace(
        model,
        parameters=params,
        measures=measures,
        scenarios={**model.scenarios, name: spec},
        draw_keys=keys,
    )


def _parameter(r: _Reader, key: str, ch: dict[str, Any], params: dict[str, Parameter], lo: int, hi: int) -> None:
    name = ch.get("parameter")
    if name not in params:
        r.coded(f"{key}.parameter", "variant.parameter_unknown", name=repr(name))
        return
    extra = set(ch) - {"parameter", *PARAMETER_KEYS}
    if extra:
        r.coded(key, "variant.parameter_keys", keys=", ".join(sorted(extra)), allowed=", ".join(PARAMETER_KEYS))
        return
    if not set(ch) & set(PARAMETER_KEYS):
        r.coded(key, "variant.parameter_empty", allowed=", ".join(PARAMETER_KEYS))
        return
    p = params[name]
    before = len(r.problems)
    path, dist, unc = p.path, p.dist, p.uncertainty
    if "path" in ch:
        raw = ch["path"]
        raw = (
            {int(y) if isinstance(y, str) and y.isdigit() else y: v for y, v in raw.items()}
            if isinstance(raw, dict)
            else raw
        )
        path, dist = r.path(f"{key}.path", raw, lo, hi), None
    if "value" in ch:
        path, dist = {lo: r.number(f"{key}.value", ch["value"])}, None
    if "dist" in ch:
        dist = r.dist(f"{key}.dist", ch["dist"])
        if len(path) > 1 and dist is not None:
            r.coded(f"{key}.dist", "variant.dist_on_path")
    if "uncertainty" in ch:
        unc = r.dist(f"{key}.uncertainty", ch["uncertainty"])
    if len(r.problems) == before:  # a refused change is not applied: the next change sees the model as it was
        params[name] = replace(p, path=path, dist=dist, uncertainty=unc)


def _measure(
    r: _Reader, key: str, ch: dict[str, Any], measures: dict[str, Any], listed: list[str], lo: int, hi: int
) -> list[str]:
    code = ch.get("measure")
    if code not in measures:
        r.coded(f"{key}.measure", "variant.measure_unknown", code=repr(code))
        return listed
    extra = set(ch) - {"measure", *MEASURE_KEYS}
    if extra:
        r.coded(key, "variant.measure_keys", keys=", ".join(sorted(extra)), allowed=", ".join(MEASURE_KEYS))
        return listed
    m = measures[code]
    before = len(r.problems)
    start = r.year(f"{key}.start", ch["start"], lo, hi) if "start" in ch else m.start
    full = r.year(f"{key}.full", ch["full"], lo, hi) if "full" in ch else m.full
    if full < start:
        r.coded(f"{key}.full", "variant.full_before_start")
    max_effect = m.max_effect
    if "max_effect" in ch:
        if isinstance(ch["max_effect"], dict):
            max_effect = r.dist(f"{key}.max_effect", ch["max_effect"]) or m.max_effect
        else:
            max_effect = r.number(f"{key}.max_effect", ch["max_effect"])
            if not 0 <= max_effect <= 1:
                r.coded(f"{key}.max_effect", "variant.share")
    cost = dict(m.cost)
    for field in ("capex", "opex_per_year", "lifetime"):
        if field in ch:
            cost[field] = r.number(f"{key}.{field}", ch[field], positive=field == "lifetime")
    if len(r.problems) == before:
        measures[code] = replace(m, start=start, full=full, max_effect=max_effect, cost=cost)
    if "in_scenario" in ch:
        if not isinstance(ch["in_scenario"], bool):
            r.coded(f"{key}.in_scenario", "variant.bool")
        elif ch["in_scenario"] and code not in listed:
            listed = [*listed, code]
        elif not ch["in_scenario"]:
            listed = [c for c in listed if c != code]
    return listed
