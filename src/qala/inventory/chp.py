"""Allocation of a CHP plant's emissions between heat and electricity (pure arithmetic).

Methods (GHG Protocol, 'Allocation of GHG Emissions from a Combined Heat and Power (CHP) Plant',
WRI/WBCSD 2006):

* ``efficiency`` (default): the fuel each output would have needed in a stand-alone plant of
  reference efficiency ``e_H`` (heat) and ``e_P`` (power) sets the shares,
  ``share_heat = (H / e_H) / (H / e_H + P / e_P)``.
* ``energy_content``: shares in proportion to the energy of the outputs,
  ``share_heat = H / (H + P)``.
"""

from __future__ import annotations

from dataclasses import dataclass

METHODS = ("efficiency", "energy_content")


class AllocationError(ValueError):
    pass


@dataclass(frozen=True)
class Allocation:
    facility: str
    heat_tj: float
    power_tj: float
    heat_share: float

    @property
    def power_share(self) -> float:
        return 1.0 - self.heat_share


def heat_share(heat_tj: float, power_tj: float, method: str, e_heat: float, e_power: float) -> float:
    """The share of a plant's emissions allocated to its heat output."""
    if heat_tj < 0 or power_tj < 0:
        raise AllocationError("plant outputs must not be negative")
    if heat_tj == 0 and power_tj == 0:
        raise AllocationError("a plant with fuel needs a heat or electricity output to allocate")
    if method == "efficiency":
        if not (0 < e_heat <= 1 and 0 < e_power <= 1):
            raise AllocationError("reference efficiencies must lie in (0, 1]")
        heat_fuel = heat_tj / e_heat
        power_fuel = power_tj / e_power
        return heat_fuel / (heat_fuel + power_fuel)
    if method == "energy_content":
        return heat_tj / (heat_tj + power_tj)
    raise AllocationError(f"unknown allocation method '{method}'; expected one of {', '.join(METHODS)}")
