"""Chunks of draws as jobs, and the serial runner; a parallel runner (``qala.scale``) has the same shape.

A runner takes batches of work — one batch is (prepared model, scenario, base year, jobs) — and returns
each batch's chunks in the order of its jobs. The chunk boundaries are fixed by the caller, never by
the runner, so any runner (serial, 1 or 100 Dask workers) evaluates exactly the same arithmetic.

A batch may say how to ``reduce`` each chunk where it is computed (e.g. to statistics, or to the few
outputs a Sobol analysis needs) and how to ``merge`` two reductions; then the runner returns one merged
result per batch, merged in a fixed binary tree over the jobs' order (:class:`Merger`), so that sums of
floating-point numbers come out the same whoever merges them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from qala.scenario.engine import BaseYear, Chunk, Prepared, run_chunk

OnChunk = Callable[[int], None] | None


@dataclass(frozen=True)
class ChunkJob:
    """Draws [start, stop) with one seed; ``given`` holds the uniforms of a Sobol sample's rows; ``years``, if
    given, are the only years computed (a Sobol analysis needs a few, not the horizon)."""

    start: int
    stop: int
    seed: int
    deterministic: bool = False
    given: np.ndarray | None = None
    years: tuple[int, ...] | None = None


Reduce = Callable[[Prepared, str, BaseYear, Chunk], Any]
Merge = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Batch:
    prep: Prepared
    scenario: str
    base: BaseYear
    jobs: tuple[ChunkJob, ...]
    reduce: Reduce | None = None  # applied to each chunk where it is computed
    merge: Merge | None = None  # then the reductions are merged into one result per batch


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
        years=job.years,
    )


def evaluate_reduced(prep: Prepared, scenario: str, base: BaseYear, job: ChunkJob, reduce: Reduce | None) -> Any:
    """A job evaluated, then reduced (where it runs)."""
    chunk = evaluate(prep, scenario, base, job)
    return reduce(prep, scenario, base, chunk) if reduce else chunk


class Merger:
    """Merges items pushed in order as a binary tree: ((a b) (c d)) e, the same shape for any runner.

    Like a binary counter, it holds one partial result per level, never more than log2(items) of them.
    """

    def __init__(self, merge: Merge) -> None:
        self.merge = merge
        self.levels: list[tuple[int, Any]] = []  # (size, merged items), sizes strictly decreasing

    def push(self, item: Any) -> None:
        size = 1
        while self.levels and self.levels[-1][0] == size:
            left = self.levels.pop()[1]
            item, size = self.merge(left, item), size * 2
        self.levels.append((size, item))

    def result(self) -> Any:
        if not self.levels:
            raise ValueError("nothing to merge")
        item = self.levels[-1][1]
        for _, left in reversed(self.levels[:-1]):
            item = self.merge(left, item)
        return item


class Runner(Protocol):
    def __call__(self, batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Any]]: ...


def serial(batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Any]]:
    """Every job in this process, one after the other (a batch with ``merge``: merged as they come)."""
    out: list[list[Any]] = []
    for b in batches:
        results: list[Any] = []
        merger = Merger(b.merge) if b.merge else None
        for job in b.jobs:
            r = evaluate_reduced(b.prep, b.scenario, b.base, job, b.reduce)
            if merger:
                merger.push(r)
            else:
                results.append(r)
            if on_chunk:
                on_chunk(job.stop - job.start)
        out.append([merger.result()] if merger else results)
    return out
