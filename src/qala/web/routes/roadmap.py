"""Roadmap pages: the roadmap with its Gantt chart, an activity (edit, comment, history), experts, partners."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from qala.roadmap import export
from qala.roadmap.model import TRANSITIONS, RoadmapError
from qala.store import roadmap as store
from qala.store.users import public_names
from qala.web import labels
from qala.web.api_docs import FORBIDDEN, NOT_FOUND, RULE_ERRORS, SIGNED_IN
from qala.web.city import current_city
from qala.web.render import render
from qala.web.routes.pages import Fmt, page
from qala.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["roadmap"])


def _roadmap(request: Request) -> Any:
    try:
        return store.load_roadmap(request.app.state.engine, current_city(request))
    except RoadmapError as exc:
        raise HTTPException(status_code=404, detail=exc.message(request.state.lang)) from exc


def gantt(data: dict[str, Any], width: int = 1100, row: int = 22, label: int = 300) -> dict[str, Any]:
    """Bars of a Gantt chart (drawn as SVG by the template: no script needed)."""
    acts = [a for s in data["sections"] for a in s["activities"]]
    start = min(date.fromisoformat(a["start"]) for a in acts)
    end = max(date.fromisoformat(a["due"]) for a in acts)
    span = max((end - start).days, 1)

    def x(d: str) -> float:
        return label + (date.fromisoformat(d) - start).days / span * (width - label - 10)

    bars = []
    for i, a in enumerate(acts):
        x0, x1 = x(a["start"]), x(a["due"])
        bars.append(
            {
                "code": a["code"],
                "title": a["title"],
                "y": 20 + i * row,
                "x": x0,
                "w": max(x1 - x0, 2),
                "done_w": max(x1 - x0, 2) * a["progress"] / 100,
                "status": a["status"],
            }
        )
    years = [{"x": x(f"{y}-01-01"), "year": y} for y in range(start.year + 1, end.year + 1)]
    today_x = x(data["as_of"]) if start <= date.fromisoformat(data["as_of"]) <= end else None
    return {
        "bars": bars,
        "years": years,
        "height": 30 + len(acts) * row,
        "width": width,
        "today": today_x,
        "label_chars": label // 7,  # the row's name, cut to fit before the bars start
    }


@router.get("/roadmap")
def roadmap_page(request: Request, fmt: Fmt = "html") -> Response:
    data = export.to_dict(_roadmap(request), date.today(), request.state.lang)
    if fmt == "json":
        return page(request, "roadmap.html", data, fmt)
    return render(request, "roadmap.html", {**data, "gantt": gantt(data)})


@router.get("/roadmap/experts")
def experts_page(request: Request, fmt: Fmt = "html") -> Response:
    data = export.to_dict(_roadmap(request), date.today(), request.state.lang)
    return page(request, "experts.html", {"expert_group": data["expert_group"]}, fmt)


@router.get("/roadmap/partners")
def partners_page(request: Request, fmt: Fmt = "html") -> Response:
    data = export.to_dict(_roadmap(request), date.today(), request.state.lang)
    return page(request, "partners.html", {"partners": data["partners"]}, fmt)


@router.get("/roadmap/{code}")
def activity_page(
    request: Request,
    code: str,
    fmt: Fmt = "html",
    error: str | None = None,
    saved: bool = False,
    typed: dict[str, str] | None = None,
) -> Response:
    rm = _roadmap(request)
    try:
        rm.activity(code)
    except RoadmapError as exc:
        raise HTTPException(status_code=404, detail=exc.message(request.state.lang)) from exc
    data = export.to_dict(rm, date.today(), request.state.lang)
    act = next(a for s in data["sections"] for a in s["activities"] if a["code"] == code)
    history = store.events(request.app.state.engine, rm.city, code)
    accounts = public_names(request.app.state.engine)
    for event in history:  # public: a display name or a role, never a user name
        event["who"] = labels.author(event["who"], accounts, request.state.lang)
    context = {
        "activity": act,
        "history": history,
        "transitions": TRANSITIONS[act["stored_status"]],
        "error": error,
        "saved": saved and error is None,
        "typed": typed or {},
        "_orgs": {o["code"]: o["name"] for o in data["partners"]},
        "_measures": labels.measure_names(rm.city, request.app.state.engine),
    }
    return page(request, "activity.html", context, fmt)


def parse_change(progress: str | None, due: str | None) -> tuple[float | None, date | None]:
    """The form's progress (``75,5``, ``75.5``, ``75 %``) and due date, or a RoadmapError with its code."""
    text = (progress or "").replace(",", ".").replace("\u00a0", "").replace(" ", "").rstrip("%")
    try:
        new_progress = float(text) if text else None
    except ValueError as exc:
        raise RoadmapError("roadmap.progress_invalid", value=progress) from exc
    try:
        new_due = date.fromisoformat(due) if due else None
    except ValueError as exc:
        raise RoadmapError("roadmap.date_invalid", field="due", value=due) from exc
    return new_progress, new_due


def change(
    request: Request,
    code: str,
    who: str,
    status: str | None,
    progress: str | None,
    due: str | None,
    comment: str | None,
) -> Any:
    """The change by the rules (the store audits it), or a RoadmapError with its code and parameters."""
    rm = _roadmap(request)
    if not (comment or "").strip():  # the rules keep why each change was made: no reason, no change
        raise RoadmapError("roadmap.reason_required")
    new_progress, new_due = parse_change(progress, due)
    return store.update_activity(
        request.app.state.engine,
        rm.city,
        code,
        who=who,
        status=status or None,
        progress=new_progress,
        due=new_due,
        comment=comment,
    )


@router.post("/roadmap/{code}")
def update_activity(
    request: Request,
    code: str,
    csrf_token: Annotated[str | None, Form()] = None,
    status: Annotated[str | None, Form(max_length=20)] = None,
    progress: Annotated[str | None, Form(max_length=10)] = None,
    due: Annotated[str | None, Form(max_length=10)] = None,
    comment: Annotated[str | None, Form(max_length=5000)] = None,
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "edit_roadmap")
    typed = {"status": status or "", "progress": progress or "", "due": due or "", "comment": comment or ""}
    try:
        change(request, code, user.username, status, progress, due, comment)
    except RoadmapError as exc:
        return _activity_with_error(request, code, exc, typed)
    return RedirectResponse(f"/roadmap/{code}?saved=1", status_code=303)


@router.post("/roadmap/{code}/comments")
def comment_activity(
    request: Request,
    code: str,
    csrf_token: Annotated[str | None, Form()] = None,
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "comment")
    rm = _roadmap(request)
    try:
        store.add_comment(request.app.state.engine, rm.city, code, text, who=user.username)
    except RoadmapError as exc:
        return _activity_with_error(request, code, exc)
    return RedirectResponse(f"/roadmap/{code}", status_code=303)


def _activity_with_error(
    request: Request, code: str, exc: RoadmapError, typed: dict[str, str] | None = None
) -> Response:
    """The activity page again with the refusal in the page's language (its code in ``error.code``)."""
    if exc.status == 404:
        raise HTTPException(status_code=404, detail=exc.message(request.state.lang))
    response = activity_page(request, code, "html", error=exc.to_dict(request.state.lang), typed=typed)
    response.status_code = 400
    return response


# --- API -----------------------------------------------------------------------------------------
class ChangeIn(BaseModel):
    status: str | None = Field(None, max_length=20, description="planned, in_progress, done or cancelled")
    progress: str | None = Field(None, max_length=10, description="Percent: 75.5, 75,5 or 75 %")
    due: str | None = Field(None, max_length=10, description="The new due date, such as 2026-06-30")
    comment: str = Field("", max_length=5000, description="Why the change is made (required; the history keeps it)")


@api.post("/roadmap/{code}", responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **RULE_ERRORS})
def change_activity(request: Request, code: str, body: ChangeIn) -> Response:
    """Change a roadmap activity by the rules (editors). A refusal carries ``code``, ``params`` and ``message``
    in the request's language; nothing is changed then."""
    user = require(request, "edit_roadmap")
    try:
        act = change(request, code, user.username, body.status, body.progress, body.due, body.comment)
    except RoadmapError as exc:
        return JSONResponse(exc.to_dict(request.state.lang), status_code=exc.status)
    out = {"code": act.code, "status": act.status, "progress": act.progress, "start": act.start, "due": act.due}
    return JSONResponse(jsonable_encoder(out))
