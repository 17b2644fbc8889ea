"""Indicators in the pressure–state–response manner, rated green / amber / red against stated benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

THEMES = ("air", "climate_energy", "water", "waste", "land", "transport")
KINDS = ("pressure", "state", "response")
DIRECTIONS = ("lower_is_better", "higher_is_better")
LANGS = ("en", "ru", "kk")


class IndicatorError(ValueError):
    """An indicator file that cannot be used; nothing is stored or shown from it."""


@dataclass(frozen=True)
class Benchmark:
    green: float
    red: float
    source: str


@dataclass(frozen=True)
class Observation:
    year: int
    value: float | None  # None: unknown (the source of the gap is in the note)
    source: str
    note: str


@dataclass(frozen=True)
class Indicator:
    code: str
    theme: str
    kind: str
    name: dict[str, str]
    unit: str
    direction: str
    benchmark: Benchmark | None
    values: tuple[Observation, ...]

    @property
    def latest(self) -> Observation | None:
        known = [v for v in self.values if v.value is not None]
        return max(known, key=lambda v: v.year) if known else None


def rate(value: float | None, benchmark: Benchmark | None, direction: str) -> str:
    """green / amber / red; 'unknown' without a value, 'not_rated' without a benchmark.

    lower_is_better: value <= green is green, value > red is red, else amber.
    higher_is_better: value >= green is green, value < red is red, else amber.
    """
    if value is None:
        return "unknown"
    if benchmark is None:
        return "not_rated"
    if direction == "lower_is_better":
        return "green" if value <= benchmark.green else "red" if value > benchmark.red else "amber"
    return "green" if value >= benchmark.green else "red" if value < benchmark.red else "amber"


def _num(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise IndicatorError(f"{where}: a number, got {v!r}")
    return float(v)


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
        name = raw.get("name") or {}
        if any(not str(name.get(lang, "")).strip() for lang in LANGS):
            raise IndicatorError(f"{w}: name in en, ru and kk")
        bench = None
        if raw.get("benchmark") is not None:
            b = raw["benchmark"]
            green, red = _num(f"{w} benchmark.green", b.get("green")), _num(f"{w} benchmark.red", b.get("red"))
            if not str(b.get("source", "")).strip():
                raise IndicatorError(f"{w}: a benchmark needs its source")
            if direction == "lower_is_better" and not green < red:
                raise IndicatorError(
                    f"{w}: thresholds out of order: lower is better, so green ({green:g}) must be below red ({red:g})"
                )
            if direction == "higher_is_better" and not green > red:
                raise IndicatorError(
                    f"{w}: thresholds out of order: higher is better, so green ({green:g}) must be above red ({red:g})"
                )
            bench = Benchmark(green, red, str(b["source"]))
        values = []
        for j, v in enumerate(raw.get("values") or []):
            vw = f"{w} values[{j}]"
            unknown = bool(v.get("unknown")) or v.get("value") is None
            if not str(v.get("source", "")).strip() and not unknown:
                raise IndicatorError(f"{vw}: a value needs its source")
            year = v.get("year")
            if not isinstance(year, int):
                raise IndicatorError(f"{vw}: a whole year")
            values.append(
                Observation(
                    year,
                    None if unknown else _num(f"{vw} value", v.get("value")),
                    str(v.get("source", "")),
                    str(v.get("note", "")),
                )
            )
        out.append(
            Indicator(
                str(code),
                raw["theme"],
                raw["kind"],
                {k: str(name[k]) for k in LANGS},
                str(raw.get("unit", "")),
                direction,
                bench,
                tuple(sorted(values, key=lambda o: o.year)),
            )
        )
    return out


def load_indicators(text: str, where: str) -> list[Indicator]:
    return parse_indicators(yaml.safe_load(text), where)


def assessment(indicators: list[Indicator], lang: str = "en") -> list[dict[str, Any]]:
    """The JSON of `qala assess` (DESIGN.md §5), one entry per indicator, with its history."""
    out = []
    for ind in indicators:
        latest = ind.latest
        out.append(
            {
                "code": ind.code,
                "theme": ind.theme,
                "kind": ind.kind,
                "name": ind.name[lang],
                "names": ind.name,
                "value": None if latest is None else latest.value,
                "unit": ind.unit,
                "year": None if latest is None else latest.year,
                "rating": rate(None if latest is None else latest.value, ind.benchmark, ind.direction),
                "direction": ind.direction,
                "benchmark": None
                if ind.benchmark is None
                else {"green": ind.benchmark.green, "red": ind.benchmark.red, "source": ind.benchmark.source},
                "source": "" if latest is None else latest.source,
                "history": [{"year": o.year, "value": o.value, "source": o.source, "note": o.note} for o in ind.values],
            }
        )
    return out
