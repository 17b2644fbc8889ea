"""The expert group's scenario variants: a page (preview, save, compare, comment, promote) and its /api/v1 twins.

The API takes tokens (scope ``import`` to write), the page takes sessions with a CSRF token; both call
``qala.services.variants``. Experts, editors and admins read, preview, save and comment; editors and admins
promote; providers and the public may not see them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from qala.cities import DEFAULT_CITY
from qala.messages import Problem, problem_list
from qala.scenario.spec import ModelError
from qala.scenario.variants import VariantError
from qala.services import scenario as scenario_svc
from qala.services import variants as var
from qala.web.api_docs import Error, FieldError, _json
from qala.web.city import current_city
from qala.web.render import render
from qala.web.routes.pages import Fmt, page
from qala.web.security import can, check_csrf, require

api = APIRouter(prefix="/api/v1", tags=["api"])


class VariantRefused(BaseModel):
    """422: a malformed request (``errors``) or a variant that cannot be applied (``problems``); nothing saved."""

    detail: str
    problems: list[str] | None = None
    items: list[dict[str, Any]] | None = None
    code: str | None = None
    params: dict[str, Any] | None = None
    message: str | None = None
    errors: list[FieldError] | None = None


READ: dict[int | str, dict[str, Any]] = {
    401: _json(Error, "No valid API token"),
    403: _json(Error, "The token's role may not see or change variants"),
    404: _json(Error, "No such variant in this city"),
    422: _json(VariantRefused, "Invalid query parameters, or a variant that cannot be applied"),
}
router = APIRouter(include_in_schema=False)
CityParam = Annotated[str, Query(pattern="^[a-z][a-z0-9_-]{0,39}$")]
BasisParam = Annotated[str | None, Query(pattern="^(territorial|basic|basic_plus)$")]


def _bad(exc: Exception, lang: str | None = None) -> HTTPException:
    if isinstance(exc, var.VariantNotFound):
        return HTTPException(status_code=404, detail=str(exc))
    if isinstance(exc, ModelError) and not isinstance(exc, VariantError):  # a city without a model
        return HTTPException(status_code=404, detail={"detail": "no model", "problems": exc.problems})
    problems = getattr(exc, "problems", [])
    body: dict[str, Any] = {"detail": "bad variant", "problems": problems}
    if lang and problems:  # each problem's code, params and message in the caller's language; the first on top
        body["items"] = problem_list(problems, lang)
        body.update({k: body["items"][0][k] for k in ("code", "params", "message")})
    return HTTPException(status_code=422, detail=body)


def _shown(exc: VariantError, lang: str) -> list[dict[str, Any]]:
    return problem_list(exc.problems, lang)


# ---- /api/v1 -----------------------------------------------------------------------------------------
@api.get("/variants", responses=READ)
def api_list(request: Request, city: CityParam = DEFAULT_CITY) -> list[dict[str, Any]]:
    """Saved variants of the city's scenarios, every version (experts, editors, admins)."""
    require(request, "variant")
    return var.listing(request.app.state.engine, city)


@api.post("/variants/preview", responses=READ)
def api_preview(
    request: Request,
    body: Annotated[dict[str, Any], Body()],
    city: CityParam = DEFAULT_CITY,
    basis: BasisParam = None,
) -> dict[str, Any]:
    """A variant's result with its band and its difference from the scenario; nothing is saved."""
    require(request, "variant_write")
    try:
        return var.preview(
            request.app.state.engine, city, str(body.get("scenario", "")), body.get("changes", []), basis=basis
        )
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc


@api.post("/variants", status_code=201, responses=READ)
def api_create(request: Request, body: Annotated[dict[str, Any], Body()], city: CityParam = DEFAULT_CITY) -> Any:
    """Save a variant (name, scenario, changes, comment) as its next version; a bad one is a 422, nothing saved."""
    user = require(request, "variant_write")
    try:
        return var.save(
            request.app.state.engine,
            city,
            body.get("name", ""),
            str(body.get("scenario", "")),
            body.get("changes", []),
            str(body.get("comment", "")),
            user.username,
        )
    except ModelError as exc:
        raise _bad(exc, request.state.lang) from exc


@api.get("/variants/compare", responses=READ)
def api_compare(
    request: Request,
    ids: Annotated[list[int], Query(max_length=10)],
    city: CityParam = DEFAULT_CITY,
    basis: BasisParam = None,
) -> dict[str, Any]:
    """Variants side by side, each with its band and its difference from the first (common random numbers)."""
    require(request, "variant")
    try:
        return var.compare(request.app.state.engine, city, ids, basis=basis)
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc


@api.get("/variants/{variant_id}", responses=READ)
def api_show(request: Request, variant_id: int, city: CityParam = DEFAULT_CITY) -> dict[str, Any]:
    """A variant: its changes, comment, status and comments, and its result (standard draws and seed)."""
    require(request, "variant")
    try:
        data = var.get(request.app.state.engine, city, variant_id)
        data["result"] = var.run_saved(request.app.state.engine, city, variant_id)
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc
    return data


@api.post("/variants/{variant_id}/comments", status_code=201, responses=READ)
def api_comment(
    request: Request, variant_id: int, body: Annotated[dict[str, Any], Body()], city: CityParam = DEFAULT_CITY
) -> dict[str, Any]:
    """A comment on the variant or on one of its assumptions (``target``: ``parameter:NAME`` or ``measure:CODE``)."""
    user = require(request, "variant_write")
    try:
        return var.comment(
            request.app.state.engine,
            city,
            variant_id,
            str(body.get("target", "")),
            str(body.get("text", "")),
            user.username,
        )
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc


@api.post("/variants/{variant_id}/promote", responses=READ)
def api_promote(request: Request, variant_id: int, city: CityParam = DEFAULT_CITY) -> dict[str, Any]:
    """Make the variant an official scenario (editors and admins)."""
    user = require(request, "promote_variant")
    try:
        return var.promote(request.app.state.engine, city, variant_id, user.username)
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc


# ---- the page --------------------------------------------------------------------------------------------
def _form_changes(form: dict[str, str]) -> list[dict[str, Any]]:
    """The page's form as changes: one parameter path (YEAR:VALUE, ...) and one measure's adoption and cost."""
    out: list[dict[str, Any]] = []
    param, path = form.get("parameter", "").strip(), form.get("path", "").strip()
    if param and path:
        try:
            if ":" in path:
                pairs = (p.split(":") for p in path.replace(";", ",").split(",") if p.strip())
                out.append({"parameter": param, "path": {int(y): float(v) for y, v in pairs}})
            else:
                out.append({"parameter": param, "value": float(path)})
        except ValueError as exc:
            raise VariantError([Problem("variant: path", "variant.path_form", value=repr(path))]) from exc
    code = form.get("measure", "").strip()
    if code:
        change: dict[str, Any] = {"measure": code}
        for key in ("start", "full"):
            if form.get(key, "").strip():
                try:
                    change[key] = int(form[key])
                except ValueError as exc:
                    raise VariantError(
                        [Problem(f"variant: {key}", "variant.year_form", value=repr(form[key]))]
                    ) from exc
        for key in ("max_effect", "capex"):
            if form.get(key, "").strip():
                try:
                    change[key] = float(form[key])
                except ValueError as exc:
                    raise VariantError(
                        [Problem(f"variant: {key}", "variant.number_form", value=repr(form[key]))]
                    ) from exc
        if len(change) > 1:
            out.append(change)
    return out


def _context(request: Request, compare_ids: list[int]) -> dict[str, Any]:
    engine, city = request.app.state.engine, current_city(request)
    model, _ = scenario_svc.resolve("bau", city, engine)
    context: dict[str, Any] = {
        "scenarios": list(model.scenarios),
        "parameters": [{"name": p.name, "unit": p.unit, "path": p.path} for p in model.parameters.values()],
        "measures": [
            {"code": m.code, "name": m.names, "start": m.start, "full": m.full} for m in model.measures.values()
        ],
        "variants": var.listing(engine, city),
        "comparison": None,
        "can_promote": can(request.state.user, "promote_variant"),
    }
    if compare_ids:
        context["comparison"] = var.compare(engine, city, compare_ids)
    return context


@router.get("/scenarios/variants")
def variants_page(
    request: Request, compare: Annotated[list[int] | None, Query(max_length=10)] = None, fmt: Fmt = "html"
) -> Response:
    require(request, "variant")
    try:
        context = _context(request, compare or [])
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc
    return page(request, "variants.html", context, fmt)


@router.post("/scenarios/variants/preview")
async def variants_preview(request: Request) -> Response:
    """The fragment the page swaps in while an expert edits (2,000 draws, common random numbers)."""
    require(request, "variant_write")
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf_token"))
    try:
        changes = _form_changes(form)
        shown = await run_in_threadpool(
            var.preview, request.app.state.engine, current_city(request), form.get("scenario", ""), changes
        )
    except VariantError as exc:
        # htmx swaps only 2xx answers: the page gets the named problems as a 200, any other client a 422
        status = 200 if request.headers.get("hx-request") else 422
        return render(
            request, "_variant.html", {"problems": _shown(exc, request.state.lang), "shown": None}, status_code=status
        )
    return render(request, "_variant.html", {"problems": [], "shown": shown})


@router.post("/scenarios/variants")
async def variants_save(request: Request) -> Response:
    user = require(request, "variant_write")
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf_token"))
    try:
        changes = _form_changes(form)
        await run_in_threadpool(
            var.save,
            request.app.state.engine,
            current_city(request),
            form.get("name", "").strip(),
            form.get("scenario", ""),
            changes,
            form.get("comment", ""),
            user.username,
        )
    except VariantError as exc:
        return render(
            request, "_variant.html", {"problems": _shown(exc, request.state.lang), "shown": None}, status_code=422
        )
    return RedirectResponse("/scenarios/variants", status_code=303)


@router.post("/scenarios/variants/{variant_id}/comment")
def variants_comment(
    request: Request,
    variant_id: int,
    text: Annotated[str, Form(max_length=5000)] = "",
    target: Annotated[str, Form(max_length=120)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    user = require(request, "variant_write")
    check_csrf(request, csrf_token)
    try:
        var.comment(request.app.state.engine, current_city(request), variant_id, target, text, user.username)
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc
    return RedirectResponse("/scenarios/variants", status_code=303)


@router.post("/scenarios/variants/{variant_id}/promote")
def variants_promote(request: Request, variant_id: int, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    user = require(request, "promote_variant")
    check_csrf(request, csrf_token)
    try:
        var.promote(request.app.state.engine, current_city(request), variant_id, user.username)
    except (ModelError, var.VariantNotFound) as exc:
        raise _bad(exc, request.state.lang) from exc
    return RedirectResponse("/scenarios/variants", status_code=303)
