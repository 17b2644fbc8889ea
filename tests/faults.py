"""Helpers of the fault tests: run ``qala`` as a child process, and SIGKILL it at a chosen point of its write.

The child (``tests/fault_child.py``) says through a pipe when it has reached the point, and waits there; the
parent waits on the pipes, with no deadline of its own but ``HUNG``, longer than any run of the suite (a busy
machine only makes the wait longer, never fails it). A child that exits without reaching its point fails the
test with its own error output.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.bounded import HUNG

CHILD = Path(__file__).with_name("fault_child.py")


def child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QALA_")}
    env.update(QALA_HOME=str(home), QALA_USER="fault-test", PYTHONWARNINGS="ignore")
    return env


@dataclass
class Run:
    """One ``qala`` child that stops at ``point`` (see tests/fault_child.py) until it is killed."""

    point: str
    args: tuple[str, ...]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    pipe: int = -1
    killed: bool = False
    stderr: str = field(default="", repr=False)

    def start(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), self.point, str(write), *self.args],
            env=self.env,
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(write)  # the child holds the only write end: end of file is its exit
        self.pipe = read


def kill_at_their_points(runs: list[Run]) -> None:
    """Start the children together; SIGKILL each as soon as it says it has reached its point."""
    for r in runs:
        r.start()
    sel = selectors.DefaultSelector()
    for r in runs:
        sel.register(r.pipe, selectors.EVENT_READ, r)
    waiting = len(runs)
    started = time.monotonic()
    try:
        while waiting:
            events = sel.select(timeout=max(1.0, HUNG - (time.monotonic() - started)))
            if not events:
                raise AssertionError(f"a child neither reached its point nor exited in {HUNG:.0f} s (hung)")
            for key, _ in events:
                r: Run = key.data
                assert r.proc is not None
                if os.read(r.pipe, 1):
                    os.kill(r.proc.pid, signal.SIGKILL)
                    r.killed = True
                sel.unregister(r.pipe)
                waiting -= 1
    finally:
        sel.close()
        for r in runs:
            if r.proc is None:
                continue
            if r.proc.poll() is None and not r.killed:
                r.proc.kill()
            r.proc.wait()
            r.stderr = r.proc.stderr.read().decode(errors="replace") if r.proc.stderr else ""
            if r.proc.stderr:
                r.proc.stderr.close()
            os.close(r.pipe)
    for r in runs:
        assert r.killed, f"the child for {r.point} exited (code {r.proc and r.proc.returncode}) first:\n{r.stderr}"


def pg_conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port} user={u.username} dbname=postgres"


def pg_wait_gone(url: str, app: str) -> None:
    """After the client died, wait until its backend has noticed, rolled back and left."""
    started = time.monotonic()
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        while time.monotonic() - started < HUNG:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)).fetchone()
            if not row or not row[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {app} still there after {HUNG:.0f} s")


def pg_clone(url: str, count: int) -> list[str]:
    """``count`` new databases on the same cluster, each a copy of the database at ``url``."""
    u = make_url(url)
    names = [f"{u.database}_c{i}" for i in range(count)]
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{u.database}"')
    return [u.set(database=name).render_as_string(hide_password=False) for name in names]
