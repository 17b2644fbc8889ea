"""Waiting in tests: for events, never on a wall-clock budget a busy machine can overrun.

``HUNG`` is the only wall-clock limit a test has: longer than any run of the suite, it turns a hang into a
failure instead of a stuck CI job. A test that checks that work *finishes in bounded time* limits the child's
CPU time (``RLIMIT_CPU``), which does not grow when other processes share the cores.
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from collections.abc import Sequence

HUNG = 3600.0  # seconds


def run_child(
    args: Sequence[str], *, cpu_seconds: int, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a fresh interpreter with at most ``cpu_seconds`` of CPU time; its output as text."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))

    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=HUNG,
        env=env,
        check=False,
        preexec_fn=limit,
    )
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise AssertionError(f"the child used more than {cpu_seconds} s of CPU time: {done.stderr[-2000:]}")
    return done
