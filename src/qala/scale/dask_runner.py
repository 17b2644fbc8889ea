"""Run scenario chunks on a Dask cluster: the same kernel, the same chunks, the same reduction.

The prepared model and the base year are scattered to the workers once per batch; each job is one
future calling :func:`qala.scenario.chunks.evaluate_reduced`. A batch that says how to ``reduce`` its
chunks is reduced on the worker that computed each chunk, and one that says how to ``merge`` is merged
on the workers too, in the same binary tree over the jobs' order as the serial runner uses
(:class:`qala.scenario.chunks.Merger`): only one merged result per batch comes back to the client, and it
is bit-identical to the serial one. Without a merge, results come back in the jobs' order whatever order
the futures finish in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qala.scenario.chunks import Batch, ChunkJob, Merge, Merger, OnChunk, Reduce, evaluate_reduced
from qala.scenario.engine import BaseYear, Prepared

if TYPE_CHECKING:
    from distributed import Client


def _job(prep: Prepared, scenario: str, base: BaseYear, job: ChunkJob, reduce: Reduce | None) -> Any:
    return evaluate_reduced(prep, scenario, base, job, reduce)


def _merge(merge: Merge, a: Any, b: Any) -> Any:
    return merge(a, b)


class DaskRunner:
    """A :class:`qala.scenario.chunks.Runner` backed by a ``distributed.Client``."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def __call__(self, batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Any]]:
        from distributed import as_completed  # noqa: PLC0415 - dask only when asked for

        client = self.client
        scattered: dict[int, object] = {}

        def once(obj: object) -> object:  # one copy per object on every worker, not one per job
            if id(obj) not in scattered:
                scattered[id(obj)] = client.scatter(obj, broadcast=True, hash=False)
            return scattered[id(obj)]

        where = {}
        futures = []
        merged: list[Any] = []  # per batch: the future of its merged result, or None
        for i, b in enumerate(batches):
            prep, base = once(b.prep), once(b.base)
            merger = Merger(lambda x, y, m=b.merge: client.submit(_merge, m, x, y, pure=False)) if b.merge else None
            for j, job in enumerate(b.jobs):
                fut = client.submit(_job, prep, b.scenario, base, job, b.reduce, pure=False)
                where[fut.key] = (i, j)
                futures.append(fut)
                if merger:
                    merger.push(fut)
            merged.append(merger.result() if merger else None)
        out: list[list[Any]] = [[None] * len(b.jobs) for b in batches]
        done = as_completed(futures)
        del futures  # a finished chunk is then released as soon as its merge has it (workers' memory stays flat)
        try:
            for fut in done:
                i, j = where[fut.key]
                if fut.status == "error" or merged[i] is None:
                    out[i][j] = fut.result()  # re-raises the job's own error (e.g. a ModelError)
                if on_chunk:
                    job = batches[i].jobs[j]
                    on_chunk(job.stop - job.start)
            for i, m in enumerate(merged):
                if m is not None:
                    out[i] = [m.result()]
        except BaseException:
            done.clear()  # the chunks not finished yet are no longer wanted
            client.cancel([m for m in merged if m is not None])
            raise
        return out
