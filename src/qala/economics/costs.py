"""Annualised cost and cost per tonne of a measure (pure arithmetic).

annualised cost = capex x CRF(r, n) + opex per year - savings per year, with the capital recovery
factor CRF = r (1 + r)^n / ((1 + r)^n - 1) (and 1/n when r = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DISCOUNT_RATE = 0.5


class CostError(ValueError):
    """A cost input that cannot be used; the message names the measure and the field."""


@dataclass(frozen=True)
class CostInputs:
    measure: str
    capex: float
    opex_per_year: float
    savings_per_year: float
    lifetime: float
    discount_rate: float

    def check(self) -> None:
        if not self.lifetime > 0:
            raise CostError(f"measure '{self.measure}': lifetime must be more than 0 years, not {self.lifetime:g}")
        if not 0 <= self.discount_rate <= MAX_DISCOUNT_RATE:
            raise CostError(
                f"measure '{self.measure}': discount_rate must lie between 0 and {MAX_DISCOUNT_RATE}, "
                f"not {self.discount_rate:g}"
            )
        if self.capex < 0:
            raise CostError(f"measure '{self.measure}': capex cannot be negative ({self.capex:g})")


def capital_recovery_factor(rate: float, years: float) -> float:
    if rate == 0:
        return 1.0 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def annualised_cost(c: CostInputs) -> float:
    c.check()
    return c.capex * capital_recovery_factor(c.discount_rate, c.lifetime) + c.opex_per_year - c.savings_per_year


def cost_per_tonne(c: CostInputs, abatement_tco2e_per_year: float) -> float | None:
    """Currency per t CO2e abated; None when the measure abates nothing (no cost per tonne exists)."""
    if abatement_tco2e_per_year <= 0:
        return None
    return annualised_cost(c) / abatement_tco2e_per_year
