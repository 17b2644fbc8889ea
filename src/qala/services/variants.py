"""The expert group's variants of a scenario: preview, save (versioned, audited), list, compare, comment, promote.

Shared by the CLI, the API and the web page. Every run of a variant and of its scenario uses the same draws and
seed, so a comparison is made with common random numbers: the difference per draw is the effect of the change,
and its band is narrow where the change is.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select, update

from qala.messages import Problem
from qala.scenario.engine import reprepare
from qala.scenario.run import run_scenario
from qala.scenario.spec import BASES, CityModel
from qala.scenario.variants import VariantError, apply
from qala.services import scenario as svc
from qala.store.models import ScenarioVariant, VariantComment
from qala.store.users import audit

PREVIEW_DRAWS = 2000  # an expert's edit answers with this many draws (and the standard seed)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
QUANTILES = (0.05, 0.5, 0.95)
STATUSES = ("draft", "official")


class VariantNotFound(LookupError):
    pass


def _band(values: np.ndarray) -> dict[str, list[float]]:
    q = np.quantile(values, QUANTILES, axis=0)
    return {"mean": values.mean(axis=0).tolist(), "p05": q[0].tolist(), "p50": q[1].tolist(), "p95": q[2].tolist()}


def _check_basis(basis: str | None, model: CityModel) -> str:
    if basis is None:
        return model.basis
    if basis not in BASES:
        raise VariantError([Problem("variant: basis", "variant.basis", bases=", ".join(BASES), value=repr(basis))])
    return basis


def preview(
    engine: Engine,
    city: str,
    scenario: str,
    changes: list[dict[str, Any]],
    *,
    draws: int = PREVIEW_DRAWS,
    seed: int = svc.STANDARD_SEED,
    basis: str | None = None,
) -> dict[str, Any]:
    """The variant's result with its band, and its difference from the scenario (common random numbers)."""
    model, _ = svc.resolve("bau", city, engine)
    varied = apply(model, scenario, changes)
    basis = _check_basis(basis, model)
    base = _base_year(engine, model)  # both runs are calibrated to the same inventory
    a = _scenario_totals(model, scenario, base, draws, seed)[basis]
    var_run = run_scenario(reprepare(svc._prepared(model, None), varied), "variant", base, draws=draws, seed=seed)
    b = var_run.totals[basis]
    return {
        "city": city,
        "scenario": scenario,
        "basis": basis,
        "draws": draws,
        "seed": seed,
        "years": model.years,
        "changes": changes,
        "scenario_total": _band(a),
        "variant_total": _band(b),
        "difference": _band(b - a),  # per draw: the same random numbers on both sides
        "targets": var_run.targets(),
    }


_BASE_RUNS: dict[tuple[Any, ...], dict[str, np.ndarray]] = {}
_BASE_YEARS: dict[tuple[Any, ...], Any] = {}


def _base_year(engine: Engine, model: CityModel) -> Any:
    """The model's base-year inventory (its published version), kept per version of the data and publications."""
    from qala.store import publications, records  # noqa: PLC0415

    key = (id(engine), records.data_version(engine), publications.marker(engine), id(model))
    if key not in _BASE_YEARS:
        if len(_BASE_YEARS) >= 16:
            _BASE_YEARS.clear()
        _BASE_YEARS[key] = svc.base_year(engine, model, None)
    return _BASE_YEARS[key]


def _scenario_totals(model: CityModel, scenario: str, base: Any, draws: int, seed: int) -> dict[str, np.ndarray]:
    """The scenario's totals per basis, kept while the model and the inventory are the same: an expert's edits
    re-run only the variant."""
    key = (id(model), scenario, draws, seed, tuple(sorted(base.totals.items())), tuple(sorted(base.amounts.items())))
    if key not in _BASE_RUNS:
        if len(_BASE_RUNS) >= 16:
            _BASE_RUNS.clear()
        _BASE_RUNS[key] = run_scenario(svc._prepared(model, None), scenario, base, draws=draws, seed=seed).totals
    return _BASE_RUNS[key]


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "city": r.city_code,
        "name": r.name,
        "version": r.version,
        "scenario": r.base_scenario,
        "changes": json.loads(r.changes),
        "comment": r.comment,
        "status": r.status,
        "created_by": r.created_by,
        "created_at": r.created_at.isoformat() if r.created_at else None,
        "promoted_by": r.promoted_by,
        "promoted_at": r.promoted_at.isoformat() if r.promoted_at else None,
    }


def save(
    engine: Engine, city: str, name: str, scenario: str, changes: list[dict[str, Any]], comment: str, who: str
) -> dict[str, Any]:
    """Check the variant (a bad one is a VariantError and nothing is saved), then save it as the next version."""
    problems = []
    if not isinstance(name, str) or not NAME_RE.match(name):
        problems.append(Problem("variant: name", "variant.name"))
    text = (comment or "").strip()
    if not text:
        problems.append(Problem("variant: comment", "variant.comment_required"))
    elif len(text) > 5000:
        problems.append(Problem("variant: comment", "variant.comment_long", max=5000))
    model, _ = svc.resolve("bau", city, engine)
    if isinstance(name, str) and name in model.scenarios:
        problems.append(Problem("variant: name", "variant.name_is_scenario", name=repr(name)))
    if problems:
        raise VariantError(problems)
    apply(model, scenario, changes)  # raises before anything is written
    now = datetime.now(UTC)
    with engine.begin() as conn:
        last = conn.execute(
            select(func.max(ScenarioVariant.version)).where(
                ScenarioVariant.city_code == city, ScenarioVariant.name == name
            )
        ).scalar()
        version = (last or 0) + 1
        new_id = conn.execute(
            insert(ScenarioVariant).values(
                city_code=city,
                name=name,
                version=version,
                base_scenario=scenario,
                changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
                comment=text,
                status="draft",
                created_by=who,
                created_at=now,
            )
        ).inserted_primary_key[0]
        audit(
            conn,
            who,
            "create",
            "scenario_variant",
            f"{city}:{name}:{version}",
            None,
            {"scenario": scenario, "changes": changes, "comment": text},
        )
    return get(engine, city, int(new_id))


def get(engine: Engine, city: str, variant_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        r = conn.execute(
            select(ScenarioVariant).where(ScenarioVariant.id == variant_id, ScenarioVariant.city_code == city)
        ).first()
        if r is None:
            raise VariantNotFound(f"no variant {variant_id} in {city}")
        comments = conn.execute(
            select(VariantComment).where(VariantComment.variant_id == variant_id).order_by(VariantComment.id)
        ).all()
    out = _row(r)
    out["comments"] = [
        {"target": c.target, "text": c.text, "who": c.who, "at": c.at.isoformat() if c.at else None} for c in comments
    ]
    return out


def listing(engine: Engine, city: str, status: str | None = None) -> list[dict[str, Any]]:
    stmt = select(ScenarioVariant).where(ScenarioVariant.city_code == city)
    if status is not None:
        stmt = stmt.where(ScenarioVariant.status == status)
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(ScenarioVariant.name, ScenarioVariant.version)).all()
    return [_row(r) for r in rows]


def comment(engine: Engine, city: str, variant_id: int, target: str, text: str, who: str) -> dict[str, Any]:
    """A comment on the variant (``target`` empty) or on one of its assumptions (``parameter:NAME``,
    ``measure:CODE``)."""
    v = get(engine, city, variant_id)
    body = (text or "").strip()
    problems = []
    if not body:
        problems.append(Problem("comment", "variant.comment_text"))
    elif len(body) > 5000:
        problems.append(Problem("comment", "variant.comment_long", max=5000))
    target = (target or "").strip()
    if target:
        kind, _, name = target.partition(":")
        model, _ = svc.resolve("bau", city, engine)
        known = model.parameters if kind == "parameter" else model.measures if kind == "measure" else None
        if known is None or name not in known:
            problems.append(Problem("comment: target", "variant.comment_target", target=repr(target)))
    if problems:
        raise VariantError(problems)
    with engine.begin() as conn:
        conn.execute(
            insert(VariantComment).values(
                variant_id=variant_id, target=target, text=body, who=who, at=datetime.now(UTC)
            )
        )
        audit(
            conn,
            who,
            "comment",
            "scenario_variant",
            f"{city}:{v['name']}:{v['version']}",
            None,
            {"target": target, "comment": body},
        )
    return get(engine, city, variant_id)


def promote(engine: Engine, city: str, variant_id: int, who: str) -> dict[str, Any]:
    """An editor makes a variant an official scenario (its other versions stay drafts)."""
    v = get(engine, city, variant_id)
    if v["status"] == "official":
        return v
    with engine.begin() as conn:
        conn.execute(
            update(ScenarioVariant)
            .where(ScenarioVariant.id == variant_id)
            .values(status="official", promoted_by=who, promoted_at=datetime.now(UTC))
        )
        audit(
            conn,
            who,
            "promote",
            "scenario_variant",
            f"{city}:{v['name']}:{v['version']}",
            {"status": "draft"},
            {"status": "official"},
        )
    return get(engine, city, variant_id)


def run_saved(
    engine: Engine, city: str, variant_id: int, *, draws: int = svc.STANDARD_DRAWS, seed: int = svc.STANDARD_SEED
) -> dict[str, Any]:
    v = get(engine, city, variant_id)
    model, _ = svc.resolve("bau", city, engine)
    varied = apply(model, v["scenario"], v["changes"])
    data = svc.run(engine, varied, "variant", draws=draws, seed=seed).to_dict()
    data.pop("flows_mean", None)
    data["scenario"] = v["name"]
    return data


def compare(
    engine: Engine,
    city: str,
    ids: list[int],
    *,
    draws: int = PREVIEW_DRAWS,
    seed: int = svc.STANDARD_SEED,
    basis: str | None = None,
) -> dict[str, Any]:
    """Variants side by side: each one's total with its band, and its difference from the first (common random
    numbers: every run uses the same seed and the same random stream for each quantity)."""
    if not ids:
        raise VariantError([Problem("compare", "variant.compare_empty")])
    model, _ = svc.resolve("bau", city, engine)
    basis = _check_basis(basis, model)
    rows, totals = [], []
    for vid in ids:
        v = get(engine, city, vid)
        varied = apply(model, v["scenario"], v["changes"])
        totals.append(svc.run(engine, varied, "variant", draws=draws, seed=seed).totals[basis])
        rows.append({k: v[k] for k in ("id", "name", "version", "scenario", "status", "comment")})
    first = totals[0]
    for row, t in zip(rows, totals, strict=True):
        row["total"] = _band(t)
        row["difference_from_first"] = _band(t - first)
    return {"city": city, "basis": basis, "draws": draws, "seed": seed, "years": model.years, "variants": rows}
