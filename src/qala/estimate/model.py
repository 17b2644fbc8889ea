"""The values of the estimation core: a sourced input, an estimate, and the error that names every problem."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any


class EstimateError(ValueError):
    """Inputs a method cannot use; ``problems`` names each one (where, what, what was expected)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Input:
    """One input of an estimate: a published figure (or a declared default) with its source."""

    name: str
    value: float
    unit: str
    year: int | str | None
    source: str
    confidence: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.value, int | float) or isinstance(self.value, bool) or not math.isfinite(self.value):
            raise EstimateError([f"input '{self.name}': the value must be a finite number, not {self.value!r}"])
        if not (self.source or "").strip():
            raise EstimateError([f"input '{self.name}': every input needs its source"])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "value": self.value, "unit": self.unit, "year": self.year}
        out["source"] = self.source
        if self.confidence:
            out["confidence"] = self.confidence
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Estimate:
    """One estimated figure: it becomes an activity record with status ``estimated``."""

    year: int
    gpc_ref: str
    activity: str
    amount: float
    unit: str
    method: str
    inputs: tuple[Input, ...]
    arithmetic: str  # the computation written out with its numbers
    facility: str | None = None
    note: str = ""
    data_quality: str = "low"
    ncv: str | None = None  # the fuel's own calorific value, as in activity data (e.g. "0.628 tce/t")
    label: str = ""  # the spec entry that made it
    extra: dict[str, Any] = field(default_factory=dict)

    def inputs_json(self) -> str:
        """What the record keeps: the arithmetic and every input, in a stable order (same spec, same bytes)."""
        body = {"arithmetic": self.arithmetic, "inputs": [i.to_dict() for i in _unique(self.inputs)]}
        if self.label:
            body["spec_entry"] = self.label
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        """The estimate as the CLI and the web show it: the figure, its method, the arithmetic and every input."""
        return {
            "year": self.year,
            "gpc_ref": self.gpc_ref,
            "activity": self.activity,
            "facility": self.facility,
            "amount": self.amount,
            "unit": self.unit,
            "ncv": self.ncv,
            "method": self.method,
            "spec_entry": self.label,
            "arithmetic": self.arithmetic,
            "note": self.note,
            "data_quality": self.data_quality,
            "inputs": [i.to_dict() for i in self.inputs],
        }

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.year, self.gpc_ref, self.activity, self.facility or "")


def _unique(inputs: tuple[Input, ...]) -> list[Input]:
    seen: set[tuple] = set()
    out = []
    for i in inputs:
        k = (i.name, i.value, i.unit, str(i.year), i.source)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def quantity(i: Input):  # -> pint.Quantity
    """An input as a pint quantity; units may carry a scale, e.g. ``L/(100 km)``."""
    from qala.catalog.units import pint_expression, registry  # noqa: PLC0415 - units load the catalog's definitions

    try:
        return i.value * registry().parse_expression(pint_expression(i.unit))
    except Exception as exc:  # pint raises several kinds for a unit it cannot read
        raise EstimateError([f"input '{i.name}': '{i.unit}' is not a unit pint knows ({exc})"]) from exc


def fmt(x: float) -> str:
    """A number in the arithmetic text: thousands separated, up to 6 significant digits, no exponent."""
    if x == 0:
        return "0"
    if abs(x) >= 1e5 and abs(x) < 1e15:
        return f"{x:,.0f}"
    if abs(x) >= 1e-4:
        return f"{x:,.6g}"
    return f"{x:.6g}"
