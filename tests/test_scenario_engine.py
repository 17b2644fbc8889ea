"""The scenario engine on a small model computed by hand."""

from pathlib import Path

import numpy as np
import pytest

from qala.catalog import load_catalog
from qala.scenario.engine import BaseYear, prepare
from qala.scenario.run import run_scenario
from qala.scenario.spec import load_model

TINY = Path(__file__).parent / "data" / "tiny_model.yaml"
COAL = (94_600 + 1 * 28 + 1.5 * 265) / 1000  # t CO2e per TJ, energy industries, AR5 = 95.0255
GAS = (56_100 + 1 * 28 + 0.1 * 265) / 1000  # = 56.1545
WASTE = 0.6 * 0.176 * 0.5 * 0.5 * 16 / 12 * 28  # t CO2e per t landfilled = 0.9856
EMPTY = BaseYear(2024, {}, {}, {"territorial": 6_333_333.75, "basic": 0.0, "basic_plus": 0.0})


def run(scenario: str, draws: int = 1, seed: int = 1, chunk: int = 2000, base: BaseYear = EMPTY):
    model = load_model(TINY, load_catalog())
    return run_scenario(prepare(model, load_catalog()), scenario, base, draws=draws, seed=seed, chunk_size=chunk)


def test_bau_by_hand() -> None:
    r = run("bau")
    t = r.totals["territorial"][0]
    # 2024: 1e6 persons x 50 GJ = 50,000 TJ of heat; / 0.8 = 62,500 TJ coal; landfill 400,000 t
    assert t[0] == pytest.approx(62_500 * COAL + 400_000 * WASTE, rel=1e-12)
    assert t[0] == pytest.approx(5_939_093.75 + 394_240.0, rel=1e-12)
    # 2025: population grows 2 %
    assert t[1] == pytest.approx(1.02 * (62_500 * COAL + 400_000 * WASTE), rel=1e-12)
    assert t[6] == pytest.approx(1.02**6 * t[0], rel=1e-12)


def test_measure_by_hand_and_district_heat_factor() -> None:
    r = run("gas")
    t = r.totals["territorial"][0]
    pop_2026 = 1.02**2 * 1e6
    fuel = pop_2026 * 50 / 1000 / 0.8  # TJ
    # linear adoption from 2025 to 2027: half way in 2026, so coal_share = 0.5
    assert t[2] == pytest.approx(fuel * 0.5 * COAL + fuel * 0.5 * GAS + pop_2026 * 0.4 * WASTE, rel=1e-12)
    # 2027 on: all gas
    assert t[3] == pytest.approx(1.02**3 * (62_500 * GAS + 400_000 * WASTE), rel=1e-12)
    # BASIC holds the homes' district heat: a heat-only plant (no electricity) takes all its emissions to heat
    basic = r.totals["basic"][0]
    assert basic[0] == pytest.approx(62_500 * COAL + 400_000 * WASTE, rel=1e-12)


def test_zero_effect_measure_equals_bau() -> None:
    model = load_model(TINY, load_catalog())
    prep = prepare(model, load_catalog())
    m = model.measures["to_gas"]
    object.__setattr__(m, "max_effect", 0.0)
    zero = run_scenario(prep, "gas", EMPTY, draws=1, seed=1)
    bau = run_scenario(prep, "bau", EMPTY, draws=1, seed=1)
    np.testing.assert_array_equal(zero.totals["territorial"], bau.totals["territorial"])


def test_same_seed_same_numbers_whatever_the_chunking() -> None:
    a = run("both", draws=3000, seed=7, chunk=3000)
    b = run("both", draws=3000, seed=7, chunk=250)
    c = run("both", draws=3000, seed=7, chunk=1001)
    np.testing.assert_array_equal(a.totals["territorial"], b.totals["territorial"])
    np.testing.assert_array_equal(a.totals["territorial"], c.totals["territorial"])
    d = run("both", draws=3000, seed=8)
    assert not np.array_equal(a.totals["territorial"], d.totals["territorial"])


def test_uncertain_capture_by_hand() -> None:
    r = run("both", draws=2000, seed=3)
    t2026 = r.totals["territorial"][:, 2]
    pop = 1.02**2 * 1e6
    fuel = pop * 50 / 1000 / 0.8
    fixed = fuel * 0.5 * COAL + fuel * 0.5 * GAS
    landfill = pop * 0.4 * WASTE
    # capture scale = 1 - 0.5 x e, e ~ U(0.5, 1): between 0.5 and 0.75 of the landfill emissions
    assert t2026.min() >= fixed + 0.5 * landfill - 1e-6
    assert t2026.max() <= fixed + 0.75 * landfill + 1e-6
    assert t2026.mean() == pytest.approx(fixed + 0.625 * landfill, rel=2e-3)


def test_calibration_matches_the_inventory_in_the_base_year() -> None:
    model = load_model(TINY, load_catalog())
    from qala.scenario.spec import Calibration

    object.__setattr__(model, "calibration", (Calibration("heat_per_capita", ("chp_coal",)),))
    base = BaseYear(2024, {("I.4.4", "other_bituminous_coal", "chp"): 58_896.55}, {}, {"territorial": 0.0})
    r = run_scenario(prepare(model, load_catalog()), "both", base, draws=500, seed=2)
    assert np.allclose(r.totals["territorial"][:, 0], 58_896.55 * COAL + 400_000 * WASTE, rtol=1e-12)


def test_targets() -> None:
    r = run("gas")
    targets = {t["name"]: t for t in r.targets()}
    t2030 = r.totals["territorial"][0, 6]
    assert targets["cap"]["limit_tco2e"] == 5_000_000
    assert targets["cap"]["p_met"] == (1.0 if t2030 <= 5e6 else 0.0)
    assert targets["minus15"]["limit_tco2e"] == pytest.approx(6_333_333.75 * 0.85)
    assert targets["minus15"]["gap_p50_tco2e"] == pytest.approx(t2030 - 6_333_333.75 * 0.85)
