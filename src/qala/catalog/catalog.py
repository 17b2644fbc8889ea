"""The reference catalog: everything the inventory needs to turn activity into emissions.

Every number here is loaded from ``qala/catalog/data`` and carries its source; nothing is typed
into the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from qala.catalog import load
from qala.catalog.model import (
    Activity,
    CalorificValue,
    EmissionFactor,
    GpcCell,
    GridFactor,
    GwpSet,
    Parameter,
)
from qala.catalog.units import UnitError, factor, parse_quantity, parse_unit

WASTE_DERIVATION = "MCF x DOC x DOCf x F x 16/12 x (1 - R) x (1 - OX)"


@dataclass(frozen=True)
class Conversion:
    """How one (activity, unit) pair becomes the activity's canonical unit."""

    activity: str
    unit: str
    multiplier: float  # canonical amount = amount x multiplier
    canonical_unit: str
    ncv: CalorificValue | None  # the calorific value used, if any

    def describe(self) -> str:
        text = f"1 {self.unit} = {self.multiplier:.6g} {self.canonical_unit}"
        if self.ncv is not None:
            text += f" (NCV {self.ncv.value:g} {self.ncv.unit})"
        return text


@dataclass(frozen=True, eq=False)  # identity hash: one catalog per process, cached helpers
class Catalog:
    version: str
    digest: str
    activities: dict[str, Activity]
    factors: dict[tuple[str, str, str], EmissionFactor]
    ncv: dict[tuple[str, str], CalorificValue]
    cells: dict[str, GpcCell]
    sectors: dict[str, dict[str, str]]
    gwp_sets: dict[str, GwpSet]
    grid_factors: dict[str, GridFactor]
    chp_parameters: dict[str, Parameter]
    waste_parameters: dict[str, Parameter]

    # --- activities -------------------------------------------------------------------------
    @property
    def alias_map(self) -> dict[str, str]:
        return _alias_map(self)

    def resolve_activity(self, text: str) -> str | None:
        """Canonical code for an activity code or alias (case-insensitive), or None."""
        key = text.strip().lower().replace(" ", "_").replace("-", "_").replace("/", "_")
        return self.alias_map.get(key)

    # --- units --------------------------------------------------------------------------------
    def conversion(self, activity: str, unit: str, ncv: str | None = None) -> Conversion:
        """Multiplier from ``unit`` to the activity's canonical unit; UnitError when impossible.

        ``ncv`` is a row's own net calorific value (e.g. ``"18.4 GJ/t"``), used instead of the
        catalog's for an amount given as a mass or a volume.
        """
        if ncv:
            return _own_ncv_conversion(self, activity, unit, ncv)
        return _conversion(self, activity, unit)

    # --- factors ------------------------------------------------------------------------------
    def default_gwp(self) -> GwpSet:
        return next(s for s in self.gwp_sets.values() if s.default)

    def gwp_set(self, code: str | None) -> GwpSet:
        if code is None:
            return self.default_gwp()
        key = code.strip().upper()
        if key not in self.gwp_sets:
            raise KeyError(f"unknown GWP set '{code}'; expected one of {', '.join(self.gwp_sets)}")
        return self.gwp_sets[key]

    def default_grid_factor(self) -> GridFactor:
        return next(g for g in self.grid_factors.values() if g.default)

    def grid_factor(self, factor_id: str | None) -> GridFactor:
        if factor_id is None:
            return self.default_grid_factor()
        if factor_id not in self.grid_factors:
            raise KeyError(f"unknown grid factor '{factor_id}'; expected one of {', '.join(self.grid_factors)}")
        return self.grid_factors[factor_id]

    def combustion_factors(self, activity: str, category: str) -> dict[str, EmissionFactor]:
        """The catalog's CO2/CH4/N2O factors for a fuel in an IPCC category ({} when none)."""
        return {
            gas: f for gas in ("CO2", "CH4", "N2O") if (f := self.factors.get((activity, category, gas))) is not None
        }

    def waste_ch4_factor(self) -> EmissionFactor:
        """kg CH4 per tonne of MSW landfilled, by the methane commitment method (GPC Eq. 8.3)."""
        return _waste_factor(self)


@cache
def _alias_map(cat: Catalog) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, act in cat.activities.items():
        out[code] = code
        for alias in act.aliases:
            out[alias.lower()] = code
    return out


@cache
def _conversion(cat: Catalog, activity: str, unit: str) -> Conversion:
    act = cat.activities[activity]
    parsed = parse_unit(unit)
    canonical = act.canonical_unit
    if act.kind == "other":  # kept in its own unit; the row's own factors are per that unit
        return Conversion(activity, unit, 1.0, unit, None)
    if act.kind in ("waste", "emission"):
        if parsed.dimension != "mass":
            raise UnitError(f"unit '{unit}' is {_a(parsed.dimension)}; {activity} needs a mass (e.g. t, kt)")
        return Conversion(activity, unit, factor(unit, canonical), canonical, None)
    if parsed.dimension == "energy":
        return Conversion(activity, unit, factor(unit, canonical), canonical, None)
    if act.kind == "fuel" and parsed.dimension in ("mass", "volume"):
        ncv = cat.ncv.get((activity, parsed.dimension))
        if ncv is None:
            other = "mass (e.g. t)" if parsed.dimension == "volume" else "volume"
            hint = f" or {other}" if (activity, "mass" if other.startswith("mass") else "volume") in cat.ncv else ""
            raise UnitError(
                f"unit '{unit}' is {_a(parsed.dimension)}, but the catalog has no {parsed.dimension}-based "
                f"calorific value for {activity}; give the amount in energy (e.g. TJ, GJ, Gcal){hint}"
            )
        # amount [unit] -> NCV's denominator (Gg, m**3) -> energy via the NCV -> canonical energy
        num, den = ncv.unit.split("/", 1)
        mult = factor(unit, den) * ncv.value * factor(num, canonical)
        return Conversion(activity, unit, mult, canonical, ncv)
    expected = "energy (e.g. TJ, GJ, Gcal, MWh)"
    if act.kind == "fuel":
        masses = [b for (a, b) in cat.ncv if a == activity]
        if "mass" in masses:
            expected += ", mass (e.g. t, kt)"
        if "volume" in masses:
            expected += ", volume (e.g. thousand m3)"
    raise UnitError(f"unit '{unit}' is {_a(parsed.dimension)}; {activity} needs {expected}")


@cache
def _own_ncv_conversion(cat: Catalog, activity: str, unit: str, ncv_text: str) -> Conversion:
    act = cat.activities[activity]
    parsed = parse_unit(unit)
    if act.kind != "fuel":
        raise UnitError(f"a calorific value applies to fuels only, not to {activity}")
    if parsed.dimension not in ("mass", "volume"):
        raise UnitError(f"a calorific value applies to an amount in mass or volume units, not '{unit}'")
    value, ncv_unit, dims = parse_quantity(ncv_text)
    if dims != ("energy", parsed.dimension):
        raise UnitError(
            f"a calorific value per unit of {parsed.dimension}, e.g. 18.4 GJ/t or 33.5 MJ/m3, "
            f"to match the amount's unit '{unit}'"
        )
    if value <= 0:
        raise UnitError("a calorific value greater than 0")
    num, den = ncv_unit
    mult = factor(unit, den) * value * factor(num, act.canonical_unit)
    own = CalorificValue(
        activity=activity,
        basis=parsed.dimension,
        value=value,
        unit=f"{num}/{den}",
        source="given in the activity data (column ncv)",
        confidence="",
        note="",
    )
    return Conversion(activity, unit, mult, act.canonical_unit, own)


def _a(dimension: str) -> str:
    return {"energy": "an energy", "mass": "a mass", "volume": "a volume"}.get(dimension, f"of dimension {dimension}")


@cache
def _waste_factor(cat: Catalog) -> EmissionFactor:
    p = cat.waste_parameters
    mcf, doc, docf, f, ox, r = (p[k].value for k in ("MCF", "DOC", "DOCf", "F", "OX", "R"))
    kg_ch4_per_t = mcf * doc * docf * f * 16 / 12 * (1 - r) * (1 - ox) * 1000
    arithmetic = (
        f"{mcf:g} x {doc:g} x {docf:g} x {f:g} x 16/12 x (1 - {r:g}) x (1 - {ox:g}) x 1000 kg/t"
        f" = {kg_ch4_per_t:.4g} kg CH4/t"
    )
    sources = "; ".join(f"{k}: {p[k].source}" for k in ("MCF", "DOC", "DOCf", "F", "OX", "R"))
    return EmissionFactor(
        id="msw_landfilled.solid_waste_disposal.CH4",
        activity="msw_landfilled",
        category="solid_waste_disposal",
        gas="CH4",
        value=kg_ch4_per_t,
        unit="kg/t",
        source=f"DERIVED by the methane commitment method (GPC 2014 Eq. 8.3), {WASTE_DERIVATION}: "
        f"{arithmetic}. {sources}",
        confidence=min((p[k].confidence for k in ("MCF", "DOC")), default="medium"),
        note="Methane commitment assigns all future CH4 of the waste landfilled this year to this year.",
    )


@cache
def load_catalog() -> Catalog:
    """The shipped catalog, loaded and checked once per process."""
    activities = load.load_activities()
    version, digest = load.catalog_version()
    return Catalog(
        version=version,
        digest=digest,
        activities=activities,
        factors=load.load_factors(activities),
        ncv=load.load_ncv(activities),
        cells=load.load_cells(),
        sectors=load.load_sectors(),
        gwp_sets=load.load_gwp_sets(),
        grid_factors=load.load_grid_factors(),
        chp_parameters=load.load_parameters("chp_methods.csv"),
        waste_parameters=load.load_parameters("waste_parameters.csv"),
    )
