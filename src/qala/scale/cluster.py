"""Where the chunks run: ``--scheduler local`` (a LocalCluster here) or a scheduler's address.

``QALA_SCHEDULER`` gives the default (unset: no Dask, everything in this process), and
``QALA_SCHEDULER_TIMEOUT`` the seconds to wait for a remote scheduler (default 10).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qala.scenario.chunks import Runner, serial

if TYPE_CHECKING:
    from distributed import LocalCluster

ADDRESS_RE = re.compile(r"^(tcp|tls|ws|wss|inproc)://[^\s/]+(:\d+)?/?$")


class SchedulerError(RuntimeError):
    """The scheduler cannot be used; ``invalid`` is True for a malformed address (exit 2), else 1."""

    def __init__(self, message: str, invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid


@dataclass(frozen=True)
class ClusterOptions:
    scheduler: str | None  # None: no Dask; "local"; or an address such as tcp://10.0.0.5:8786
    workers: int = 2
    processes: bool = True
    threads_per_worker: int = 1
    timeout: float = 10.0

    @classmethod
    def resolve(cls, scheduler: str | None, workers: int | None = None, processes: bool = True) -> ClusterOptions:
        """The option, else QALA_SCHEDULER; checked here so a typo fails before any work starts."""
        chosen = scheduler if scheduler is not None else os.environ.get("QALA_SCHEDULER") or None
        if chosen is not None:
            chosen = chosen.strip()
            if chosen in ("", "none"):
                chosen = None
            elif chosen != "local" and not ADDRESS_RE.match(chosen):
                raise SchedulerError(
                    f"'{chosen}' is not a scheduler address: give 'local' or an address such as tcp://127.0.0.1:8786",
                    invalid=True,
                )
        try:
            timeout = float(os.environ.get("QALA_SCHEDULER_TIMEOUT", "10"))
        except ValueError as exc:
            raise SchedulerError("QALA_SCHEDULER_TIMEOUT must be a number of seconds", invalid=True) from exc
        return cls(chosen, workers or 2, processes, 1, timeout)


@contextmanager
def runner_for(options: ClusterOptions) -> Iterator[Runner]:
    """A runner for the options; the cluster (if one was started) is closed on the way out."""
    if options.scheduler is None:
        yield serial
        return
    from qala.scale.dask_runner import DaskRunner  # noqa: PLC0415

    with open_client(options) as client:
        yield DaskRunner(client)


# Dask starts worker processes with MALLOC_TRIM_THRESHOLD_ set, which also stops glibc from raising its
# mmap threshold: every large numpy temporary of a chunk (draws x years) is then mapped and unmapped afresh,
# and a chunk took 2.3 times as long in a worker as in this process. Large blocks from the heap again:
# And one engine thread per worker (``qala.scenario.plan`` otherwise evaluates a chunk's blocks on two threads):
# a worker is one core, so n workers on n cores do not oversubscribe them.
WORKER_ENVIRON = {"MALLOC_MMAP_THRESHOLD_": str(256 * 2**20), "QALA_ENGINE_THREADS": "1"}

# Dask's housekeeping, tuned for a few long tasks rather than a dashboard: by default each worker samples
# its threads' stacks every 10 ms for the profiler, and worker, scheduler and client poll the event loop
# (20 ms), memory (100 ms) and the system (500 ms). Idle, that cost 47 ms of CPU per second per worker and
# 74 ms per second in this process (client and scheduler) — 17 % of one core on a 2-core machine, taken
# from the chunks; with these settings 6 and 15 ms (measured 2026-12-02). None of them changes a result.
QUIET_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
}


def local_cluster(workers: int, threads_per_worker: int = 1, processes: bool = True) -> LocalCluster:
    """A LocalCluster on this machine whose workers allocate as this process does and keep house quietly.

    Worker processes get one numpy/BLAS thread each (Dask's default ``OMP_NUM_THREADS=1`` and friends), so
    n workers use n cores; no dashboard is started.
    """
    import dask  # noqa: PLC0415
    from distributed import LocalCluster  # noqa: PLC0415 - dask only when asked for

    environ = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENVIRON.items()}
    dask.config.set(QUIET_CONFIG)  # this process too: the scheduler and the client run here
    with dask.config.set(environ):
        return LocalCluster(
            n_workers=workers, threads_per_worker=threads_per_worker, processes=processes, dashboard_address=None
        )


@contextmanager
def open_client(options: ClusterOptions) -> Iterator[object]:
    from distributed import Client  # noqa: PLC0415 - dask only when asked for

    if options.scheduler == "local":
        cluster = local_cluster(options.workers, options.threads_per_worker, options.processes)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(options.scheduler, timeout=options.timeout)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {options.scheduler}: {exc}") from exc
    except ValueError as exc:
        raise SchedulerError(f"'{options.scheduler}' is not a scheduler address: {exc}", invalid=True) from exc
    try:
        yield client
    finally:
        client.close()
