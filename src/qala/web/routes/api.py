"""The API, /api/v1: token authentication for scripts; anonymous reads of published results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from qala.cities import DEFAULT_CITY
from qala.inventory.engine import InventoryError, InventoryOptions
from qala.jobs import queue
from qala.jobs.queue import QueueFull
from qala.scenario.spec import ModelError
from qala.services import scenario as scenario_svc
from qala.services.inventory import inventory_from_store
from qala.store import records
from qala.store.users import Account
from qala.web import jobs
from qala.web.api_docs import IMPORT_RESPONSES, NOT_FOUND, READ_ERRORS, SIGNED_IN, JobStatus
from qala.web.cache import cached
from qala.web.scenario_results import standard_dict
from qala.web.security import can, require
from qala.web.uploads import job_outcome, precheck, start_import

router = APIRouter(prefix="/api/v1", tags=["api"])


def uploader(request: Request) -> Account:
    """Runs before the body is read: anonymous or unauthorised writes get 401/403, not a validation error."""
    return require(request, "upload")


GwpParam = Annotated[str, Query(pattern="^(AR4|AR5|AR6)$")]


@router.get("/health")
def health(request: Request) -> dict[str, str]:
    """200 while the database answers; 503 (with a message) while it cannot be reached."""
    with request.app.state.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    return {"status": "ok", "database": "ok"}


@router.get("/inventory", responses={**NOT_FOUND, **READ_ERRORS})
def inventory(
    request: Request,
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    gwp: GwpParam = "AR5",
) -> dict[str, Any]:
    """The GPC inventory of a city and year (the JSON of `qala inventory --format json`)."""
    engine = request.app.state.engine
    try:
        body = cached(
            request,
            ("api-inventory", city, year, gwp),
            lambda: inventory_from_store(engine, city, year, InventoryOptions(gwp=gwp)).to_dict(),
        )
    except InventoryError as exc:
        raise HTTPException(status_code=404, detail={"detail": "no inventory", "problems": exc.problems}) from exc
    return body


@router.post("/imports", status_code=201, responses=IMPORT_RESPONSES)
async def imports(
    request: Request,
    user: Annotated[Account, Depends(uploader)],
    file: Annotated[UploadFile, File(description="CSV or XLSX in the activity-data format")],
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    dry_run: bool = False,
    wait: Annotated[bool, Query(description="Wait for the import (up to QALA_JOB_WAIT s); false: 202 at once")] = True,
) -> Response:
    """Import activity data: the CLI's validation and report; nothing is stored when anything is wrong.

    The import runs as a job (a worker process with a time and memory budget). The answer waits for it
    (``wait=true``, up to ``QALA_JOB_WAIT`` seconds); otherwise, or when it takes longer, it is a 202 with
    the job's status URL (``GET /api/v1/jobs/{id}``). Too many waiting jobs: 429 with Retry-After.
    """
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    name, refused = precheck(file.filename, data, limit)
    if refused is not None:
        return JSONResponse(refused.to_dict(), status_code=refused.status)
    try:
        job_id = await start_import(request, name, data, user, city, dry_run=dry_run)
    except QueueFull as exc:
        return jobs.queue_full(request, exc)
    job = await jobs.wait(request, job_id, jobs.settings_of(request).wait if wait else 0)
    if job is None:
        where = f"/api/v1/jobs/{job_id}"
        body = {"status": "accepted", "job": job_id, "status_url": where}
        return JSONResponse(body, status_code=202, headers={"Location": where})
    status, body = job_outcome(job)
    return JSONResponse(body, status_code=status)


@router.get("/jobs/{job_id}", response_model=JobStatus, responses={**NOT_FOUND})
def job_status(request: Request, job_id: str) -> dict[str, Any]:
    """A job's state (queued, running, done, failed), progress (0-1) and, once finished, its outcome."""
    job = queue.get(request.app.state.engine, job_id)
    if not jobs.visible(request, job):
        raise HTTPException(status_code=404, detail="no such job")
    assert job is not None
    out = {k: job[k] for k in ("id", "kind", "state", "progress", "phase", "created_at", "started_at", "finished_at")}
    if job["state"] not in queue.ACTIVE:
        out["code"], out["result"] = job_outcome(job) if job["kind"] == "import" else (job["code"], job["body"])
        if job["kind"] == "report" and job["state"] == "done":
            out["file_url"] = f"/jobs/{job_id}/file"
    return out


@router.get("/records", responses={**SIGNED_IN, **READ_ERRORS})
def list_records(
    request: Request,
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
) -> list[dict[str, Any]]:
    """Activity records with provenance (data providers see only their own submissions)."""
    user = request.state.user
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    if user.token_scopes is not None and "read" not in user.token_scopes:
        raise HTTPException(status_code=403, detail="the token lacks the scope 'read'")
    rows = records.record_provenance(request.app.state.engine, city, year)
    if not can(user, "read_all_uploads"):
        rows = [r for r in rows if r["imported_by"] == user.username]
    return rows


@router.get("/scenarios/{name}", responses={**NOT_FOUND, **READ_ERRORS})
def scenario(
    request: Request,
    name: str,
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    draws: Annotated[int, Query(ge=1, le=20000)] = scenario_svc.STANDARD_DRAWS,
    seed: Annotated[int, Query(ge=0, le=2**31)] = scenario_svc.STANDARD_SEED,
) -> dict[str, Any]:
    """A scenario of the city's model: mean and quantiles per year, by sector, and the targets."""
    try:
        model, _ = scenario_svc.resolve("bau", city, request.app.state.engine)
    except ModelError as exc:
        raise HTTPException(status_code=404, detail={"detail": "no model", "problems": exc.problems}) from exc
    if name not in model.scenarios:
        raise HTTPException(status_code=404, detail=f"unknown scenario '{name}'")

    # the same data, model, draws and seed give the same numbers, on every page and here: kept
    return standard_dict(request, city, model, name, draws, seed)
