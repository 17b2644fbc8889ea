"""Economics page: the MACC (drawn and exported) and the least-cost portfolio for a chosen target."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from qala.economics.portfolio import PortfolioError
from qala.exports.safe import safe
from qala.services import economics as econ
from qala.services.economics import MAX_TCO2E
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page

router = APIRouter(include_in_schema=False)
BasisParam = Annotated[str | None, Query(pattern="^(territorial|basic|basic_plus)$")]


@router.get("/economics")
def economics_page(
    request: Request,
    year: Annotated[int, Query(ge=1990, le=2100)] = 2030,
    limit: Annotated[float | None, Query(ge=0, le=MAX_TCO2E, allow_inf_nan=False)] = None,
    basis: BasisParam = None,
    fmt: Fmt = "html",
) -> Response:
    engine, city = request.app.state.engine, current_city(request)
    try:
        curve = econ.macc_data(engine, city, year, basis=basis)
        chosen = econ.portfolio(engine, city, year, limit, basis=curve["basis"]) if limit is not None else None
    except (ValueError, PortfolioError) as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    context = {"macc": curve, "portfolio": chosen, "year": year, "limit": limit, "basis": curve["basis"]}
    return page(request, "economics.html", context, fmt)


@router.get("/economics/macc.csv")
def macc_csv(
    request: Request, year: Annotated[int, Query(ge=1990, le=2100)] = 2030, basis: BasisParam = None
) -> Response:
    try:
        curve = econ.macc_data(request.app.state.engine, current_city(request), year, basis=basis)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    buf = io.StringIO()
    cols = ["code", "abatement_tco2e", "cumulative_tco2e", "cost_per_year", "cost_per_tco2e", "capex", "lifetime"]
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows({k: safe(v) for k, v in s.items()} for s in curve["steps"])
    return Response(
        buf.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="qala-macc-{year}.csv"'},
    )
