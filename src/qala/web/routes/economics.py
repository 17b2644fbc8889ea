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
from qala.web import i18n, labels
from qala.web.cache import cached
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page

router = APIRouter(include_in_schema=False)
PAGE_BASIS = econ.MACC_BASIS  # the page opens on BASIC, as the report draws the MACC
BasisParam = Annotated[str | None, Query(pattern="^(territorial|basic|basic_plus)$")]


@router.get("/economics")
def economics_page(
    request: Request,
    year: Annotated[str, Query(max_length=10)] = "2030",
    limit: Annotated[str | None, Query(max_length=40)] = None,
    basis: BasisParam = None,
    fmt: Fmt = "html",
) -> Response:
    """The MACC and, for a typed limit, the least-cost portfolio; the form takes the locale's numbers
    ("5 576 311", "5576311,5") and a bad value is said next to its field, with what was typed kept."""
    engine, city, lang = request.app.state.engine, current_city(request), request.state.lang
    basis = basis or PAGE_BASIS
    errors: dict[str, str] = {}
    _ = i18n.translations(lang).gettext
    try:
        year_value = int(i18n.parse_number(year, lang) or 2030)
        if not 1990 <= year_value <= 2100:
            raise ValueError(year)
    except (ValueError, OverflowError):
        errors["year"] = _("Give a year between the model's first and last year, e.g. 2030.")
        year_value = 2030
    try:
        limit_value = i18n.parse_number(limit, lang)
        if limit_value is not None and not 0 <= limit_value <= MAX_TCO2E:
            raise ValueError(limit)
    except ValueError:
        errors["limit"] = _("Give the emission limit as a number of tonnes CO2e, e.g. 5 000 000.")
        limit_value = None

    def macc(y: int):  # type: ignore[no-untyped-def]
        return cached(request, ("macc", city, y, basis), lambda: econ.macc_data(engine, city, y, basis=basis))

    try:
        curve = macc(year_value)
    except ValueError as exc:
        if fmt == "json":
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        errors["year"] = _("Give a year between the model's first and last year, e.g. 2030.")
        year_value = 2030
        curve = macc(year_value)
    chosen = None
    if limit_value is not None and not errors:
        try:
            chosen = cached(
                request,
                ("portfolio", city, year_value, limit_value, curve["basis"]),
                lambda: econ.portfolio(engine, city, year_value, limit_value, basis=curve["basis"]),
            )
        except (ValueError, PortfolioError) as exc:
            if fmt == "json":
                raise HTTPException(status_code=400, detail=str(exc)) from exc
            errors["limit"] = str(exc)
    if errors and fmt == "json":
        raise HTTPException(status_code=422, detail=errors)
    context = {"macc": curve, "portfolio": chosen, "year": year_value, "limit": limit_value, "basis": curve["basis"]}
    context["axis"] = econ.macc_axis(curve["steps"])  # where the drawn curve's cost axis stops, and what is above
    context["_measures"] = labels.measure_names(city, engine)  # names for the page (not in the JSON twin)
    context["_errors"] = errors
    context["_typed"] = {"year": year, "limit": limit or ""}
    return page(request, "economics.html", context, fmt, status_code=422 if errors else 200)


@router.get("/economics/macc.csv")
def macc_csv(
    request: Request, year: Annotated[int, Query(ge=1990, le=2100)] = 2030, basis: BasisParam = None
) -> Response:
    try:
        curve = econ.macc_data(request.app.state.engine, current_city(request), year, basis=basis or PAGE_BASIS)
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
