"""Units of Kazakh and CIS statistics, checked against their definitions."""

import pytest

from qala.catalog.units import UnitError, factor, parse_unit


@pytest.mark.parametrize(
    ("unit", "to", "expected"),
    [
        ("Gcal", "GJ", 4.1868),  # International Table calorie: 1e9 x 4.1868 J
        ("Гкал", "GJ", 4.1868),
        ("tce", "GJ", 29.3076),  # 7,000 kcal_IT/kg x 1,000 kg x 4.1868 kJ/kcal = 29,307.6 MJ
        ("toe", "GJ", 41.868),  # 10 Gcal_IT
        ("thousand m3", "m**3", 1000.0),
        ("тыс. м3", "m**3", 1000.0),
        ("kt", "t", 1000.0),  # kilotonne, not knot
        ("Mt", "t", 1e6),
        ("MWh", "GJ", 3.6),
        ("млн кВт·ч", "MWh", 1000.0),
    ],
)
def test_conversions_match_definitions(unit: str, to: str, expected: float) -> None:
    assert factor(unit, to) == pytest.approx(expected, rel=1e-12)


def test_thermochemical_calorie_is_never_used_for_gcal() -> None:
    assert factor("Gcal", "GJ") != pytest.approx(4.184)


@pytest.mark.parametrize("unit", ["ton", "tons", "kcal", "cal"])
def test_ambiguous_units_are_refused_with_a_reason(unit: str) -> None:
    with pytest.raises(UnitError, match="ambiguous"):
        parse_unit(unit)


@pytest.mark.parametrize("unit", ["", "xyz", "1/0", "__import__('os')", "m**", "кг/"])
def test_garbage_units_raise_unit_error(unit: str) -> None:
    with pytest.raises(UnitError):
        parse_unit(unit)


def test_dimensions() -> None:
    assert parse_unit("Gcal").dimension == "energy"
    assert parse_unit("t").dimension == "mass"
    assert parse_unit("thousand m3").dimension == "volume"
