"""The GPC inventory: activity x factor -> emissions, as a pure function of tables.

Activity is aggregated before factors are applied (the arithmetic is the same, the work is not): a
year's rows are grouped by cell, activity, unit, facility and any user factors, then each group is
converted to its canonical unit, multiplied by its factors and by the GWP set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from qala.catalog import Catalog, UnitError
from qala.catalog.units import factor as unit_factor
from qala.inventory import chp as chp_alloc
from qala.inventory.result import ROW_COLUMNS, ChpFacility, ChpReport, Inventory, NotationKey
from qala.inventory.rules import placement_error

EF_COLUMNS = ("ef_co2", "ef_ch4", "ef_n2o")
GAS_OF = {"ef_co2": "CO2", "ef_ch4": "CH4", "ef_n2o": "N2O"}
REQUIRED = ("gpc_ref", "activity", "amount", "unit")
TJ_PER_GCAL = 0.0041868
TJ_PER_MWH = 0.0036


class InventoryError(ValueError):
    """Activity data the inventory cannot compute; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class InventoryOptions:
    gwp: str | None = None  # None: the catalog's default set (AR5)
    chp_method: str = "efficiency"
    grid_factor: str | None = None  # None: the catalog's default grid factor
    reference_heat_efficiency: float | None = None  # None: catalog default
    reference_power_efficiency: float | None = None


REPORTED = "reported"
PLANT_CELL = "I.4.4"
BIOGENIC_CO2 = "CO2(b)"  # the only cell where a facility changes the arithmetic (CHP allocation)


def _packed_key(activity: pl.DataFrame, by: list[str]) -> pl.Expr | None:
    """One integer key from the category codes of ``by``, or None when the codes do not fit 63 bits."""
    if not all(isinstance(activity[c].dtype, pl.Categorical | pl.Enum) for c in by):
        return None
    maxima = activity.select(pl.col(c).to_physical().max() for c in by).row(0)
    bits = [max(int(m or 0), 1).bit_length() for m in maxima]
    if sum(bits) > 63:
        return None
    key = pl.lit(0, dtype=pl.UInt64)
    for c, b in zip(by, bits, strict=True):
        key = key * (1 << b) + pl.col(c).to_physical().cast(pl.UInt64)
    return key


def _aggregate(activity: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in REQUIRED if c not in activity.columns]
    if missing:
        raise InventoryError([f"activity table lacks column(s): {', '.join(missing)}"])
    keys = ["gpc_ref", "activity", "unit"]
    if "facility" in activity.columns and activity["facility"].null_count() < activity.height:
        # A facility matters only for plants (I.4.4); elsewhere rows of one cell and activity are summed.
        activity = activity.with_columns(
            pl.when(pl.col("gpc_ref").cast(pl.String) == PLANT_CELL)
            .then(pl.col("facility").cast(pl.String))
            .otherwise(None)
            .alias("facility")
        )
    if "status" in activity.columns:
        # reported and estimated figures never merge into one row: each row says which it is
        activity = activity.with_columns(pl.col("status").cast(pl.String).fill_null(REPORTED))
    extra = [
        c
        for c in ("facility", "ncv", *EF_COLUMNS, "status", "method")
        if c in activity.columns and activity[c].null_count() < activity.height
    ]
    by = [*keys, *extra]
    key = _packed_key(activity, by) if not extra else None
    inputs = [pl.col("inputs").drop_nulls().unique().sort().alias("inputs")] if "inputs" in activity.columns else []
    if key is not None:
        # Fast path for large in-memory tables: group by one integer built from the categories' codes.
        grouped = (
            activity.group_by(key.alias("_key"))
            .agg(pl.col("amount").sum(), pl.len().alias("n_records"), *(pl.col(c).first() for c in by))
            .drop("_key")
        )
    else:
        grouped = activity.group_by(by, maintain_order=True).agg(
            pl.col("amount").sum(), pl.len().alias("n_records"), *inputs
        )
    grouped = grouped.with_columns(pl.col(k).cast(pl.String) for k in keys)
    for c in ("facility", "ncv", *EF_COLUMNS, "method"):
        if c not in grouped.columns:
            grouped = grouped.with_columns(pl.lit(None, dtype=pl.Float64 if c in EF_COLUMNS else pl.String).alias(c))
    if "status" not in grouped.columns:
        grouped = grouped.with_columns(pl.lit(REPORTED).alias("status"))
    if "inputs" not in grouped.columns:
        grouped = grouped.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias("inputs"))
    return grouped.with_columns(
        pl.col("facility").cast(pl.String),
        pl.col("ncv").cast(pl.String),
        pl.col("status").cast(pl.String),
        pl.col("method").cast(pl.String),
        *(pl.col(c).cast(pl.Float64) for c in EF_COLUMNS),
    )


def _conversions(catalog: Catalog, grouped: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """One conversion per (activity, unit, ncv); rows with their own factors may keep their own unit."""
    problems: list[str] = []
    rows = []
    user_ef = pl.any_horizontal(pl.col(c).is_not_null() for c in EF_COLUMNS).alias("user_ef")
    combos = grouped.select("activity", "unit", "ncv", user_ef).unique()
    for activity, unit, ncv, own in combos.iter_rows():
        if activity not in catalog.activities:
            problems.append(f"unknown activity '{activity}'")
            continue
        try:
            conv = catalog.conversion(activity, unit, ncv)
            rows.append((activity, unit, ncv, own, conv.multiplier, conv.canonical_unit, conv.describe()))
        except UnitError as exc:
            if own and not ncv:  # own factors are per unit of the row: no conversion needed
                rows.append((activity, unit, ncv, own, 1.0, unit, "own factors per unit of the row"))
            else:
                problems.append(f"{activity}: {exc}")
    table = pl.DataFrame(
        rows,
        schema={
            "activity": pl.String,
            "unit": pl.String,
            "ncv": pl.String,
            "user_ef": pl.Boolean,
            "multiplier": pl.Float64,
            "canonical_unit": pl.String,
            "conversion": pl.String,
        },
        orient="row",
    )
    return table, problems


def _cells_table(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        [(c.ref, c.sector, c.scope, c.level, c.combustion_category) for c in catalog.cells.values()],
        schema={
            "gpc_ref": pl.String,
            "sector": pl.String,
            "scope": pl.Int64,
            "level": pl.String,
            "category": pl.String,
        },
        orient="row",
    )


def _activities_table(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        [(a.code, a.kind, a.biogenic) for a in catalog.activities.values()],
        schema={"activity": pl.String, "kind": pl.String, "biogenic": pl.Boolean},
        orient="row",
    )


def _factor_table(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        [(f.activity, f.category, f.gas, f.value, f.unit, f.source) for f in catalog.factors.values()],
        schema={
            "activity": pl.String,
            "category": pl.String,
            "gas": pl.String,
            "factor": pl.Float64,
            "factor_unit": pl.String,
            "factor_source": pl.String,
        },
        orient="row",
    )


MASS_OF_GAS = "the figure is the mass of the gas itself (reported or estimated emissions)"


def _mass_of_gas_table(catalog: Catalog) -> pl.DataFrame:
    """Figures that already are the mass of a gas (``emissions_co2`` ...): 1 t of the gas is 1,000 kg of it."""
    codes = sorted(a.code for a in catalog.activities.values() if a.kind == "emission")
    return pl.DataFrame(
        {
            "activity": codes,
            "gas": [emission_gas(c) for c in codes],
            "factor": [1000.0] * len(codes),
            "factor_unit": ["kg/t"] * len(codes),
            "factor_source": [MASS_OF_GAS] * len(codes),
        }
    )


def emission_gas(code: str) -> str:
    """The gas of an emissions activity: ``emissions_ch4`` -> ``CH4``."""
    return code.removeprefix("emissions_").upper()


def _emission_rows(frame: pl.DataFrame, factors: pl.DataFrame) -> pl.DataFrame:
    """Long rows (one per gas) for groups whose factors are per canonical unit."""
    return frame.join(
        factors, on=["activity", "category"] if "category" in factors.columns else ["activity"], how="inner"
    ).with_columns((pl.col("canonical_amount") * pl.col("factor") / 1000.0).alias("mass_t"))


def _user_factor_rows(frame: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for col, gas in GAS_OF.items():
        parts.append(
            frame.with_columns(
                pl.lit(gas).alias("gas"),
                pl.col(col).fill_null(0.0).alias("factor"),
                (pl.lit("kg/") + pl.col("unit")).alias("factor_unit"),
                pl.lit("user-supplied factor in the activity data (blank = 0)").alias("factor_source"),
            ).with_columns((pl.col("amount") * pl.col("factor") / 1000.0).alias("mass_t"))
        )
    return pl.concat(parts, how="vertical")


def _district_and_power_factors(
    catalog: Catalog,
    plants: pl.DataFrame,
    outputs: pl.DataFrame,
    options: InventoryOptions,
    gwp: Mapping[str, float],
    warnings: list[str],
) -> ChpReport | None:
    """Allocate each plant's emissions; derive per-gas factors of district heat and electricity."""
    if outputs.is_empty() and plants.is_empty():
        return None
    method = options.chp_method
    params = catalog.chp_parameters
    e_h = options.reference_heat_efficiency or params["efficiency.reference_heat_efficiency"].value
    e_p = options.reference_power_efficiency or params["efficiency.reference_power_efficiency"].value
    out = {fac: (h, p) for fac, h, p in outputs.iter_rows()}
    emis: dict[str, dict[str, float]] = {}
    for fac, gas, mass in plants.iter_rows():  # one row per plant and gas: compute_inventory sums them
        emis.setdefault(fac, {})[gas] = mass
    heat_kg: dict[str, float] = {}
    power_kg: dict[str, float] = {}
    heat_total = power_total = 0.0
    facilities = []
    for fac in sorted(set(out) | set(emis)):
        if fac not in out:
            warnings.append(
                f"plant '{fac}' has fuel in I.4.4 but no heat_output or electricity_output: "
                "its emissions stay in I.4.4 and do not enter the district-heat factor"
            )
            continue
        heat, power = out[fac]
        if fac not in emis:
            warnings.append(f"plant '{fac}' has outputs but no fuel in I.4.4: its outputs count as zero-emission")
        share = chp_alloc.heat_share(heat, power, method, e_h, e_p)
        gases = emis.get(fac, {})
        for gas, mass_t in gases.items():
            heat_kg[gas] = heat_kg.get(gas, 0.0) + mass_t * 1000 * share
            power_kg[gas] = power_kg.get(gas, 0.0) + mass_t * 1000 * (1 - share)
        heat_total += heat
        power_total += power
        facilities.append(
            ChpFacility(
                facility=fac,
                heat_tj=heat,
                power_tj=power,
                heat_share=share,
                emissions_tco2e=sum(gases[g] * gwp[g] for g in sorted(gases) if g in gwp),
            )
        )
    heat_f = {g: v / heat_total for g, v in heat_kg.items()} if heat_total > 0 else {}
    power_f = {g: v / power_total for g, v in power_kg.items()} if power_total > 0 else {}

    def co2e(f: Mapping[str, float], per_tj: float) -> float | None:
        # biogenic CO2 ("CO2(b)") travels with the heat and power as a memo item: no GWP, outside CO2e
        return sum(v * gwp.get(g, 0.0) for g, v in f.items()) * per_tj / 1000.0 if f else None

    parameters: dict[str, dict[str, Any]] = {}
    if method == "efficiency":
        for name, value in (("reference_heat_efficiency", e_h), ("reference_power_efficiency", e_p)):
            p = params[f"efficiency.{name}"]
            overridden = value != p.value
            parameters[name] = {"value": value, "source": "given by the user" if overridden else p.source}
    return ChpReport(
        method=method,
        parameters=parameters,
        facilities=tuple(facilities),
        heat_factor_kg_per_tj=heat_f,
        power_factor_kg_per_tj=power_f,
        heat_factor_tco2e_per_gcal=co2e(heat_f, TJ_PER_GCAL),
        power_factor_tco2e_per_mwh=co2e(power_f, TJ_PER_MWH),
    )


def compute_inventory(
    activity: pl.DataFrame,
    catalog: Catalog,
    *,
    city: str,
    year: int,
    options: InventoryOptions | None = None,
    notation_keys: Mapping[str, NotationKey] | None = None,
) -> Inventory:
    """Compute one year's GPC inventory from that year's activity rows.

    ``activity`` has columns gpc_ref, activity (canonical code), amount, unit, and optionally
    facility, ef_co2, ef_ch4, ef_n2o (kg of gas per unit of the row). It must hold one year only.
    """
    options = options or InventoryOptions()
    gwp_set = catalog.gwp_set(options.gwp)
    gwp = {g: gwp_set.gwp(g) for g in ("CO2", "CH4", "N2O")}
    if options.chp_method not in chp_alloc.METHODS:
        raise InventoryError(
            [f"unknown CHP allocation method '{options.chp_method}'; expected one of {', '.join(chp_alloc.METHODS)}"]
        )
    grid = catalog.grid_factor(options.grid_factor)
    warnings: list[str] = []

    grouped = _aggregate(activity)
    conv, problems = _conversions(catalog, grouped)
    grouped = grouped.with_columns(pl.any_horizontal(pl.col(c).is_not_null() for c in EF_COLUMNS).alias("user_ef"))
    frame = (
        grouped.join(conv, on=["activity", "unit", "ncv", "user_ef"], how="inner", nulls_equal=True)
        .join(_cells_table(catalog), on="gpc_ref", how="left")
        .join(_activities_table(catalog), on="activity", how="left")
        .with_columns(
            (pl.col("amount") * pl.col("multiplier")).alias("canonical_amount"),
        )
    )
    for ref in frame.filter(pl.col("sector").is_null())["gpc_ref"].unique().to_list():
        problems.append(f"unknown GPC reference '{ref}'")
    combos = frame.select("gpc_ref", "activity", "user_ef", pl.col("facility").is_not_null().alias("has_fac")).unique()
    for ref, act, user_ef, has_fac in combos.iter_rows():
        msg = placement_error(catalog, ref, act, bool(user_ef), "facility" if has_fac else None)
        if msg:
            problems.append(f"{ref} {act}: {msg}")
    if problems:
        raise InventoryError(sorted(set(problems)))

    parts: list[pl.DataFrame] = []
    user = frame.filter(pl.col("user_ef"))
    if not user.is_empty():
        parts.append(_user_factor_rows(user))
    rest = frame.filter(~pl.col("user_ef"))
    fuels = rest.filter(pl.col("kind") == "fuel")
    if not fuels.is_empty():
        parts.append(_emission_rows(fuels, _factor_table(catalog)))
    waste = rest.filter(pl.col("kind") == "waste")
    if not waste.is_empty():
        wf = catalog.waste_ch4_factor()
        parts.append(
            _emission_rows(
                waste,
                pl.DataFrame(
                    {
                        "activity": [wf.activity],
                        "gas": [wf.gas],
                        "factor": [wf.value],
                        "factor_unit": [wf.unit],
                        "factor_source": [wf.source],
                    }
                ),
            )
        )
    masses = rest.filter(pl.col("kind") == "emission")
    if not masses.is_empty():
        parts.append(_emission_rows(masses, _mass_of_gas_table(catalog)))
    elec = rest.filter(pl.col("activity") == "grid_electricity")
    if not elec.is_empty():
        kg_per_tj = grid.value * unit_factor(grid.unit, "kg/TJ")  # e.g. g/kWh -> kg/TJ
        parts.append(
            _emission_rows(
                elec,
                pl.DataFrame(
                    {
                        "activity": ["grid_electricity"],
                        "gas": [grid.gas],
                        "factor": [kg_per_tj],
                        "factor_unit": ["kg/TJ"],
                        "factor_source": [f"{grid.basis}, {grid.year} ({grid.value:g} {grid.unit}): {grid.source}"],
                    }
                ),
            )
        )

    base = _biogenic_apart(pl.concat(parts, how="diagonal_relaxed")) if parts else None
    plants = (
        base.filter((pl.col("gpc_ref") == PLANT_CELL) & pl.col("facility").is_not_null())
        .sort("facility", "gas", "activity", "unit", "mass_t")  # a fixed order of addition: same inputs, same bits
        .group_by("facility", "gas", maintain_order=True)  # in that order already
        .agg(pl.col("mass_t").sum())
        if base is not None
        else pl.DataFrame(schema={"facility": pl.String, "gas": pl.String, "mass_t": pl.Float64})
    )
    outputs = (
        rest.filter(pl.col("kind") == "plant_output")
        .group_by("facility", maintain_order=True)
        .agg(
            pl.col("canonical_amount").filter(pl.col("activity") == "heat_output").sum().alias("heat"),
            pl.col("canonical_amount").filter(pl.col("activity") == "electricity_output").sum().alias("power"),
        )
    )
    try:
        chp = _district_and_power_factors(
            catalog,
            plants.select("facility", "gas", "mass_t"),
            outputs.select("facility", "heat", "power"),
            options,
            gwp,
            warnings,
        )
    except chp_alloc.AllocationError as exc:
        raise InventoryError([str(exc)]) from exc

    heat = rest.filter(pl.col("activity") == "district_heat")
    if not heat.is_empty():
        if chp is None or not chp.heat_factor_kg_per_tj:
            raise InventoryError(
                [
                    "district_heat is consumed but no plant supplies heat in this year's data: add the "
                    "plants' fuel and heat_output under I.4.4 (with a facility code), or give the "
                    "district_heat rows their own ef_co2/ef_ch4/ef_n2o"
                ]
            )
        method = f"derived from the city's plants by the {chp.method.replace('_', '-')} method (see chp)"
        parts.append(
            _emission_rows(
                heat,
                pl.DataFrame(
                    {
                        "activity": ["district_heat"] * len(chp.heat_factor_kg_per_tj),
                        "gas": list(chp.heat_factor_kg_per_tj),
                        "factor": list(chp.heat_factor_kg_per_tj.values()),
                        "factor_unit": ["kg/TJ"] * len(chp.heat_factor_kg_per_tj),
                        "factor_source": [method] * len(chp.heat_factor_kg_per_tj),
                    }
                ),
            )
        )

    rows = _finish(parts, gwp)
    keys = _notation_keys(catalog, rows, notation_keys or {}, warnings)
    methodology = {
        "standard": "GPC v1.1 (WRI, C40, ICLEI); IPCC 2006 Guidelines Tier 1 defaults unless a row gives its own",
        "gwp_set": {"code": gwp_set.code, "name": gwp_set.name, "values": gwp, "source": gwp_set.source},
        "grid_electricity_factor": {
            "id": grid.id,
            "value": grid.value,
            "unit": grid.unit,
            "gas": grid.gas,
            "basis": grid.basis,
            "year": grid.year,
            "source": grid.source,
        },
        "chp_allocation_method": options.chp_method,
        "waste_method": "methane commitment (GPC Eq. 8.3)",
        "catalog_version": catalog.version,
        "catalog_sha256": catalog.digest,
    }
    return Inventory(
        city=city,
        year=year,
        gwp=gwp_set.code,
        rows=rows,
        notation_keys=keys,
        methodology=methodology,
        chp=chp,
        warnings=tuple(warnings),
    )


def _biogenic_apart(rows: pl.DataFrame) -> pl.DataFrame:
    """Name the CO2 of biogenic fuels "CO2(b)" at once, so that a plant's biogenic CO2 never reaches the
    district-heat and electricity factors as fossil CO2 (GPC: biogenic CO2 is reported apart)."""
    return rows.with_columns(
        pl.when(pl.col("biogenic").fill_null(False) & (pl.col("gas") == "CO2"))
        .then(pl.lit(BIOGENIC_CO2))
        .otherwise(pl.col("gas"))
        .alias("gas")
    )


def _finish(parts: list[pl.DataFrame], gwp: Mapping[str, float]) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame(
            schema={
                "gpc_ref": pl.String,
                "sector": pl.String,
                "scope": pl.Int64,
                "level": pl.String,
                "activity": pl.String,
                "facility": pl.String,
                "gas": pl.String,
                "activity_amount": pl.Float64,
                "activity_unit": pl.String,
                "canonical_amount": pl.Float64,
                "canonical_unit": pl.String,
                "conversion": pl.String,
                "factor": pl.Float64,
                "factor_unit": pl.String,
                "factor_source": pl.String,
                "mass_t": pl.Float64,
                "tco2e": pl.Float64,
                "n_records": pl.Int64,
                "status": pl.String,
                "method": pl.String,
                "inputs": pl.List(pl.String),
            }
        )
    gwp_df = pl.DataFrame({"gas": list(gwp), "gwp": list(gwp.values())})
    rows = pl.concat(parts, how="diagonal_relaxed")
    return (
        _biogenic_apart(rows)
        .join(gwp_df, on="gas", how="left")
        .with_columns(
            (pl.col("mass_t") * pl.col("gwp").fill_null(0.0)).alias("tco2e"),
            pl.col("amount").alias("activity_amount"),
            pl.col("unit").alias("activity_unit"),
            pl.col("n_records").cast(pl.Int64),
        )
        .select(*ROW_COLUMNS, "inputs")
        .sort("gpc_ref", "activity", "facility", "activity_unit", "gas", nulls_last=True)
    )


def _notation_keys(
    catalog: Catalog, rows: pl.DataFrame, declared: Mapping[str, NotationKey], warnings: list[str]
) -> dict[str, NotationKey]:
    with_data = set(rows["gpc_ref"].unique().to_list())
    keys: dict[str, NotationKey] = {}
    for ref in catalog.cells:
        if ref in with_data:
            if ref in declared:
                warnings.append(f"{ref} has data and also the notation key {declared[ref].key}; the data are used")
            continue
        keys[ref] = declared.get(ref) or NotationKey("NE", "not estimated: no activity data for this cell")
    return keys
