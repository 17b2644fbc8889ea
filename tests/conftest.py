"""Shared fixtures: a throwaway PostgreSQL cluster on loopback, store URLs for both backends, the CLI."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles

from qala.catalog import load_catalog
from tests import needs, seed_templates
from tests.bounded import HUNG

seed_templates.install()  # before the test modules import open_database: a new database starts as a copy

# Dask's own clocks (connect: 30 s) must not fail a test on a busy machine where workers take long to start;
# the setting reaches the worker processes of a LocalCluster through the environment too.
dask.config.set({"distributed.comm.timeouts.connect": f"{HUNG:.0f}s"})
os.environ["DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"] = f"{HUNG:.0f}s"
# A form or API call waits for its job up to QALA_JOB_WAIT (60 s by default) before answering with the job
# instead: on a busy machine an import can take longer, so tests wait as long as the setting allows (tests
# of the job answer set their own, shorter wait).
os.environ.setdefault("QALA_JOB_WAIT", "600")

# Hashing a password at argon2's production cost takes about 0.18 s of CPU, and the web fixtures add a
# handful of users per test and sign them in: minutes of the suite. The tests check who may do what, not what
# a hash costs, so this test process hashes at argon2-cffi's CHEAPEST profile (the library's profile made for
# tests); the children the tests start (`qala serve` in the browser and attack tests, CLI subprocesses) hash
# at the production cost, which tests/test_credentials.py checks in a fresh interpreter.
from qala.store import users as _users  # noqa: E402 - after the templates are installed

_users._hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture(scope="session", autouse=True)
def _seed_templates() -> None:
    """Astana's database, migrated and seeded once per test process (see tests/seed_templates.py)."""
    with pytest.MonkeyPatch.context() as mp:
        seed_templates.build_sqlite(mp)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real data directory or database."""
    monkeypatch.setenv("QALA_HOME", str(tmp_path / "qala-home"))
    monkeypatch.delenv("QALA_DATABASE_URL", raising=False)
    monkeypatch.setenv("QALA_USER", "tester")


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_app(engine: object, secret: str) -> Iterator[str]:
    """The web app on http://127.0.0.1:PORT in a thread (Chromium counts loopback as secure, so Secure cookies
    work), until uvicorn listens or its thread ends (a failure); stopped and the engine disposed afterwards."""
    import threading
    import time

    import uvicorn

    from qala.web.app import create_app
    from qala.web.settings import WebSettings

    settings = WebSettings(
        secret_key=secret * 40, cookie_secure=True, max_upload_bytes=2**20, default_city="astana", database_url=None
    )
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(engine, settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        engine.dispose()  # type: ignore[attr-defined]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"


class PgCluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="qala-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.fresh: set[str] = set()  # databases new_database made that have not been opened yet
        self.templates: dict[bool, str] = {}  # seeded? -> the template database's name

    def _sql(self, statement: str, db: str = "postgres") -> Any:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={db}", autocommit=True) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            return cur.fetchall() if statement.startswith("SELECT") else None

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self._sql(f'CREATE DATABASE "{name}"')
        self.fresh.add(name)
        return self.url(name)

    def build_templates(self) -> None:
        """Template databases made by the real open_database: migrated, and migrated and seeded."""
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("QALA_USER", "tester")
            for seeded in (False, True):
                name = f"qala_template_{'seeded' if seeded else 'migrated'}"
                if seeded:
                    self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates[False]}"')
                else:
                    self._sql(f'CREATE DATABASE "{name}"')
                seed_templates.ORIGINAL(self.url(name), seed=seeded).dispose()
                self.templates[seeded] = name
        seed_templates.register(self)

    def from_template(self, name: str, seeded: bool) -> None:
        """Re-create a database new_database made, still without tables, as a copy of a template."""
        if name not in self.fresh or seeded not in self.templates:
            return
        self.fresh.discard(name)
        tables = self._sql(TABLES, name)
        if tables[0][0]:
            return
        self._sql(f'DROP DATABASE "{name}"')  # fails, and nothing changes, if anyone is connected
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates[seeded]}"')


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = started_cluster()
    cluster.build_templates()
    yield cluster
    cluster.stop()


def started_cluster() -> PgCluster:
    """A throwaway cluster on loopback; skipped (failed with QALA_REQUIRE_POSTGRES=1) where PostgreSQL is missing."""
    bindir = _pg_bin()
    if bindir is None:
        needs.missing("postgres", "PostgreSQL is not installed: apt-get install postgresql")
    assert bindir is not None
    cluster = PgCluster(bindir)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        cluster.stop()
        needs.missing("postgres", f"cannot start a throwaway PostgreSQL cluster: {exc.stderr.decode(errors='replace')}")
    return cluster


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``qala ARGS`` in-process through ``qala.cli.main``; return (exit code, stdout, stderr)."""
    from qala import cli
    from qala.commands import common

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["qala", *args])
        monkeypatch.setenv("COLUMNS", "200")
        for console in (common.console, common.err):  # made at import, maybe with another COLUMNS (xdist: 80)
            monkeypatch.setattr(console, "_width", 200)
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
