"""Units through pint, with the units of Kazakh and CIS energy statistics.

User unit strings are normalised through ``unit_aliases.csv`` before pint parses them, because pint's
own readings of some common abbreviations are wrong for this field (``kt`` is a knot, ``Gcal`` the
thermochemical calorie, ``ton`` the US short ton).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pint

AMBIGUOUS = {
    "ton": "'ton' is ambiguous (pint reads it as the US short ton); write t for the metric tonne",
    "tons": "'tons' is ambiguous (pint reads it as the US short ton); write t for the metric tonne",
    "cal": "'cal' is ambiguous (thermochemical or International Table); write Gcal, Mcal or GJ",
    "kcal": "'kcal' is ambiguous (thermochemical or International Table); write Gcal, Mcal or GJ",
}

_DIMENSION_UNITS = {"energy": "J", "mass": "kg", "volume": "m**3"}


class UnitError(ValueError):
    """A unit string that cannot be used, with the reason in plain words."""


@dataclass(frozen=True)
class ParsedUnit:
    text: str
    pint_expr: str
    dimension: str  # "energy", "mass", "volume" or pint's dimensionality text


@cache
def registry() -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry(on_redefinition="raise")
    with resources.files("qala.catalog").joinpath("data/units.txt").open(encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if line and not line.startswith("#"):
                ureg.define(line)
    return ureg


@cache
def aliases() -> dict[str, str]:
    path = resources.files("qala.catalog").joinpath("data/unit_aliases.csv")
    with path.open(encoding="utf-8") as fh:
        return {row["alias"]: row["pint"] for row in csv.DictReader(fh)}


def _normalise(text: str) -> str:
    t = " ".join(text.replace("\u00a0", " ").split())
    return aliases().get(t, t)


def pint_expression(text: str) -> str:
    """A unit expression for pint with Qala's spellings: the whole text, or each word of a compound such as
    ``Gcal/h`` (so that Gcal is the International Table gigacalorie, not pint's thermochemical one)."""
    whole = _normalise(text)
    if whole != " ".join(text.replace("\u00a0", " ").split()):
        return whole
    table = aliases()
    return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: table.get(m.group(0), m.group(0)), whole)


@cache
def parse_unit(text: str) -> ParsedUnit:
    """Parse a user unit string; raise UnitError with a plain reason when it cannot be used."""
    raw = text.strip()
    if not raw:
        raise UnitError("the unit is empty")
    if raw.lower() in AMBIGUOUS:
        raise UnitError(AMBIGUOUS[raw.lower()])
    expr = _normalise(raw)
    ureg = registry()
    try:
        unit = ureg.parse_units(expr)
    except Exception as exc:
        raise UnitError(f"unknown unit '{raw}'") from exc
    dim = next(
        (name for name, ref in _DIMENSION_UNITS.items() if unit.dimensionality == ureg.parse_units(ref).dimensionality),
        str(unit.dimensionality),
    )
    return ParsedUnit(text=raw, pint_expr=expr, dimension=dim)


@cache
def factor(from_unit: str, to_unit: str) -> float:
    """Multiplier taking an amount in ``from_unit`` to ``to_unit`` (both user or pint strings)."""
    ureg = registry()
    src = ureg.parse_units(parse_unit(from_unit).pint_expr)
    dst = ureg.parse_units(_normalise(to_unit))
    return float(ureg.Quantity(1.0, src).to(dst).magnitude)


def parse_quantity(text: str) -> tuple[float, tuple[str, str], tuple[str, str]]:
    """Parse a ratio such as ``18.4 GJ/t`` into (value, (numerator, denominator), their dimensions).

    The numerator and denominator are each parsed like a unit, so ``Gcal`` and ``thousand m3`` mean
    what they mean elsewhere in Qala.
    """
    raw = " ".join(text.replace("\u00a0", " ").split())
    head, sep, den = raw.partition("/")
    parts = head.split(" ", 1)
    if not sep or len(parts) != 2 or not den.strip():
        raise UnitError(f"a quantity such as '18.4 GJ/t' (value, unit per unit), not '{text}'")
    try:
        value = float(parts[0])
    except ValueError as exc:
        raise UnitError(f"a number before the unit in '{text}'") from exc
    if not math.isfinite(value):
        raise UnitError(f"a finite number in '{text}'")
    num_u, den_u = parse_unit(parts[1].strip()), parse_unit(den.strip())
    return value, (num_u.text, den_u.text), (num_u.dimension, den_u.dimension)
