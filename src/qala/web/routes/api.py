"""The API, /api/v1: token authentication for scripts; anonymous reads of published results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from qala.cities import DEFAULT_CITY
from qala.inventory.engine import InventoryError, InventoryOptions
from qala.scenario.spec import ModelError
from qala.services import scenario as scenario_svc
from qala.services.inventory import inventory_from_store
from qala.store import records
from qala.store.users import Account
from qala.web.api_docs import IMPORT_RESPONSES, NOT_FOUND, READ_ERRORS, SIGNED_IN
from qala.web.cache import cached
from qala.web.security import can, require
from qala.web.uploads import process_upload

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
) -> JSONResponse:
    """Import activity data: the CLI's validation and report; nothing is stored when anything is wrong."""
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    outcome = process_upload(
        request.app.state.engine, file.filename, data, user, city, max_bytes=limit, dry_run=dry_run
    )
    return JSONResponse(outcome.to_dict(), status_code=outcome.status)


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
    draws: Annotated[int, Query(ge=1, le=20000)] = 1000,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 1,
) -> dict[str, Any]:
    """A scenario of the city's model: mean and quantiles per year, by sector, and the targets."""
    try:
        model, _ = scenario_svc.resolve("bau", city, request.app.state.engine)
    except ModelError as exc:
        raise HTTPException(status_code=404, detail={"detail": "no model", "problems": exc.problems}) from exc
    if name not in model.scenarios:
        raise HTTPException(status_code=404, detail=f"unknown scenario '{name}'")

    def build() -> dict[str, Any]:  # the same data, model, draws and seed give the same numbers: kept
        data = scenario_svc.run(request.app.state.engine, model, name, draws=draws, seed=seed).to_dict()
        data.pop("flows_mean", None)
        return data

    return cached(request, ("api-scenario", city, name, draws, seed, id(model)), build)
