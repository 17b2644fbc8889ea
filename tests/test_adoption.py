"""Adoption paths of measures, against values worked out by hand (``math``, not the module's numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qala.scenario.adoption import LOGISTIC_STEEPNESS, SHAPES, adoption

YEARS = np.arange(2023, 2033)  # 2023 … 2032, as integers (the engine passes its year axis so)


def _logistic_by_hand(x: float) -> float:
    """The declared curve: 1 / (1 + e^(-10 (x - 1/2))), rescaled so that x = 0 gives 0 and x = 1 gives 1."""
    lo = 1 / (1 + math.exp(5))  # 0.006692850924284856
    hi = 1 / (1 + math.exp(-5))  # 0.9933071490757153
    return (1 / (1 + math.exp(-10 * (x - 0.5))) - lo) / (hi - lo)


def test_the_steepness_is_the_declared_ten() -> None:
    assert LOGISTIC_STEEPNESS == 10.0
    assert SHAPES == ("linear", "logistic", "step")


def test_linear_rises_by_equal_steps_between_start_and_full_adoption() -> None:
    # start 2025, full 2030: a fifth of the change a year; nothing before the start, all of it after
    share = adoption(YEARS, 2025, 2030, "linear")
    assert share.dtype == np.float64
    assert share.tolist() == pytest.approx([0.0, 0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0], abs=1e-15)


def test_a_step_is_all_or_nothing_from_the_start_year() -> None:
    share = adoption(YEARS, 2027, 2031, "step")  # a step ignores the year of full adoption
    assert share.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("shape", ["linear", "logistic"])
def test_full_adoption_in_the_start_year_is_a_step(shape: str) -> None:
    assert adoption(YEARS, 2026, 2026, shape).tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    # a year of full adoption before the start (the spec refuses it; the function still gives a step)
    assert adoption(YEARS, 2026, 2024, shape).tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]


def test_logistic_follows_the_declared_s_curve() -> None:
    share = adoption(YEARS, 2025, 2030, "logistic")
    # x = (year - 2025) / 5, clipped to [0, 1]
    expected = [_logistic_by_hand(min(max((y - 2025) / 5, 0.0), 1.0)) for y in YEARS.tolist()]
    assert share.tolist() == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # the worked values: 0 before and at the start, 1 at and after full adoption, symmetric about the middle
    assert share[:3].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)
    assert share[7:].tolist() == pytest.approx([1.0, 1.0, 1.0], abs=1e-15)
    assert share[3] == pytest.approx(0.0412856598, rel=1e-9)  # 2026: (1/(1+e^3) - lo) / (hi - lo)
    assert share[4] == pytest.approx(0.2658065780, rel=1e-9)  # 2027: (1/(1+e^1) - lo) / (hi - lo)
    assert share[5] == pytest.approx(1 - share[4], rel=1e-12)  # 2028 mirrors 2027
    assert share[6] == pytest.approx(1 - share[3], rel=1e-12)


def test_logistic_is_one_half_midway() -> None:
    share = adoption(np.array([2020, 2025, 2030]), 2020, 2030, "logistic")
    assert share.tolist() == pytest.approx([0.0, 0.5, 1.0], abs=1e-15)


def test_an_unknown_shape_is_named_with_the_shapes_allowed() -> None:
    with pytest.raises(ValueError, match=r"^unknown adoption shape 'sigmoid'; expected one of linear, logistic, step$"):
        adoption(YEARS, 2025, 2030, "sigmoid")
