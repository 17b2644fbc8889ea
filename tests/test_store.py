"""The store on SQLite and on a real PostgreSQL: migrations, provenance, supersession, duplicates."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from qala.catalog import load_catalog
from qala.ingest.read import read_table
from qala.ingest.validate import validate_table
from qala.inventory.engine import InventoryOptions
from qala.services.inventory import inventory_from_store
from qala.store import db, records
from qala.store.models import ActivityRecord, Base, City
from qala.store.seed import open_database

from .conftest import write

HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"


def validated(path: Path):
    return validate_table(read_table(path), load_catalog(), "astana")


def test_first_touch_creates_migrates_and_loads_astana(store_url: str) -> None:
    engine = open_database(store_url)
    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert db.current_revision(engine) == head
    with engine.connect() as conn:
        assert conn.execute(select(City.name_kk).where(City.code == "astana")).scalar_one() == "Астана"
    n = records.years_with_data(engine, "astana")
    assert n  # Astana's bundled activity data
    again = open_database(store_url)  # idempotent: nothing loaded twice
    with again.connect() as conn:
        assert conn.execute(select(func.count()).select_from(City)).scalar_one() == 1


def test_models_match_the_migrations(store_url: str) -> None:
    engine = open_database(store_url, seed=False)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_import_supersede_history_and_duplicates(store_url: str, tmp_path: Path) -> None:
    engine = open_database(store_url)
    first = write(
        tmp_path / "plant-2012.csv",
        HEADER + "2012,I.4.4,natural_gas,1000,TJ,op,chp\n"
        "2012,I.4.4,heat_output,400,TJ,op,chp\n2012,I.1.1,natural_gas,10,TJ,gas utility,\n",
    )
    rep = records.import_tables(engine, [validated(first)], who="alice")
    assert (rep.files[0].new, rep.files[0].superseding, len(rep.files[0].duplicates)) == (3, 0, 0)
    # the same file again: every figure is an exact duplicate, nothing is added
    rep = records.import_tables(engine, [validated(first)], who="alice")
    assert (rep.files[0].new, rep.files[0].superseding, len(rep.files[0].duplicates)) == (0, 0, 3)
    # a corrected figure supersedes the old one; the old one is kept
    fixed = write(tmp_path / "plant-2012-fixed.csv", HEADER + "2012,I.4.4,natural_gas,1100,TJ,op rev,chp\n")
    rep = records.import_tables(engine, [validated(fixed)], who="bob")
    assert (rep.files[0].new, rep.files[0].superseding) == (0, 1)
    hist = records.history(engine, "astana", 2012, "I.4.4", "natural_gas", "chp")
    assert [h["amount"] for h in hist] == [1000.0, 1100.0]
    assert hist[0]["superseded_by"] == hist[1]["id"] and hist[1]["superseded_by"] is None
    assert hist[0]["imported_by"] == "alice" and hist[1]["imported_by"] == "bob"
    assert hist[1]["file_name"] == "plant-2012-fixed.csv" and len(hist[1]["sha256"]) == 64
    current = records.activity_frame(engine, "astana", 2012)
    plant = current.filter((current["gpc_ref"] == "I.4.4") & (current["activity"] == "natural_gas"))
    assert plant["amount"].to_list() == [1100.0]
    # the inventory uses only current figures: 1,100 TJ x 56,100 kg = 61,710 t CO2 in I.4.4
    inv = inventory_from_store(engine, "astana", 2012, InventoryOptions())
    co2 = inv.rows.filter((inv.rows["gpc_ref"] == "I.4.4") & (inv.rows["gas"] == "CO2"))["mass_t"].sum()
    assert co2 == pytest.approx(61_710.0)


def test_import_is_all_or_nothing_across_files(store_url: str, tmp_path: Path) -> None:
    engine = open_database(store_url)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one()
    a = write(tmp_path / "a.csv", HEADER + "2011,I.1.1,natural_gas,1,TJ,x,\n")
    b = write(tmp_path / "b.csv", HEADER + "2011,I.1.1,natural_gas,2,TJ,y,\n")  # conflicts with a.csv
    from qala.ingest.problems import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        records.import_tables(engine, [validated(a), validated(b)], who="x")
    assert "a.csv row 2" in str(exc.value.problems[0])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one() == before


def test_dry_run_writes_nothing(store_url: str, tmp_path: Path) -> None:
    engine = open_database(store_url)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one()
    a = write(tmp_path / "a.csv", HEADER + "2011,I.1.1,natural_gas,1,TJ,x,\n")
    rep = records.import_tables(engine, [validated(a)], who="x", dry_run=True)
    assert rep.files[0].new == 1 and rep.files[0].batch_id is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one() == before


def test_same_inventory_on_both_backends(store_url: str, tmp_path: Path) -> None:
    """Case 3 of the hand-computed cases, through the store."""
    engine = open_database(store_url)
    f = write(
        tmp_path / "chp.csv",
        HEADER + "2010,I.4.4,natural_gas,1000,TJ,x,chp\n"
        "2010,I.4.4,heat_output,400,TJ,x,chp\n2010,I.4.4,electricity_output,300,TJ,x,chp\n"
        "2010,I.1.2,district_heat,50000,Gcal,x,\n",
    )
    records.import_tables(engine, [validated(f)], who="x")
    inv = inventory_from_store(engine, "astana", 2010, InventoryOptions())
    plant = 56_100 + 28 + 26.5
    assert inv.by_scope["2"] == pytest.approx(209.34 * plant * (7 / 19) / 400, rel=1e-9)
