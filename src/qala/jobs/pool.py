"""The supervisor: a few worker processes, each run by a thread that enforces the job's budget.

A job past its time is ended by killing its worker process (a fresh one takes its place for the next
job); so is one whose process grows past its memory budget (checked five times a second). A killed
import leaves nothing behind: its transaction dies with the process. One pool serves every app of a
process (``shared``): jobs carry what they need (the database URL, the limits) as arguments.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import psutil

from qala.jobs import worker
from qala.jobs.budget import Budget
from qala.jobs.worker import Outcome

CHECK_EVERY = 0.2  # seconds between two looks at a running job's clock and memory
FINISH_ATTEMPTS = 5
logger = logging.getLogger("qala.jobs")


@dataclass(frozen=True)
class Failure:
    """A job that did not finish: ``kind`` is time, memory, crash or error."""

    kind: str
    message: str


@dataclass
class Job:
    id: str
    func: Callable[..., Outcome]
    kwargs: dict[str, Any]
    budget: Budget
    on_start: Callable[[str], None]
    on_progress: Callable[[str, float, str], None]
    on_finish: Callable[[str, Outcome | Failure], None]


class _Slot:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: JobPool):
        self.pool = pool
        self.process: Any = None
        self.conn: Connection | None = None

    def _ensure_process(self) -> Connection:
        if self.process is None or not self.process.is_alive() or self.conn is None:
            ctx = multiprocessing.get_context("spawn")
            parent, child = ctx.Pipe()
            self.process = ctx.Process(
                target=worker.main, args=(child, self.pool.preload), daemon=True, name="qala-job-worker"
            )
            self.process.start()
            child.close()
            self.conn = parent
        return self.conn

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(timeout=10)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn = None, None

    def run_forever(self) -> None:
        while True:
            job = self.pool.todo.get()
            if job is None:  # a warm-up: start the process now, before the first job waits for it
                with contextlib.suppress(Exception):
                    self._ensure_process()
                continue
            try:
                outcome = self._run(job)
            except Exception as exc:  # the supervisor must outlive any job
                self._kill()
                outcome = Failure("crash", f"the job's worker failed ({exc})")
            try:
                self._finish(job, outcome)
            finally:
                self.pool._done(job.id)

    @staticmethod
    def _finish(job: Job, outcome: Outcome | Failure) -> None:
        """Record the outcome; a busy database is tried again (the slot's thread must never die of it)."""
        for attempt in range(FINISH_ATTEMPTS):
            try:
                job.on_finish(job.id, outcome)
                return
            except Exception:
                if attempt == FINISH_ATTEMPTS - 1:
                    logger.exception("the outcome of job %s could not be recorded", job.id)
                    return
                time.sleep(1 + attempt)

    def _rss_mb(self) -> float:
        try:
            return psutil.Process(self.process.pid).memory_info().rss / 2**20
        except (psutil.Error, AttributeError):
            return 0.0

    def _run(self, job: Job) -> Outcome | Failure:
        conn = self._ensure_process()
        job.on_start(job.id)
        deadline = time.monotonic() + job.budget.seconds
        conn.send((job.func, job.kwargs))
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                return Failure("time", f"the job took longer than its budget of {job.budget.seconds:g} s")
            try:
                ready = conn.poll(min(CHECK_EVERY, left))
                message = conn.recv() if ready else None
            except (EOFError, OSError):
                self._kill()
                return Failure("crash", "the job's worker process ended unexpectedly")
            if message is None:
                if self._rss_mb() > job.budget.memory_mb:
                    self._kill()
                    return Failure("memory", f"the job needed more than its budget of {job.budget.memory_mb} MiB")
                continue
            if message[0] == "progress":
                with contextlib.suppress(Exception):
                    job.on_progress(job.id, message[1], message[2])
                continue
            if message[0] == "done":
                return message[1]
            if message[1] == "memory":
                self._kill()  # a MemoryError may leave the interpreter in a poor state
            return Failure(message[1], message[2])


class JobPool:
    def __init__(self, workers: int, preload: tuple[str, ...] = ()):
        self.workers = workers
        self.preload = preload
        self.todo: queue.Queue[Job | None] = queue.Queue()
        self.events: dict[str, threading.Event] = {}
        self.lock = threading.Lock()
        self.slots = [_Slot(self) for _ in range(workers)]
        for slot in self.slots:
            threading.Thread(target=slot.run_forever, daemon=True, name="qala-job-slot").start()

    def submit(self, job: Job) -> None:
        with self.lock:
            self.events[job.id] = threading.Event()
        self.todo.put(job)

    def warm(self) -> None:
        """Start the worker processes now (each imports ``preload``), not on the first job."""
        for _ in self.slots:
            self.todo.put(None)

    def _done(self, job_id: str) -> None:
        with self.lock:
            event = self.events.pop(job_id, None)
        if event is not None:
            event.set()

    def event(self, job_id: str) -> threading.Event | None:
        """Set when the job (submitted by this process) has finished; None when not this process's job."""
        with self.lock:
            return self.events.get(job_id)


_pools: dict[int, JobPool] = {}
_pools_lock = threading.Lock()


PRELOAD = (
    "qala.jobs.tasks",
    "qala.ingest.validate",
    "qala.store.records",
    "qala.catalog:load_catalog",
    "qala.report.warm:warm",  # the report's modules, unit registries, templates and fonts (not its data)
    "qala.scenario.kernel:warm",  # the scenario engine's register machine: a report runs as the web does
)


def shared(workers: int) -> JobPool:
    """The process's pool (created on first use, with ``workers`` worker processes)."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = JobPool(workers, PRELOAD)
        return pool
