"""Economics by hand: annualised cost, cost per tonne, and LPs whose optimum is known."""

import pytest

from qala.economics.costs import CostError, CostInputs, annualised_cost, capital_recovery_factor, cost_per_tonne
from qala.economics.portfolio import Option, PortfolioError, Problem, solve


def test_capital_recovery_factor_by_hand() -> None:
    # r = 8 %, n = 20: 0.08 x 1.08^20 / (1.08^20 - 1) = 0.08 x 4.660957 / 3.660957 = 0.1018522
    assert capital_recovery_factor(0.08, 20) == pytest.approx(0.101852209, rel=1e-8)
    assert capital_recovery_factor(0.0, 25) == pytest.approx(0.04)


def test_annualised_cost_and_cost_per_tonne_by_hand() -> None:
    # capex 1,000,000 at 8 % over 20 years = 101,852.21 a year; + opex 20,000 - savings 50,000 = 71,852.21
    c = CostInputs(
        "retrofit", capex=1_000_000, opex_per_year=20_000, savings_per_year=50_000, lifetime=20, discount_rate=0.08
    )
    assert annualised_cost(c) == pytest.approx(71_852.209, rel=1e-7)
    # 1,000 t CO2e a year -> 71.85 per tonne
    assert cost_per_tonne(c, 1_000) == pytest.approx(71.852209, rel=1e-7)
    assert cost_per_tonne(c, 0) is None
    # savings larger than costs: a negative cost per tonne (a win-win measure)
    cheap = CostInputs("led", capex=100_000, opex_per_year=0, savings_per_year=30_000, lifetime=10, discount_rate=0)
    assert cost_per_tonne(cheap, 100) == pytest.approx((10_000 - 30_000) / 100)


def test_cost_per_tonne_of_less_than_a_tonne_by_hand() -> None:
    # 71,852.21 KZT a year for 0.5 t a year: 143,704.42 KZT per tonne (a small abatement still has a cost per tonne)
    c = CostInputs("r", capex=1_000_000, opex_per_year=20_000, savings_per_year=50_000, lifetime=20, discount_rate=0.08)
    assert cost_per_tonne(c, 0.5) == pytest.approx(143_704.418, rel=1e-7)


def test_the_curves_table_by_hand() -> None:
    """``macc_dict``: each step's row as the page, the CSV and the API show it; the cumulative abatement
    counts a step that adds emissions as zero (it does not move the curve back)."""
    from qala.catalog import load_catalog
    from qala.economics.macc import MaccStep, macc_dict
    from qala.economics.prices import prices

    steps = [
        MaccStep("led", -20_000.0, 100.0, -200.0, 100_000.0, 10.0, ("budget_city",), 2025, 2030, 30_000.0),
        MaccStep("retrofit", 71_852.21, 1_000.0, 71.85221, 1_000_000.0, 20.0, ("ebrd", "adb"), 2026, 2035, 50_000.0),
        MaccStep("offsets", 5_000.0, -50.0, None, 10_000.0, 15.0, (), 2027, 2030),
    ]
    names = {"led": {"en": "LED street lights", "ru": "Светодиоды"}}
    d = macc_dict(steps, 2030, "KZT", 0.08, 10_000.0, names=names, removal_measures=("offsets",))
    assert (d["year"], d["currency"], d["discount_rate"], d["bau_tco2e"]) == (2030, "KZT", 0.08, 10_000.0)
    assert (d["basis"], d["emissions"]) == ("territorial", "gross")  # the defaults
    assert d["method"].startswith("on gross emissions (removals and offsets are not abatement), on the territorial")
    rows = {r["code"]: r for r in d["steps"]}
    assert [r["code"] for r in d["steps"]] == ["led", "retrofit", "offsets"]  # in the order given
    assert rows["led"] == {
        "code": "led",
        "name": {"en": "LED street lights", "ru": "Светодиоды"},
        "removal": False,
        "abatement_tco2e": 100.0,
        "cumulative_tco2e": 100.0,
        "energy_savings_per_year": 30_000.0,
        "cost_per_year": -20_000.0,
        "cost_per_tco2e": -200.0,
        "capex": 100_000.0,
        "lifetime": 10.0,
        "financing": ["budget_city"],
    }
    assert rows["retrofit"]["cumulative_tco2e"] == 1_100.0 and rows["retrofit"]["name"] is None
    assert rows["retrofit"]["financing"] == ["ebrd", "adb"] and rows["retrofit"]["lifetime"] == 20.0
    off = rows["offsets"]
    assert (off["cumulative_tco2e"], off["abatement_tco2e"], off["cost_per_tco2e"]) == (1_100.0, -50.0, None)
    assert off["removal"] is True and off["energy_savings_per_year"] == 0.0 and off["financing"] == []
    net = macc_dict(steps, 2060, "KZT", 0.05, 9_000.0, basis="basic", emissions="net")
    assert (net["basis"], net["emissions"]) == ("basic", "net") and net["method"].startswith("net of removals")
    assert "on the basic basis" in net["method"] and not any(r["removal"] for r in net["steps"])
    for fact in (  # how the curve is made, stated with it
        "measures ranked by cost per tonne alone, then abatement measured after those before (deterministic run, "
        "target year), so interactions are counted once; the steps are drawn in increasing order of the cost per "
        "tonne they plot (measures that abate nothing on the basis last)",
        "annualised cost = capex x CRF(r, lifetime) + opex - savings, where savings = the energy bill saved in "
        "the year (primary fuels and grid electricity at the prices of catalog/data/energy_prices.csv; "
        "district heat is not priced, so that fuel is not counted twice)",
        "prices are nominal in their own price year and are not indexed to the year of the capital costs",
    ):
        assert fact in d["method"] and fact in net["method"], fact
    # the prices that value the savings, each with its year and source: Ekibastuz coal as the file gives it
    assert [p["activity"] for p in d["prices"]] == list(prices(load_catalog()))
    coal = next(p for p in d["prices"] if p["activity"] == "other_bituminous_coal")
    assert (coal["value"], coal["unit"], coal["price_year"], coal["kzt_per_usd"]) == (9000.0, "KZT/t", 2019, None)
    assert coal["price"].startswith("9,000") and coal["source"].startswith("BAQ.kz")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lifetime": -5}, "lifetime must be more than 0"),
        ({"lifetime": 0}, "lifetime must be more than 0"),
        ({"discount_rate": -0.01}, "discount_rate must lie between"),
        ({"discount_rate": 0.9}, "discount_rate must lie between"),
    ],
)
def test_bad_cost_inputs_name_the_measure_and_field(kwargs, message) -> None:
    base = {"capex": 1.0, "opex_per_year": 0.0, "savings_per_year": 0.0, "lifetime": 10, "discount_rate": 0.05}
    with pytest.raises(CostError, match=f"measure 'm': {message}"):
        annualised_cost(CostInputs("m", **{**base, **kwargs}))


def test_lp_optimum_known_by_hand() -> None:
    # cost per tonne: a 10, b 15, c 25. Need 25 t: all of a (10 t, 100) + 15 t of b (0.75 x 300 = 225) = 325
    sol = solve(Problem((Option("a", 100, 10), Option("b", 300, 20), Option("c", 50, 2)), 25))
    assert sol.status == "optimal"
    assert sol.levels == pytest.approx({"a": 1.0, "b": 0.75, "c": 0.0})
    assert sol.total_cost == pytest.approx(325.0)
    assert sol.max_abatement == pytest.approx(32.0)


def test_binary_exclusive_and_requires_by_hand() -> None:
    # b all-or-nothing: need 25 t -> without b at most 12 t, so b = 1 (20 t, 300) plus 5 t of a (0.5 x 100) = 350
    opts = (Option("a", 100, 10), Option("b", 300, 20, binary=True), Option("c", 50, 2))
    sol = solve(Problem(opts, 25))
    assert sol.total_cost == pytest.approx(350.0)
    assert sol.levels == pytest.approx({"a": 0.5, "b": 1.0, "c": 0.0})
    # a and b exclusive: at most 20 + 2 = 22 t (b and c) or 12 t -> infeasible for 25, largest 22
    sol = solve(Problem(opts, 25, exclusive=(("a", "b"),)))
    assert sol.status == "infeasible"
    assert sol.max_abatement == pytest.approx(22.0)
    assert "at most 22 t" in sol.message
    # c requires a; need 12 t: a (10) + c (2) = 150 at 12 t exactly
    sol = solve(Problem(opts, 12, requires=(("c", "a"),)))
    assert sol.total_cost == pytest.approx(150.0)


def test_budget_limits_by_hand() -> None:
    # a spends 500 in 2026, b spends 100; budget 2026 = 250 -> a at most 0.5 (5 t, 50); need 15 t: b gives 10
    opts = (Option("a", 100, 10, spend={2026: 500}), Option("b", 300, 10, spend={2026: 100}))
    sol = solve(Problem(opts, 15, budgets={2026: 250}))
    # cheapest: b 1.0 (100 spent) leaves 150 for a -> a 0.3 (3 t) -> 13 t < 15: infeasible
    assert sol.status == "infeasible"
    assert sol.max_abatement == pytest.approx(13.0)
    assert (sol.levels, sol.total_cost, sol.abatement) == ({}, 0.0, 0.0)  # nothing chosen, nothing spent
    assert "needs 15 t CO2e" in sol.message and "at most 13 t CO2e" in sol.message
    nothing = solve(Problem((), 5))  # no measure at all: an answer, not an error
    assert (nothing.status, nothing.max_abatement, nothing.total_cost) == ("infeasible", 0.0, 0.0)
    sol = solve(Problem(opts, 12, budgets={2026: 250}))
    assert sol.status == "optimal"
    # a is cheaper per tonne (10 vs 30): a 0.3 (30) is capped by budget only if b = 1; need 12: b 1.0 + a 0.2
    # minimise 100 a + 300 b s.t. 10a + 10b >= 12, 500a + 100b <= 250 -> b = (12 - 10a)/10, a as large as possible:
    # 500a + 100(1.2 - a) <= 250 -> 400a <= 130 -> a = 0.325, b = 0.875, cost 32.5 + 262.5 = 295
    assert sol.levels == pytest.approx({"a": 0.325, "b": 0.875})
    assert sol.total_cost == pytest.approx(295.0)


def test_contradictory_constraints_are_named() -> None:
    with pytest.raises(PortfolioError, match="contradictory"):
        solve(Problem((Option("a", 1, 1), Option("b", 1, 1)), 1, exclusive=(("a", "b"),), requires=(("a", "b"),)))
    with pytest.raises(PortfolioError, match="unknown measure 'z'"):
        solve(Problem((Option("a", 1, 1),), 1, requires=(("a", "z"),)))
    with pytest.raises(PortfolioError, match=r"^each measure once$"):
        solve(Problem((Option("a", 1, 1), Option("a", 2, 2)), 1))
    with pytest.raises(PortfolioError, match=r"^the budget for 2027 cannot be negative$"):
        solve(Problem((Option("a", 1, 1),), 1, budgets={2026: 5.0, 2027: -0.01}))


def test_exclusive_and_requires_bind_on_fractional_levels_by_hand() -> None:
    # a (100, 10 t) and b (300, 20 t) exclusive: a + b <= 1. Need 15 t: a = 1.5 - 2b, a <= 1 - b -> b >= 0.5;
    # cost 150 + 100 b is least at b = 0.5, a = 0.5: 200
    opts = (Option("a", 100, 10), Option("b", 300, 20))
    sol = solve(Problem(opts, 15, exclusive=(("a", "b"),)))
    assert sol.levels == pytest.approx({"a": 0.5, "b": 0.5}) and sol.total_cost == pytest.approx(200.0)
    # c (10, 10 t) requires d (50, 1 t): c <= d. Need 10 t: c = d = 10/11 (11 t per unit of both), cost 60 x 10/11;
    # a (100 for 10 t) is dearer
    opts = (Option("a", 100, 10), Option("c", 10, 10), Option("d", 50, 1))
    sol = solve(Problem(opts, 10, requires=(("c", "d"),)))
    assert sol.levels == pytest.approx({"a": 0.0, "c": 10 / 11, "d": 10 / 11}, abs=1e-9)
    assert sol.total_cost == pytest.approx(600 / 11)


def test_a_budget_of_nothing_or_of_less_than_one_is_a_budget() -> None:
    # a spends 500 in 2026 (10 t, cost 100), b nothing then (4 t, cost 300). A budget of 0 in 2026 leaves only b:
    # 3 t needs b at 0.75 (225); 5 t cannot be had (b's 4 t at most)
    opts = (Option("a", 100, 10, spend={2026: 500}), Option("b", 300, 4))
    sol = solve(Problem(opts, 3, budgets={2026: 0.0}))
    assert sol.status == "optimal" and sol.levels == pytest.approx({"a": 0.0, "b": 0.75}, abs=1e-9)
    assert sol.total_cost == pytest.approx(225.0)
    assert solve(Problem(opts, 5, budgets={2026: 0.0})).max_abatement == pytest.approx(4.0)
    # 0.5 in 2026: a at most 0.001 (0.01 t, cost 0.1); 4.01 t needs all of b as well: 300.1
    sol = solve(Problem(opts, 4.01, budgets={2026: 0.5}))
    assert sol.status == "optimal" and sol.levels == pytest.approx({"a": 0.001, "b": 1.0})
    assert sol.total_cost == pytest.approx(300.1)


def test_macc_interactions_counted_once(tmp_path) -> None:
    """The MACC's abatements add up to the abatement of all measures together (not the sum of each alone)."""
    from qala.economics.macc import _total, macc
    from qala.services import scenario as svc
    from qala.store.seed import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
    steps = macc(prep, base, 2030)
    together = _total(prep, base, (), 2030) - _total(prep, base, tuple(model.measures), 2030)
    assert sum(s.abatement for s in steps) == pytest.approx(together, rel=1e-9)
    ranked = [s.cost_per_tonne for s in steps if s.cost_per_tonne is not None]
    assert ranked  # costs per tonne exist for the measures that abate


def test_a_curve_step_among_the_others_at_zero_adoption_is_the_step_alone(tmp_path, monkeypatch) -> None:
    """A curve runs each step with the curve's other measures listed at zero adoption (one program for every
    step): its totals and energy bill are those of a scenario of its measures alone, bit for bit, in every
    year and on every basis; and the whole curve builds at most one program a structure (BAU's and the
    curve's), not one a step."""
    import numpy as np

    from qala.economics.macc import _run, macc
    from qala.scenario import kernel
    from qala.services import scenario as svc
    from qala.store.seed import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
    codes = tuple(model.measures)
    # alone, a pair that moves the same parameters, the first half, all but one, and none
    cases = [(), codes[:1], codes[1:3], codes[: len(codes) // 2], codes[1:], codes]
    for basis in ("territorial", "basic_plus"):
        for emissions in ("gross", "net"):
            for chosen in cases:
                alone = _run(prep, base, chosen, basis, emissions)
                among = _run(prep, base, chosen, basis, emissions, among=codes)
                assert all(np.array_equal(a, b) for a, b in zip(alone, among, strict=True)), (basis, chosen)
                assert any(np.any(a != 0) for a in alone)
    built = []
    generate = kernel._generate
    monkeypatch.setattr(kernel, "_generate", lambda *a, **k: built.append(a[2]) or generate(*a, **k))
    kernel._KERNELS.clear()
    macc(prep, base, 2030, basis="basic")
    assert len(built) <= 1 and len(codes) > 20  # a program per step would be 2 × 35 + 1


@pytest.mark.parametrize("basis", ["territorial", "basic", "basic_plus"])
def test_macc_is_the_standard_curve_on_the_basis_asked(tmp_path, basis) -> None:
    """Steps in increasing order of the cost per tonne they plot (those with none last), on the basis asked;
    their abatements add up to all measures together on that basis."""
    from qala.economics.macc import _total
    from qala.services import economics as econ
    from qala.services import scenario as svc
    from qala.store.seed import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    data = econ.macc_data(engine, "astana", 2030, basis=basis)
    assert data["basis"] == basis
    costs = [s["cost_per_tco2e"] for s in data["steps"]]
    plotted = [c for c in costs if c is not None]
    assert plotted == sorted(plotted) and len(plotted) >= 10
    assert costs[: len(plotted)] == plotted  # measures without a cost per tonne come after the curve
    model, _ = svc.resolve("bau", "astana")
    prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
    together = _total(prep, base, (), 2030, basis) - _total(prep, base, tuple(model.measures), 2030, basis)
    assert sum(s["abatement_tco2e"] for s in data["steps"]) == pytest.approx(together, rel=1e-9)
    # the scope-2 measures abate on BASIC, not on the territorial total
    by_code = {s["code"]: s["abatement_tco2e"] for s in data["steps"]}
    if basis == "territorial":
        assert by_code["led_street_lighting"] == 0 and by_code["rooftop_solar"] == 0
    else:
        assert by_code["led_street_lighting"] > 0 and by_code["rooftop_solar"] > 0
    with pytest.raises(ValueError, match="the basis"):
        econ.macc_data(engine, "astana", 2030, basis="scope3")


def test_optimize_targets_a_named_target_on_its_basis(run_cli) -> None:
    import json

    code, out, err = run_cli("optimize", "--target", "ndc_conditional", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["target"]["year"] == 2030 and data["target"]["basis"] == "territorial"
    assert data["status"] in ("optimal", "infeasible")
    code, out, err = run_cli(
        "optimize",
        "--target",
        "carbon_neutrality_2060",
        "--cumulative-from",
        "2040",
        "--budget",
        "2040=1e12",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["target"]["year"] == 2060 and data["target"]["limit_tco2e"] == 0
    code, _, err = run_cli("optimize", "--target", "no_such_target")
    assert code == 2 and "unknown target" in err
    code, _, err = run_cli("optimize", "--target", "ndc_conditional", "--basis", "basic")
    assert code == 2 and "territorial basis" in err


def test_optimize_cli_contract_and_infeasible_answer(run_cli) -> None:
    import json

    code, out, err = run_cli("optimize", "--target-year", "2030", "--target-tco2e", "1000", "--format", "json")
    assert code == 0, err  # an infeasible target is an answer, not an error
    data = json.loads(out)
    assert data["status"] == "infeasible"
    assert data["max_abatement_tco2e"] > 0 and "at most" in data["message"]
    for key in ("status", "target", "measures", "total_cost", "abatement_tco2e", "max_abatement_tco2e", "message"):
        assert key in data
    # a target half-way between BAU and the most the measures can do is met
    reachable = data["bau_tco2e"] - data["max_abatement_tco2e"] / 2
    code, out, _ = run_cli(
        "optimize", "--target-year", "2030", "--target-tco2e", f"{reachable:.0f}", "--format", "json"
    )
    data = json.loads(out)
    assert data["status"] == "optimal"
    assert data["abatement_tco2e"] >= data["bau_tco2e"] - round(reachable) - 1e-6
    code, _, err = run_cli("optimize", "--target-year", "2030", "--target-tco2e", "1", "--requires", "a,b")
    assert code == 2 and "unknown measure 'a'" in err
    code, _, err = run_cli("optimize", "--target-year", "2200", "--target-tco2e", "1")
    assert code == 2


def test_macc_cli_csv(run_cli) -> None:
    import csv
    import io

    code, out, err = run_cli("macc", "--year", "2030", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {"code", "abatement_tco2e", "cost_per_tco2e"} <= set(rows[0])


def test_funding_needs_by_hand() -> None:
    from qala.economics.financing import funding_needs

    # 120 over 2026-2028 between adb and ebrd: 20 a year each; 30 in 2027 unassigned
    fin = funding_needs([("a", 120.0, 2026, 2028, ("adb", "ebrd")), ("b", 30.0, 2027, 2027, ())])
    assert fin["years"] == [2026, 2027, 2028]
    assert fin["by_source"] == {"adb": [20.0, 20.0, 20.0], "ebrd": [20.0, 20.0, 20.0], "unassigned": [0.0, 30.0, 0.0]}
    assert fin["total_by_year"] == [40.0, 70.0, 40.0]
    assert fin["assumption"].startswith("capital spread evenly over the adoption years")
    # two measures drawing on one source in the same years add up: adb 20 + 12 in 2027 and 2028
    fin = funding_needs([("a", 120.0, 2026, 2028, ("adb", "ebrd")), ("c", 24.0, 2027, 2028, ("adb",))])
    assert fin["by_source"] == {"adb": [20.0, 32.0, 32.0], "ebrd": [20.0, 20.0, 20.0]}
    assert fin["total_by_year"] == [40.0, 52.0, 52.0]


def test_the_solver_prints_nothing_on_standard_output() -> None:
    """``qala optimize --json`` writes JSON on standard output: HiGHS's banner (printed by its C++ library
    when a process makes its first instance) and its log stay off it — checked in a fresh process."""
    import os
    import subprocess
    import sys

    code = (
        "from qala.economics.portfolio import Option, Problem, solve; "
        "s = solve(Problem((Option('a', 100, 10), Option('b', 300, 20, binary=True)), 25)); "
        "import sys; sys.stderr.write(s.status)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # the qala this process runs
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout == "" and done.stderr.endswith("optimal"), (done.stdout[:300], done.stderr[-300:])


def test_prices_per_terajoule_by_hand(catalog) -> None:
    from qala.economics.prices import per_canonical

    # 10,000 KZT/t of Ekibastuz coal at 0.628 tce/t: 1 t = 0.628 x 29.3076 GJ = 18.405 GJ = 0.018405 TJ
    assert per_canonical(catalog, "other_bituminous_coal", 10_000, "t", "0.628 tce/t") == pytest.approx(
        10_000 / (0.628 * 29.3076 / 1000), rel=1e-9
    )
    # 20 KZT/kWh: 1 kWh = 3.6e-6 TJ -> 5.56 million KZT/TJ
    assert per_canonical(catalog, "grid_electricity", 20, "kWh") == pytest.approx(20 / 3.6e-6, rel=1e-9)
    # 40,000 KZT per thousand m3 of gas at 33.82 MJ/m3: 1 thousand m3 = 0.03382 TJ
    assert per_canonical(catalog, "natural_gas", 40_000, "thousand m3") == pytest.approx(40_000 / 0.03382, rel=1e-9)


def test_cumulative_target(run_cli) -> None:
    import json

    code, out, err = run_cli(
        "optimize", "--target-year", "2030", "--cumulative-from", "2026", "--target-tco2e", "1", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "infeasible" and data["target"]["cumulative_from"] == 2026
    # the BAU over 2026-2030 is the sum of five years: more than any single year
    code, out, _ = run_cli("optimize", "--target-year", "2030", "--target-tco2e", "1", "--format", "json")
    assert data["bau_tco2e"] > 4 * json.loads(out)["bau_tco2e"] * 0.7


def test_prices_file_by_hand_and_duplicates_refused(catalog) -> None:
    import io

    from qala.economics.prices import read_prices

    header = "activity,price,unit,price_year,currency,kzt_per_usd,ncv,source,confidence,note\n"
    one = read_prices(
        catalog, io.StringIO(header + "other_bituminous_coal,9000,KZT/t,2019,KZT,,0.628 tce/t,s,low,\n"), "p"
    )
    # 9,000 KZT/t over 0.628 tce/t x 29.3076 GJ/tce = 18.4052 GJ/t -> 488,993 KZT per TJ
    assert one["other_bituminous_coal"].per_canonical == pytest.approx(9000 / 0.0184052, rel=1e-5)
    assert one["other_bituminous_coal"].price_year == 2019
    twice = header + "natural_gas,45000,KZT/thousand m3,2020,KZT,,,s,low,\nnatural_gas,40,KZT/m3,2021,KZT,,,s,low,\n"
    with pytest.raises(ValueError, match="two prices for 'natural_gas'"):
        read_prices(catalog, io.StringIO(twice), "p")


def test_macc_values_savings_at_sourced_prices(run_cli) -> None:
    import json

    code, out, err = run_cli("macc", "--year", "2030", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    priced = {p["activity"]: p for p in data["prices"]}
    assert {"other_bituminous_coal", "natural_gas", "grid_electricity"} <= set(priced)
    assert all(p["source"] and p["price_year"] for p in priced.values())
    steps = {s["code"]: s for s in data["steps"]}
    # landfill gas saves no priced energy; CHP coal-to-gas buys gas dearer per TJ than the coal it saves
    assert steps["landfill_gas"]["energy_savings_per_year"] == 0
    assert steps["chp_coal_to_gas"]["energy_savings_per_year"] < 0
    assert steps["led_street_lighting"]["energy_savings_per_year"] > 0
    assert "not indexed" in data["method"]
