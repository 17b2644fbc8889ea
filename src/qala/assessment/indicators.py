"""Indicators in the pressure–state–response manner, rated green / amber / red against sourced benchmarks.

An indicator names its benchmark (an id of ``assessment/data/benchmarks.yaml``, or a full benchmark
written in place); the thresholds are converted to the indicator's unit by pint at load. An indicator
without a benchmark says why (``no_benchmark``); one without any known value says what is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

from qala.assessment import benchmarks as bm
from qala.assessment import units
from qala.assessment.benchmarks import DIRECTIONS, Benchmark, langs, rate
from qala.assessment.errors import IndicatorError

__all__ = ["Benchmark", "Indicator", "IndicatorError", "NoBenchmark", "Observation", "load_indicators", "rate"]

THEMES = ("air", "climate_energy", "water", "waste", "land", "transport")
KINDS = ("pressure", "state", "response")
LANGS = bm.LANGS


@dataclass(frozen=True)
class Observation:
    year: int
    value: float | None  # None: unknown (the source of the gap is in the note)
    source: str
    note: str
    confidence: str = ""  # high / medium / low for a known value
    derived: str = ""  # the arithmetic of a DERIVED value


@dataclass(frozen=True)
class NoBenchmark:
    reason: str  # a key of no_benchmark_reasons
    detail: dict[str, str]
    considered: Benchmark | None = None  # a benchmark looked at and set aside


@dataclass(frozen=True)
class Indicator:
    code: str
    theme: str
    kind: str
    name: dict[str, str]
    unit: str
    direction: str
    benchmark: Benchmark | None  # thresholds in the indicator's unit
    values: tuple[Observation, ...]
    no_benchmark: NoBenchmark | None = None
    comparability: dict[str, str] | None = None  # how the value's definition differs from the benchmark's
    missing: dict[str, str] | None = None  # what would give the indicator a value

    @property
    def latest(self) -> Observation | None:
        known = [v for v in self.values if v.value is not None]
        return max(known, key=lambda v: v.year) if known else None


def _num(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise IndicatorError(f"{where}: a number, got {v!r}")
    return float(v)


def _benchmark(raw: Any, w: str, unit: str, direction: str) -> Benchmark:
    if isinstance(raw, str):
        found = bm.catalog()[0].get(raw)
        if found is None:
            raise IndicatorError(f"{w}: benchmark {raw!r} is not in {bm.WHERE}")
    else:
        found = bm.parse_benchmark(raw, w)
    if found.direction != direction:
        said = found.direction.replace("_", " ")
        raise IndicatorError(f"{w}: benchmark {found.id} is {said}, the indicator {direction.replace('_', ' ')}")
    try:
        return found.converted(unit)
    except IndicatorError as exc:
        raise IndicatorError(f"{w}: benchmark {found.id}: {exc}") from exc


def _no_benchmark(raw: Any, w: str) -> NoBenchmark:
    reasons = bm.catalog()[1]
    if not isinstance(raw, dict) or raw.get("reason") not in reasons:
        raise IndicatorError(
            f"{w}: without a benchmark, say why: "
            f"no_benchmark: {{reason: {' | '.join(reasons)}, detail: {{en, ru, kk}}}}"
        )
    considered = raw.get("considered")
    if considered is not None and considered not in bm.catalog()[0]:
        raise IndicatorError(f"{w}: no_benchmark.considered {considered!r} is not in {bm.WHERE}")
    return NoBenchmark(
        raw["reason"],
        langs(f"{w} no_benchmark", raw.get("detail"), "a detail"),
        bm.catalog()[0][considered] if considered else None,
    )


def _observation(v: Any, vw: str) -> Observation:
    if not isinstance(v, dict):
        raise IndicatorError(f"{vw}: a mapping")
    unknown = bool(v.get("unknown")) or v.get("value") is None
    year = v.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise IndicatorError(f"{vw}: a whole year")
    if unknown:
        return Observation(year, None, str(v.get("source") or ""), str(v.get("note") or ""))
    if not str(v.get("source") or "").strip():
        raise IndicatorError(f"{vw}: a value needs its source")
    if v.get("confidence") not in bm.CONFIDENCE:
        raise IndicatorError(f"{vw}: a value needs its confidence, one of {', '.join(bm.CONFIDENCE)}")
    return Observation(
        year,
        _num(f"{vw} value", v.get("value")),
        str(v["source"]),
        str(v.get("note") or ""),
        v["confidence"],
        str(v.get("derived") or ""),
    )


def parse_indicators(data: Any, where: str) -> list[Indicator]:
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise IndicatorError(f"{where}: a list under 'indicators'")
    out, seen = [], set()
    for i, raw in enumerate(data["indicators"]):
        w = f"{where}: indicators[{i}] ({raw.get('code') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict):
            raise IndicatorError(f"{w}: a mapping")
        code = raw.get("code")
        if not code or code in seen:
            raise IndicatorError(f"{w}: a unique code")
        seen.add(code)
        if raw.get("theme") not in THEMES:
            raise IndicatorError(f"{w}: theme one of {', '.join(THEMES)}")
        if raw.get("kind") not in KINDS:
            raise IndicatorError(f"{w}: kind one of {', '.join(KINDS)}")
        direction = raw.get("direction")
        if direction not in DIRECTIONS:
            raise IndicatorError(f"{w}: direction one of {', '.join(DIRECTIONS)}")
        name = langs(w, raw.get("name"), "a name")
        unit = str(raw.get("unit") or "")
        if not units.known(unit):
            raise IndicatorError(f"{w}: unit {unit!r} is not in qala/assessment/data/units.yaml")
        bench = None if raw.get("benchmark") is None else _benchmark(raw["benchmark"], w, unit, direction)
        if bench is not None and raw.get("no_benchmark") is not None:
            raise IndicatorError(f"{w}: a benchmark and a reason for having none")
        why = None if bench is not None else _no_benchmark(raw.get("no_benchmark"), w)
        values = tuple(
            sorted(
                (_observation(v, f"{w} values[{j}]") for j, v in enumerate(raw.get("values") or [])),
                key=lambda o: o.year,
            )
        )
        missing = None
        if raw.get("missing") is not None or all(v.value is None for v in values):
            missing = langs(w, raw.get("missing"), "with no known value, 'missing' (what would give one)")
        comparability = None
        if raw.get("comparability") is not None:
            comparability = langs(w, raw.get("comparability"), "'comparability'")
        out.append(
            Indicator(
                str(code), raw["theme"], raw["kind"], name, unit, direction, bench, values, why, comparability, missing
            )
        )
    return out


def load_indicators(text: str, where: str) -> list[Indicator]:
    return parse_indicators(yaml.safe_load(text), where)


def _history(o: Observation) -> dict[str, Any]:
    return {
        "year": o.year,
        "value": o.value,
        "source": o.source,
        "note": o.note,
        "confidence": o.confidence or None,
        "derived": o.derived or None,
    }


def assessment(indicators: list[Indicator], lang: str = "en") -> list[dict[str, Any]]:
    """The JSON of `qala assess` (DESIGN.md §5), one entry per indicator, with its history, in ``lang``."""
    reasons = bm.catalog()[1]
    out = []
    for ind in indicators:
        latest = ind.latest
        value = None if latest is None else latest.value
        nb = ind.no_benchmark
        out.append(
            {
                "code": ind.code,
                "theme": ind.theme,
                "kind": ind.kind,
                "name": ind.name[lang],
                "names": ind.name,
                "value": value,
                "value_text": None if value is None else bm.number(value, lang),
                "unit": ind.unit,
                "unit_label": units.label(ind.unit, lang),
                "year": None if latest is None else latest.year,
                "confidence": None if latest is None else latest.confidence,
                "derived": None if latest is None or not latest.derived else latest.derived,
                "rating": rate(value, ind.benchmark),
                "direction": ind.direction,
                "benchmark": None if ind.benchmark is None else bm.to_dict(ind.benchmark, lang),
                "no_benchmark": None
                if nb is None
                else {
                    "reason": nb.reason,
                    "text": reasons[nb.reason][lang],
                    "detail": nb.detail[lang],
                    "considered": None if nb.considered is None else bm.to_dict(nb.considered, lang),
                },
                "comparability": None if ind.comparability is None else ind.comparability[lang],
                "missing": None if ind.missing is None or value is not None else ind.missing[lang],
                "source": "" if latest is None else latest.source,
                "note": "" if latest is None else latest.note,
                "history": [_history(o) for o in ind.values],
            }
        )
    return out
