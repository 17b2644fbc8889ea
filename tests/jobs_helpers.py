"""Jobs for the job runner's tests (module-level, so that a spawned worker process can import them)."""

from __future__ import annotations

import time
from pathlib import Path

from qala.jobs.worker import Outcome, Progress


def sleeper(progress: Progress, *, seconds: float) -> Outcome:
    progress(0.5, "sleeping")
    time.sleep(seconds)
    return Outcome(200, {"slept": seconds})


def hog(progress: Progress, *, mib: int, flag: str) -> Outcome:
    block = b"x" * (mib * 2**20)  # written, so resident
    Path(flag).write_text("allocated")
    time.sleep(120)
    return Outcome(200, {"held": len(block)})


def quick(progress: Progress, *, value: int) -> Outcome:
    progress(1.0, "done")
    return Outcome(200, {"value": value * 2})


def broken(progress: Progress) -> Outcome:
    raise RuntimeError("a bug in a job")
