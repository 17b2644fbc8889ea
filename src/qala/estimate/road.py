"""Road transport from the vehicle stock (IPCC 2006 Vol. 2 Ch. 3, 3.2.1.3: fuel estimated from vehicle-km).

For each class of vehicle: fuel = stock x annual distance per vehicle x specific consumption (x density when
the consumption is a volume). Classes burning the same fuel add up; the fuel then goes through the same
emission factors as reported fuel (CO2 by fuel, CH4/N2O by fuel for road transport).
"""

from __future__ import annotations

from dataclasses import dataclass

import pint

from qala.estimate.model import Estimate, EstimateError, Input, fmt, quantity
from qala.estimate.series import Series


@dataclass(frozen=True)
class VehicleClass:
    name: str
    fuel: str  # an activity code: motor_gasoline, gas_diesel_oil, lpg, natural_gas, grid_electricity
    stock: Series  # vehicles
    distance: Input  # km per vehicle per year
    consumption: Input  # e.g. L/100km, g/km, kWh/100km
    density: Input | None = None  # kg/L, when the consumption is a volume


def road_stock(
    *,
    classes: list[VehicleClass],
    years: list[int],
    fuel_cell: str = "II.1.1",
    power_cell: str = "II.1.2",
    label: str = "",
) -> list[Estimate]:
    where = label or fuel_cell
    totals: dict[tuple[int, str], tuple[float, list[Input], list[str]]] = {}
    for vc in classes:
        electric = vc.fuel == "grid_electricity"
        try:
            per_vehicle = quantity(vc.distance) * quantity(vc.consumption)
            if electric:
                per_vehicle = per_vehicle.to("MWh / vehicle")
            elif per_vehicle.check("[mass] / [vehicles]"):
                per_vehicle = per_vehicle.to("t / vehicle")
            else:
                if vc.density is None:
                    raise EstimateError(
                        [f"{where}: class '{vc.name}' gives its consumption as a volume: add a density"]
                    )
                per_vehicle = (per_vehicle * quantity(vc.density)).to("t / vehicle")
        except pint.errors.DimensionalityError as exc:
            raise EstimateError(
                [
                    f"{where}: class '{vc.name}': distance x consumption gives {exc.units1}, not fuel per vehicle "
                    f"(write the distance in km/vehicle and the consumption in L/100km, g/km or kWh/100km)"
                ]
            ) from exc
        for year in years:
            stock, ins, how = vc.stock.at(year)
            amount = stock * per_vehicle.magnitude
            unit = "MWh" if electric else "t"
            text = (
                f"{vc.name}: {how} vehicles x {fmt(vc.distance.value)} {vc.distance.unit} x "
                f"{fmt(vc.consumption.value)} {vc.consumption.unit}"
                + (f" x {fmt(vc.density.value)} {vc.density.unit}" if vc.density and not electric else "")
                + f" = {fmt(amount)} {unit}"
            )
            used = [*ins, vc.distance, vc.consumption, *([vc.density] if vc.density else [])]
            prev = totals.get((year, vc.fuel), (0.0, [], []))
            totals[(year, vc.fuel)] = (prev[0] + amount, prev[1] + used, [*prev[2], text])
    out = []
    for (year, fuel), (amount, used, texts) in sorted(totals.items()):
        electric = fuel == "grid_electricity"
        out.append(
            Estimate(
                year,
                power_cell if electric else fuel_cell,
                fuel,
                amount,
                "MWh" if electric else "t",
                "road_stock",
                tuple(used),
                f"{fuel} {year} = " + " + ".join(texts),
                label=label,
            )
        )
    return out
