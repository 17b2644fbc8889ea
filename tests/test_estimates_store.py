"""Estimates in the store: a reported figure supersedes them (history kept) and the two never add up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from qala.catalog import load_catalog
from qala.estimate import Estimate, Input
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.inventory.engine import InventoryOptions
from qala.services.inventory import inventory_from_store
from qala.store import records
from qala.store.estimates import apply_estimates
from qala.store.models import ActivityRecord
from qala.store.seed import add_city, open_database

HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"
SRC = Input("a sourced input", 1.0, "1", 2012, "a test source")


def est(cell: str, activity: str, amount: float, unit: str = "t", year: int = 2012, method: str = "downscale"):
    return Estimate(year, cell, activity, amount, unit, method, (SRC,), f"{amount} by hand")


def engine_with_city(url: str):
    engine = open_database(url, seed=False)
    add_city(engine, "testville", {"en": "Testville", "ru": "Тествилль", "kk": "Тествилль"}, "KZ")
    return engine


def report(engine, text: str, who: str = "tester", own_only: bool = False, name: str = "r.csv"):
    table = validate_table(parse_bytes(text.encode(), name), load_catalog(), default_city="testville")
    return records.import_tables(engine, [table], who=who, own_only=own_only)


def apply(engine, estimates: list[Estimate]):
    with engine.begin() as conn:
        return apply_estimates(conn, "testville", estimates, who="estimator", label="test estimates")


def basic(engine) -> float:
    return inventory_from_store(engine, "testville", 2012, InventoryOptions()).totals["basic"]


def test_a_reported_figure_supersedes_the_estimate_of_its_key_and_keeps_it_in_history(store_url: str) -> None:
    engine = engine_with_city(store_url)
    # estimate: residential gas 100 TJ -> CO2 100 x 56,100 kg = 5,610 t; CH4 0.5 t x 28 = 14; N2O 0.01 t x 265 = 2.65
    apply(engine, [est("I.1.1", "natural_gas", 100.0, "TJ", method="derive")])
    assert basic(engine) == pytest.approx(5_610 + 14 + 2.65, rel=1e-9)
    out = report(engine, HEADER + "2012,I.1.1,natural_gas,80,TJ,gas utility,\n")
    assert "supersedes the estimate" in out.files[0].superseded[0].message
    # reported 80 TJ only: 4,488 + 11.2 + 2.12 = 4,501.32 (never 80 + 100)
    assert basic(engine) == pytest.approx(4_488 + 0.4 * 28 + 0.008 * 265, rel=1e-9)
    hist = records.history(engine, "testville", 2012, "I.1.1", "natural_gas")
    assert [(h["status"], h["amount"]) for h in hist] == [("estimated", 100.0), ("reported", 80.0)]
    assert hist[0]["superseded_by"] == hist[1]["id"]


def test_a_whole_cell_estimate_steps_aside_for_any_reported_figure_in_its_cell(store_url: str) -> None:
    engine = engine_with_city(store_url)
    apply(
        engine,
        [
            est("II.1.1", "emissions_co2", 1_000.0),
            est("II.1.1", "emissions_ch4", 1.0),
            est("I.1.1", "natural_gas", 10.0, "TJ", method="derive"),
        ],
    )
    # II.1.1 1,000 + 1 x 28 = 1,028; I.1.1 561 + 0.05 x 28 + 0.001 x 265 = 562.665
    assert basic(engine) == pytest.approx(1_028 + 562.665, rel=1e-9)
    out = report(engine, HEADER + "2012,II.1.1,gas_diesel_oil,100,t,fuel sales,\n")
    assert out.files[0].estimates_replaced == 2
    inv = inventory_from_store(engine, "testville", 2012, InventoryOptions())
    road = inv.rows.filter(inv.rows["gpc_ref"] == "II.1.1")
    assert set(road["status"].to_list()) == {"reported"} and set(road["activity"].to_list()) == {"gas_diesel_oil"}
    # 100 t diesel = 4.3 TJ: 318.63 + 0.01677 x 28 + 0.01677 x 265 = 323.54361; I.1.1 estimate untouched
    assert inv.totals["basic"] == pytest.approx(318.63 + 0.01677 * (28 + 265) + 562.665, rel=1e-9)
    assert inv.to_dict()["cells"]["II.1.1"]["status"] == "reported"
    assert inv.to_dict()["cells"]["I.1.1"]["status"] == "estimated"


def test_reported_emissions_retire_every_estimate_of_their_cell(store_url: str) -> None:
    engine = engine_with_city(store_url)
    apply(
        engine,
        [
            est("I.1.1", "natural_gas", 10.0, "TJ", method="derive"),
            est("I.1.1", "other_bituminous_coal", 5.0, "TJ", method="derive"),
        ],
    )
    out = report(engine, HEADER + "2012,I.1.1,emissions_co2,900,t,an earlier inventory,\n")
    assert out.files[0].estimates_replaced == 2
    assert basic(engine) == pytest.approx(900.0, rel=1e-9)


def test_estimates_are_never_written_over_reported_figures(store_url: str) -> None:
    engine = engine_with_city(store_url)
    report(engine, HEADER + "2012,I.1.1,natural_gas,80,TJ,gas utility,\n")
    outcome = apply(
        engine,
        [
            est("I.1.1", "natural_gas", 100.0, "TJ", method="derive"),
            est("I.1.1", "emissions_co2", 7_000.0),
            est("I.2.1", "emissions_co2", 50.0),
        ],
    )
    reasons = sorted(s.reason.split(" (")[0] for s in outcome.skipped)
    assert reasons == ["a reported figure exists for this key", "the cell has reported figures"]
    assert len(outcome.new) == 1  # I.2.1 only
    assert basic(engine) == pytest.approx(4_488 + 0.4 * 28 + 0.008 * 265 + 50, rel=1e-9)


def test_reapplying_estimates_replaces_changed_ones_and_retires_dropped_ones(store_url: str) -> None:
    engine = engine_with_city(store_url)
    first = apply(engine, [est("I.2.1", "emissions_co2", 50.0), est("I.2.1", "emissions_ch4", 1.0)])
    assert len(first.new) == 2
    again = apply(engine, [est("I.2.1", "emissions_co2", 50.0), est("I.2.1", "emissions_ch4", 1.0)])
    assert (len(again.new), len(again.replacing), len(again.unchanged)) == (0, 0, 2) and again.batch_id is None
    changed = apply(engine, [est("I.2.1", "emissions_co2", 60.0)])  # CH4 dropped from the spec
    assert len(changed.replacing) == 1 and len(changed.retired) == 1
    assert basic(engine) == pytest.approx(60.0, rel=1e-9)
    with engine.connect() as conn:
        kept = conn.execute(select(ActivityRecord.amount).where(ActivityRecord.city_code == "testville")).scalars()
        assert sorted(kept) == [1.0, 50.0, 60.0]  # nothing deleted: history


def test_a_provider_may_replace_an_estimate_but_not_anothers_figure(store_url: str) -> None:
    engine = engine_with_city(store_url)
    apply(engine, [est("I.1.1", "natural_gas", 100.0, "TJ", method="derive")])
    report(engine, HEADER + "2012,I.1.1,natural_gas,80,TJ,gas utility,\n", who="gas-co", own_only=True)
    with pytest.raises(ValidationFailed) as exc:
        report(engine, HEADER + "2012,I.1.1,natural_gas,90,TJ,rival,\n", who="other-co", own_only=True)
    assert "only an editor can replace" in exc.value.problems[0].expected


def test_astana_bundled_estimates_step_aside_when_a_provider_reports(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    before = inventory_from_store(engine, "astana", 2023, InventoryOptions()).to_dict()["cells"]["II.1.1"]
    assert before["status"] == "estimated" and before["methods"] == ["downscale"]
    table = validate_table(
        parse_bytes((HEADER + "2023,II.1.1,gas_diesel_oil,100000,t,fuel sales,\n").encode(), "fuel.csv"),
        load_catalog(),
        default_city="astana",
    )
    records.import_tables(engine, [table], who="transport-dept")
    inv = inventory_from_store(engine, "astana", 2023, InventoryOptions())
    after = inv.to_dict()["cells"]["II.1.1"]
    # 100,000 t diesel = 4,300 TJ: CO2 4,300 x 74,100 kg = 318,630 t; CH4 = N2O = 4,300 x 3.9 kg = 16.77 t
    assert after["status"] == "reported"
    assert after["tco2e"] == pytest.approx(318_630 + 16.77 * 28 + 16.77 * 265, rel=1e-9)
