"""Server mode on PostgreSQL: a restart of the database is survived; several workers share sign-ins."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from qala.store import users
from qala.store.seed import open_database
from qala.web import unavailable
from qala.web.app import create_app
from qala.web.settings import WebSettings
from tests.bounded import HUNG
from tests.conftest import PgCluster, _free_port, started_cluster
from tests.faults import child_env

PASSWORD = "a long enough password"
SECRET = "s" * 48
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
DOWN_KK = "Дерекқорға қазір қол жеткізу мүмкін емес"


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PgCluster]:
    """A cluster of this module's own, since its tests stop and restart it."""
    cluster = started_cluster()
    yield cluster
    cluster.stop()


def pg_ctl(cluster: PgCluster, action: str) -> None:
    data, log = str(cluster.dir / "data"), str(cluster.dir / "log")
    opts = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {cluster.dir} -c fsync=off"
    extra = ["-m", "fast"] if action in ("stop", "restart") else []
    cluster._run(str(cluster.bindir / "pg_ctl"), "-D", data, "-l", log, "-o", opts, "-w", *extra, action)


def sign_in(client: TestClient | httpx.Client, username: str) -> None:
    token = CSRF_RE.search(client.get("/login").text)
    assert token, "no CSRF token on /login"
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@pytest.mark.postgres
def test_a_postgresql_restart_is_survived(own_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QALA_SECRET_KEY", SECRET)
    monkeypatch.setenv("QALA_COOKIE_SECURE", "0")
    url = own_cluster.new_database()
    engine = open_database(url)
    users.add_user(engine, "editor1", PASSWORD, "editor")
    client = TestClient(create_app(engine, WebSettings.from_env(url)), raise_server_exceptions=False)
    sign_in(client, "editor1")
    assert client.get("/data").status_code == 200
    assert client.get("/api/v1/health").json() == {"status": "ok", "database": "ok"}

    pg_ctl(own_cluster, "restart")  # every pooled connection is now dead
    assert client.get("/data").status_code == 200, "the first request after a restart succeeds"
    assert client.get("/api/v1/health").status_code == 200

    pg_ctl(own_cluster, "stop")
    try:
        page = client.get("/data")
        assert page.status_code == 503 and DOWN_KK in page.text and "Traceback" not in page.text
        assert page.headers["retry-after"]
        api = client.get("/api/v1/health")
        assert api.status_code == 503 and api.json()["detail"] == "database unavailable"
        assert client.get("/data?lang=ru").text.count("База данных сейчас недоступна") == 1
    finally:
        pg_ctl(own_cluster, "start")
    assert client.get("/data").status_code == 200, "the session survived, and the pool reconnected"
    engine.dispose()


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float | None = None) -> None:
    """Until the server answers its health check (or exits: a failure); a busy machine only makes it longer."""
    started = time.monotonic()
    while time.monotonic() - started < max(timeout or 0.0, HUNG):
        if proc.poll() is not None:
            raise AssertionError(f"qala serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise AssertionError(f"qala serve did not become healthy: {proc.communicate(timeout=20)[1].decode()[-3000:]}")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_share_sign_ins(own_cluster: PgCluster, tmp_path: Path) -> None:
    url = own_cluster.new_database()
    engine = open_database(url)
    users.add_user(engine, "editor2", PASSWORD, "editor")
    engine.dispose()
    port = _free_port()
    env = child_env(tmp_path / "home") | {"QALA_SECRET_KEY": SECRET, "QALA_COOKIE_SECURE": "0"}
    args = ["serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port), "--database", url]
    proc = subprocess.Popen(
        [sys.executable, "-m", "qala.cli", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        workers = psutil.Process(proc.pid).children()  # (each worker's own job processes are its children)
        assert len([w for w in workers if "spawn_main" in " ".join(w.cmdline())]) == 2
        # no keep-alive: every request is a new connection, which the kernel hands to either worker
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=base, limits=limits, timeout=HUNG) as client:
            sign_in(client, "editor2")
            statuses = [client.get("/data").status_code for _ in range(12)]
        assert statuses == [200] * 12
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_only_transient_database_errors_are_a_503(tmp_path: Path) -> None:
    """A busy SQLite file is worth a retry; a missing table is a bug (500), whatever SQLite calls it."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(OperationalError) as missing, engine.connect() as conn:
        conn.exec_driver_sql("SELECT * FROM no_such_table")
    assert not unavailable.is_unavailable(missing.value)
    holder = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    impatient = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}", connect_args={"timeout": 0})
    with pytest.raises(OperationalError) as locked, impatient.connect() as conn:
        conn.exec_driver_sql("SELECT 1 FROM sqlite_master")
    holder.close()
    assert unavailable.is_unavailable(locked.value)
    assert not unavailable.is_unavailable(ValueError("not a database error"))
    engine.dispose()
    impatient.dispose()
