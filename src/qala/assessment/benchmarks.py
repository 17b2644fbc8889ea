"""Benchmarks: green / amber / red thresholds as data, each with its source and confidence, checked at load.

A benchmark writes its two rules as its source does: ``green: "<= 5"`` and ``red: "> 25"`` (lower is
better), ``green: "> 25"`` and ``red: "< 15"`` (higher is better), or a band, ``green: ">= 120 and <= 200"``
and ``red: "< 80 or > 250"``. A value that meets the green rule is green, one that meets the red rule
is red, any other is amber. Rules that overlap or run the wrong way are refused with the reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml
from babel import Locale
from babel.numbers import format_decimal

from qala.assessment import units
from qala.assessment.errors import IndicatorError

LANGS = ("en", "ru", "kk")
DIRECTIONS = ("lower_is_better", "higher_is_better", "optimal_band")
CONFIDENCE = ("high", "medium", "low")
WHERE = "qala/assessment/data/benchmarks.yaml"
SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
OR = {"en": "or", "ru": "или", "kk": "немесе"}
_BOUND = re.compile(r"^\s*(<=|>=|<|>)\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")
LOW, HIGH = ("<", "<="), (">", ">=")


@dataclass(frozen=True)
class Bound:
    op: str  # <, <=, >, >=
    value: float

    def holds(self, v: float) -> bool:
        return {"<": v < self.value, "<=": v <= self.value, ">": v > self.value, ">=": v >= self.value}[self.op]

    def rule(self) -> str:
        return f"{self.op} {self.value:g}"


@dataclass(frozen=True)
class Rule:
    bounds: tuple[Bound, ...]
    join: str  # "" (one bound), "and" (a band), "or" (outside a band)

    def holds(self, v: float) -> bool:
        hits = [b.holds(v) for b in self.bounds]
        return any(hits) if self.join == "or" else all(hits)

    def scaled(self, factor: float) -> Rule:
        return Rule(tuple(Bound(b.op, float(f"{b.value * factor:.12g}")) for b in self.bounds), self.join)

    def rule(self) -> str:
        return f" {self.join} ".join(b.rule() for b in self.bounds)

    def threshold(self) -> float | list[float]:
        """The number(s) of the rule: one for a one-sided rule, [low, high] for a band."""
        return self.bounds[0].value if len(self.bounds) == 1 else [b.value for b in self.bounds]

    def text(self, lang: str, unit: str) -> str:
        """The rule as a reader of ``lang`` reads it: "≤ 5 мкг/м³", "120–200 л/чел. в сутки", "< 80 или > 250 …"."""
        label = units.label(unit, lang)
        tail = f"\u00a0{label}" if label else ""
        if self.join == "and" and all(b.op in ("<=", ">=") for b in self.bounds):
            low, high = sorted(b.value for b in self.bounds)
            return f"{number(low, lang)}–{number(high, lang)}{tail}"
        parts = [f"{SIGNS[b.op]}\u00a0{number(b.value, lang)}" for b in self.bounds]
        sep = f" {OR[lang]} " if self.join == "or" else " … "
        return sep.join(parts) + tail


@dataclass(frozen=True)
class Benchmark:
    id: str
    name: dict[str, str]
    unit: str  # the unit the thresholds are in now
    direction: str
    green: Rule
    red: Rule
    note: dict[str, str]
    source: str
    confidence: str
    quote: str = ""
    source_unit: str = ""  # the unit the source writes; "" = ``unit``
    factor: float = 1.0  # source_unit -> unit

    def converted(self, to_unit: str) -> Benchmark:
        """The same benchmark with its thresholds in ``to_unit`` (pint); IndicatorError when impossible."""
        if to_unit == self.unit:
            return self
        f = units.conversion(self.unit, to_unit)
        return replace(
            self,
            unit=to_unit,
            green=self.green.scaled(f),
            red=self.red.scaled(f),
            source_unit=self.source_unit or self.unit,
            factor=f * self.factor,
        )

    def original(self) -> Benchmark:
        """The thresholds as the source writes them."""
        if not self.source_unit:
            return self
        back = 1 / self.factor
        return replace(
            self, unit=self.source_unit, green=self.green.scaled(back), red=self.red.scaled(back), source_unit=""
        )


def number(v: float, lang: str) -> str:
    """A threshold or value with up to three decimals, grouped the way ``lang`` groups them (Babel)."""
    return format_decimal(v, format="#,##0.###", locale=Locale.parse(lang))


def rate(value: float | None, benchmark: Benchmark | None) -> str:
    """green / amber / red; 'unknown' without a value, 'not_rated' without a benchmark.

    The benchmark must be in the value's unit (``Benchmark.converted``).
    """
    if value is None:
        return "unknown"
    if benchmark is None:
        return "not_rated"
    if benchmark.green.holds(value):
        return "green"
    return "red" if benchmark.red.holds(value) else "amber"


# --- reading and checking --------------------------------------------------------------------------


def langs(where: str, raw: Any, what: str) -> dict[str, str]:
    if not isinstance(raw, dict) or any(not str(raw.get(lang) or "").strip() for lang in LANGS):
        raise IndicatorError(f"{where}: {what} in en, ru and kk")
    return {lang: str(raw[lang]).strip() for lang in LANGS}


def parse_rule(text: Any, where: str) -> Rule:
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise IndicatorError(f"{where}: a rule such as '<= 5', '> 25', '>= 120 and <= 200' or '< 80 or > 250'")
    s = str(text)
    join = "and" if " and " in s else "or" if " or " in s else ""
    parts = s.split(f" {join} ") if join else [s]
    bounds = []
    for part in parts:
        m = _BOUND.match(part)
        if not m or not math.isfinite(float(m.group(2))):
            raise IndicatorError(
                f"{where}: {s!r} is not a rule; write a comparison and a number such as '<= 5' or '> 25'"
                + (" (a bare number does not say which side is green)" if _is_number(s) else "")
            )
        bounds.append(Bound(m.group(1), float(m.group(2))))
    if len(bounds) > 2:
        raise IndicatorError(f"{where}: {s!r}: at most two comparisons")
    return Rule(tuple(bounds), join)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def check_order(direction: str, green: Rule, red: Rule, where: str) -> None:
    """The rules point the way of ``direction`` and leave green and red apart (amber between)."""
    if direction in ("lower_is_better", "higher_is_better"):
        good, bad = (LOW, HIGH) if direction == "lower_is_better" else (HIGH, LOW)
        word = "lower" if direction == "lower_is_better" else "higher"
        if len(green.bounds) != 1 or green.bounds[0].op not in good:
            raise IndicatorError(f"{where}: {word} is better, so green is one comparison with {' or '.join(good)}")
        if len(red.bounds) != 1 or red.bounds[0].op not in bad:
            raise IndicatorError(f"{where}: {word} is better, so red is one comparison with {' or '.join(bad)}")
        g, r = green.bounds[0].value, red.bounds[0].value
        if (direction == "lower_is_better" and not g < r) or (direction == "higher_is_better" and not g > r):
            raise IndicatorError(
                f"{where}: thresholds out of order: {word} is better, so green ({g:g}) must be "
                f"{'below' if word == 'lower' else 'above'} red ({r:g})"
            )
        return
    gb = {b.op[0]: b.value for b in green.bounds}
    rb = {b.op[0]: b.value for b in red.bounds}
    if green.join != "and" or set(gb) != {">", "<"} or red.join != "or" or set(rb) != {">", "<"}:
        raise IndicatorError(
            f"{where}: a band is written green '>= A and <= B' and red '< C or > D' (good inside, poor outside)"
        )
    c, a, b, d = rb["<"], gb[">"], gb["<"], rb[">"]
    if not c < a < b < d:
        raise IndicatorError(
            f"{where}: thresholds out of order: a band needs red-below ({c:g}) < green-from ({a:g}) < "
            f"green-to ({b:g}) < red-above ({d:g})"
        )


def parse_benchmark(raw: Any, where: str) -> Benchmark:
    if not isinstance(raw, dict):
        raise IndicatorError(f"{where}: a benchmark is a mapping (or the id of one in {WHERE})")
    ident = str(raw.get("id") or "").strip()
    if not ident:
        raise IndicatorError(f"{where}: a benchmark needs its id")
    w = f"{where} benchmark {ident}"
    if not str(raw.get("source") or "").strip():
        raise IndicatorError(f"{w}: a benchmark needs its source (title, year, table or page, address)")
    if raw.get("confidence") not in CONFIDENCE:
        raise IndicatorError(f"{w}: confidence one of {', '.join(CONFIDENCE)}")
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise IndicatorError(f"{w}: direction one of {', '.join(DIRECTIONS)}")
    unit = str(raw.get("unit") or "")
    if not units.known(unit):
        raise IndicatorError(f"{w}: unit {unit!r} is not in qala/assessment/data/units.yaml")
    green, red = parse_rule(raw.get("green"), f"{w} green"), parse_rule(raw.get("red"), f"{w} red")
    check_order(direction, green, red, w)
    return Benchmark(
        id=ident,
        name=langs(w, raw.get("name"), "a name"),
        unit=unit,
        direction=direction,
        green=green,
        red=red,
        note=langs(w, raw.get("note"), "a note on how the source's bands map to green, amber and red"),
        source=str(raw["source"]).strip(),
        confidence=raw["confidence"],
        quote=str(raw.get("quote") or ""),
    )


def parse_catalog(data: Any, where: str) -> tuple[dict[str, Benchmark], dict[str, dict[str, str]]]:
    """The benchmarks by id, and the reasons an indicator may give for having none, in three languages."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise IndicatorError(f"{where}: a list under 'benchmarks'")
    out: dict[str, Benchmark] = {}
    for i, raw in enumerate(data["benchmarks"]):
        b = parse_benchmark(raw, f"{where}: benchmarks[{i}]")
        if b.id in out:
            raise IndicatorError(f"{where}: benchmarks[{i}]: id {b.id} is used twice")
        out[b.id] = b
    reasons = data.get("no_benchmark_reasons")
    if not isinstance(reasons, dict) or not reasons:
        raise IndicatorError(f"{where}: a mapping under 'no_benchmark_reasons'")
    return out, {str(k): langs(f"{where}: no_benchmark_reasons.{k}", v, "a text") for k, v in reasons.items()}


@cache
def catalog() -> tuple[dict[str, Benchmark], dict[str, dict[str, str]]]:
    text = resources.files("qala.assessment").joinpath("data/benchmarks.yaml").read_text(encoding="utf-8")
    return parse_catalog(yaml.safe_load(text), WHERE)


def to_dict(b: Benchmark, lang: str) -> dict[str, Any]:
    """The JSON of a benchmark in its indicator's unit, with its texts in ``lang`` and the source's own numbers."""
    src = b.original()
    return {
        "id": b.id,
        "name": b.name[lang],
        "green": b.green.threshold(),
        "red": b.red.threshold(),
        "green_rule": b.green.rule(),
        "red_rule": b.red.rule(),
        "unit": b.unit,
        "text": {"green": b.green.text(lang, b.unit), "red": b.red.text(lang, b.unit)},
        "source_unit": src.unit,
        "source_text": {"green": src.green.text(lang, src.unit), "red": src.red.text(lang, src.unit)},
        "factor": b.factor,
        "direction": b.direction,
        "note": b.note[lang],
        "source": b.source,
        "confidence": b.confidence,
    }
