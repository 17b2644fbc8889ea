"""Astana's bundled data: every figure sourced, estimates labelled, the inventory's arithmetic by hand."""

import csv
from importlib import resources

import pytest

from qala.catalog import load_catalog
from qala.inventory.engine import InventoryOptions
from qala.services.inventory import inventory_from_store
from qala.store.seed import open_database

FOLDER = resources.files("qala.cities").joinpath("astana")


def rows(name: str) -> list[dict[str, str]]:
    with FOLDER.joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_figure_has_a_source_and_every_estimate_its_inputs(tmp_path) -> None:
    for r in rows("activity.csv"):
        assert r["source"].strip(), r
        assert r["data_quality"] in ("high", "medium", "low")
    for r in rows("city.csv"):
        assert r["source"].strip(), r["id"]
    for r in rows("notation_keys.csv"):
        assert r["key"] in ("NO", "IE", "NE", "C")
        assert r["explanation"].strip()
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    for year in range(2015, 2025):
        inv = inventory_from_store(engine, "astana", year, InventoryOptions())
        data = inv.to_dict()
        for row in data["rows"]:
            if row["status"] == "estimated":
                assert row["method"] and row["inputs"], row
                for body in row["inputs"]:
                    assert body["arithmetic"] and all(i["source"].strip() for i in body["inputs"])


# The BASIC cells that carry a notation key, each explained in notation_keys.csv: sources too small or with no
# proxy that would not invent a number (I.3.1: see the explanation), or included elsewhere (IE).
BASIC_NE = {"I.3.1", "I.5.1", "I.6.1", "II.3.1", "II.5.1", "III.2.1", "III.3.1"}


def test_every_basic_cell_has_a_figure_or_an_explained_key_2015_2024(tmp_path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    for year in range(2015, 2025):
        inv = inventory_from_store(engine, "astana", year, InventoryOptions())
        cells = inv.to_dict()["cells"]
        assert set(cells) >= {c.ref for c in load_catalog().cells.values() if c.level == "B"}, year
        for ref, cell in cells.items():
            if load_catalog().cells[ref].level != "B":
                continue
            if cell["tco2e"] is None:
                assert cell["explanation"].strip(), (year, ref)
                if cell["key"] == "NE":
                    assert ref in BASIC_NE | {"I.8.1"}, (year, ref)
            else:
                assert cell["status"] in ("reported", "estimated", "mixed")
        # the sectors the strategy works on are all there, every year
        for ref in ("I.1.1", "I.2.1", "I.6.2", "II.1.1", "II.2.1", "III.1.1", "III.4.1"):
            assert cells[ref]["tco2e"] > 0, (year, ref)
        assert inv.by_sector["I"] and inv.by_sector["II"] and inv.by_sector["III"]


def test_astana_2024_figures_by_hand(tmp_path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    inv = inventory_from_store(engine, "astana", 2024, InventoryOptions())

    def amount(ref: str, activity: str) -> float:
        sel = inv.rows.filter((inv.rows["gpc_ref"] == ref) & (inv.rows["activity"] == activity))
        return float(sel["activity_amount"][0])

    # Plants' coal: 2017's 3,323,000 t x (3,200,000 - 452,000) / 2,766,000 (the later season net of private houses
    # over the 2017/18 season) = 3,301,375.27 t
    assert amount("I.4.4", "other_bituminous_coal") == pytest.approx(3_323_000 * 2_748_000 / 2_766_000, rel=1e-12)
    # Private houses: 452,000 t x (1 - 216,000 / 300,000) = 126,560 t of coal; the gas displaces the rest:
    # 452,000 x 216,000 / 300,000 t x 18.405 GJ/t = 5,989.7232 TJ
    assert amount("I.1.1", "other_bituminous_coal") == pytest.approx(126_560, rel=1e-12)
    assert amount("I.1.1", "natural_gas") == pytest.approx(452_000 * 0.72 * 18.405 / 1000, rel=1e-12)
    # Wastewater CH4: 1,430,105 persons x 60 g x 0.001 x 1.25 x 365 = 39,149,124 kg BOD; x 0.998 x 0.6 x 0.3
    tow = 1_430_105 * 60 * 0.001 * 1.25 * 365
    ww = inv.rows.filter((inv.rows["gpc_ref"] == "III.4.1") & (inv.rows["gas"] == "CH4"))
    assert float(ww["mass_t"].sum()) == pytest.approx(tow * 0.998 * 0.6 * 0.3 / 1000, rel=1e-12)
    # District heat: 6,391,000 Gcal x 3,323,000 / 2,766,000 x 2,748,000 / 2,766,000 x (1 - 0.20)
    heat = 6_391_000 * 3_323_000 / 2_766_000 * 2_748_000 / 2_766_000
    assert amount("I.6.2", "district_heat") == pytest.approx(heat * 0.8, rel=1e-12)
    assert inv.chp is not None and inv.chp.facilities[0].facility == "tets1_tets2"
    assert inv.chp.facilities[0].heat_tj == pytest.approx(heat * 0.0041868, rel=1e-12)  # 1 Gcal = 4.1868 GJ
    assert inv.notation_keys["I.7.1"].key == "NO"
    assert inv.notation_keys["I.1.2"].key == "IE"


def test_downscaled_categories_never_exceed_the_national_ones_and_per_person_is_in_band(tmp_path) -> None:
    from qala.catalog.estimation import load_estimation_reference

    ref = load_estimation_reference()
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    cells = {"I.2.1": "1.A.4.a", "II.1.1": "1.A.3.b", "II.2.1": "1.A.3.c", "II.4.3": "1.A.3.a"}
    national_total = {  # kt CO2e, Kazakhstan without LULUCF (2021 submission, AR4), for the per-person band
        int(r["year"]): float(r["value"])
        for r in csv.DictReader(resources.files("qala.catalog").joinpath("data", "national_inventory.csv").open())
    }
    for year in range(2015, 2020):
        inv = inventory_from_store(engine, "astana", year, InventoryOptions(gwp="AR4"))
        for cell, category in cells.items():
            for gas, series in ref.national_gases("2021", category).items():
                city = inv.rows.filter((inv.rows["gpc_ref"] == cell) & (inv.rows["gas"] == gas))["mass_t"].sum()
                assert 0 < city < series.at(year)[0] * 1000, (year, cell, gas)
        # Band, derived from the national figures: Astana's BASIC per person lies between a fifth of Kazakhstan's
        # total per person (BASIC leaves out industry, agriculture, fugitive mining and the power the plants export)
        # and the national figure itself (a services capital emits less per person than a coal-based economy).
        population = ref.national_series["population"].at(year)[0]
        national_pp = national_total[year] * 1000 / population
        city_pp = inv.totals["basic"] / _astana_population(year)
        assert national_pp / 5 < city_pp < national_pp, (year, city_pp, national_pp)


def _astana_population(year: int) -> float:
    import yaml

    spec = yaml.safe_load(FOLDER.joinpath("estimates.yaml").read_text(encoding="utf-8"))
    return next(p["value"] for p in spec["series"]["population"]["points"] if p["year"] == year)


def test_astana_model_base_year_equals_the_inventory_sector_by_sector(tmp_path) -> None:
    from qala.services import scenario as svc

    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    assert model.base_year == 2024 and model.end_year == 2060
    assert {"bau", "low-carbon"} <= set(model.scenarios)
    assert len(model.measures) >= 12
    base = svc.base_year(engine, model, None)
    for scenario in ("bau", "low-carbon"):
        result = svc.run(engine, model, scenario, draws=200, seed=5)
        for basis in ("territorial", "basic", "basic_plus"):
            for sector, values in result.sectors[basis].items():
                # every draw's base year equals the inventory, sector by sector, on every basis
                assert values[:, 0] == pytest.approx(base.by_basis[basis][sector], rel=1e-9, abs=1e-6), (basis, sector)


def test_every_astana_measure_abates_on_its_basis_in_2030(tmp_path) -> None:
    """Each measure alone, against BAU, at the distributions' centres: a cut on the basis it acts on."""
    from dataclasses import replace

    from qala.scenario.spec import ScenarioSpec
    from qala.services import scenario as svc

    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    assert {"bau", "low-carbon", "net-zero-2060"} <= set(model.scenarios)
    alone = {code: ScenarioSpec(f"only:{code}", (code,), {"en": code}) for code in model.measures}
    solo = replace(model, scenarios={**model.scenarios, **{s.name: s for s in alone.values()}})
    base = svc.base_year(engine, solo, None)
    prep = svc._prepared(solo, None)
    from qala.scenario.engine import run_chunk

    i = solo.years.index(2030)
    bau = run_chunk(prep, "bau", base, seed=1, start=0, stop=1, deterministic=True).totals
    for code, spec in alone.items():
        basis = model.measures[code].basis or model.basis
        got = run_chunk(prep, spec.name, base, seed=1, start=0, stop=1, deterministic=True).totals
        cut = float(bau[basis][0, i] - got[basis][0, i])
        assert cut > 100.0, (code, basis, cut)  # more than 100 t CO2e a year in 2030


def test_astana_low_carbon_is_below_bau_and_every_assumption_is_sourced(tmp_path) -> None:
    from qala.services import scenario as svc

    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    bau = svc.run(engine, model, "bau", draws=1, seed=1).totals[model.basis][0]
    low = svc.run(engine, model, "low-carbon", draws=1, seed=1).totals[model.basis][0]
    assert low[-1] < bau[-1]
    assert all(p.source for p in model.parameters.values())
    assert all(m.source for m in model.measures.values())
    assert all(m.cost for m in model.measures.values())


def test_the_ghg_per_capita_indicator_is_the_inventorys_territorial_total_per_person(tmp_path) -> None:
    import yaml

    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    territorial = inventory_from_store(engine, "astana", 2024, InventoryOptions()).totals["territorial"]
    doc = yaml.safe_load(FOLDER.joinpath("indicators.yaml").read_text(encoding="utf-8"))
    indicator = next(i for i in doc["indicators"] if i["code"] == "ghg_per_capita")
    value = next(v["value"] for v in indicator["values"] if v["year"] == 2024)
    assert value == pytest.approx(round(territorial / 1_464_415, 3), abs=1e-9)  # residents on 1 June 2024


def test_net_zero_2060_reaches_neutrality_only_with_its_explicit_removal_line(tmp_path) -> None:
    """The pathway's levers leave ~0.7 Mt in 2060; a named removal line of 0.70 Mt closes it, in about half
    of the draws. The line is 0 in the other pathways, and the milestones fall."""
    import numpy as np

    from qala.services import scenario as svc

    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    nz = model.scenarios["net-zero-2060"]
    assert "neutrality_removals" in nz.measures
    assert "neutrality_removals" not in model.scenarios["low-carbon"].measures
    assert model.measures["neutrality_removals"].max_effect == 1.0  # a declared volume, not a drawn one
    result = svc.run(engine, model, "net-zero-2060", draws=1000, seed=1)
    i = result.years.index(2060)
    removal = result.flow_means["removals_beyond_levers"]
    assert removal[i] == pytest.approx(-7.0e5, rel=1e-9)  # the explicit line: 0.70 Mt of removals in 2060
    assert removal[0] == 0.0
    territorial = result.totals["territorial"]
    base = float(territorial[0, 0])
    assert base == pytest.approx(9_035_038, abs=1)
    median_2060 = float(np.median(territorial[:, i]))
    assert abs(median_2060) <= 0.01 * base  # within 1 % of the base year of neutrality (~90 kt)
    residual = territorial[:, i] + 7.0e5  # what the city's levers leave without the removal line
    assert 0.6e6 < float(np.median(residual)) < 0.8e6
    assert float(np.quantile(residual, 0.95)) < 1.1e6
    neutrality = next(t for t in result.targets() if t["name"] == "carbon_neutrality_2060")
    assert 0.35 <= neutrality["p_met"] <= 0.65  # honest: the line is the median need, so about half the draws
    assert neutrality["p_met"] == pytest.approx(float(np.mean(territorial[:, i] <= 0)))
    milestones = result.milestones()
    p50 = [milestones[str(y)]["territorial"]["p50"] for y in (2030, 2040, 2050)]
    assert base > p50[0] > p50[1] > p50[2] > median_2060 - 1.0
    for other in ("bau", "low-carbon"):
        got = svc.run(engine, model, other, draws=1, seed=1).flow_means["removals_beyond_levers"]
        assert not np.any(got)
