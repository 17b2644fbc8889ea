"""The API, /api/v1: token authentication for scripts; anonymous reads of published results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from qala.cities import DEFAULT_CITY
from qala.ingest.messages import localize
from qala.inventory.engine import InventoryError
from qala.jobs import queue
from qala.jobs.queue import QueueFull
from qala.scenario.spec import ModelError
from qala.services import scenario as scenario_svc
from qala.store import records
from qala.store.users import Account
from qala.web import jobs
from qala.web.api_docs import FORBIDDEN, IMPORT_RESPONSES, NOT_FOUND, READ_ERRORS, SIGNED_IN, JobStatus
from qala.web.cache import cached
from qala.web.published import STATE_PATTERN, shown_inventory, working_requested
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


@router.get("/inventory", responses={**NOT_FOUND, **READ_ERRORS, **SIGNED_IN, **FORBIDDEN})
def inventory(
    request: Request,
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    gwp: GwpParam = "AR5",
    state: Annotated[str | None, Query(pattern=STATE_PATTERN, description="working: editors only")] = None,
) -> dict[str, Any]:
    """The GPC inventory of a city and year as published (the JSON of `qala inventory --format json`).

    ``version`` says which published version it is (number, date, note, SHA-256, and ``stale`` when newer
    accepted data exist); an editor's token may ask for ``state=working`` (the records as they are now).
    """
    working = working_requested(request, state)
    try:
        body = cached(
            request,
            ("api-inventory", city, year, gwp, working),
            lambda: shown_inventory(request, city, year, gwp=gwp, working=working),
        )
    except InventoryError as exc:
        raise HTTPException(status_code=404, detail={"detail": "no inventory", "problems": exc.problems}) from exc
    return body


@router.get("/reconciliation", responses={**NOT_FOUND, **READ_ERRORS})
def reconciliation_api(
    request: Request,
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    year: Annotated[int, Query(ge=1950, le=2100)] = 2024,
    gwp: GwpParam = "AR5",
) -> dict[str, Any]:
    """An imported inventory beside Qala's own figures, per GPC cell (the JSON of `qala reconcile`)."""
    from qala.services.reconcile import reconciliation  # noqa: PLC0415

    if year not in records.years_with_data(request.app.state.engine, city):
        raise HTTPException(status_code=404, detail={"detail": "no data for this city and year"})
    return reconciliation(request.app.state.engine, city, year, gwp, working=False)  # beside the published figures


def inventory_importer(request: Request) -> Account:
    """Editors and admins (with a token of scope ``import``); checked before the body is read."""
    return require(request, "import_inventory")


@router.post("/inventory-imports", status_code=201, responses=IMPORT_RESPONSES)
async def inventory_imports(
    request: Request,
    user: Annotated[Account, Depends(inventory_importer)],
    file: Annotated[UploadFile, File(description="Qala's GPC template (.xlsx) or a CSV of gpc_ref, scope, gas, ...")],
    city: Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")] = DEFAULT_CITY,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    gwp: GwpParam = "AR5",
    dry_run: bool = False,
) -> Response:
    """Import an existing inventory (sector level), all-or-nothing, as `qala import-inventory`: 201 with the
    outcome and the reconciliation, 200 for a dry run, 422 with every problem (file, row, column) and nothing
    stored."""
    from starlette.concurrency import run_in_threadpool  # noqa: PLC0415

    from qala.catalog import load_catalog  # noqa: PLC0415
    from qala.ingest.inventory_file import read_inventory_bytes  # noqa: PLC0415
    from qala.ingest.problems import ValidationFailed  # noqa: PLC0415
    from qala.services.reconcile import reconciliation  # noqa: PLC0415
    from qala.store.imported import import_inventory  # noqa: PLC0415

    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    name, refused = precheck(file.filename, data, limit)
    if refused is not None:
        return JSONResponse(refused.to_dict(), status_code=refused.status)
    engine = request.app.state.engine

    def work() -> dict[str, Any]:
        parsed = read_inventory_bytes(name, data, load_catalog(), year)
        out = import_inventory(engine, parsed, city, who=user.username, gwp=gwp, dry_run=dry_run)
        years = sorted({f.year for f in parsed.figures})
        recon = [] if dry_run else [reconciliation(engine, city, y, gwp) for y in years]
        return {"status": "validated" if dry_run else "imported", "import": out.to_dict(), "reconciliation": recon}

    try:
        body = await run_in_threadpool(work)
    except ValidationFailed as exc:
        body = {
            "status": "refused",
            "problems": [p.to_dict() for p in exc.problems],
            "messages": [str(p) for p in exc.problems],
        }
        return JSONResponse(body, status_code=422)
    return JSONResponse(jsonable_encoder(body), status_code=200 if dry_run else 201)


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
        return JSONResponse(localize(refused.to_dict(), request.state.lang), status_code=refused.status)
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
    return JSONResponse(localize(body, request.state.lang), status_code=status)


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
