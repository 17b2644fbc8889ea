"""Astana's bundled data: every figure sourced, estimates labelled, the inventory's arithmetic by hand."""

import csv
from importlib import resources

import pytest

from qala.inventory.engine import InventoryOptions
from qala.services.inventory import inventory_from_store
from qala.store.seed import open_database

FOLDER = resources.files("qala.cities").joinpath("astana")


def rows(name: str) -> list[dict[str, str]]:
    with FOLDER.joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_activity_figure_has_a_source_and_estimates_say_so() -> None:
    for r in rows("activity.csv"):
        assert r["source"].strip(), r
        assert r["data_quality"] in ("high", "medium", "low")
    assert any("ESTIMATE" in r["note"] for r in rows("activity.csv"))
    for r in rows("city.csv"):
        assert r["source"].strip(), r["id"]
    for r in rows("notation_keys.csv"):
        assert r["key"] in ("NO", "IE", "NE", "C")
        assert r["explanation"].strip()


def test_astana_2024_inventory_by_hand(tmp_path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    inv = inventory_from_store(engine, "astana", 2024, InventoryOptions())
    # Coal: 3,200,000 t x 0.628 tce/t x 29.3076 GJ/tce = 58,896,553 GJ = 58,896.553 TJ
    tj = 3_200_000 * 0.628 * 29.3076 / 1000
    coal = tj * 94_600 / 1000 + tj * 1 / 1000 * 28 + tj * 1.5 / 1000 * 265  # CO2 + CH4 + N2O, energy industries
    # Waste: 456,500 t x 0.6 x 0.176 x 0.5 x 0.5 x 16/12 t CH4/t x 28
    waste = 456_500 * 0.6 * 0.176 * 0.5 * 0.5 * 16 / 12 * 28
    assert inv.totals["territorial"] == pytest.approx(coal + waste, rel=1e-9)
    assert inv.totals["basic"] == pytest.approx(waste, rel=1e-9)  # I.4.4 is outside BASIC
    assert inv.notation_keys["I.7.1"].key == "NO"
    assert inv.notation_keys["I.1.1"].key == "IE"
    assert inv.notation_keys["I.1.2"].key == "NE"


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
        for sector, values in result.sectors[model.basis].items():
            # every draw's base year equals the inventory, sector by sector
            assert values[:, 0] == pytest.approx(base.by_basis[model.basis][sector], rel=1e-9, abs=1e-6), sector


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
