"""The editors' estimates page: what the city's spec estimates, what writing it would change, and writing it;
for a city without a spec, a generic one from its population series (pasted as CSV)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from qala.estimate.model import EstimateError
from qala.messages import problem_list
from qala.services import estimates as svc
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page
from qala.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)
MAX_SERIES_CHARS = 20_000


def _context(request: Request, year: int | None, source: svc.SpecSource | None, problems: list[str]) -> dict[str, Any]:
    engine, city = request.app.state.engine, current_city(request)
    context: dict[str, Any] = {
        "city": city,
        "spec": None,
        "estimates": [],
        "years": [],
        "year": year,
        "outcome": None,
        "problems": problem_list(problems, request.state.lang),
        "population_text": "",
    }
    if problems:
        return context
    try:
        source, made = svc.estimate(engine, city, source)
        outcome = svc.preview_or_apply(engine, city, source, made, who="preview", apply=False)
    except EstimateError as exc:
        if source is None and not svc.stored_spec(engine, city) and not svc.bundled_spec(city):
            return context  # no spec yet: the page offers the generic one
        context["problems"] = problem_list(exc.problems, request.state.lang)
        return context
    years = sorted({e.year for e in made})
    shown = year if year in years else (years[-1] if years else None)
    context.update(
        spec={"origin": source.origin, "name": source.name},
        years=years,
        year=shown,
        estimates=[e.to_dict() for e in made if e.year == shown],
        outcome=outcome.to_dict(),
    )
    return context


@router.get("/estimates")
def estimates_page(
    request: Request, year: Annotated[int | None, Query(ge=1950, le=2100)] = None, fmt: Fmt = "html"
) -> Response:
    require(request, "read_all_uploads")
    return page(request, "estimates.html", _context(request, year, None, []), fmt)


@router.post("/estimates")
def apply_estimates(
    request: Request,
    csrf_token: Annotated[str | None, Form()] = None,
    population: Annotated[str, Form(max_length=MAX_SERIES_CHARS)] = "",
    action: Annotated[str, Form(max_length=10)] = "preview",
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "estimate")
    engine, city = request.app.state.engine, current_city(request)
    source = None
    try:
        if population.strip():
            text = population if population.lstrip().lower().startswith("year") else "year,value,source\n" + population
            source = svc.generic_spec(city, svc.read_points(text.encode("utf-8"), "population", "persons"))
        if action == "apply":
            source, made = svc.estimate(engine, city, source)
            svc.preview_or_apply(engine, city, source, made, who=user.username, apply=True)
            return RedirectResponse("/estimates?applied=1", status_code=303)
    except EstimateError as exc:
        context = _context(request, None, None, exc.problems)
        context["population_text"] = population
        return page(request, "estimates.html", context, "html", status_code=422)
    context = _context(request, None, source, [])
    context["population_text"] = population
    return page(request, "estimates.html", context, "html")
