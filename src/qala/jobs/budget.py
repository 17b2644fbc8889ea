"""The job runner's settings (from the environment) and a job's budget."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return min(max(value, low), high) if math.isfinite(value) else default


@dataclass(frozen=True)
class Budget:
    """What one job may spend: wall-clock seconds, and resident memory of its worker process (MiB)."""

    seconds: float = 300.0
    memory_mb: int = 1536


@dataclass(frozen=True)
class JobSettings:
    workers: int = 2  # worker processes per web server process
    queue: int = 8  # jobs waiting or running, all people together (every web worker counts)
    per_owner: int = 2  # jobs waiting or running for one person (a user, or an address when signed out)
    wait: float = 60.0  # seconds a plain form or API call waits for its job before answering with the job
    budget: Budget = Budget()

    @classmethod
    def from_env(cls) -> JobSettings:
        return cls(
            workers=int(_number("QALA_JOB_WORKERS", 2, 1, 32)),
            queue=int(_number("QALA_JOB_QUEUE", 8, 1, 10_000)),
            per_owner=int(_number("QALA_JOB_QUEUE_PER_USER", 2, 1, 1000)),
            wait=_number("QALA_JOB_WAIT", 60, 0, 600),
            budget=Budget(
                seconds=_number("QALA_JOB_SECONDS", 300, 1, 24 * 3600),
                memory_mb=int(_number("QALA_JOB_MEMORY_MB", 1536, 200, 1024 * 1024)),
            ),
        )
