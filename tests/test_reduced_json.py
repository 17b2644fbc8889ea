"""A run reduced where its draws are computed says what the run that keeps its draws says: the same JSON, key
by key, on small models of every shape (removals, a per-capita target, no population, one draw), whatever the
chunking. Means and every p_met as from the draws themselves; quantiles within the sketch's stated bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from qala.scenario.engine import BaseYear
from qala.scenario.reduced import distinct_series, reduced_batch, run_reduced, series_names
from qala.scenario.run import run_scenario
from qala.scenario.sketch import REL_ERROR

from .test_reduce import within_bound
from .test_scenario_result import DATA, model_file, prepared

BASE = BaseYear(
    2024,
    {},
    {"territorial": {"I": 5.9e6, "III": 4.0e5}, "basic": {"I": 1.0e5}},
    {"territorial": 6_333_333.75, "basic": 1.0e5, "basic_plus": 0.0},
)


def near(got: float | None, want: float | None, what: Any) -> None:
    """A quantile read from the sketch: within 2^-11 of the value (plus rounding), or both None."""
    if want is None or got is None:
        assert got is want, what
        return
    assert abs(got - want) <= REL_ERROR * abs(want) * (1 + 1e-9) + 1e-6, (what, got, want)


def same_summary(got: dict[str, list[float]], want: dict[str, list[float]], what: str) -> None:
    assert list(got) == list(want) == ["mean", "p05", "p50", "p95"], what
    np.testing.assert_allclose(got["mean"], want["mean"], rtol=1e-12, atol=1e-6, err_msg=what)
    for key in ("p05", "p50", "p95"):
        assert len(got[key]) == len(want[key]), what
        for g, w in zip(got[key], want[key], strict=True):
            near(g, w, (what, key))


CASES = [
    ("tiny", "both", 7, 3),
    ("tiny", "gas", 1, 5000),  # one draw: the deterministic run
    ("removals", "offsets", 5, 2),
    ("per_capita", "both", 6, 4),
    ("no_population", "both", 4, 3),
    ("late", "both", 5, 2),
    ("plant_only", "gas", 3, 2),
]


@pytest.mark.parametrize(("kind", "scenario", "draws", "chunk"), CASES)
def test_the_reduced_json_is_the_kept_json(kind: str, scenario: str, draws: int, chunk: int, tmp_path) -> None:
    prep = prepared(model_file(kind, tmp_path))
    seen: list[int] = []
    base = BASE if kind != "plant_only" else BaseYear(2024, {}, {}, BASE.totals)  # no inventory by sector
    result = run_scenario(prep, scenario, base, draws=draws, seed=3, chunk_size=chunk)
    kept = result.to_dict()
    summary = run_reduced(prep, scenario, base, draws=draws, seed=3, chunk_size=chunk, on_chunk=seen.append)
    red = summary.to_dict()
    assert list(summary.amount_means) == list(result.amount_means)  # what the MACC's energy bills are priced on
    for k, v in result.amount_means.items():
        np.testing.assert_allclose(summary.amount_means[k], v, rtol=1e-12, err_msg=k)
    assert sum(seen) == draws and len(seen) == -(-draws // chunk)  # each chunk reported with its draws
    assert list(red) == list(kept)
    for key in ("scenario", "city", "unit", "draws", "seed", "basis", "model", "base_year", "years", "measures", "gwp"):
        assert red[key] == kept[key], key
    same_summary(red["total"], kept["total"], "total")
    assert list(red["by_sector"]) == list(kept["by_sector"]) and list(red["by_basis"]) == list(kept["by_basis"])
    for s, v in kept["by_sector"].items():
        same_summary(red["by_sector"][s], v, f"sector {s}")
    for b, v in kept["by_basis"].items():
        same_summary(red["by_basis"][b], v, f"basis {b}")
    assert len(red["targets"]) == len(kept["targets"]) == len(prep.model.targets)
    for got, want in zip(red["targets"], kept["targets"], strict=True):
        assert list(got) == list(want)
        assert {k: got[k] for k in got if k not in ("limit_tco2e", "gap_p50_tco2e")} == {
            k: want[k] for k in want if k not in ("limit_tco2e", "gap_p50_tco2e")
        }  # p_met too: a count of the draws that meet the limit, exact
        near(got["limit_tco2e"], want["limit_tco2e"], (got["name"], "limit"))
        # the gap's median lies near 0 when the limit sits among the draws: its bound is the sketch's around the
        # two middle draws of the gap (as tests/test_reduce.py's within_bound), not around the median itself
        t = next(x for x in prep.model.targets if x.name == got["name"])
        gaps = result.totals[t.basis][:, result.years.index(t.year)] - want["limit_tco2e"]
        if t.emissions == "gross" and t.basis in result.removals:
            gaps = gaps - result.removals[t.basis][:, result.years.index(t.year)]
        assert within_bound(gaps[:, None], np.array([got["gap_p50_tco2e"]]), 0.5).all(), got["name"]
    assert list(red["base_year_check"]) == list(kept["base_year_check"])
    for s, want in kept["base_year_check"].items():
        assert red["base_year_check"][s]["inventory"] == want["inventory"]
        near(red["base_year_check"][s]["model_p50"], want["model_p50"], ("check", s))
    assert list(red["milestones"]) == list(kept["milestones"]) == (["2040"] if kind == "late" else ["2030"])
    if kind == "plant_only":
        assert kept["milestones"]["2030"]["basic"]["change_from_base_year"] is None
    (year,) = kept["milestones"]
    for basis, want in kept["milestones"][year].items():
        got = red["milestones"][year][basis]
        assert list(got) == list(want)
        for k in ("p05", "p50", "p95"):
            near(got[k], want[k], (basis, k))
        if want["change_from_base_year"] is None:
            assert got["change_from_base_year"] is None, basis
        else:  # a ratio of two medians, each within the bound
            assert got["change_from_base_year"] == pytest.approx(want["change_from_base_year"], abs=5 * REL_ERROR)
    assert list(red["flows_mean"]) == list(kept["flows_mean"])
    for k, v in kept["flows_mean"].items():
        np.testing.assert_allclose(red["flows_mean"][k], v, rtol=1e-12, atol=1e-9, err_msg=k)
    if kept["removals"] is None:
        assert red["removals"] is None
    else:
        assert {k: v for k, v in red["removals"].items() if k != "mean"} == {
            k: v for k, v in kept["removals"].items() if k != "mean"
        }
        np.testing.assert_allclose(red["removals"]["mean"], kept["removals"]["mean"], rtol=1e-12)


def test_what_the_small_models_show_by_hand(tmp_path) -> None:
    """The cases above are not vacuous: targets met by some draws, a per-capita limit, a base year of 0 t."""
    prep = prepared(model_file("per_capita", tmp_path))
    red = run_reduced(prep, "both", BASE, draws=6, seed=3, chunk_size=4).to_dict()
    by = {t["name"]: t for t in red["targets"]}
    assert set(by) == {"cap", "minus15", "pc", "mid"}
    assert 0 < by["mid"]["p_met"] < 1 and by["mid"]["basis"] == "basic"  # some of the six draws meet it
    pop_2030 = 1e6 * 1.02**6
    assert by["pc"]["limit_tco2e"] == pytest.approx(6.5 * pop_2030, rel=REL_ERROR)
    assert by["minus15"]["limit_tco2e"] == pytest.approx(6_333_333.75 * 0.85, rel=REL_ERROR)
    assert by["cap"]["method"] == "absolute cap of 5,000,000 t CO2e (territorial)"
    assert red["base_year_check"]["I"]["inventory"] == 5.9e6 and red["base_year_check"]["II"]["inventory"] is None
    assert red["draws"] == 6 and red["seed"] == 3


def test_one_draw_is_deterministic_and_an_unknown_scenario_is_named(tmp_path) -> None:
    prep = prepared(DATA / "tiny_model.yaml")
    one = reduced_batch(prep, "both", BASE, draws=1, seed=4)
    assert [(j.start, j.stop, j.seed, j.deterministic) for j in one.jobs] == [(0, 1, 4, True)]
    many = reduced_batch(prep, "both", BASE, draws=5, seed=4, chunk_size=2)
    assert [(j.start, j.stop, j.seed, j.deterministic) for j in many.jobs] == [
        (0, 2, 4, False), (2, 4, 4, False), (4, 5, 4, False),
    ]  # fmt: skip
    assert many.reduce is not None and many.merge is not None
    with pytest.raises(KeyError) as err:
        reduced_batch(prep, "nope", BASE, draws=1, seed=1)
    assert err.value.args[0] == "unknown scenario 'nope'; the model has bau, gas, both"


def test_series_made_of_the_same_flows_are_summarised_once() -> None:
    """The tiny model's flows: the plant (coal, gas, heat output; I.4.4, territorial only), the homes' district
    heat (I.1.2, BASIC), the landfill (III.1.1, every basis). Territorial sector I is the plant, BASIC's and
    BASIC+'s sector I the homes, sector III the landfill everywhere, every other sector nothing; BASIC's and
    BASIC+'s totals are made of the same sectors, territorial's of others."""
    prep = prepared(DATA / "tiny_model.yaml")
    names = series_names()
    assert names[:4] == ("total:territorial", "total:basic", "total:basic_plus", "sector:territorial:I")
    assert len(names) == 3 + 3 * 6 and names[-1] == "sector:basic_plus:VI"
    same = dict(zip(names, (names[i] for i in distinct_series(prep)), strict=True))
    empty = "sector:territorial:II"  # the first sector with no flow stands for every other
    assert same == {
        "total:territorial": "total:territorial",
        "total:basic": "total:basic",
        "total:basic_plus": "total:basic",
        "sector:territorial:I": "sector:territorial:I",
        "sector:basic:I": "sector:basic:I",
        "sector:basic_plus:I": "sector:basic:I",
        **{f"sector:{b}:III": "sector:territorial:III" for b in ("territorial", "basic", "basic_plus")},
        **{f"sector:{b}:{s}": empty for b in ("territorial", "basic", "basic_plus") for s in ("II", "IV", "V", "VI")},
    }


def test_a_limit_reached_exactly_is_met_and_a_model_without_targets_runs(tmp_path) -> None:
    tiny = (DATA / "tiny_model.yaml").read_text(encoding="utf-8")
    path = tmp_path / "none.yaml"
    path.write_text(tiny[: tiny.index("targets:")], encoding="utf-8")
    prep = prepared(path)
    red = run_reduced(prep, "gas", BASE, draws=3, seed=1, chunk_size=2)
    assert red.to_dict()["targets"] == [] and red.draws == 3
    exact = float(run_scenario(prep, "gas", BASE, draws=1, seed=1).totals["territorial"][0, -1])
    path.write_text(
        tiny.replace("limit_tco2e: 5000000", f"limit_tco2e: {exact!r}"), encoding="utf-8"
    )  # the cap at the deterministic run's own 2030 total, to the last bit
    prep = prepared(path)
    cap = run_reduced(prep, "gas", BASE, draws=1, seed=1).to_dict()["targets"][0]
    assert (cap["name"], cap["limit_tco2e"], cap["p_met"]) == ("cap", exact, 1.0)
    assert cap["gap_p50_tco2e"] == 0.0
