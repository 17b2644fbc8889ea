"""The bulk path of the store (``qala.store.bulk``): COPY on PostgreSQL, executemany or an ADBC staging file on
SQLite, indexes and foreign keys dropped and restored around a large batch — every value back exactly, the
schema as it was, and all or nothing."""

from __future__ import annotations

import csv
import io
import math
import struct
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DataError, IntegrityError

from qala.catalog import load_catalog
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.store import bulk, bulk_pg
from qala.store.records import ACTIVITY_SCHEMA, activity_frame, import_tables, record_provenance
from qala.store.seed import open_database

TEXTS = [
    "plain",
    'with "quotes", and a comma',
    "two\nlines",
    "\\N",
    "NULL",
    "tab\there",
    "back\\slash",
    "Қазақстан, «Самұрық-Энерго»",
    "  spaced  ",
    "=1+1",
]
TABLE = "activity_records"
AMOUNTS = [0.1, 1 / 3, 2.5e-7, 123456789.123456789, 6046601.25, 1e12 + 0.5, math.pi, 0.0]


def activity_csv(n: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["year", "gpc_ref", "activity", "amount", "unit", "source", "facility", "note", "ef_co2"])
    for i in range(n):
        amount = AMOUNTS[i % len(AMOUNTS)] * (1 + i)
        ef = "" if i % 3 else repr(AMOUNTS[i % len(AMOUNTS)] + 56100.0)
        w.writerow(
            [2023, "I.1.1", "natural_gas", repr(amount), "TJ", TEXTS[i % len(TEXTS)], f"site-{i}", TEXTS[-i % 10], ef]
        )
    return buf.getvalue().encode()


def schema_of(engine) -> tuple:
    insp = inspect(engine)
    indexes = sorted(
        (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes("activity_records")
    )
    fks = sorted(
        (f["name"] or "", tuple(f["constrained_columns"]), f["referred_table"])
        for f in insp.get_foreign_keys("activity_records")
    )
    primary = tuple(insp.get_pk_constraint("activity_records")["constrained_columns"])
    defaults = tuple((c["name"], str(c["default"])) for c in insp.get_columns("activity_records"))
    assert primary == ("id",)
    return tuple(indexes), tuple(fks), primary, defaults


@pytest.fixture
def small_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "REBUILD_ROWS", 50)  # the large-batch path, on a small file
    monkeypatch.setattr(bulk, "STAGE_ROWS", 50)  # SQLite: through the ADBC staging file


@pytest.mark.parametrize("rebuild", [False, True], ids=["row-by-row indexes", "indexes rebuilt"])
def test_every_value_comes_back_exactly(store_url: str, rebuild: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if rebuild:
        monkeypatch.setattr(bulk, "REBUILD_ROWS", 50)
        monkeypatch.setattr(bulk, "STAGE_ROWS", 50)  # SQLite: through the ADBC staging file
    engine = open_database(store_url)
    before = schema_of(engine)
    data = activity_csv(240)
    table = validate_table(parse_bytes(data, "tricky.csv"), load_catalog(), "astana")
    report = import_tables(engine, [table], who="bulk-test")
    assert report.files[0].new == 240
    assert schema_of(engine) == before, "the indexes and foreign keys are back as they were"
    # Astana's seeded records for 2023 are there too; the imported rows are the sites
    got = activity_frame(engine, "astana", 2023).filter(pl.col("facility").str.starts_with("site-")).sort("facility")
    want = table.records.with_columns(pl.col("facility")).sort("facility")
    assert got["facility"].to_list() == want["facility"].to_list()
    for column in ("amount", "ef_co2", "source"):
        assert got[column].to_list() == want[column].to_list(), column  # exactly: no rounding, NULL stays NULL
    imported = (r for r in record_provenance(engine, "astana", 2023) if (r["facility"] or "").startswith("site-"))
    prov = sorted(imported, key=lambda r: r["facility"])
    assert [r["source_row"] for r in prov] == want["source_row"].to_list()
    engine.dispose()


def test_a_failed_bulk_import_leaves_everything_as_it_was(store_url: str, small_rebuild: None) -> None:
    """The rows go in, then the unique index cannot be rebuilt (a current figure twice): all rolled back. More
    rows than the store holds, so that PostgreSQL takes the path that drops the keys and sets defaults too."""
    engine = open_database(store_url)
    before = schema_of(engine)
    with engine.connect() as conn:
        rows_before = conn.execute(text("SELECT count(*) FROM activity_records")).scalar()
    table = validate_table(parse_bytes(activity_csv(300), "a.csv"), load_catalog(), "astana")
    twice = table.records.with_columns(pl.lit("same").alias("facility"))  # breaks one-current-figure-per-key
    broken = type(table)(table.file, table.sha256, twice, ())
    with pytest.raises(IntegrityError):
        import_tables(engine, [broken], who="bulk-test")
    assert schema_of(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == rows_before
        assert conn.execute(text("SELECT count(*) FROM import_batches WHERE file_name = 'a.csv'")).scalar() == 0
    engine.dispose()


def test_the_unique_index_still_holds_after_a_rebuild(store_url: str, small_rebuild: None, tmp_path: Path) -> None:
    engine = open_database(store_url)
    table = validate_table(parse_bytes(activity_csv(120), "a.csv"), load_catalog(), "astana")
    import_tables(engine, [table], who="bulk-test")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO activity_records (city_code, year, gpc_ref, activity, activity_as_written, facility, "
                "amount, unit, batch_id, source_row) SELECT city_code, year, gpc_ref, activity, activity_as_written, "
                "facility, amount, unit, batch_id, source_row FROM activity_records WHERE facility = 'site-0'"
            )
        )
    engine.dispose()


def test_usual_columns_are_filled_in_exactly_as_read(store_url: str) -> None:
    """activity_frame fetches the mostly-NULL columns (factors, NCV, method, inputs) and a status other than
    "reported" only for the records that have them: the frame equals a plain read of every column."""
    engine = open_database(store_url)
    table = validate_table(parse_bytes(activity_csv(60), "usual.csv"), load_catalog(), "astana")
    import_tables(engine, [table], who="bulk-test")
    schema = ACTIVITY_SCHEMA
    for year in (2023, None):  # the seed's estimates (status, method, inputs set) and the imported figures
        got = activity_frame(engine, "astana", year)
        where, params = ("city_code = ? AND superseded_by IS NULL", ["astana"])
        if year is not None:
            where, params = where + " AND year = ?", [*params, year]
        with engine.connect() as conn:
            sql = f"SELECT {', '.join(schema)} FROM {TABLE} WHERE {where} ORDER BY id"
            plain = bulk.read_frame(conn, sql, params, schema)
        plain = plain.with_columns(pl.col("facility").replace("", None))
        assert got.height == plain.height > 60
        assert got.filter(pl.col("status") != "reported").height > 0, "estimates are among them"
        assert got.filter(pl.col("ef_co2").is_not_null()).height >= 20
        assert got.equals(plain), year
    engine.dispose()


def test_the_sqlite_staging_file_is_gone_after_the_import(
    tmp_path: Path, small_rebuild: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ADBC staging file is unlinked once copied, and detached when the connection is back in the pool,
    whether the import succeeded or failed."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    engine = open_database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    table = validate_table(parse_bytes(activity_csv(120), "a.csv"), load_catalog(), "astana")
    assert import_tables(engine, [table], who="bulk-test").files[0].new == 120
    twice = table.records.with_columns(pl.lit("same").alias("facility"), pl.col("year") + 1)
    with pytest.raises(IntegrityError):
        import_tables(engine, [type(table)(table.file, table.sha256, twice, ())], who="bulk-test")
    assert list(scratch.iterdir()) == []
    with engine.connect() as conn:
        attached = [row[1] for row in conn.exec_driver_sql("PRAGMA database_list")]
    assert "main" in attached
    assert not [name for name in attached if name.startswith("qala_stage")]
    engine.dispose()


def test_columns_that_hold_one_value_come_back_exactly(store_url: str, small_rebuild: None) -> None:
    """A column the same in every row (a double, a text that is no code, a factor given in every row) travels
    once, as a parameter of the copy, and a column NULL in every row is left out: each cell still comes back as
    written, in every row. 300 rows, more than the store holds: PostgreSQL drops and rebuilds the keys and
    makes the constant columns the table's defaults during the COPY, then puts the defaults back."""
    same_amount, same_ef = 0.1 + 0.2, 1 / 3  # doubles whose decimal text is long: any rounding would show
    rows = ["year,gpc_ref,activity,amount,unit,source,facility,ef_co2"]
    rows += [
        f"2023,I.1.1,natural_gas,{same_amount!r},TJ,\"Қазақстан, «1» 'x' 5%s\",site-{i},{same_ef!r}" for i in range(300)
    ]
    table = validate_table(parse_bytes("\n".join(rows).encode(), "same.csv"), load_catalog(), "astana")
    assert table.records["amount"].n_unique() == 1 and table.records["ncv"].null_count() == 300
    engine = open_database(store_url)
    before = schema_of(engine)
    import_tables(engine, [table], who="bulk-test")
    assert schema_of(engine) == before, "indexes, keys and column defaults as they were"
    got = activity_frame(engine, "astana", 2023).filter(pl.col("facility").str.starts_with("site-"))
    assert got.height == 300
    assert got["amount"].to_list() == [same_amount] * 300  # the very double: 0.30000000000000004
    assert got["ef_co2"].to_list() == [same_ef] * 300
    assert got["source"].to_list() == ["Қазақстан, «1» 'x' 5%s"] * 300
    assert got["ncv"].to_list() == [None] * 300 and got["ef_ch4"].to_list() == [None] * 300
    assert got["status"].to_list() == ["reported"] * 300
    engine.dispose()


def test_a_column_is_one_value_only_when_every_row_holds_it_bit_for_bit() -> None:
    """What the SQLite path binds once instead of staging: -0.0 beside 0.0, or one differing row in the middle
    of a long column, keeps a column staged; NaN, never bound (sqlite3 would write NULL), is staged too."""
    n = 1001
    frame = pl.DataFrame(
        {
            "zeros": [0.0] * 500 + [-0.0] + [0.0] * 500,
            "one_apart": ["a"] * 300 + ["b"] + ["a"] * 700,
            "same_text": ["Қазақстан, «1»"] * n,
            "same_float": [0.1 + 0.2] * n,
            "same_int": [7] * n,
            "nan": [math.nan] * n,
            "nulls": pl.Series([None] * n, dtype=pl.Float64),
        }
    )
    staged, fixed = bulk._split_constant(frame)
    assert staged == ["zeros", "one_apart", "nan"]
    assert fixed == {"same_text": "Қазақстан, «1»", "same_float": 0.30000000000000004, "same_int": 7, "nulls": None}


# PostgreSQL's COPY in binary format (qala.store.bulk_pg): every value stored as the CSV path stores it.

PROBE = (
    "CREATE TABLE bulk_probe (id serial PRIMARY KEY, i integer, b bigint, f double precision, s text, "
    "v varchar(12), ok boolean, way text)"
)
INT4 = st.integers(-(2**31), 2**31 - 1)
FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
TEXT_PG = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=30)  # no NUL in PG
PROBE_ROWS = st.lists(
    st.tuples(
        st.none() | INT4,
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | FLOATS,
        st.none() | TEXT_PG,
        st.none() | st.text(max_size=12, alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",))),
        st.none() | st.booleans(),
    ),
    min_size=1,
    max_size=40,
)
PROBE_SCHEMA = {"i": pl.Int64, "b": pl.Int64, "f": pl.Float64, "s": pl.String, "v": pl.String, "ok": pl.Boolean}


def float_bits(values: list[float | None]) -> list[str | None]:
    """Each double as PostgreSQL's float8send gives it (big-endian bytes, as bytea's hex text)."""
    return [None if x is None else "\\x" + struct.pack(">d", x).hex() for x in values]


@pytest.fixture(scope="module")
def probe_url(pg_cluster) -> str:
    url = pg_cluster.new_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(PROBE)
    engine.dispose()
    return url


@pytest.mark.postgres
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=PROBE_ROWS)
def test_binary_copy_stores_every_value_as_csv_does(probe_url: str, rows: list[tuple]) -> None:
    """The same frame through COPY binary and through COPY CSV: the same integers, the same bits of every
    double (-0.0, infinities, subnormals, the last digit; a NaN keeps even its payload in binary, where CSV's
    "NaN" gives the one NaN), the same texts, NULL apart from an empty text."""
    frame = pl.DataFrame(rows, schema=PROBE_SCHEMA, orient="row")
    engine = create_engine(probe_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE bulk_probe")
            types = bulk_pg.column_types(conn.connection.driver_connection, "bulk_probe")
            assert bulk_pg.binary_frame(frame, types) is not None, "every column goes in binary"
            bulk.insert_frame(conn, "bulk_probe", frame.with_columns(way=pl.lit("binary")))
            real = bulk_pg._pgpq
            try:
                bulk_pg._pgpq = lambda: None  # the CSV path, as without pgpq
                bulk.insert_frame(conn, "bulk_probe", frame.with_columns(way=pl.lit("csv")))
            finally:
                bulk_pg._pgpq = real
            schema = {"i": pl.Int64, "b": pl.Int64, "f": pl.String, "s": pl.String, "v": pl.String, "ok": pl.Int64}
            sql = "SELECT i, b, float8send(f), s, v, ok::int FROM bulk_probe WHERE way = ? ORDER BY id"
            binary = bulk.read_frame(conn, sql, ["binary"], schema)
            csv_ = bulk.read_frame(conn, sql, ["csv"], schema)
    finally:
        engine.dispose()
    for c in ("i", "b", "s", "v", "ok"):
        assert binary[c].to_list() == csv_[c].to_list(), c
    assert binary["f"].to_list() == float_bits(frame["f"].to_list()), "every bit, a NaN's payload too"
    nan = [x is not None and math.isnan(x) for x in frame["f"].to_list()]
    as_text = [b for b, n in zip(binary["f"].to_list(), nan, strict=True) if not n]
    assert as_text == [b for b, n in zip(csv_["f"].to_list(), nan, strict=True) if not n]  # "NaN" is one NaN
    for c in ("i", "b", "s", "v"):
        assert binary[c].to_list() == frame[c].to_list(), c
    assert binary["ok"].to_list() == frame["ok"].cast(pl.Int64).to_list()


def test_binary_frame_casts_to_the_columns_width_or_gives_up() -> None:
    """Integers go in the column's own width when every value fits; a value out of range, a float for an
    integer column or a type without a binary form here sends the frame as CSV (None), where PostgreSQL reports
    the value itself."""
    types = {"n": "int4", "big": "int8", "x": "float8", "t": "varchar", "when": "timestamptz"}
    fits = bulk_pg.binary_frame(pl.DataFrame({"n": [1, -(2**31), 2**31 - 1, None], "t": ["a", "", None, "ж"]}), types)
    assert fits is not None and fits.schema == pl.Schema({"n": pl.Int32, "t": pl.String})
    assert fits["n"].to_list() == [1, -(2**31), 2**31 - 1, None]
    assert bulk_pg.binary_frame(pl.DataFrame({"n": [1, 2**31]}), types) is None
    assert bulk_pg.binary_frame(pl.DataFrame({"n": [-(2**31) - 1]}), types) is None
    assert bulk_pg.binary_frame(pl.DataFrame({"n": [1.0]}), types) is None
    assert bulk_pg.binary_frame(pl.DataFrame({"x": [1]}), types) is None  # as text: the server's own reading
    assert bulk_pg.binary_frame(pl.DataFrame({"when": ["2026-01-01"]}), types) is None
    assert bulk_pg.binary_frame(pl.DataFrame({"big": pl.Series([None, None], dtype=pl.Null)}), types) is not None


@pytest.mark.postgres
def test_an_integer_out_of_the_columns_range_is_the_servers_error(probe_url: str) -> None:
    engine = create_engine(probe_url)
    try:
        with pytest.raises(DataError, match="out of range"), engine.begin() as conn:
            bulk.insert_frame(conn, "bulk_probe", pl.DataFrame({"i": [1, 2**31]}))
    finally:
        engine.dispose()


# Foreign keys to other tables checked once per large batch (bulk_pg.checked_once) instead of dropped and re-added.


@pytest.fixture
def pg_url(pg_cluster) -> str:
    return pg_cluster.new_database()


def many_rows_of(conn, city: str) -> pl.DataFrame:
    """Twice the rows the seeded store holds (a large batch: the keys dropped or switched off), of ``city``."""
    held = bulk.read_frame(
        conn,
        "SELECT year, gpc_ref, activity, activity_as_written, amount, unit, batch_id, source_row FROM activity_records",
        [],
        {"year": pl.Int64, "gpc_ref": pl.String, "activity": pl.String, "activity_as_written": pl.String,
         "amount": pl.Float64, "unit": pl.String, "batch_id": pl.Int64, "source_row": pl.Int64},
    )  # fmt: skip
    rows = pl.concat([held, held])
    return rows.with_columns(
        city_code=pl.lit(city), facility=pl.format("site-{}", pl.int_range(rows.height)), year=pl.lit(2031)
    )


@pytest.mark.postgres
@pytest.mark.parametrize("checked_once", [True, False], ids=["checked once", "dropped and added back"])
def test_a_batch_of_an_unknown_city_is_refused_and_nothing_changes(
    pg_url: str, small_rebuild: None, checked_once: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large batch whose city is in no row of ``cities``: PostgreSQL's own ForeignKeyViolation, whether the key
    stayed in place (its per-row trigger off, the batch's one city looked up) or was dropped and added back;
    the schema, the rows and every constraint's validity as they were. The same rows of a known city go in."""
    if not checked_once:
        monkeypatch.setattr(bulk_pg, "checked_once", lambda *a: [])
    engine = open_database(pg_url)
    before = schema_of(engine)
    with engine.connect() as conn:
        rows_before = conn.execute(text("SELECT count(*) FROM activity_records")).scalar()
        nowhere, astana = many_rows_of(conn, "nowhere"), many_rows_of(conn, "astana")
    assert nowhere.height > rows_before
    with pytest.raises(IntegrityError, match="activity_records_city_code_fkey"), engine.begin() as conn:
        bulk.insert_frame(conn, TABLE, nowhere, assign_ids=True)
    assert schema_of(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == rows_before
        assert conn.execute(text("SELECT bool_and(convalidated) FROM pg_constraint")).scalar()
    with engine.begin() as conn:
        assert bulk.insert_frame(conn, TABLE, astana, assign_ids=True) is not None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == rows_before + astana.height
    assert schema_of(engine) == before
    engine.dispose()


@pytest.mark.postgres
def test_the_foreign_keys_stay_valid_and_the_triggers_come_back_on(pg_url: str, small_rebuild: None) -> None:
    """A large batch into a table that holds fewer rows: the keys to cities and import_batches are never dropped
    (their constraints keep their identity and stay validated), the self-reference is added back, and the
    session's replication role is back to what it was inside the same transaction."""
    engine = open_database(pg_url)
    oids = "SELECT conname, oid FROM pg_constraint WHERE conrelid = 'activity_records'::regclass AND contype = 'f'"
    with engine.connect() as conn:
        before = dict(conn.execute(text(oids)).all())
    table = validate_table(parse_bytes(activity_csv(300), "kept.csv"), load_catalog(), "astana")
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        assert [k.name for k in bulk_pg.checked_once(dbapi, TABLE, table.records.rename({"city": "city_code"}))] == [
            "activity_records_city_code_fkey"  # the batch id is not in the validated records; written by the import
        ]
    assert import_tables(engine, [table], who="bulk-test").files[0].new == 300
    with engine.connect() as conn:
        after = dict(conn.execute(text(oids)).all())
        assert conn.execute(text("SELECT bool_and(convalidated) FROM pg_constraint")).scalar()
        assert conn.execute(text("SELECT current_setting('session_replication_role')")).scalar() == "origin"
    assert set(after) == set(before)
    for name in ("activity_records_city_code_fkey", "activity_records_batch_id_fkey"):
        assert after[name] == before[name], f"{name} never dropped"
    assert after["activity_records_superseded_by_fkey"] != before["activity_records_superseded_by_fkey"]
    with engine.begin() as conn:
        bulk.insert_frame(conn, "import_batches", pl.DataFrame({"file_name": ["x"], "sha256": ["x"],
            "imported_by": ["x"], "imported_at": ["2026-01-01"], "rows_read": [0], "rows_new": [0],
            "rows_superseding": [0], "rows_duplicate": [0]}))  # fmt: skip
        assert conn.exec_driver_sql("SELECT current_setting('session_replication_role')").scalar() == "origin"
    engine.dispose()


@pytest.fixture
def check_once_small(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Batches of 50 rows or more have their keys checked once; the names of the keys each batch kept."""
    monkeypatch.setattr(bulk, "CHECK_ONCE_ROWS", 50)
    kept: list[list[str]] = []
    real = bulk_pg.checked_in_place

    def recorded(dbapi, table, frame):
        keys = real(dbapi, table, frame)
        kept.append([k.name for k in keys])
        return keys

    monkeypatch.setattr(bulk_pg, "checked_in_place", recorded)
    return kept


@pytest.mark.postgres
def test_a_batch_into_a_larger_table_has_its_keys_checked_once_and_an_unknown_city_refused(
    pg_url: str, check_once_small: list[list[str]]
) -> None:
    """A batch smaller than the table (a streamed import's later chunks) keeps every index and constraint; its
    keys to cities and import_batches are checked once, their per-row triggers off during the COPY: a city in
    no row of ``cities`` is PostgreSQL's own ForeignKeyViolation, nothing changes, every key stays validated;
    the same rows of a known city go in, and the triggers are back on after."""
    engine = open_database(pg_url)
    before = schema_of(engine)
    with engine.connect() as conn:
        rows_before = conn.execute(text("SELECT count(*) FROM activity_records")).scalar()
        some = many_rows_of(conn, "nowhere").head(rows_before // 2)
    assert bulk.CHECK_ONCE_ROWS <= some.height < rows_before
    with pytest.raises(IntegrityError, match="activity_records_city_code_fkey"), engine.begin() as conn:
        bulk.insert_frame(conn, TABLE, some)
    assert check_once_small == [["activity_records_batch_id_fkey", "activity_records_city_code_fkey"]]
    assert schema_of(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == rows_before
        assert conn.execute(text("SELECT bool_and(convalidated) FROM pg_constraint")).scalar()
    with engine.begin() as conn:
        bulk.insert_frame(conn, TABLE, some.with_columns(city_code=pl.lit("astana")))
        assert conn.exec_driver_sql("SELECT current_setting('session_replication_role')").scalar() == "origin"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == rows_before + some.height
    assert schema_of(engine) == before
    engine.dispose()


@pytest.mark.postgres
def test_a_batch_that_gives_a_self_reference_keeps_every_trigger_on(
    pg_url: str, check_once_small: list[list[str]]
) -> None:
    """A batch that sets ``superseded_by`` (a key to the table itself, which no single lookup checks) keeps the
    per-row triggers: a figure pointing at no figure is refused by PostgreSQL, and nothing is written."""
    engine = open_database(pg_url)
    with engine.connect() as conn:
        rows_before = conn.execute(text("SELECT count(*) FROM activity_records")).scalar()
        top = conn.execute(text("SELECT max(id) FROM activity_records")).scalar()
        some = many_rows_of(conn, "astana").head(rows_before // 2)
    dangling = some.with_columns(superseded_by=pl.lit(top + 10**6))  # no figure has this id
    with pytest.raises(IntegrityError, match="activity_records_superseded_by_fkey"), engine.begin() as conn:
        bulk.insert_frame(conn, TABLE, dangling)
    assert check_once_small == [[]]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_records")).scalar() == rows_before
    engine.dispose()


@pytest.mark.postgres
def test_a_role_that_may_not_switch_triggers_off_drops_and_adds_back(pg_cluster) -> None:
    """Without SET on session_replication_role (neither superuser nor granted), no key is kept in place."""
    engine = create_engine(pg_cluster.new_database())
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE parent (code text PRIMARY KEY)")
            conn.exec_driver_sql("CREATE TABLE child (id serial PRIMARY KEY, code text REFERENCES parent)")
            dbapi = conn.connection.driver_connection
            frame = pl.DataFrame({"code": ["a"]})
            assert [k.column for k in bulk_pg.checked_once(dbapi, "child", frame)] == ["code"]  # a superuser
            conn.exec_driver_sql("DROP ROLE IF EXISTS qala_plain")
            conn.exec_driver_sql("CREATE ROLE qala_plain")
            conn.exec_driver_sql("GRANT SELECT ON parent, child TO qala_plain")
            conn.exec_driver_sql("SET LOCAL ROLE qala_plain")
            assert bulk_pg.checked_once(dbapi, "child", frame) == []
    finally:
        engine.dispose()
