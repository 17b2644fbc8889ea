"""Removals and offsets are not an emission cut: they count towards a net (neutrality) target only.

A small model worked by hand (tests/data/removals_model.yaml): the tiny model's coal heat plant and landfill,
plus 1,000,000 t CO2 a year of offsets bought from 2026 (a flow marked ``removal: true``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qala.catalog import load_catalog
from qala.economics.macc import macc
from qala.scenario.engine import BaseYear, prepare, run_chunk, run_chunk_reference
from qala.scenario.run import run_scenario
from qala.scenario.spec import ModelError, load_model

MODEL = Path(__file__).parent / "data" / "removals_model.yaml"
COAL = (94_600 + 1 * 28 + 1.5 * 265) / 1000  # t CO2e per TJ, energy industries, AR5 (as test_scenario_engine)
GAS = (56_100 + 1 * 28 + 0.1 * 265) / 1000
WASTE = 0.6 * 0.176 * 0.5 * 0.5 * 16 / 12 * 28  # t CO2e per t landfilled
EMPTY = BaseYear(2024, {}, {}, {"territorial": 6_333_333.75, "basic": 0.0, "basic_plus": 0.0})
# 2030: 1.02^6 x (62,500 TJ coal + 400,000 t landfilled) = 7,132,356 t CO2e of emissions
GROSS_2030 = 1.02**6 * (62_500 * COAL + 400_000 * WASTE)


def model():
    return load_model(MODEL, load_catalog())


def test_the_removal_line_is_in_the_net_total_and_apart() -> None:
    m = model()
    assert m.removal_flows == ("offsets",) and m.removal_measures() == ("buy_offsets",)
    r = run_scenario(prepare(m, load_catalog()), "offsets", EMPTY, draws=1, seed=1)
    assert r.totals["territorial"][0, -1] == pytest.approx(GROSS_2030 - 1_000_000, rel=1e-12)  # net
    assert r.removals["territorial"][0, -1] == pytest.approx(-1_000_000, rel=1e-12)
    assert r.removals["territorial"][0, 1] == 0.0  # 2025: none bought yet
    assert "basic" not in r.removals  # V.2 is not in BASIC: nothing to take out there


def test_a_gross_target_cannot_be_met_by_removals_a_net_one_can() -> None:
    m = model()
    prep = prepare(m, load_catalog())
    by = {t["name"]: t for t in run_scenario(prep, "offsets", EMPTY, draws=1, seed=1).targets()}
    assert by["gross_cap"]["emissions"] == "gross" and by["net_cap"]["emissions"] == "net"
    assert by["gross_cap"]["p_met"] == 0.0  # 7.13 Mt of emissions against 6.5 Mt: the offsets do not count
    assert by["gross_cap"]["gap_p50_tco2e"] == pytest.approx(GROSS_2030 - 6_500_000, rel=1e-12)
    assert by["net_cap"]["p_met"] == 1.0  # 7.13 - 1.00 = 6.13 Mt, under the cap net of removals
    assert by["net_cap"]["gap_p50_tco2e"] == pytest.approx(GROSS_2030 - 1_000_000 - 6_500_000, rel=1e-12)
    assert by["unstated"]["emissions"] == "gross"  # a target that says nothing is on gross emissions
    bau = {t["name"]: t for t in run_scenario(prep, "bau", EMPTY, draws=1, seed=1).targets()}
    assert bau["net_cap"]["p_met"] == 0.0


def test_the_plan_and_the_reference_give_the_same_removals() -> None:
    m = model()
    kw = {"seed": 1, "start": 0, "stop": 1, "deterministic": True}
    got = run_chunk(prepare(m, load_catalog()), "offsets", EMPTY, **kw)
    ref = run_chunk_reference(prepare(m, load_catalog()), "offsets", EMPTY, **kw)
    assert set(got.removals) == set(ref.removals) == {"territorial", "basic_plus"}
    for basis, values in ref.removals.items():
        np.testing.assert_allclose(got.removals[basis], values, rtol=1e-12)
    assert got.counted("territorial", "gross")[0, -1] == pytest.approx(GROSS_2030, rel=1e-12)


def test_the_macc_on_gross_emissions_gives_removals_no_abatement() -> None:
    m = model()
    prep = prepare(m, load_catalog())
    gross = {s.code: s for s in macc(prep, EMPTY, 2030)}
    assert gross["buy_offsets"].abatement == 0.0 and gross["buy_offsets"].cost_per_tonne is None
    # coal to gas in 2030: 1.02^6 x 62,500 TJ x (coal - gas)
    assert gross["to_gas"].abatement == pytest.approx(1.02**6 * 62_500 * (COAL - GAS), rel=1e-9)
    net = {s.code: s for s in macc(prep, EMPTY, 2030, emissions="net")}
    assert net["buy_offsets"].abatement == pytest.approx(1_000_000, rel=1e-9)
    assert net["buy_offsets"].cost_per_tonne == pytest.approx(1.0, rel=1e-9)  # 1e6 KZT a year for 1e6 t
    with pytest.raises(ValueError, match="gross or net"):
        macc(prep, EMPTY, 2030, emissions="both")


def test_a_removal_flag_and_a_target_s_emissions_are_checked(tmp_path) -> None:
    text = MODEL.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("gas: CO2, removal: true", "gas: CH4, removal: true").replace(
            "basis: territorial, emissions: net", "basis: territorial, emissions: both"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ModelError) as err:
        load_model(bad, load_catalog())
    assert "flows.offsets.removal" in str(err.value) and "targets[1].emissions" in str(err.value)


def test_astana_counts_its_offsets_for_neutrality_only(tmp_path) -> None:
    from qala.services import economics as econ
    from qala.store.seed import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    m = load_model(Path(econ.svc.model_path("astana")), load_catalog())
    assert m.removal_flows == ("removals_beyond_levers",)
    assert m.removal_measures() == ("neutrality_removals",)
    kinds = {t.name: t.emissions for t in m.targets}
    assert kinds == {"ndc_unconditional": "gross", "ndc_conditional": "gross", "carbon_neutrality_2060": "net"}
    assert econ.target_limit_of(engine, "astana", "ndc_conditional")[3] == "gross"
    assert econ.target_limit_of(engine, "astana", "carbon_neutrality_2060")[3] == "net"
    gross = {s["code"]: s for s in econ.macc_data(engine, "astana", 2060)["steps"]}
    assert gross["neutrality_removals"]["removal"] and gross["neutrality_removals"]["abatement_tco2e"] == 0.0
    net = econ.macc_data(engine, "astana", 2060, emissions="net")
    step = next(s for s in net["steps"] if s["code"] == "neutrality_removals")
    assert step["abatement_tco2e"] == pytest.approx(7.0e5, rel=1e-3)  # the declared 0.70 Mt, fully adopted by 2060
    # 1 Mt in 2060 on gross emissions: met with the city's own cuts; the offsets are never bought for it
    plan = econ.portfolio(engine, "astana", 2060, 1.0e6)
    assert plan["target"]["emissions"] == "gross" and plan["status"] == "optimal"
    assert "neutrality_removals" not in {x["code"] for x in plan["measures"]}
    # the same limit net of removals: the offsets (1.65e10 KZT a year for 0.7 Mt, ~23,600 KZT
    # per tonne) are cheaper than some cuts, so the least-cost answer takes them
    net_plan = econ.portfolio(engine, "astana", 2060, 1.0e6, emissions="net")
    assert net_plan["status"] == "optimal" and "neutrality_removals" in {x["code"] for x in net_plan["measures"]}
    assert net_plan["total_cost"] < plan["total_cost"]


def test_a_strategy_document_s_target_counts_removals_only_if_net() -> None:
    from qala.assessment.alignment import DocumentRegistryError, align, load_registry

    registry = """
documents:
  - code: doc
    title: {en: A strategy}
    source: test
    targets:
      - {code: gross_cap, indicator: ghg_total, metric: max, target_year: 2030, value: 6500000, unit: t CO2e}
      - {code: net_cap, indicator: ghg_total, metric: max, target_year: 2030, value: 6500000, unit: t CO2e,
         emissions: net}
"""
    _, targets = load_registry(registry, "test")
    assert [t.emissions for t in targets] == ["gross", "net"]
    res = run_scenario(prepare(model(), load_catalog()), "offsets", EMPTY, draws=1, seed=1)
    rows = {r["target"]: r for r in align(targets, scenarios={"offsets": res}, base_totals=EMPTY.totals,
                                          base_year=2024, indicators={})}  # fmt: skip
    assert rows["gross_cap"]["scenarios"]["offsets"]["p50"] == pytest.approx(GROSS_2030, rel=1e-12)
    assert rows["gross_cap"]["scenarios"]["offsets"]["status"] == "off_track"
    assert rows["net_cap"]["scenarios"]["offsets"]["p50"] == pytest.approx(GROSS_2030 - 1_000_000, rel=1e-12)
    assert rows["net_cap"]["scenarios"]["offsets"]["status"] == "on_track"
    with pytest.raises(DocumentRegistryError, match="emissions gross or net"):
        load_registry(registry.replace("emissions: net", "emissions: nett"), "test")


def test_the_json_shows_the_removals_apart_the_same_from_both_runs() -> None:
    from qala.scenario.reduced import run_reduced

    m = model()
    prep = prepare(m, load_catalog())
    kept = run_scenario(prep, "offsets", EMPTY, draws=40, seed=2).to_dict()["removals"]
    reduced = run_reduced(prep, "offsets", EMPTY, draws=40, seed=2, chunk_size=15).to_dict()["removals"]
    assert kept["flows"] == ["offsets"] and kept["sectors"] == ["V.2"] and "net" in kept["what"]
    assert kept["mean"][-1] == pytest.approx(-1_000_000, rel=1e-12) and kept["mean"][0] == 0.0
    np.testing.assert_allclose(reduced["mean"], kept["mean"], rtol=1e-12)
    tiny = load_model(Path(__file__).parent / "data" / "tiny_model.yaml", load_catalog())
    assert run_scenario(prepare(tiny, load_catalog()), "bau", EMPTY, draws=1, seed=1).to_dict()["removals"] is None
