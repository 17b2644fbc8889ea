"""The reference catalog's records: frozen, self-describing, each with its source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

GASES = ("CO2", "CH4", "N2O")
LEVELS = ("B", "B+", "T", "O")
CATEGORIES = (
    "energy_industries",
    "manufacturing",
    "commercial",
    "residential",
    "road",
    "rail",
    "navigation",
    "aviation",
    "offroad",
    "solid_waste_disposal",
)
ACTIVITY_KINDS = ("fuel", "grid_energy", "plant_output", "waste", "emission", "other")


@dataclass(frozen=True)
class Activity:
    code: str
    kind: str
    canonical_unit: str
    biogenic: bool
    aliases: tuple[str, ...]
    names: Mapping[str, str]
    note: str


@dataclass(frozen=True)
class EmissionFactor:
    id: str
    activity: str
    category: str
    gas: str
    value: float
    unit: str  # kg of gas per canonical unit, e.g. "kg/TJ" or "kg/t"
    source: str
    confidence: str
    note: str


@dataclass(frozen=True)
class CalorificValue:
    activity: str
    basis: str  # "mass" or "volume"
    value: float
    unit: str
    source: str
    confidence: str
    note: str


@dataclass(frozen=True)
class GpcCell:
    ref: str
    sector: str
    subsector: str
    scope: int
    level: str
    combustion_category: str
    meaning: str
    subsector_names: Mapping[str, str]
    source: str
    note: str

    @property
    def in_basic(self) -> bool:
        return self.level == "B"

    @property
    def in_basic_plus(self) -> bool:
        return self.level in ("B", "B+")

    @property
    def territorial(self) -> bool:
        return self.scope == 1


@dataclass(frozen=True)
class GwpSet:
    code: str
    package_key: str
    default: bool
    name: str
    source: str
    note: str
    values: Mapping[str, float] = field(default_factory=dict)

    def gwp(self, gas: str) -> float:
        return self.values[gas]


@dataclass(frozen=True)
class GridFactor:
    id: str
    country: str
    year: int
    value: float
    unit: str
    gas: str
    basis: str
    default: bool
    source: str
    confidence: str
    note: str


@dataclass(frozen=True)
class Parameter:
    """A named default (CHP reference efficiency, waste parameter) with its source."""

    name: str
    value: float
    unit: str
    source: str
    confidence: str
    note: str
