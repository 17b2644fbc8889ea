"""Run scenario chunks on a Dask cluster: the same kernel, the same chunks, the same reduction.

The prepared model and the base year are scattered to the workers once per runner (a second run of the
same model finds them there, with the caches they filled). The chunks of a batch go out in **blocks**:
one task evaluates a run of consecutive chunks (:func:`blocks`), so a run is a few tasks per worker
whatever the number of chunks, and the per-task cost (scheduling, messages, a merge's transfer) is paid
per block, not per chunk — which matters more the faster the engine is.

A batch that says how to ``reduce`` its chunks is reduced on the worker that computed each chunk, and one
that says how to ``merge`` is merged on the workers too, in the same binary tree over the jobs' order as
the serial runner uses (:class:`qala.scenario.chunks.Merger`): a block is an aligned run of 2^k chunks (the
last may be shorter), which is a whole subtree of that tree, merged inside its task; the blocks' results
are merged by the same tree one level up. Only one merged result per batch comes back to the client, and
it is bit-identical to the serial one. Without a merge, results come back in the jobs' order whatever
order the futures finish in.

Each task notes the CPU time of each chunk it computed in its worker (:data:`JOB_CPU`, read by
``benchmarks/dask_scaling.py`` through ``client.run``).
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qala.scenario.chunks import Batch, ChunkJob, Merge, Merger, OnChunk, Reduce, evaluate_reduced
from qala.scenario.engine import BaseYear, Prepared

if TYPE_CHECKING:
    from distributed import Client

JOB_CPU: deque[tuple[int, float]] = deque(maxlen=100_000)  # in a worker: (draws, thread CPU seconds) per chunk
TASKS_PER_WORKER = 4  # at least this many blocks per worker, so that a slower worker gets fewer of them
BALANCE = 1.05  # a larger block may lengthen the busiest worker's share of chunks by at most 5 %


def blocks(jobs: int, workers: int) -> list[tuple[int, int]]:
    """[start, stop) of each block of jobs: aligned runs of 2^k jobs, the last one shorter.

    k is the largest such that there are still TASKS_PER_WORKER blocks per worker and the blocks, dealt
    to the workers largest first, give the busiest worker at most BALANCE x its fair share of jobs.
    """
    workers = max(workers, 1)
    fair = -(-jobs // workers)
    size = 1
    while True:
        bigger = size * 2
        cuts = [(a, min(jobs, a + bigger)) for a in range(0, jobs, bigger)]
        load = [0] * workers
        for a, b in sorted(cuts, key=lambda c: c[0] - c[1]):
            load[load.index(min(load))] += b - a
        if len(cuts) < TASKS_PER_WORKER * workers or max(load) > BALANCE * fair or bigger > jobs:
            break
        size = bigger
    return [(a, min(jobs, a + size)) for a in range(0, jobs, size)]


def _block(
    prep: Prepared,
    scenario: str,
    base: BaseYear,
    jobs: tuple[ChunkJob, ...],
    reduce: Reduce | None,
    merge: Merge | None,
) -> Any:
    """Some consecutive jobs in one task: merged in the serial tree's shape if ``merge``, else a list."""
    merger = Merger(merge) if merge else None
    out = []
    for job in jobs:
        t0 = time.thread_time()
        r = evaluate_reduced(prep, scenario, base, job, reduce)
        JOB_CPU.append((job.stop - job.start, time.thread_time() - t0))
        if merger:
            merger.push(r)
        else:
            out.append(r)
    return merger.result() if merger else out


def _merge(merge: Merge, a: Any, b: Any) -> Any:
    return merge(a, b)


class DaskRunner:
    """A :class:`qala.scenario.chunks.Runner` backed by a ``distributed.Client``."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.scattered: dict[int, object] = {}  # id of a model or base year -> its future on every worker

    def once(self, obj: object) -> object:
        """One copy of ``obj`` on every worker for the life of this runner (or of ``obj``), not one per run."""
        key = id(obj)
        if key not in self.scattered:
            self.scattered[key] = self.client.scatter(obj, broadcast=True, hash=False)
            weakref.finalize(obj, self.scattered.pop, key, None)  # a new object with the same id is scattered anew
        return self.scattered[key]

    def __call__(self, batches: Sequence[Batch], on_chunk: OnChunk = None) -> list[list[Any]]:
        from distributed import as_completed  # noqa: PLC0415 - dask only when asked for

        client = self.client
        workers = len(client.scheduler_info().get("workers", {})) or 1
        where = {}
        futures = []
        merged: list[Any] = []  # per batch: the future of its merged result, or None
        for i, b in enumerate(batches):
            prep, base = self.once(b.prep), self.once(b.base)
            merger = Merger(lambda x, y, m=b.merge: client.submit(_merge, m, x, y, pure=False)) if b.merge else None
            for start, stop in blocks(len(b.jobs), workers):
                fut = client.submit(_block, prep, b.scenario, base, b.jobs[start:stop], b.reduce, b.merge, pure=False)
                where[fut.key] = (i, start, stop)
                futures.append(fut)
                if merger:
                    merger.push(fut)
            merged.append(merger.result() if merger else None)
        out: list[list[Any]] = [[None] * len(b.jobs) for b in batches]
        done = as_completed(futures)
        del futures  # a finished block is then released as soon as its merge has it (workers' memory stays flat)
        try:
            for fut in done:
                i, start, stop = where[fut.key]
                if fut.status == "error" or merged[i] is None:
                    out[i][start:stop] = fut.result()  # re-raises the job's own error (e.g. a ModelError)
                if on_chunk:
                    for job in batches[i].jobs[start:stop]:
                        on_chunk(job.stop - job.start)
            for i, m in enumerate(merged):
                if m is not None:
                    out[i] = [m.result()]
        except BaseException:
            done.clear()  # the blocks not finished yet are no longer wanted
            client.cancel([m for m in merged if m is not None])
            raise
        return out
