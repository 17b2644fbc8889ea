"""What a scenario run is calibrated to and what its JSON says, worked by hand: the base year taken from an
inventory, and a result's summaries, milestones and base-year check on draws written out here.

The inventory (AR5: CH4 28, N2O 265; IPCC 2006 defaults in kg per TJ):
* I.1.1 natural gas, 1,000 GJ and 2 TJ (two units: two rows per gas, one activity of 3 TJ): per TJ CO2 56.1 t,
  CH4 0.005 t, N2O 0.0001 t = 56.1 + 0.14 + 0.0265 = 56.2665 t CO2e; 3 TJ = 168.7995 t (scope 1, BASIC);
* I.1.2 grid electricity, 1,000 MWh = 3.6 TJ at 797 g/kWh = 797 t (scope 2, BASIC);
* I.1.3 grid electricity (T&D losses), 100 MWh = 0.36 TJ = 79.7 t (scope 3, BASIC+ only);
* I.4.4 plant-a: 1,000 TJ of gas (energy industries: CO2 56,100 kg, CH4 1 kg, N2O 0.1 kg per TJ) = 56,100 + 28
  + 26.5 = 56,154.5 t (scope 1: territorial only), 400 TJ of heat and 300 TJ of electricity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qala.catalog import load_catalog
from qala.scenario.chunks import serial
from qala.scenario.engine import BaseYear, prepare, run_chunk, run_chunk_reference
from qala.scenario.run import ScenarioResult, base_year_from, removals_dict, run_scenario, scenario_batch
from qala.scenario.spec import load_model

from .test_inventory_cases import frame, run
from .test_scenario_engine import COAL, EMPTY, TINY, WASTE

REL = 1e-9
GAS_T = 3 * 56.2665
PLANT_T = 56_100 + 28 + 26.5


def test_the_base_year_is_taken_from_the_inventory_by_hand(catalog) -> None:
    inv = run(
        catalog,
        frame(
            ("I.1.1", "natural_gas", 1000.0, "GJ"),
            ("I.1.1", "natural_gas", 2.0, "TJ"),
            ("I.1.2", "grid_electricity", 1000.0, "MWh"),
            ("I.1.3", "grid_electricity", 100.0, "MWh"),
            ("I.4.4", "natural_gas", 1000.0, "TJ", "plant-a"),
            ("I.4.4", "heat_output", 400.0, "TJ", "plant-a"),
            ("I.4.4", "electricity_output", 300.0, "TJ", "plant-a"),
        ),
    )
    base = base_year_from(inv)
    assert base.year == 2022
    assert base.amounts == pytest.approx(
        {
            ("I.1.1", "natural_gas", None): 3.0,  # TJ, each row counted once, not once per gas
            ("I.1.2", "grid_electricity", None): 3.6,
            ("I.1.3", "grid_electricity", None): 0.36,
            ("I.4.4", "natural_gas", "plant-a"): 1000.0,
            ("I.4.4", "heat_output", "plant-a"): 400.0,
            ("I.4.4", "electricity_output", "plant-a"): 300.0,
        },
        rel=REL,
    )
    assert base.emissions == pytest.approx(
        {
            ("I.1.1", "natural_gas", None): GAS_T,
            ("I.1.2", "grid_electricity", None): 797.0,
            ("I.1.3", "grid_electricity", None): 79.7,
            ("I.4.4", "natural_gas", "plant-a"): PLANT_T,
        },
        rel=REL,
    )
    zero = dict.fromkeys(("II", "III", "IV", "V", "VI"), 0.0)
    assert base.by_basis == {
        "territorial": pytest.approx({"I": GAS_T + PLANT_T, **zero}, rel=REL),
        "basic": pytest.approx({"I": GAS_T + 797.0, **zero}, rel=REL),
        "basic_plus": pytest.approx({"I": GAS_T + 797.0 + 79.7, **zero}, rel=REL),
    }
    assert base.totals == pytest.approx(
        {"territorial": GAS_T + PLANT_T, "basic": GAS_T + 797.0, "basic_plus": GAS_T + 876.7}, rel=REL
    )


def test_a_figure_of_zero_adds_nothing_to_the_base_year(catalog) -> None:
    inv = run(catalog, frame(("I.1.1", "natural_gas", 0.0, "TJ"), ("I.1.2", "grid_electricity", 1000.0, "MWh")))
    base = base_year_from(inv)
    assert base.emissions[("I.1.1", "natural_gas", None)] == 0.0  # three gases at 0 t each, not a tonne each
    assert base.amounts[("I.1.1", "natural_gas", None)] == 0.0
    assert base.totals["basic"] == pytest.approx(797.0, rel=REL)


def test_biogenic_co2_stays_out_of_the_base_year(catalog) -> None:
    inv = run(catalog, frame(("I.1.1", "wood", 1.0, "TJ")))
    biogenic = inv.rows.filter(inv.rows["gas"] == "CO2(b)")
    assert biogenic["mass_t"].sum() > 100  # 112,000 kg per TJ is carried as a memo item
    others = float(inv.rows.filter(inv.rows["gas"] != "CO2(b)")["tco2e"].sum())
    base = base_year_from(inv)
    assert base.emissions == pytest.approx({("I.1.1", "wood", None): others}, rel=REL)
    assert base.totals["territorial"] == pytest.approx(others, rel=REL) and others < 20  # CH4 and N2O only
    assert base.amounts == {("I.1.1", "wood", None): pytest.approx(1.0, rel=REL)}


def result(totals: np.ndarray, years: list[int], by_basis: dict[str, dict[str, float]]) -> ScenarioResult:
    """A result of three draws whose every basis and sector I hold ``totals`` (draws x years)."""
    zeros = np.zeros_like(totals)
    sectors = {"I": totals, "II": zeros}
    base = BaseYear(2024, {}, by_basis, {b: sum(v.values()) for b, v in by_basis.items()})
    return ScenarioResult(
        scenario="s",
        city="c",
        years=years,
        draws=totals.shape[0],
        seed=1,
        basis="basic",
        totals={"basic": totals, "territorial": totals * 2},
        sectors={"basic": sectors, "territorial": {"I": totals * 2, "II": zeros}},
        population=None,
        flow_means={},
        base=base,
        prep=None,  # type: ignore[arg-type]  # what these methods read does not come from the model
    )


YEARS = [2024, 2030, 2035, 2040, 2050]
# draws x years: the base year's median is 100; 2030's draws 70, 80, 90; 2040's 10, 20, 60; 2050's all 0
DRAWS = np.array(
    [
        [90.0, 70.0, 60.0, 10.0, 0.0],
        [100.0, 80.0, 60.0, 20.0, 0.0],
        [130.0, 90.0, 60.0, 60.0, 0.0],
    ]
)


def test_summaries_are_per_year_across_the_draws() -> None:
    r = result(DRAWS, YEARS, {"basic": {"I": 95.0}})
    s = r.summary(DRAWS)
    assert s["mean"] == pytest.approx([320 / 3, 80.0, 60.0, 30.0, 0.0], rel=REL)
    assert s["p50"] == [100.0, 80.0, 60.0, 20.0, 0.0]
    # numpy's default (linear) quantile of three draws: p05 at position 0.1, p95 at position 1.9
    assert s["p05"] == pytest.approx([91.0, 71.0, 60.0, 11.0, 0.0], rel=REL)
    assert s["p95"] == pytest.approx([127.0, 89.0, 60.0, 56.0, 0.0], rel=REL)
    assert list(s) == ["mean", "p05", "p50", "p95"]


def test_milestones_give_each_basis_its_range_and_change_from_the_base_year() -> None:
    r = result(DRAWS, YEARS, {"basic": {"I": 95.0}})
    got = r.milestones()
    assert list(got) == ["2030", "2040", "2050"]  # 2060 is not in these years; 2035 is not a milestone
    assert got["2030"]["basic"] == pytest.approx({"p05": 71.0, "p50": 80.0, "p95": 89.0, "change_from_base_year": -0.2})
    assert got["2040"]["territorial"] == pytest.approx(
        {"p05": 22.0, "p50": 40.0, "p95": 112.0, "change_from_base_year": 40 / 200 - 1}
    )
    assert got["2050"]["basic"]["change_from_base_year"] == pytest.approx(-1.0)


def test_milestones_skip_a_year_the_run_lacks_and_give_no_change_from_nothing() -> None:
    later = result(DRAWS[:, [0, 3, 4]], [2024, 2040, 2050], {"basic": {"I": 95.0}})
    assert list(later.milestones()) == ["2040", "2050"]  # no 2030 in this run: the later ones still come
    zero = DRAWS.copy()
    zero[:, 0] = 0.0  # a base year of 0 t: a change from nothing is no number (None), never "no change" (0)
    got = result(zero, YEARS, {"basic": {"I": 0.0}}).milestones()
    assert got["2030"]["basic"] == {"p05": 71.0, "p50": 80.0, "p95": 89.0, "change_from_base_year": None}


def test_the_base_year_check_sets_the_model_against_the_inventory_by_sector() -> None:
    r = result(DRAWS, YEARS, {"basic": {"I": 95.0, "II": 3.0}, "territorial": {"I": 1.0}})
    assert r.base_year_check() == {
        "I": {"model_p50": 100.0, "inventory": 95.0},
        "II": {"model_p50": 0.0, "inventory": 3.0},
    }
    lone = result(DRAWS, YEARS, {"territorial": {"I": 1.0}})  # no inventory on the model's basis: shown as None
    assert lone.base_year_check() == {
        "I": {"model_p50": 100.0, "inventory": None},
        "II": {"model_p50": 0.0, "inventory": None},
    }


# --- the JSON of a run, its targets, and how a run is cut into chunks (small models worked by hand) ----------

DATA = Path(__file__).parent / "data"
REMOVALS = DATA / "removals_model.yaml"
CAP_2030 = 5_000_000.0  # the tiny model's cap target
PER_CAPITA = (
    "  - {name: pc, kind: per_capita, year: 2030, limit_tco2e_per_capita: 6.5, basis: territorial, source: t}\n"
    "  - {name: mid, kind: cap, year: 2030, limit_tco2e: 4250000, basis: basic, source: t}\n"  # met by some draws
)


def prepared(path: Path):
    return prepare(load_model(path, load_catalog()), load_catalog())


def model_file(kind: str, tmp_path: Path) -> Path:
    """The small models these tests and tests/test_reduced_json.py run: the tiny model, the removals model, and
    the tiny model changed in one respect each."""
    if kind == "removals":
        return REMOVALS
    tiny = TINY.read_text(encoding="utf-8")
    late = tiny  # the model moved to 2035-2041: 2040 its only milestone, after a 2030 it does not have
    for old, new in (("2024", "2035"), ("end_year: 2030", "end_year: 2041"), ("2025, full: 2027", "2036, full: 2038")):
        late = late.replace(old, new)
    late = late.replace("start: 2026, full: 2026", "start: 2037, full: 2037").replace("year: 2030", "year: 2040")
    text = {
        "per_capita": tiny + PER_CAPITA,
        "no_population": tiny.replace("population", "people"),
        "late": late,
        # the plant alone: its emissions are in no BASIC sector, so BASIC's base year is 0 t (no change from it)
        "plant_only": "\n".join(x for x in tiny.splitlines() if "homes_heat:" not in x and "landfill:" not in x),
    }.get(kind, tiny)
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_json_of_a_run_with_a_removal_line_by_hand() -> None:
    prep = prepared(REMOVALS)
    d = run_scenario(prep, "offsets", EMPTY, draws=1, seed=7).to_dict()
    assert list(d) == [
        "scenario", "city", "unit", "draws", "seed", "basis", "model", "base_year", "years", "total", "by_sector",
        "by_basis", "targets", "measures", "base_year_check", "milestones", "flows_mean", "removals", "gwp",
    ]  # fmt: skip
    assert (d["scenario"], d["city"], d["unit"], d["draws"], d["seed"]) == ("offsets", "astana", "t CO2e", 1, 7)
    assert (d["basis"], d["model"], d["base_year"], d["gwp"]) == ("territorial", "removals", 2024, prep.gwp_code)
    assert d["years"] == list(range(2024, 2031)) and d["measures"] == ["buy_offsets"]
    # 1,000,000 t of offsets a year from 2026 (a step), in the net total and in the removal block apart
    assert d["removals"] == {
        "what": "removals and offsets beyond the city's emissions: counted only towards net (neutrality) targets, "
        "never towards targets on gross emissions, and not an emission reduction",
        "flows": ["offsets"],
        "sectors": ["V.2"],
        "mean": [0.0, 0.0, -1e6, -1e6, -1e6, -1e6, -1e6],
    }
    assert d["flows_mean"]["offsets"] == d["removals"]["mean"]
    gross_2030 = 1.02**6 * (62_500 * COAL + 400_000 * WASTE)
    assert d["total"]["mean"][-1] == pytest.approx(gross_2030 - 1e6, rel=1e-12)
    assert d["total"] == d["by_basis"]["territorial"] and set(d["by_basis"]) == {"territorial", "basic", "basic_plus"}
    assert d["by_sector"]["I"]["p50"][0] == pytest.approx(62_500 * COAL, rel=1e-12)  # 2024: the plant's coal
    assert d["by_sector"]["V"]["mean"][-1] == pytest.approx(-1e6, rel=1e-12)  # the removal line sits in V.2
    gross, net, unstated = d["targets"]
    assert [t["name"] for t in d["targets"]] == ["gross_cap", "net_cap", "unstated"]
    # 7.13 Mt emitted in 2030 against a cap of 6.5 Mt: unmet on gross emissions, met net of the 1 Mt of offsets
    assert (gross["emissions"], gross["p_met"], unstated["p_met"]) == ("gross", 0.0, 0.0)
    assert (net["emissions"], net["p_met"]) == ("net", 1.0)
    assert net["gap_p50_tco2e"] == pytest.approx(gross_2030 - 1e6 - 6.5e6, rel=1e-12)
    assert set(d["milestones"]) == {"2030"} and d["base_year_check"]["I"]["inventory"] is None


def test_a_model_without_removals_has_no_removal_block() -> None:
    d = run_scenario(prepared(TINY), "gas", EMPTY, draws=1, seed=1).to_dict()
    assert d["removals"] is None and d["unit"] == "t CO2e" and d["measures"] == ["to_gas"]


def test_the_removal_mean_is_the_sum_of_the_removal_flows_means() -> None:
    prep = prepared(REMOVALS)
    means = {"offsets": np.array([0.0, -2.0]), "chp_coal": np.array([5.0, 5.0])}
    got = removals_dict(prep.model, means)
    assert got is not None and got["mean"] == [0.0, -2.0]  # chp_coal is no removal line: not summed
    assert got["sectors"] == ["V.2"] and got["flows"] == ["offsets"]


def result_of(prep, totals: np.ndarray) -> ScenarioResult:
    """A result on the tiny model whose territorial totals are ``totals`` (draws x the model's years)."""
    zeros = np.zeros_like(totals)
    return ScenarioResult(
        "gas", "astana", prep.model.years, totals.shape[0], 1, "territorial", {"territorial": totals},
        {"territorial": {"I": totals, "II": zeros}}, None, {}, EMPTY, prep,
    )  # fmt: skip


def test_each_target_s_line_by_hand_a_limit_reached_exactly_is_met() -> None:
    prep = prepared(TINY)
    totals = np.zeros((4, 7))
    totals[:, 6] = [4_000_000.0, CAP_2030, 5_500_000.0, 6_000_000.0]  # 2030: one under, one exactly at, two over
    cap, minus15 = result_of(prep, totals).targets()
    assert cap == {
        "name": "cap",
        "label": prep.model.targets[0].label,
        "kind": "cap",
        "basis": "territorial",
        "emissions": "gross",
        "year": 2030,
        "limit_tco2e": CAP_2030,
        "p_met": 0.5,  # 4.0 Mt and 5.0 Mt (at the cap) meet it
        "gap_p50_tco2e": 250_000.0,  # the median of -1.0, 0, 0.5, 1.0 Mt
        "method": "absolute cap of 5,000,000 t CO2e (territorial)",
        "source": "test",
    }
    limit = 6_333_333.75 * 0.85  # 15 % below the base year's 6,333,333.75 t
    assert minus15["limit_tco2e"] == pytest.approx(limit, rel=1e-12)
    assert minus15["p_met"] == 0.5 and minus15["kind"] == "reduction"
    assert minus15["gap_p50_tco2e"] == pytest.approx(5_250_000.0 - limit, rel=1e-12)


def test_a_run_passes_its_seed_chunks_and_runner_on() -> None:
    prep = prepared(TINY)
    seen: list[int] = []
    batches: list = []

    def recording(bs, on_chunk=None):
        batches.extend(bs)
        return serial(bs, on_chunk)

    r = run_scenario(prep, "both", EMPTY, draws=5, seed=3, chunk_size=2, on_chunk=seen.append, runner=recording)
    assert seen == [2, 2, 1]  # three chunks of at most two draws, each reported as it is done
    (b,) = batches
    assert [(j.start, j.stop, j.seed, j.deterministic) for j in b.jobs] == [
        (0, 2, 3, False), (2, 4, 3, False), (4, 5, 3, False),
    ]  # fmt: skip
    assert (r.draws, r.seed, r.scenario) == (5, 3, "both")
    whole = run_scenario(prep, "both", EMPTY, draws=5, seed=3, chunk_size=5)
    np.testing.assert_array_equal(r.totals["territorial"], whole.totals["territorial"])  # same draws, any chunks
    for name, mean in whole.flow_means.items():
        np.testing.assert_allclose(r.flow_means[name], mean, rtol=1e-12)  # sums over chunks / draws
    other = run_scenario(prep, "both", EMPTY, draws=5, seed=4, chunk_size=2)
    assert not np.array_equal(other.totals["territorial"], r.totals["territorial"])  # the seed reached the draws


def test_flow_means_are_the_draws_mean_whatever_the_chunking() -> None:
    prep = prepared(TINY)
    # landfill's emissions per draw: population x 0.4 t x WASTE x the drawn capture (1 - 0.5 x max_effect from
    # 2026); its mean over the draws is the mean of the sectors' draws, since sector III holds landfill alone
    for draws, chunk in ((6, 1), (6, 2), (6, 6), (2, 2)):  # many chunks, one chunk, one chunk of two draws
        r = run_scenario(prep, "both", EMPTY, draws=draws, seed=5, chunk_size=chunk)
        by_hand = r.sectors["territorial"]["III"].mean(axis=0)
        np.testing.assert_allclose(r.flow_means["landfill"], by_hand, rtol=1e-12)
        assert r.flow_means["landfill"][0] == pytest.approx(1e6 * 0.4 * WASTE, rel=1e-12)  # 2024: no capture yet
        pop = 1e6 * 1.02 ** np.arange(7)
        np.testing.assert_allclose(r.amount_means["landfill"], pop * 0.4, rtol=1e-12)  # tonnes, not drawn


def test_one_draw_is_the_deterministic_run_and_more_are_drawn() -> None:
    prep = prepared(TINY)
    one = scenario_batch(prep, "both", EMPTY, draws=1, seed=9)
    assert [(j.start, j.stop, j.seed, j.deterministic) for j in one.jobs] == [(0, 1, 9, True)]
    two = scenario_batch(prep, "both", EMPTY, draws=2, seed=9, chunk_size=1)
    assert [(j.start, j.stop, j.deterministic) for j in two.jobs] == [(0, 1, False), (1, 2, False)]
    assert (two.scenario, two.prep, two.base) == ("both", prep, EMPTY)
    # the deterministic run takes max_effect's centre (uniform 0.5-1.0: 0.75): capture 1 - 0.5 x 0.75 in 2026+
    r = run_scenario(prep, "both", EMPTY, draws=1, seed=9)
    assert r.flow_means["landfill"][-1] == pytest.approx(1.02**6 * 400_000 * WASTE * (1 - 0.5 * 0.75), rel=1e-12)


def test_an_unknown_scenario_is_refused_with_the_model_s_scenarios() -> None:
    with pytest.raises(KeyError) as err:
        scenario_batch(prepared(TINY), "nope", EMPTY, draws=1, seed=1)
    assert err.value.args[0] == "unknown scenario 'nope'; the model has bau, gas, both"


def test_the_modelled_population_reaches_the_result_and_a_per_capita_target(tmp_path) -> None:
    prep = prepared(model_file("per_capita", tmp_path))
    r = run_scenario(prep, "gas", EMPTY, draws=3, seed=2, chunk_size=2)
    pop = 1e6 * 1.02 ** np.arange(7)  # 1,000,000 people growing 2 % a year, the same in every draw
    assert r.population is not None and r.population.shape == (3, 7)
    np.testing.assert_allclose(r.population, np.tile(pop, (3, 1)), rtol=1e-12)
    pc = next(t for t in r.targets() if t["name"] == "pc")
    assert pc["limit_tco2e"] == pytest.approx(6.5 * pop[6], rel=1e-12)  # 6.5 t a person x 2030's 1,126,162
    total = r.totals["territorial"][:, 6]
    assert pc["p_met"] == float(np.mean(total <= 6.5 * pop[6]))
    assert pc["gap_p50_tco2e"] == pytest.approx(float(np.median(total)) - 6.5 * pop[6], rel=1e-12)


def test_a_model_without_population_runs_in_chunks_with_none(tmp_path) -> None:
    path = model_file("no_population", tmp_path)
    prep = prepared(path)
    r = run_scenario(prep, "both", EMPTY, draws=3, seed=2, chunk_size=2)
    assert r.population is None  # no driver named population: none to show, none drawn up from nothing
    assert r.flow_means["chp_coal"][0] == pytest.approx(62_500 * COAL, rel=1e-12)  # the same model otherwise
    # the compiled kernel once failed on such a model ("pop = None" was no expression it knew); the reference
    # evaluation gives the same draws
    kw = {"seed": 2, "start": 0, "stop": 3, "deterministic": False}
    got, ref = run_chunk(prep, "both", EMPTY, **kw), run_chunk_reference(prepared(path), "both", EMPTY, **kw)
    assert got.population is None and ref.population is None
    np.testing.assert_allclose(got.totals["territorial"], ref.totals["territorial"], rtol=1e-12)
    np.testing.assert_allclose(r.totals["territorial"], ref.totals["territorial"], rtol=1e-12)
    assert run_scenario(prep, "gas", EMPTY, draws=1, seed=1).population is None
