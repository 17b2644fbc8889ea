"""Units of indicators and benchmarks through pint, with each unit's label in kk, ru and en.

A benchmark published in another unit than its indicator (ha per 100,000 residents against m² per
person; cars per person against cars per 1,000 residents) is converted by pint; one that cannot be
converted (tenge against US dollars, a share against an index) is refused, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pint
import yaml

from qala.assessment.errors import IndicatorError

LANGS = ("en", "ru", "kk")
WHERE = "qala/assessment/data/units.yaml"


@dataclass(frozen=True)
class IndicatorUnit:
    code: str
    pint: str
    labels: dict[str, str]


def parse_units(data: Any, where: str) -> tuple[tuple[str, ...], dict[str, IndicatorUnit]]:
    if not isinstance(data, dict) or not isinstance(data.get("units"), dict):
        raise IndicatorError(f"{where}: a mapping under 'units'")
    definitions = tuple(str(d) for d in data.get("definitions") or [])
    ureg = _registry(definitions, where)
    out = {}
    for code, raw in data["units"].items():
        w = f"{where}: units[{code!r}]"
        if not isinstance(raw, dict) or not str(raw.get("pint", "")).strip():
            raise IndicatorError(f"{w}: a pint expression under 'pint'")
        try:
            ureg.parse_expression(raw["pint"])
        except Exception as exc:
            raise IndicatorError(f"{w}: pint cannot read {raw['pint']!r} ({exc})") from exc
        labels = {lang: str(raw.get(lang) if raw.get(lang) is not None else "") for lang in LANGS}
        if any(labels.values()) and not all(v.strip() for v in labels.values()):
            raise IndicatorError(f"{w}: a label in en, ru and kk (or none in all three)")
        out[str(code)] = IndicatorUnit(str(code), str(raw["pint"]), labels)
    return definitions, out


@cache  # one registry per set of definitions and process: pint takes a third of a second to make one
def _registry(definitions: tuple[str, ...], where: str) -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry(on_redefinition="raise")
    for line in definitions:
        try:
            ureg.define(line)
        except Exception as exc:
            raise IndicatorError(f"{where}: definition {line!r} cannot be added to pint ({exc})") from exc
    return ureg


@cache
def _table() -> tuple[pint.UnitRegistry, dict[str, IndicatorUnit]]:
    text = resources.files("qala.assessment").joinpath("data/units.yaml").read_text(encoding="utf-8")
    definitions, units = parse_units(yaml.safe_load(text), WHERE)
    return _registry(definitions, WHERE), units


def known(code: str) -> bool:
    return code in _table()[1]


def label(code: str, lang: str) -> str:
    """The unit as a reader of ``lang`` writes it (µg/m³, мкг/м³); the code itself when it is not listed."""
    unit = _table()[1].get(code)
    return unit.labels.get(lang, code) if unit else code


def conversion(from_code: str, to_code: str) -> float:
    """The factor taking a number in ``from_code`` to ``to_code``; IndicatorError when pint cannot convert."""
    ureg, units = _table()
    for code in (from_code, to_code):
        if code not in units:
            raise IndicatorError(f"unit {code!r} is not in {WHERE} (listed: {', '.join(sorted(units))})")
    src, dst = ureg.parse_expression(units[from_code].pint), ureg.parse_expression(units[to_code].pint)
    if src.dimensionality != dst.dimensionality:
        raise IndicatorError(
            f"a benchmark in {from_code!r} ({src.dimensionality}) cannot be compared with an indicator in "
            f"{to_code!r} ({dst.dimensionality}): pint finds no conversion between them"
        )
    factor = float(src.to(dst.units).magnitude / dst.magnitude)
    return float(f"{factor:.12g}")  # 0.1 x 50 is 5, not 5.000000000000001, at a threshold
