"""The site's pages; each has a JSON twin (``?format=json``) built from the same context."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from qala.catalog import load_catalog
from qala.cities import DEFAULT_CITY
from qala.inventory.engine import InventoryError, InventoryOptions
from qala.scenario.spec import ModelError
from qala.services import scenario as scenario_svc
from qala.services.inventory import inventory_from_store
from qala.store import records
from qala.web.render import render
from qala.web.security import can, check_csrf, require
from qala.web.uploads import process_upload

router = APIRouter(include_in_schema=False)
Fmt = Annotated[str, Query(pattern="^(html|json)$")]


def page(request: Request, template: str, context: dict[str, Any], fmt: str, status_code: int = 200) -> Response:
    """The page, or its JSON twin built from the same context."""
    if fmt == "json":
        return JSONResponse({k: v for k, v in context.items() if not k.startswith("_")}, status_code=status_code)
    return render(request, template, context, status_code=status_code)


def _inventory(request: Request, year: int | None) -> dict[str, Any] | None:
    try:
        inv = inventory_from_store(request.app.state.engine, DEFAULT_CITY, year, InventoryOptions())
    except InventoryError:
        return None
    return inv.to_dict()


@router.get("/")
def overview(request: Request, fmt: Fmt = "html") -> Response:
    inv = _inventory(request, None)
    years = records.years_with_data(request.app.state.engine, DEFAULT_CITY)
    trend = []
    for y in years:
        d = _inventory(request, y)
        if d:
            trend.append({"year": y, **d["totals"]})
    scenarios: dict[str, Any] = {}
    try:
        model, _ = scenario_svc.resolve("bau", DEFAULT_CITY)
        for name in ("bau", "low-carbon"):
            if name in model.scenarios:
                r = scenario_svc.run(request.app.state.engine, model, name, draws=200, seed=1)
                d = r.to_dict()
                scenarios[name] = {
                    "years": d["years"],
                    "total": d["total"],
                    "targets": d["targets"],
                    "basis": d["basis"],
                }
    except (ModelError, InventoryError):
        scenarios = {}
    context = {
        "city": DEFAULT_CITY,
        "inventory": None
        if inv is None
        else {k: inv[k] for k in ("year", "gwp", "totals", "by_sector", "by_scope", "by_gas", "biogenic_co2_t")},
        "sectors": load_catalog().sectors,
        "trend": trend,
        "scenarios": scenarios,
    }
    return page(request, "overview.html", context, fmt)


@router.get("/inventory")
def inventory_page(
    request: Request, year: Annotated[int | None, Query(ge=1950, le=2100)] = None, fmt: Fmt = "html"
) -> Response:
    inv = _inventory(request, year)
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
        "years": records.years_with_data(request.app.state.engine, DEFAULT_CITY),
    }
    return page(request, "inventory.html", context, fmt)


@router.get("/data")
def data_page(request: Request, fmt: Fmt = "html") -> Response:
    user = request.state.user
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    rows = records.record_provenance(request.app.state.engine, DEFAULT_CITY, None, include_superseded=True)
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


@router.post("/data/upload")
async def upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "upload")
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    outcome = process_upload(
        request.app.state.engine, file.filename, data, user, DEFAULT_CITY, max_bytes=limit, dry_run=dry_run
    )
    rows = records.record_provenance(request.app.state.engine, DEFAULT_CITY, None, include_superseded=True)
    if not can(user, "read_all_uploads"):
        rows = [r for r in rows if r["imported_by"] == user.username]
    context = {"records": rows, "providers": [], "outcome": outcome.to_dict()}
    return render(request, "data.html", context, status_code=outcome.status if outcome.status >= 400 else 200)


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


@router.get("/scenarios")
def scenarios_page(request: Request, fmt: Fmt = "html") -> Response:
    try:
        model, _ = scenario_svc.resolve("bau", DEFAULT_CITY)
    except ModelError as exc:
        raise HTTPException(status_code=404, detail="no model") from exc
    results = {}
    for name in model.scenarios:
        d = scenario_svc.run(request.app.state.engine, model, name, draws=500, seed=1).to_dict()
        results[name] = {"years": d["years"], "total": d["total"], "targets": d["targets"], "basis": d["basis"]}
    measures = [
        {
            "code": m.code,
            "name": m.names,
            "start": m.start,
            "full": m.full,
            "roadmap_activity": m.roadmap_activity,
            "source": m.source,
        }
        for m in model.measures.values()
    ]
    return page(request, "scenarios.html", {"results": results, "measures": measures}, fmt)
