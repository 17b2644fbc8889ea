"""The options that send long runs to a Dask cluster (``--scheduler``, ``--workers``, ``--threads``)."""

from __future__ import annotations

from typing import Annotated

import typer

from qala.scale.cluster import ClusterOptions

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run the chunks on Dask: 'local' (a LocalCluster here) or a scheduler address such as "
        "tcp://10.0.0.5:8786 (default: QALA_SCHEDULER; unset: in this process).",
        show_default=False,
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", min=1, max=256, help="Workers of --scheduler local (default 2).")
]
ThreadsOpt = Annotated[
    bool, typer.Option("--threads/--processes", help="--scheduler local: workers as threads or as processes.")
]


def cluster_options(scheduler: str | None, workers: int | None, threads: bool) -> ClusterOptions:
    return ClusterOptions.resolve(scheduler, workers, processes=not threads)
