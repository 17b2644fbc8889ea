"""The limit a target sets in its year, and the sentence that says how (``qala.scenario.targets``), worked by
hand: an absolute cap, a per-capita limit times each draw's population, a reduction against the city's own
inventory, and a reduction against a year the city has no inventory for (Kazakhstan's 1990 base of the Paris
targets), scaled by the national inventory's totals of that year and of the latest year up to the city's."""

from __future__ import annotations

import numpy as np
import pytest

from qala.scenario.spec import Target
from qala.scenario.targets import national_series, target_limit


def target(kind: str, value: float, base_year: int | None = None, reference: str | None = None) -> Target:
    return Target("t", {"en": "t"}, kind, 2030, "BASIC", value, base_year, reference, "a source")


def test_an_absolute_cap_is_its_value() -> None:
    got = target_limit(target("cap", 5_000_000.0), 2019, 9e6, None, 0)
    assert got.limit == 5_000_000.0
    assert got.method == "absolute cap of 5,000,000 t CO2e (BASIC)"


def test_a_per_capita_limit_is_the_value_times_each_draws_population_in_the_targets_year() -> None:
    population = np.array([[1.0e6, 1.1e6, 1.2e6], [1.0e6, 1.2e6, 1.3e6]])  # 2 draws x 3 years
    got = target_limit(target("per_capita", 4.0), 2019, 9e6, population, 2)
    assert np.asarray(got.limit).tolist() == [4.8e6, 5.2e6]
    assert got.method == "4 t CO2e per person x the modelled population (BASIC)"
    with pytest.raises(ValueError, match=r"^a per-capita target needs a 'population' driver in the model$"):
        target_limit(target("per_capita", 4.0), 2019, 9e6, None, 2)


@pytest.mark.parametrize("reference", ["inventory", None])
def test_a_reduction_against_the_citys_own_base_year(reference: str | None) -> None:
    """15 % below 10,000,000 t: 8,500,000 t — the base year is the model's, or the target says "inventory"."""
    base_year = 2019 if reference is None else 2015
    got = target_limit(target("reduction", 0.15, base_year, reference), 2019, 10_000_000.0, None, 0)
    assert got.limit == pytest.approx(8_500_000.0, rel=1e-15)
    assert got.method == (
        "15% below the reference. Reference: the city's 2019 inventory total (BASIC), 10,000,000 t CO2e. "
        "Limit 8,500,000 t CO2e"
    )


@pytest.mark.parametrize(("city_year", "latest", "national_latest"), [(2022, 2019, 354_869.6), (2016, 2016, 342_616.7)])
def test_a_reduction_against_1990_scales_the_citys_total_by_the_national_inventory(
    city_year: int, latest: int, national_latest: float
) -> None:
    """Kazakhstan: 385,022.0 kt CO2e in 1990 (UNFCCC 2021 submission, without LULUCF, AR4). A city total of
    10,000,000 t in 2022 (the national series ends in 2019) stands for 10,000,000 x 385,022.0 / 354,869.6 =
    10,849,675 t in 1990; 15 % below it is 9,222,224 t. For a city total of 2016: x 385,022.0 / 342,616.7."""
    series = national_series()
    assert series.values[1990] == 385_022.0 and series.values[latest] == national_latest
    got = target_limit(target("reduction", 0.15, 1990, "national_ratio"), city_year, 10_000_000.0, None, 0)
    reference = 10_000_000.0 * 385_022.0 / national_latest
    assert got.limit == pytest.approx(reference * 0.85, rel=1e-12)
    if city_year == 2022:
        assert round(reference) == 10_849_675 and round(got.limit) == 9_222_224
    assert got.method == (
        f"15% below the reference. Reference: the city has no 1990 inventory: its {city_year} inventory total "
        f"(BASIC), 10,000,000 t CO2e, scaled by Kazakhstan's national emissions 1990/{latest} "
        f"(385,022 / {national_latest:,.0f} kt CO2e, AR4, without LULUCF; UNFCCC 2021 submission) = "
        f"{reference:,.0f} t CO2e. Limit {reference * 0.85:,.0f} t CO2e"
    )
