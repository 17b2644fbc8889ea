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
    ("h", "p", "method", "eh", "ep"),
    [
        (0, 0, "efficiency", 0.8, 0.35),
        (-1, 5, "efficiency", 0.8, 0.35),
        (1, 1, "efficiency", 0, 0.35),
        (1, 1, "efficiency", 1.2, 0.35),
        (1, 1, "exergy?", 0.8, 0.35),
    ],
)
def test_bad_inputs_are_refused(h, p, method, eh, ep) -> None:
    with pytest.raises(AllocationError):
        heat_share(h, p, method, eh, ep)
