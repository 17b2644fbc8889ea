"""Sobol indices worked by hand on a model whose total is additive in its uncertain assumptions.

The tiny model (tests/data/tiny_model.yaml) with two parameters drawn, in the "bau" scenario (no measures):
heat per person uniform on [45, 55] GJ and waste per person uniform on [0.1, 0.7] t. In 2030 the
territorial total is P x (h / 1000 / 0.8 x COAL + w x WASTE), P the (fixed) population: a sum of one term per
assumption, so each first-order index equals its total-order one and is its term's share of the variance,
Var = c^2 x (high - low)^2 / 12:
  heat:  (COAL / 800)^2 x 10^2 / 12,  waste: WASTE^2 x 0.6^2 / 12  ->  S1 = 0.80137 and 0.19863.
The measure's uncertain effect (capture_gas) is in no measure of "bau": its indices are 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qala.scenario.chunks import serial
from qala.scenario.sensitivity import sobol

from .test_scenario_engine import COAL, EMPTY, TINY, WASTE
from .test_scenario_result import prepared

HEAT_VAR = (COAL / 800) ** 2 * 10**2 / 12
WASTE_VAR = WASTE**2 * 0.6**2 / 12
METHOD = "Sobol (Saltelli sampling, SALib), first-order S1 and total-order ST with 95 % confidence"


def two_drawn(tmp_path: Path, heat: tuple[int, int] = (45, 55)):
    """The tiny model with heat per person drawn uniform on ``heat`` GJ and waste per person on [0.1, 0.7] t."""
    low, high = heat
    text = (
        TINY.read_text(encoding="utf-8")
        .replace(
            "source: test}\n  efficiency",
            f"source: test, dist: {{type: uniform, low: {low}, high: {high}}}}}\n  efficiency",
        )
        .replace(
            "waste_pc: {value: 0.4, unit: t/person, source: test}",
            "waste_pc: {value: 0.4, unit: t/person, source: test, dist: {type: uniform, low: 0.1, high: 0.7}}",
        )
    )
    path = tmp_path / f"drawn_{low}_{high}.yaml"
    path.write_text(text, encoding="utf-8")
    return prepared(path)


def test_an_additive_model_s_indices_are_its_shares_of_the_variance(tmp_path) -> None:
    prep = two_drawn(tmp_path)
    assert [name for name, _ in prep.model.uncertain()] == [
        "parameter:heat_per_capita", "parameter:waste_pc", "measure:capture_gas",
    ]  # fmt: skip
    seen: list[int] = []
    got = sobol(prep, "bau", EMPTY, n=1024, years=(2030,), chunk_size=1000, on_chunk=seen.append).to_dict()
    assert sum(seen) == got["evaluations"] == 1024 * (3 + 2) and len(seen) == 6  # N (d + 2) rows, in chunks
    assert {k: v for k, v in got.items() if k != "years"} == {
        "scenario": "bau", "basis": "territorial", "n": 1024, "evaluations": 5120, "method": METHOD,
    }  # fmt: skip
    heat, waste, capture = got["years"]["2030"]  # ranked by the total-order index, largest first
    assert list(got["years"]) == ["2030"] and list(heat) == ["name", "s1", "s1_conf", "st", "st_conf"]
    assert (heat["name"], waste["name"], capture["name"]) == (
        "parameter:heat_per_capita", "parameter:waste_pc", "measure:capture_gas",
    )  # fmt: skip
    share = HEAT_VAR / (HEAT_VAR + WASTE_VAR)  # 0.80137
    for index, want in ((heat, share), (waste, 1 - share)):
        assert index["s1"] == pytest.approx(want, abs=1e-5) and index["st"] == pytest.approx(want, abs=1e-5)
        assert 0 < index["s1_conf"] < 0.1 and 0 < index["st_conf"] < 0.1  # SALib's bootstrap, 95 %
    assert capture == {"name": "measure:capture_gas", "s1": 0.0, "s1_conf": 0.0, "st": 0.0, "st_conf": 0.0}


def test_the_ranking_follows_the_total_order_index(tmp_path) -> None:
    prep = two_drawn(tmp_path, heat=(49, 51))
    ranked = sobol(prep, "bau", EMPTY, n=256, years=(2030,)).by_year[2030]
    heat_var = (COAL / 800) ** 2 * 2**2 / 12  # 2 GJ wide now: waste's term is the larger
    assert [i.name for i in ranked] == ["parameter:waste_pc", "parameter:heat_per_capita", "measure:capture_gas"]
    assert ranked[0].st == pytest.approx(WASTE_VAR / (heat_var + WASTE_VAR), abs=2e-3)  # 0.861 at N = 256


def test_a_year_the_draws_do_not_move_has_indices_of_zero_and_later_years_follow(tmp_path) -> None:
    prep = prepared(TINY)
    # "both": landfill gas capture's effect is drawn (uniform 0.5-1.0) from 2026; in 2025 nothing is uncertain
    got = sobol(prep, "both", EMPTY, n=128, years=(2025, 2030), seed=3)
    assert list(got.by_year) == [2025, 2030]
    assert [(i.name, i.s1, i.s1_conf, i.st, i.st_conf) for i in got.by_year[2025]] == [
        ("measure:capture_gas", 0.0, 0.0, 0.0, 0.0)
    ]
    (capture,) = got.by_year[2030]  # the one uncertain assumption explains all of 2030's variance
    assert capture.s1 == pytest.approx(1.0, abs=1e-3) and capture.st == pytest.approx(1.0, abs=1e-3)  # N = 128


def test_the_same_seed_gives_the_same_indices_and_confidence(tmp_path) -> None:
    prep = two_drawn(tmp_path)

    def run(**kw):
        return sobol(prep, "bau", EMPTY, years=(2030,), **kw).to_dict()

    default = run()  # N = 1024, seed 1
    assert default["n"] == 1024 and default["evaluations"] == 5120
    assert run(n=1024, seed=1, chunk_size=777, runner=serial) == default  # chunks change nothing
    other = run(seed=2)
    assert other != default  # another Sobol scrambling and bootstrap
    a, b = default["years"]["2030"][0], other["years"]["2030"][0]
    assert a["s1_conf"] != b["s1_conf"] and np.isclose(a["s1"], b["s1"], atol=1e-4)


def test_a_model_without_uncertain_assumptions_is_refused_with_a_reason() -> None:
    path = Path(__file__).parent / "data" / "removals_model.yaml"
    prep = prepared(path)
    with pytest.raises(ValueError, match="no uncertain assumptions") as err:
        sobol(prep, "bau", EMPTY, n=8)
    assert str(err.value) == (
        "the model has no uncertain assumptions (no 'dist', 'uncertainty' or uncertain max_effect)"
    )
