"""Run scenario chunks on a Dask cluster: the same kernel, the same chunks, the same reduction.

The prepared model and the base year are scattered to the workers once per batch; each job is one
future calling :func:`qala.scenario.chunks.evaluate`. Results come back in the jobs' order whatever
order the futures finish in, so the caller's reduction (``combine``) sees exactly what the serial
runner gives it: bit-identical numbers for any number of workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qala.scenario.chunks import Batch, ChunkJob, OnChunk, evaluate
from qala.scenario.engine import BaseYear, Chunk, Prepared

if TYPE_CHECKING:
    from distributed import Client


def _job(prep: Prepared, scenario: str, base: BaseYear, job: ChunkJob) -> Chunk:
    return evaluate(prep, scenario, base, job)


class DaskRunner:
    """A :class:`qala.scenario.chunks.Runner` backed by a ``distributed.Client``."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def __call__(self, batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Chunk]]:
        from distributed import as_completed  # noqa: PLC0415 - dask only when asked for

        client = self.client
        scattered: dict[int, object] = {}

        def once(obj: object) -> object:  # one copy per object on every worker, not one per job
            if id(obj) not in scattered:
                scattered[id(obj)] = client.scatter(obj, broadcast=True, hash=False)
            return scattered[id(obj)]

        where = {}
        futures = []
        for i, b in enumerate(batches):
            prep, base = once(b.prep), once(b.base)
            for j, job in enumerate(b.jobs):
                fut = client.submit(_job, prep, b.scenario, base, job, pure=False)
                where[fut.key] = (i, j)
                futures.append(fut)
        out: list[list[Chunk | None]] = [[None] * len(b.jobs) for b in batches]
        try:
            for fut in as_completed(futures):
                i, j = where[fut.key]
                out[i][j] = fut.result()  # re-raises the job's own error (e.g. a ModelError)
                if on_chunk:
                    job = batches[i].jobs[j]
                    on_chunk(job.stop - job.start)
        finally:
            client.cancel(futures + list(scattered.values()))
        return [[c for c in row if c is not None] for row in out]
