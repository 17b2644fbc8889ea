"""The site's pages; each has a JSON twin (``?format=json``) built from the same context."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from qala.catalog import load_catalog
from qala.ingest.messages import localize
from qala.inventory.engine import InventoryError
from qala.jobs.queue import QueueFull
from qala.scenario.spec import CityModel, ModelError
from qala.services import scenario as scenario_svc
from qala.services.reconcile import reconciliation
from qala.store import records
from qala.web import jobs
from qala.web.cache import cached
from qala.web.city import current_city
from qala.web.published import STATE_PATTERN, shown_inventory, shown_years, working_requested
from qala.web.render import render
from qala.web.scenario_results import standard_dict
from qala.web.security import can, check_csrf, require
from qala.web.uploads import job_outcome, precheck, start_import

router = APIRouter(include_in_schema=False)
Fmt = Annotated[str, Query(pattern="^(html|json)$")]
State = Annotated[str | None, Query(pattern=STATE_PATTERN)]


def page(request: Request, template: str, context: dict[str, Any], fmt: str, status_code: int = 200) -> Response:
    """The page, or its JSON twin built from the same context."""
    if fmt == "json":
        body = jsonable_encoder({k: v for k, v in context.items() if not k.startswith("_")})  # dates and times too
        return JSONResponse(body, status_code=status_code)
    return render(request, template, context, status_code=status_code)


def _inventory(request: Request, year: int | None, working: bool = False) -> dict[str, Any] | None:
    """The published version the public sees (or the working state for an editor who asks for it), kept until
    the data or the publications change (``web.cache``)."""
    key = ("inventory", current_city(request), year, working)
    return cached(request, key, lambda: _inventory_now(request, year, working))


def _inventory_now(request: Request, year: int | None, working: bool) -> dict[str, Any] | None:
    try:
        return shown_inventory(request, current_city(request), year, working=working)
    except InventoryError:
        return None


@router.get("/")
def overview(request: Request, fmt: Fmt = "html", state: State = None) -> Response:
    working = working_requested(request, state)
    key = ("overview", current_city(request), working)
    context = cached(request, key, lambda: _overview_context(request, working))
    return page(request, "overview.html", context, fmt)


def _overview_context(request: Request, working: bool = False) -> dict[str, Any]:
    inv = _inventory(request, None, working)
    years = shown_years(request, current_city(request), working)
    trend = []
    for y in years:
        d = _inventory(request, y, working)
        if d:
            trend.append(
                {
                    "year": y,
                    **d["totals"],
                    "by_sector": d["by_sector"],
                    "share_estimated": d["share_estimated"]["basic_plus"],
                }
            )
    scenarios: dict[str, Any] = {}
    try:
        model, _ = scenario_svc.resolve("bau", current_city(request), request.app.state.engine)
        for name in ("bau", "low-carbon"):
            if name in model.scenarios:
                d = standard_dict(request, current_city(request), model, name, working=working)
                scenarios[name] = {
                    "years": d["years"],
                    "total": d["total"],
                    "targets": d["targets"],
                    "basis": d["basis"],
                }
    except (ModelError, InventoryError):
        scenarios = {}
    return {
        "city": current_city(request),
        "inventory": None
        if inv is None
        else {
            k: inv[k]
            for k in (
                "year",
                "gwp",
                "totals",
                "share_estimated",
                "coverage",
                "by_sector",
                "sector_keys",
                "by_scope",
                "by_gas",
                "biogenic_co2_t",
                "version",
            )
        },
        "sectors": load_catalog().sectors,
        "trend": trend,
        "history": {
            "years": [t["year"] for t in trend],
            "values": {code: [t["by_sector"][code] for t in trend] for code in (inv or {}).get("by_sector", {})},
        },
        "scenarios": scenarios,
    }


@router.get("/inventory")
def inventory_page(
    request: Request,
    year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    fmt: Fmt = "html",
    state: State = None,
) -> Response:
    working = working_requested(request, state)
    inv = _inventory(request, year, working)
    if inv is None:
        raise HTTPException(status_code=404, detail="no inventory for this year")
    cat = load_catalog()
    cells = [
        {
            "ref": c.ref,
            "sector": c.sector,
            "scope": c.scope,
            "level": c.level,
            "name": c.subsector_names,
            "meaning": c.meaning,
        }
        for c in cat.cells.values()
    ]
    context = {
        "inventory": inv,
        "cells": cells,
        "sectors": cat.sectors,
        "years": shown_years(request, current_city(request), working),
        "working": working,
        # an imported inventory beside Qala's own figures, per cell (empty when the year has none)
        "reconciliation": reconciliation(request.app.state.engine, current_city(request), inv["year"], working=working),
    }
    return page(request, "inventory.html", context, fmt)


@router.get("/data")
def data_page(request: Request, fmt: Fmt = "html") -> Response:
    user = request.state.user
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    rows = records.record_provenance(request.app.state.engine, current_city(request), None, include_superseded=True)
    if not can(user, "read_all_uploads"):
        rows = [r for r in rows if r["imported_by"] == user.username]
    context = {
        "records": rows,
        "providers": [
            "chp_plant",
            "heat_network",
            "power_utility",
            "gas_utility",
            "transport_department",
            "waste_operator",
        ],
        "outcome": None,
    }
    return page(request, "data.html", context, fmt)


def records_for(request: Request, user: Any) -> list[dict[str, Any]]:
    rows = records.record_provenance(request.app.state.engine, current_city(request), None, include_superseded=True)
    if not can(user, "read_all_uploads"):
        rows = [r for r in rows if r["imported_by"] == user.username]
    return rows


async def upload_result(request: Request, status: int, outcome: dict[str, Any]) -> Response:
    """The data page with an upload's outcome (its records read off the event loop)."""
    rows = await run_in_threadpool(records_for, request, request.state.user)
    context = {"records": rows, "providers": [], "outcome": localize(outcome, request.state.lang)}
    return render(request, "data.html", context, status_code=status if status >= 400 else 200)


@router.post("/data/upload")
async def upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    """The import runs as a job: the page answers when it is done (or shows its progress, see ``routes.jobs``)."""
    check_csrf(request, csrf_token)
    user = require(request, "upload")
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    name, refused = precheck(file.filename, data, limit)
    if refused is not None:
        if request.headers.get("hx-request"):  # swapped into the form's progress area
            return render(request, "_outcome.html", {"outcome": localize(refused.to_dict(), request.state.lang)})
        return await upload_result(request, refused.status, refused.to_dict())
    try:
        job_id = await start_import(request, name, data, user, current_city(request), dry_run=dry_run)
    except QueueFull as exc:
        return jobs.queue_full(request, exc)
    if request.headers.get("hx-request"):  # the page polls the job's progress itself
        return RedirectResponse(f"/jobs/{job_id}?part=progress", status_code=303)
    job = await jobs.wait(request, job_id, jobs.settings_of(request).wait)
    if job is None:
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    status, outcome = job_outcome(job)
    return await upload_result(request, status, outcome)


@router.get("/template/{provider}")
def template_download(request: Request, provider: str) -> Response:
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from qala.ingest.template import PROVIDERS, write_template  # noqa: PLC0415

    if provider not in PROVIDERS:
        raise HTTPException(status_code=404, detail="unknown provider")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"qala-{provider}.xlsx"
        write_template(provider, path, catalog=load_catalog(), lang=request.state.lang)
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="qala-{provider}.xlsx"'},
    )


def _summary(result_dict: dict[str, Any], basis: str | None = None, model: CityModel | None = None) -> dict[str, Any]:
    """What the scenarios page shows of a run: the total on the chosen basis (default: the model's), and the
    mean removals and offsets in it (None when the basis does not count them or the scenario has none)."""
    out = {k: result_dict[k] for k in ("years", "total", "targets", "basis", "measures")}
    if basis is not None and basis != out["basis"]:
        out["total"], out["basis"] = result_dict["by_basis"][basis], basis
    removals = result_dict.get("removals")
    out["removals"] = None
    if removals and model is not None and any(removals["mean"]) and scenario_svc.removals_counted(model, out["basis"]):
        out["removals"] = removals["mean"]
    return out


@router.get("/scenarios")
def scenarios_page(
    request: Request,
    measures: Annotated[list[str] | None, Query(max_length=50)] = None,
    custom: bool = False,
    basis: Annotated[str | None, Query(pattern="^(territorial|basic|basic_plus)$")] = None,
    fmt: Fmt = "html",
) -> Response:
    try:
        model, _ = scenario_svc.resolve("bau", current_city(request), request.app.state.engine)
    except ModelError as exc:
        raise HTTPException(status_code=404, detail="no model") from exc
    engine = request.app.state.engine
    city = current_city(request)
    results = {name: _summary(standard_dict(request, city, model, name), basis, model) for name in model.scenarios}
    chosen = [m for m in (measures or []) if m in model.measures]
    if custom:
        custom_model = scenario_svc.with_custom(model, chosen)
        results["custom"] = _summary(
            scenario_svc.run(engine, custom_model, "custom", draws=200, seed=1).to_dict(), basis, custom_model
        )
    listed = [
        {
            "code": m.code,
            "name": m.names,
            "start": m.start,
            "full": m.full,
            "cost": m.cost,
            "roadmap_activity": m.roadmap_activity,
            "source": m.source,
        }
        for m in model.measures.values()
    ]
    context = {
        "results": results,
        "measures": listed,
        "chosen": chosen,
        "custom": custom,
        "basis": basis or model.basis,
    }
    return page(request, "scenarios.html", context, fmt)


@router.get("/scenarios/custom")
def scenarios_custom(
    request: Request,
    measures: Annotated[list[str] | None, Query(max_length=50)] = None,
    basis: Annotated[str | None, Query(pattern="^(territorial|basic|basic_plus)$")] = None,
) -> Response:
    """The fragment HTMX swaps in when measures are switched on or off (a deterministic run and 200 draws)."""
    model, _ = scenario_svc.resolve("bau", current_city(request), request.app.state.engine)
    chosen = [m for m in (measures or []) if m in model.measures]
    custom_model = scenario_svc.with_custom(model, chosen)
    result = _summary(
        scenario_svc.run(request.app.state.engine, custom_model, "custom", draws=200, seed=1).to_dict(),
        basis,
        custom_model,
    )
    return render(request, "_custom.html", {"custom_result": result, "chosen": chosen})
