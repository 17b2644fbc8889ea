"""A job's page: its progress while it waits or runs (polled by HTMX, refreshed without JavaScript), its outcome."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from qala.jobs import queue
from qala.web import jobs
from qala.web.render import render
from qala.web.routes.pages import Fmt, page, records_for
from qala.web.uploads import job_outcome

router = APIRouter(include_in_schema=False)


def _job(request: Request, job_id: str) -> dict[str, Any]:
    job = queue.get(request.app.state.engine, job_id)
    if not jobs.visible(request, job):
        raise HTTPException(status_code=404, detail="no such job")
    assert job is not None
    return job


def job_context(job: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """What the page and its JSON twin show: state, progress and, once finished, the outcome."""
    context: dict[str, Any] = {
        "job": {k: job[k] for k in ("id", "kind", "state", "progress", "phase", "created_at", "finished_at")},
        "outcome": None,
        "file_url": None,
        "failure": None,
    }
    if job["state"] in queue.ACTIVE:
        return context
    if job["kind"] == "import":
        from qala.ingest.messages import localize  # noqa: PLC0415

        code, outcome = job_outcome(job)
        context["code"], context["outcome"] = code, localize(outcome, lang)
    elif job["state"] == "done" and job["code"] == 200:
        context["file_url"] = f"/jobs/{job['id']}/file"
        context["file_name"] = job["file_name"]
    else:
        context["failure"] = (job["body"] or {}).get("error", "error")
    return context


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, job_id: str, fmt: Fmt = "html", part: Annotated[str | None, Query(pattern="^progress$")] = None
) -> Response:
    job = _job(request, job_id)
    context = job_context(job, request.state.lang)
    status = context.get("code") or 200
    if part == "progress":  # the fragment HTMX swaps in (and polls again while the job is not finished)
        if job["kind"] == "import" and job["state"] == "done" and request.state.user is not None:
            context["records"] = records_for(request, request.state.user)  # the page's table, swapped too
        return render(request, "_job.html", context)
    return page(request, "job.html", context, fmt, status_code=status if status >= 400 else 200)


@router.get("/jobs/{job_id}/file")
def job_file(request: Request, job_id: str) -> Response:
    job = queue.get(request.app.state.engine, job_id, with_file=True)
    if not jobs.visible(request, job) or job is None or job["state"] != "done" or job.get("file") is None:
        raise HTTPException(status_code=404, detail="no file for this job")
    return Response(
        job["file"],
        media_type=job["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{job["file_name"]}"', "Cache-Control": "no-store"},
    )
