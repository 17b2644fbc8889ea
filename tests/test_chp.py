"""CHP allocation arithmetic (GHG Protocol CHP guidance), by hand."""

import pytest

from qala.inventory.chp import AllocationError, heat_share


def test_efficiency_method_by_hand() -> None:
    # H = 100, P = 50, e_H = 0.8, e_P = 0.35: (100/0.8) / (100/0.8 + 50/0.35) = 125 / (125 + 142.857...) = 0.4667
    assert heat_share(100, 50, "efficiency", 0.8, 0.35) == pytest.approx(125 / (125 + 50 / 0.35))
    assert heat_share(100, 50, "efficiency", 0.8, 0.35) == pytest.approx(0.466666666, rel=1e-8)


def test_energy_content_method_by_hand() -> None:
    assert heat_share(100, 50, "energy_content", 0.8, 0.35) == pytest.approx(2 / 3)


def test_heat_only_boiler_and_power_only_plant() -> None:
    assert heat_share(10, 0, "efficiency", 0.8, 0.35) == 1.0
    assert heat_share(0, 10, "efficiency", 0.8, 0.35) == 0.0


def test_equal_efficiencies_reduce_to_energy_content() -> None:
    assert heat_share(3, 7, "efficiency", 0.5, 0.5) == pytest.approx(heat_share(3, 7, "energy_content", 0, 0))


@pytest.mark.parametrize(
    ("h", "p", "method", "eh", "ep", "message"),
    [
        (0, 0, "efficiency", 0.8, 0.35, "a plant with fuel needs a heat or electricity output to allocate"),
        (-1, 5, "efficiency", 0.8, 0.35, "plant outputs must not be negative"),
        (5, -1, "energy_content", 0.8, 0.35, "plant outputs must not be negative"),
        (1, 1, "efficiency", 0, 0.35, "reference efficiencies must lie in (0, 1]"),
        (1, 1, "efficiency", 1.2, 0.35, "reference efficiencies must lie in (0, 1]"),
        (1, 1, "efficiency", 0.8, 0, "reference efficiencies must lie in (0, 1]"),
        (1, 1, "efficiency", 0.8, 1.01, "reference efficiencies must lie in (0, 1]"),
        (1, 1, "exergy?", 0.8, 0.35, "unknown allocation method 'exergy?'; expected one of"),
    ],
)
def test_bad_inputs_are_refused(h, p, method, eh, ep, message) -> None:
    with pytest.raises(AllocationError) as err:
        heat_share(h, p, method, eh, ep)
    assert str(err.value).startswith(message)


def test_reference_efficiencies_of_one_are_allowed_by_hand() -> None:
    # 600 TJ of heat and 400 TJ of power at efficiencies of 1: fuel 600 and 400, the heat's share 0.6
    assert heat_share(600, 400, "efficiency", 1.0, 1.0) == pytest.approx(0.6)
    # heat at 1, power at 0.4: fuel 600 + 1,000, the heat's share 600 / 1,600 = 0.375
    assert heat_share(600, 400, "efficiency", 1.0, 0.4) == pytest.approx(0.375)
    assert heat_share(600, 400, "efficiency", 0.75, 1.0) == pytest.approx(800 / 1200)
