"""Seeded databases made once per test process, copied for each test that opens a new one.

Opening a new database migrates it and loads Astana (``qala.store.seed.open_database``): a few seconds of
CPU each time, and hundreds of tests do it. Here each test process (each xdist worker) runs the real
``open_database`` once per backend on a scratch database — migrated only, and migrated and seeded — and keeps
it as a template. When a test then opens a database that does not exist yet (SQLite: no file; PostgreSQL: a
database ``PgCluster.new_database`` made that still has no tables), the template is copied there first (a
file copy, or ``CREATE DATABASE … TEMPLATE``) and the real ``open_database`` runs on the copy: it migrates
(nothing to do) and seeds (already seeded, by the same code), so the test gets exactly the database it would
have got, each test its own copy — no test sees another's writes.

What is not templated: a database that already exists (its file or tables), a URL given by the test's child
processes, and the tests in ``FROM_SCRATCH`` (they change how seeding itself runs, or test first touch): they
migrate and seed from scratch as before. ``QALA_TEST_TEMPLATES=0`` turns the templates off for a whole run.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import make_url

from qala.store import db, seed

if TYPE_CHECKING:
    from tests.conftest import PgCluster

ORIGINAL = seed.open_database

# Tests whose seeding must run from scratch (a node id or its prefix): they make the import take its bulk
# paths on small files (monkeypatched thresholds that seeding Astana goes through too), or test first touch.
FROM_SCRATCH = (
    "tests/test_bulk.py::",
    "tests/test_import_current.py::",
    "tests/test_import_stream.py::",
    "tests/test_faults.py::",
    "tests/test_store.py::test_first_touch_creates_migrates_and_loads_astana",
)

_sqlite: dict[bool, bytes] = {}  # seeded? -> the template file's bytes
_clusters: dict[int, PgCluster] = {}  # port -> a cluster with templates (``PgCluster.templates``)


def enabled() -> bool:
    if os.environ.get("QALA_TEST_TEMPLATES", "1") == "0":
        return False
    node = os.environ.get("PYTEST_CURRENT_TEST", "")
    return not node.startswith(FROM_SCRATCH)


def open_database(url: str | None = None, *, seed: bool = True) -> Any:
    """``qala.store.seed.open_database``, starting a new database from a copy of the template."""
    if enabled():
        with contextlib.suppress(Exception):  # anything unusual: the real thing, from scratch
            _from_template(db.database_url(url), seed)
    return ORIGINAL(url, seed=seed)


def _from_template(url: str, seeded: bool) -> None:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and seeded in _sqlite and parsed.database and parsed.database != ":memory:":
        _copy_file(Path(parsed.database), _sqlite[seeded])
    elif backend == "postgresql" and parsed.port in _clusters:
        _clusters[parsed.port].from_template(str(parsed.database), seeded)


def _copy_file(path: Path, data: bytes) -> None:
    """The template at ``path`` if nothing is there yet: written aside, then linked in (atomic, never over a file)."""
    if path.exists() or Path(f"{path}-wal").exists():
        return
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # as qala.store.db does
    aside = path.parent / f".{path.name}.{uuid.uuid4().hex}"
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner only, as qala.store.db makes it
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        aside.unlink()


def build_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQLite templates, made by the real ``open_database`` in a scratch folder (environment as in a test)."""
    with tempfile.TemporaryDirectory(prefix="qala-template-") as folder:
        monkeypatch.setenv("QALA_HOME", str(Path(folder) / "home"))
        monkeypatch.delenv("QALA_DATABASE_URL", raising=False)
        monkeypatch.setenv("QALA_USER", "tester")
        built = Path(folder) / "built.sqlite3"
        for seeded in (False, True):  # migrated, then the same file seeded
            ORIGINAL(f"sqlite:///{built}", seed=seeded).dispose()
            copy = Path(folder) / f"copy-{seeded}.sqlite3"
            with contextlib.closing(sqlite3.connect(built)) as src, contextlib.closing(sqlite3.connect(copy)) as dst:
                src.backup(dst)  # a self-contained copy, whatever is still in the WAL
            _sqlite[seeded] = copy.read_bytes()


def register(cluster: PgCluster) -> None:
    _clusters[cluster.port] = cluster


def install() -> None:
    """Put the copying ``open_database`` where tests and the CLI look it up (before test modules import it)."""

    seed.open_database = open_database  # type: ignore[assignment]
    for module in list(sys.modules.values()):
        if getattr(module, "open_database", None) is ORIGINAL:
            module.open_database = open_database  # type: ignore[attr-defined]
