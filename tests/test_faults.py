"""Faults: SIGKILL during an import or a migration leaves the database consistent, all or nothing.

Each child is killed at a point it reports itself (tests/fault_child.py): just after its first write, just
before its COMMIT, just after it. Nothing depends on how fast the machine is.
"""

from __future__ import annotations

import functools
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, inspect, select

from qala.store import blocks, db
from qala.store.models import ActivityRecord, AuditEntry, Base, ImportBatch
from qala.store.seed import open_database
from tests.faults import Run, child_env, kill_at_their_points, pg_clone, pg_wait_gone

ROWS = 10_000
POINTS = ("first-write", "before-commit", "after-commit")


def big_activity_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("year,gpc_ref,activity,amount,unit,source,facility\n")
        for i in range(ROWS):
            fh.write(f"2020,I.1.1,natural_gas,{i + 0.5},TJ,generated for the fault test,site_{i}\n")
    return path


def copies_of_seeded(backend: str, tmp_path: Path, pg_cluster_factory, n: int) -> list[str]:
    """``n`` databases, migrated and with Astana loaded (a copy of one prepared database each)."""
    if backend == "sqlite":
        first = tmp_path / "prepared.sqlite3"
        open_database(f"sqlite:///{first}").dispose()  # the last connection checkpoints the WAL
        urls = []
        for i in range(n):
            shutil.copy(first, tmp_path / f"db{i}.sqlite3")
            urls.append(f"sqlite:///{tmp_path / f'db{i}.sqlite3'}")
        return urls
    template = pg_cluster_factory().new_database()
    open_database(template).dispose()
    return pg_clone(template, n)


@functools.cache
def seeded_records() -> int:
    """How many records a new database holds: Astana's reported figures and its estimates."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/seeded.sqlite3")
        try:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one()
        finally:
            engine.dispose()


def import_outcome(url: str, batch_file: str) -> str:
    """'absent' or 'present' (every row, with its batch and audit entry); anything else fails the test."""
    engine = db.create(url)
    try:
        with engine.connect() as conn:
            batches = list(conn.execute(select(ImportBatch.id).where(ImportBatch.file_name == batch_file)).scalars())
            kept = blocks.held(conn)  # figures kept as blocks, counted with the rows
            site_rows = (
                conn.execute(
                    select(func.count())
                    .select_from(ActivityRecord)
                    .where(ActivityRecord.facility.like("site\\_%", "\\"))
                ).scalar()
                + kept.filter(pl.col("facility").str.starts_with("site_")).height
            )
            audits = conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "import_batch", AuditEntry.entity_id.in_([str(b) for b in batches]))
            ).scalar()  # the entity too: the seed's publications have audit entries with the same small ids
            astana = (
                conn.execute(
                    select(func.count()).select_from(ActivityRecord).where(ActivityRecord.batch_id.not_in(batches))
                ).scalar()
                + kept.filter(~pl.col("batch_id").is_in(batches)).height
            )
    finally:
        engine.dispose()
    assert astana == seeded_records(), "the records there before the import are untouched"
    if not batches:
        assert site_rows == 0 and audits == 0, f"partial import: {site_rows} rows without a batch"
        return "absent"
    assert len(batches) == 1 and site_rows == ROWS and audits == 1, f"partial import: {batches}, {site_rows} rows"
    return "present"


def sqlite_intact(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def outcomes_after_kills(backend: str, urls: list[str], app: str) -> list[str]:
    """Once the children importing big.csv into ``urls`` (application names ``{app}-{i}``) were killed: each
    database intact (SQLite) or its killed session gone (PostgreSQL), and what of the import it holds."""
    outcomes = []
    for i, url in enumerate(urls):
        if backend == "postgresql":
            pg_wait_gone(url, f"{app}-{i}")
        else:
            sqlite_intact(url)
        outcomes.append(import_outcome(url, "big.csv"))
    return outcomes


def with_app_name(backend: str, url: str, app: str) -> str:
    return url if backend == "sqlite" else f"{url}?application_name={app}"


@pytest.fixture
def pg_cluster_factory(request: pytest.FixtureRequest):
    return lambda: request.getfixturevalue("pg_cluster")


STORAGE = {"rows": {}, "blocks": {"QALA_BLOCK_ROWS": "500"}}  # a figure a row, or the new figures as blocks


@pytest.mark.slow
@pytest.mark.parametrize("storage", list(STORAGE))
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_killed_import_is_wholly_present_or_wholly_absent(
    backend: str,
    storage: str,
    tmp_path: Path,
    pg_cluster_factory,
    run_cli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csv = big_activity_file(tmp_path / "big.csv")
    urls = copies_of_seeded(backend, tmp_path, pg_cluster_factory, len(POINTS))
    env = child_env(tmp_path / "home") | STORAGE[storage]
    for name, value in STORAGE[storage].items():
        monkeypatch.setenv(name, value)  # the import run again below
    runs = [
        Run(point, ("import", str(csv), "--database", with_app_name(backend, url, f"qala-fault-import-{i}")), env)
        for i, (url, point) in enumerate(zip(urls, POINTS, strict=True))
    ]
    kill_at_their_points(runs)

    outcomes = outcomes_after_kills(backend, urls, "qala-fault-import")
    for url in urls:
        code, _out, err = run_cli("db", "info", "--database", url)
        assert code == 0, err
    with capsys.disabled():
        print(f"\n{backend}, {storage}: import killed at {dict(zip(POINTS, outcomes, strict=True))}")
    # killed inside the transaction: nothing is left; killed once the COMMIT returned: everything is there
    assert outcomes == ["absent", "absent", "present"]

    code, _, err = run_cli("import", str(csv), "--database", urls[0])  # the import can simply be run again
    assert code == 0, err
    assert import_outcome(urls[0], "big.csv") == "present"


STREAM_POINTS = ("chunk-1-written", "chunk-5-written", "before-commit", "after-commit")
STREAM_ENV = {"QALA_IMPORT_STREAM_MB": "0.25", "QALA_IMPORT_CHUNK_MB": "0.05"}  # 700 kB: 14 chunks of 52,428 bytes


@pytest.mark.slow
@pytest.mark.parametrize("storage", list(STORAGE))
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_killed_streamed_import_is_wholly_present_or_wholly_absent(
    backend: str,
    storage: str,
    tmp_path: Path,
    pg_cluster_factory,
    run_cli,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file read, validated and written in chunks in one transaction (``qala.ingest.stream``), killed once
    one chunk, then five, have been written, before and after its COMMIT: all the batch or nothing of it."""
    csv = big_activity_file(tmp_path / "big.csv")
    chunk = int(float(STREAM_ENV["QALA_IMPORT_CHUNK_MB"]) * 2**20)
    assert csv.stat().st_size > float(STREAM_ENV["QALA_IMPORT_STREAM_MB"]) * 2**20 > 5 * chunk
    body = csv.read_bytes().split(b"\n", 1)[1]
    lines_in = {k: body[: k * chunk].count(b"\n") for k in (1, 5)}  # whole lines of the first k chunks
    urls = copies_of_seeded(backend, tmp_path, pg_cluster_factory, len(STREAM_POINTS))
    env = child_env(tmp_path / "home") | STREAM_ENV | STORAGE[storage]
    runs = [
        Run(point, ("import", str(csv), "--database", with_app_name(backend, url, f"qala-fault-stream-{i}")), env)
        for i, (url, point) in enumerate(zip(urls, STREAM_POINTS, strict=True))
    ]
    kill_at_their_points(runs)

    # inside the write: the child counted, in its own transaction, the rows of the chunks written so far
    written = [int(re.search(r"rows written: (\d+)", r.stderr).group(1)) for r in runs[:2]]  # type: ignore[union-attr]
    assert written == [lines_in[1], lines_in[5]] and 0 < written[0] < written[1] < ROWS
    outcomes = outcomes_after_kills(backend, urls, "qala-fault-stream")
    with capsys.disabled():
        print(f"\n{backend}, {storage}: streamed import killed at {dict(zip(STREAM_POINTS, outcomes, strict=True))}")
    assert outcomes == ["absent", "absent", "absent", "present"]

    for name, value in (STREAM_ENV | STORAGE[storage]).items():
        monkeypatch.setenv(name, value)
    code, _, err = run_cli("import", str(csv), "--database", urls[0])  # streamed again, to the end
    assert code == 0, err
    assert import_outcome(urls[0], "big.csv") == "present"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_killed_migration_leaves_the_old_or_the_new_schema(
    backend: str, tmp_path: Path, pg_cluster_factory, run_cli, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend == "sqlite":
        urls = [f"sqlite:///{tmp_path / f'm{i}.sqlite3'}" for i in range(len(POINTS))]
    else:
        cluster = pg_cluster_factory()
        urls = [cluster.new_database() for _ in POINTS]
    env = child_env(tmp_path / "home")
    runs = [
        Run(point, ("db", "upgrade", "--database", with_app_name(backend, url, f"qala-fault-migrate-{i}")), env)
        for i, (url, point) in enumerate(zip(urls, POINTS, strict=True))
    ]
    kill_at_their_points(runs)

    models = {t.name for t in Base.metadata.sorted_tables}
    states = []
    for i, url in enumerate(urls):
        if backend == "postgresql":
            pg_wait_gone(url, f"qala-fault-migrate-{i}")
        else:
            sqlite_intact(url)
        engine = db.create(url)
        revision = db.current_revision(engine)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        if revision is None:
            assert not tables & models, f"a schema without a revision: {sorted(tables & models)}"
        else:
            assert revision == db.head_revision() and models <= tables
        states.append(revision)
        code, _out, err = run_cli("db", "upgrade", "--database", url)  # a re-run completes
        assert code == 0, err
        assert import_outcome(url, "big.csv") == "absent"  # Astana's bundled records, loaded once
    with capsys.disabled():
        print(f"\n{backend}: migration killed at {dict(zip(POINTS, states, strict=True))}")
    engine = db.create(urls[0])
    head = db.current_revision(engine)  # migrated by the re-run
    engine.dispose()
    assert states == [None, None, head], "inside the transaction: no schema; after its COMMIT: the whole schema"
