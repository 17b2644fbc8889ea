"""The indexes of activity_records (migration 0010: the unique index of current figures leads with the facility):
every lookup the store makes still goes through an index on both engines, and the migration goes down and up."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from qala.catalog import load_catalog
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.store import bulk, db
from qala.store.records import import_tables
from qala.store.seed import open_database

KEY = "city_code = 'astana' AND year = 2023 AND gpc_ref = 'I.1.1' AND activity = 'natural_gas' AND facility = 'x'"
# The store's lookups on activity_records (records, estimates, revert, submissions, imported, exports), each with
# the index it must be able to use.
LOOKUPS = {
    "one current figure by its key (submissions, revert)": (
        f"SELECT id FROM activity_records WHERE {KEY} AND superseded_by IS NULL",
        "ix_activity_current",
    ),
    "the current figures of a city and year (import, activity_frame)": (
        "SELECT id FROM activity_records WHERE city_code = 'astana' AND year IN (2022, 2023) AND superseded_by IS NULL",
        "ix_activity_city_year",
    ),
    "every figure of a city (export)": (
        "SELECT id FROM activity_records WHERE city_code = 'astana' ORDER BY id",
        "ix_activity_city_year",
    ),
    "a batch's figures (revert, estimates)": (
        "SELECT id FROM activity_records WHERE batch_id = 7 AND superseded_by IS NULL",
        "ix_activity_records_batch_id",
    ),
    "the current estimates of a year (estimates_step_aside)": (
        "SELECT id FROM activity_records WHERE city_code = 'astana' AND year = 2023 "
        "AND status = 'estimated' AND superseded_by IS NULL",
        "ix_activity_estimates",
    ),
}


def plan(conn, sql: str) -> str:
    if conn.dialect.name == "sqlite":
        return " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    conn.exec_driver_sql("ANALYZE activity_records")  # as autovacuum does after an import
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: would the planner use an index at all
    return " | ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))


@pytest.mark.parametrize("lookup", list(LOOKUPS))
def test_every_lookup_goes_through_an_index(store_url: str, lookup: str) -> None:
    sql, index = LOOKUPS[lookup]
    engine = open_database(store_url)
    with engine.begin() as conn:
        got = plan(conn, sql)
    assert index in got, got
    assert "SCAN activity_records" not in got and "Seq Scan" not in got, got
    engine.dispose()


def test_the_same_indexes_serve_after_a_bulk_import_rebuilt_them(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large batch drops and rebuilds the indexes (all but the partial index of estimates, which its reported
    figures never enter): the indexes come back in another order, and SQLite's planner, without statistics,
    must still pick the same ones."""
    monkeypatch.setattr(bulk, "REBUILD_ROWS", 50)
    monkeypatch.setattr(bulk, "STAGE_ROWS", 50)
    engine = open_database(store_url)
    rows = ["year,gpc_ref,activity,amount,unit,facility"] + [
        f"2023,I.1.1,natural_gas,{i + 1},TJ,s{i}" for i in range(400)
    ]
    table = validate_table(parse_bytes("\n".join(rows).encode(), "many.csv"), load_catalog(), "astana")
    assert import_tables(engine, [table], who="index-test").files[0].new == 400
    with engine.begin() as conn:
        for sql, index in LOOKUPS.values():
            got = plan(conn, sql)
            assert index in got, got
    engine.dispose()


def current_index_columns(engine) -> list[str]:
    """The columns of ix_activity_current, then those of ix_activity_estimates."""
    found = {i["name"]: i for i in inspect(engine).get_indexes("activity_records")}
    assert found["ix_activity_current"]["unique"]
    return [*found["ix_activity_current"]["column_names"], "|", *found["ix_activity_estimates"]["column_names"]]


NEW = ["facility", "activity", "gpc_ref", "year", "city_code", "|", "city_code", "year", "status"]
OLD = ["city_code", "year", "gpc_ref", "activity", "facility", "|", "city_code", "year"]


def test_migration_0010_goes_down_and_up_and_keeps_one_current_figure_per_key(store_url: str) -> None:
    engine = open_database(store_url)
    assert current_index_columns(engine) == NEW
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    assert db.current_revision(engine) == "0009"
    engine.dispose()
    assert current_index_columns(engine) == OLD
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()
    assert current_index_columns(engine) == NEW
    copy = (
        "INSERT INTO activity_records (city_code, year, gpc_ref, activity, activity_as_written, facility, amount, "
        "unit, batch_id, source_row, status) SELECT city_code, year, gpc_ref, activity, activity_as_written, "
        "facility, amount, unit, batch_id, source_row, status FROM activity_records WHERE id = "
        "(SELECT min(id) FROM activity_records WHERE superseded_by IS NULL)"
    )
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a second current figure for a key
        conn.execute(text(copy))
    with engine.begin() as conn:  # once the first is superseded, the copy is the one current figure
        first = conn.execute(text("SELECT min(id) FROM activity_records WHERE superseded_by IS NULL")).scalar()
        conn.execute(text("UPDATE activity_records SET superseded_by = id WHERE id = :i"), {"i": first})
        conn.execute(text(copy.replace("superseded_by IS NULL", f"id = {first}")))
    engine.dispose()


def key_collations(engine) -> dict[str, str | None]:
    """The collation of each text column of a figure's key (None: the database's own; SQLite has none)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return {}
        rows = conn.execute(
            text(
                "SELECT column_name, collation_name FROM information_schema.columns WHERE table_name = "
                "'activity_records' AND column_name IN ('city_code', 'gpc_ref', 'activity', 'facility')"
            )
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_migration_0011_compares_the_keys_texts_byte_by_byte_on_postgresql(store_url: str) -> None:
    """0011: gpc_ref, activity and facility COLLATE "C" on PostgreSQL (city_code keeps the database's); nothing on
    SQLite. Down and up again; the unique index of current figures still holds, and lookups by the key and the
    foreign keys' checks still find the rows."""
    engine = open_database(store_url)
    pg = engine.dialect.name == "postgresql"
    c_cols = {"city_code": None, "gpc_ref": "C", "activity": "C", "facility": "C"} if pg else {}
    assert key_collations(engine) == c_cols
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    engine.dispose()
    assert key_collations(engine) == (dict.fromkeys(c_cols) if pg else {})
    db.migrate(engine)
    engine.dispose()
    assert key_collations(engine) == c_cols
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT city_code, year, gpc_ref, activity, facility FROM activity_records "
                "WHERE superseded_by IS NULL ORDER BY id LIMIT 1"
            )
        ).one()
        key = dict(zip(("c", "y", "g", "a", "f"), row, strict=True))
        where = "city_code = :c AND year = :y AND gpc_ref = :g AND activity = :a AND facility = :f"
        assert conn.execute(text(f"SELECT count(*) FROM activity_records WHERE {where}"), key).scalar() >= 1
        with pytest.raises(IntegrityError), conn.begin_nested():  # a second current figure for the key
            conn.execute(
                text(
                    "INSERT INTO activity_records (city_code, year, gpc_ref, activity, activity_as_written, "
                    "facility, amount, unit, batch_id, source_row) SELECT city_code, year, gpc_ref, activity, "
                    f"activity_as_written, facility, amount, unit, batch_id, source_row FROM activity_records "
                    f"WHERE {where} AND superseded_by IS NULL"
                ),
                key,
            )
    engine.dispose()
