"""The loop of a worker process: take a job from the pipe, run it, send back progress and the outcome.

Runs in a process of its own (spawned: a fresh interpreter, nothing inherited from the web server but the
environment), so a job never holds the server's event loop or its GIL, and a job past its budget is
ended by killing the process. The process ends when its pipe closes (the server went away).
"""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

PROGRESS_EVERY = 0.25  # seconds between two progress messages of one job


@dataclass(frozen=True)
class Outcome:
    """What a job gives back: an HTTP-like status, a JSON body, and an optional file."""

    status: int
    body: dict[str, Any]
    file: bytes | None = None
    file_name: str | None = None
    media_type: str | None = None


class Progress:
    """Handed to every job: ``progress(share, phase)`` reports how far it is (sent at most 4 times a second)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.last = 0.0

    def __call__(self, share: float, phase: str) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY or share >= 1.0:
            self.last = now
            self.conn.send(("progress", max(0.0, min(share, 1.0)), phase[:200]))


def main(conn: Connection, preload: tuple[str, ...] = ()) -> None:
    """The worker process: one job at a time until the pipe closes.

    ``preload`` names modules to import, or ``module:function`` to call, before the first job (the slow
    start-up of a fresh interpreter is then paid before anyone waits for it).
    """
    for name in preload:
        module, _, function = name.partition(":")
        loaded = importlib.import_module(module)
        if function:
            getattr(loaded, function)()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:  # a warm-up: the process has started and preloaded
            continue
        func: Callable[..., Outcome]
        func, kwargs = message
        try:
            outcome = func(Progress(conn), **kwargs)
            conn.send(("done", outcome))
        except MemoryError:
            conn.send(("failed", "memory", "the job ran out of its memory budget"))
        except Exception as exc:  # a bug in a job: reported, and the worker goes on
            conn.send(("failed", "error", "".join(traceback.format_exception_only(exc)).strip()[:2000]))
