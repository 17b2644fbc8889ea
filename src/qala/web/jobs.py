"""Jobs from the web: admit, run in the process's pool, wait without holding the event loop, answer 429.

A plain form post or API call waits for its job up to ``QALA_JOB_WAIT`` seconds (the event loop stays
free: the wait is a sleep between looks) and answers as if the work had been done in the request; a
longer job is answered with its page (or a 202 with its status URL), which the browser polls. An
HTMX request (``HX-Request``) or an API call with ``wait=false`` gets the job at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from qala.jobs import pool as job_pool
from qala.jobs import queue
from qala.jobs.budget import JobSettings
from qala.jobs.pool import Job
from qala.jobs.queue import QueueFull
from qala.jobs.worker import Outcome

LOOK_EVERY = 0.05  # seconds between two looks at a job this process runs
LOOK_DB_EVERY = 0.5  # ... at a job another process runs


def settings_of(request: Request) -> JobSettings:
    return request.app.state.settings.jobs


def owner_of(request: Request) -> str:
    """Whose queue a job counts against: the signed-in person, else the address."""
    user = request.state.user
    if user is not None:
        return f"user:{user.id}"
    return f"addr:{request.client.host if request.client else 'unknown'}"


def database_url(request: Request) -> str:
    return request.app.state.engine.url.render_as_string(hide_password=False)


async def submit(
    request: Request,
    kind: str,
    func: Callable[..., Outcome],
    kwargs: dict[str, Any],
    *,
    cache_key: str | None = None,
    label: str | None = None,
) -> str:
    """Admit and start a job (or join the one made for ``cache_key``); QueueFull past the bounds."""
    engine, settings = request.app.state.engine, settings_of(request)
    admitted = await run_in_threadpool(queue.admit, engine, kind, owner_of(request), settings, cache_key, label)
    if not admitted.reused:
        job_pool.shared(settings.workers).submit(
            Job(
                admitted.id,
                func,
                kwargs,
                settings.budget,
                on_start=lambda job_id: queue.started(engine, job_id),
                on_progress=lambda job_id, share, phase: queue.progressed(engine, job_id, share, phase),
                on_finish=lambda job_id, outcome: queue.finished(engine, job_id, outcome),
            )
        )
    return admitted.id


async def wait(request: Request, job_id: str, seconds: float) -> dict[str, Any] | None:
    """The job once it has finished, or None when it is still waiting or running after ``seconds``."""
    engine = request.app.state.engine
    deadline = time.monotonic() + seconds
    pool = job_pool.shared(settings_of(request).workers)
    while True:
        event = pool.event(job_id)
        if event is None or event.is_set():
            job = await run_in_threadpool(queue.get, engine, job_id)
            if job is None or job["state"] not in queue.ACTIVE:
                return job
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(LOOK_EVERY if event is not None else LOOK_DB_EVERY)


def queue_full(request: Request, exc: QueueFull) -> Response:
    """429 with Retry-After: too many jobs of this person's, or of everyone's, are waiting."""
    from qala.web.render import render  # noqa: PLC0415

    headers = {"Retry-After": str(exc.retry_after)}
    if request.url.path.startswith("/api/") or request.query_params.get("fmt") == "json":
        detail = {"detail": str(exc), "retry_after": exc.retry_after}
        return JSONResponse(detail, status_code=429, headers=headers)
    context = {"status": 429, "detail": None, "mine": exc.mine, "retry_after": exc.retry_after}
    response = render(request, "error.html", context, status_code=429)
    response.headers.update(headers)
    return response


def visible(request: Request, job: dict[str, Any] | None) -> bool:
    """An import's job is its owner's alone; a report (public content) is anyone's who has its id."""
    return job is not None and (job["kind"] == "report" or job["owner"] == owner_of(request))
