"""Chunks of draws as jobs, and the serial runner; a parallel runner (``qala.scale``) has the same shape.

A runner takes batches of work — one batch is (prepared model, scenario, base year, jobs) — and returns
each batch's chunks in the order of its jobs. The chunk boundaries are fixed by the caller, never by
the runner, so any runner (serial, 1 or 100 Dask workers) evaluates exactly the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qala.scenario.engine import BaseYear, Chunk, Prepared, run_chunk

OnChunk = Callable[[int], None] | None


@dataclass(frozen=True)
class ChunkJob:
    """Draws [start, stop) with one seed; ``given`` holds the uniforms of a Sobol sample's rows."""

    start: int
    stop: int
    seed: int
    deterministic: bool = False
    given: np.ndarray | None = None


@dataclass(frozen=True)
class Batch:
    prep: Prepared
    scenario: str
    base: BaseYear
    jobs: tuple[ChunkJob, ...]


def chunk_bounds(total: int, size: int) -> list[tuple[int, int]]:
    """[start, stop) of each chunk: ``size`` rows each, the last one shorter."""
    if size < 1:
        raise ValueError("the chunk size must be at least 1")
    return [(start, min(total, start + size)) for start in range(0, total, size)]


def evaluate(prep: Prepared, scenario: str, base: BaseYear, job: ChunkJob) -> Chunk:
    """The kernel every runner calls, once per job."""
    return run_chunk(
        prep,
        scenario,
        base,
        seed=job.seed,
        start=job.start,
        stop=job.stop,
        deterministic=job.deterministic,
        given=job.given,
    )


class Runner(Protocol):
    def __call__(self, batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Chunk]]: ...


def serial(batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Chunk]]:
    """Every job in this process, one after the other."""
    out = []
    for b in batches:
        chunks = []
        for job in b.jobs:
            chunks.append(evaluate(b.prep, b.scenario, b.base, job))
            if on_chunk:
                on_chunk(job.stop - job.start)
        out.append(chunks)
    return out
