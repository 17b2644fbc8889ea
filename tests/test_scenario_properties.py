"""Properties of scenarios: more adoption never raises emissions; JSON contract; CLI outputs."""

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qala.catalog import load_catalog
from qala.scenario.engine import BaseYear, prepare
from qala.scenario.run import run_scenario
from qala.scenario.spec import load_model

TINY = Path(__file__).parent / "data" / "tiny_model.yaml"
BASE = BaseYear(2024, {}, {}, {"territorial": 6_333_333.75, "basic": 0.0, "basic_plus": 0.0})


def totals_with_effect(effect: float, capture: float) -> np.ndarray:
    model = load_model(TINY, load_catalog())
    measures = dict(model.measures)
    measures["to_gas"] = replace(measures["to_gas"], max_effect=effect)
    measures["capture_gas"] = replace(measures["capture_gas"], max_effect=capture)
    model = replace(model, measures=measures)
    return run_scenario(prepare(model, load_catalog()), "both", BASE, draws=1, seed=1).totals["territorial"][0]


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_more_adoption_never_raises_emissions(a, b, c, d) -> None:
    low = totals_with_effect(min(a, b), min(c, d))
    high = totals_with_effect(max(a, b), max(c, d))
    assert np.all(high <= low + 1e-6)


def test_json_contract(run_cli) -> None:
    code, out, err = run_cli(
        "scenario", "run", str(TINY), "--scenario", "both", "--draws", "500", "--seed", "4", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    for key in ("scenario", "city", "unit", "draws", "seed", "years", "total", "by_sector", "targets"):
        assert key in data
    assert data["draws"] == 500 and data["seed"] == 4 and data["years"][0] == 2024 and data["years"][-1] == 2030
    assert set(data["total"]) >= {"mean", "p05", "p50", "p95"}
    assert len(data["total"]["p50"]) == 7
    assert {"name", "year", "limit_tco2e", "p_met", "gap_p50_tco2e"} <= set(data["targets"][0])
    assert data["by_sector"]["I"]["p50"][0] > 0


def test_csv_and_compare(run_cli) -> None:
    code, out, _ = run_cli("scenario", "run", str(TINY), "--scenario", "gas", "--draws", "1", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    total_2024 = [
        r
        for r in rows
        if r["basis"] == "territorial" and r["sector"] == "TOTAL" and r["year"] == "2024" and r["statistic"] == "mean"
    ]
    assert float(total_2024[0]["value_tco2e"]) == 6_333_333.75


def test_sensitivity_names_the_assumption_that_matters(run_cli) -> None:
    code, out, err = run_cli(
        "scenario", "sensitivity", str(TINY), "--scenario", "both", "--n", "256", "--years", "2030", "--format", "json"
    )
    assert code == 0, err
    ranked = json.loads(out)["years"]["2030"]
    assert ranked[0]["name"] == "measure:capture_gas"
    assert ranked[0]["st"] > 0.9


def test_astana_scenarios_from_the_cli(run_cli) -> None:
    code, out, err = run_cli("scenario", "run", "low-carbon", "--draws", "200", "--seed", "3", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "low-carbon" and data["years"][0] == 2024 and data["years"][-1] == 2060
    assert {t["name"] for t in data["targets"]} >= {"ndc_unconditional", "ndc_conditional"}
    assert all("method" in t for t in data["targets"])
    code, out, _ = run_cli("scenario", "compare", "bau", "low-carbon", "--draws", "100", "--format", "json")
    assert code == 0
    cmp = json.loads(out)
    assert cmp["difference"]["p50"][-1] < 0  # low-carbon below BAU in 2060
    code, out, _ = run_cli("scenario", "list")
    assert code == 0 and "low-carbon" in out
    code, _, err = run_cli("scenario", "run", "no-such-scenario")
    assert code == 2 and "unknown scenario" in err
