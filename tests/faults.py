"""Helpers of the fault tests: run ``qala`` as a child process and SIGKILL it while it writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

WAIT = 60.0  # seconds a child may take to start writing (a loaded two-core machine)


def qala(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "qala.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QALA_")}
    env.update(QALA_HOME=str(home), QALA_USER="fault-test", PYTHONWARNINGS="ignore")
    return env


def sqlite_writing(url: str) -> Callable[[], bool]:
    """True while another connection holds the SQLite write lock (a write transaction is open)."""
    path = make_url(url).database

    def probe() -> bool:
        if not path or not Path(path).exists():
            return False
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        else:
            conn.execute("ROLLBACK")
            return False
        finally:
            conn.close()

    return probe


def pg_conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port} user={u.username} dbname=postgres"


def pg_writing(url: str, app: str) -> Callable[[], bool]:
    """True while the child's backend has an open transaction that has written (it holds a transaction id)."""
    conninfo = pg_conninfo(url)

    def probe() -> bool:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL", (app,)
            ).fetchone()
        return bool(row and row[0])

    return probe


def pg_wait_gone(url: str, app: str) -> None:
    """After the client died, wait until its backend has noticed, rolled back and left."""
    deadline = time.monotonic() + WAIT
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)).fetchone()
            if not row or not row[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {app} still there after {WAIT} s")


def pg_clone(url: str, count: int) -> list[str]:
    """``count`` new databases on the same cluster, each a copy of the database at ``url``."""
    u = make_url(url)
    names = [f"{u.database}_c{i}" for i in range(count)]
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{u.database}"')
    return [u.set(database=name).render_as_string(hide_password=False) for name in names]


@dataclass
class Run:
    """One child process, killed ``delay`` seconds after it was first seen writing."""

    proc: subprocess.Popen
    writing: Callable[[], bool]
    delay: float
    seen_writing: float | None = None
    killed: bool = False


def kill_while_writing(runs: list[Run]) -> None:
    """Watch the children together; SIGKILL each ``delay`` s after its first write (if it is still alive)."""
    deadline = time.monotonic() + WAIT
    pending = list(runs)
    while pending:
        if time.monotonic() > deadline:
            for r in pending:
                r.proc.kill()
            raise AssertionError("a child never started writing")
        for r in list(pending):
            now = time.monotonic()
            if r.proc.poll() is not None:
                pending.remove(r)
            elif r.seen_writing is None and r.writing():
                r.seen_writing = now
            if r.seen_writing is not None and now - r.seen_writing >= r.delay and r.proc.poll() is None:
                os.kill(r.proc.pid, signal.SIGKILL)
                r.proc.wait()
                r.killed = True
                pending.remove(r)
        time.sleep(0.003)
    for r in runs:
        r.proc.wait()
        if r.proc.stderr:
            r.proc.stderr.close()
