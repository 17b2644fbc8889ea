"""Published versions and reverts: the editors' page, and the /api/v1 twins.

The list of versions (withdrawn ones with their reason) and each version's frozen texts are public;
publishing, withdrawing and reverting a batch are for editors and administrators (audited in the store).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from qala.cities import DEFAULT_CITY
from qala.messages import error_body, message_of
from qala.store import publications, records
from qala.store.publications import PublicationError
from qala.store.revert import RevertError, revert_batch
from qala.web.api_docs import DECISION_ERRORS, FORBIDDEN, NOT_FOUND, READ_ERRORS, SIGNED_IN
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page
from qala.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["publications"])
Csrf = Annotated[str | None, Form(max_length=200)]
Reason = Annotated[str, Form(max_length=2000)]


def _context(request: Request, error: str | None = None) -> dict[str, Any]:
    engine, city = request.app.state.engine, current_city(request)
    return {
        "publications": publications.listing(engine, city),
        "years": records.years_with_data(engine, city),
        "error": error,
    }


@router.get("/publications")
def publications_page(request: Request, fmt: Fmt = "html") -> Response:
    require(request, "publish")
    return page(request, "publications.html", _context(request), fmt)


def _done(request: Request, action) -> Response:  # type: ignore[no-untyped-def]
    try:
        action()
    except (PublicationError, RevertError) as exc:
        error = message_of(exc, request.state.lang)
        return page(request, "publications.html", _context(request, error), "html", exc.status)
    return RedirectResponse("/publications", status_code=303)


@router.post("/publications")
def publish_form(
    request: Request,
    csrf_token: Csrf = None,
    year: Annotated[int, Form(ge=1950, le=2100)] = 0,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "publish")
    engine, city = request.app.state.engine, current_city(request)
    return _done(request, lambda: publications.publish(engine, city, year, note, user.username))


@router.post("/publications/{pid}/withdraw")
def withdraw_form(request: Request, pid: int, csrf_token: Csrf = None, reason: Reason = "") -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "publish")
    return _done(request, lambda: publications.withdraw(request.app.state.engine, pid, user.username, reason))


@router.post("/batches/revert")
def revert_form(
    request: Request, batch: Annotated[int, Form(ge=1)], csrf_token: Csrf = None, reason: Reason = ""
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "review")
    return _done(request, lambda: revert_batch(request.app.state.engine, batch, user.username, reason))


# --- API -----------------------------------------------------------------------------------------
class PublishIn(BaseModel):
    city: str = Field(DEFAULT_CITY, pattern="^[a-z][a-z0-9_-]{0,39}$")
    year: int = Field(ge=1950, le=2100)
    note: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def _answer(request: Request, action, status: int = 200) -> Response:  # type: ignore[no-untyped-def]
    try:
        body = action()
    except (PublicationError, RevertError) as exc:
        return JSONResponse(error_body(exc, request.state.lang), status_code=exc.status)
    return JSONResponse(jsonable(body), status_code=status)


def jsonable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body.items()}


@api.get("/publications", responses=READ_ERRORS)
def list_publications(request: Request, city: str | None = None) -> list[dict[str, Any]]:
    """Every published version, newest first (withdrawn ones too, with who withdrew them and why)."""
    return publications.listing(request.app.state.engine, city)


@api.post("/publications", status_code=201, responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **DECISION_ERRORS})
def publish(request: Request, body: PublishIn) -> Response:
    """Publish a city's year as its next frozen version (editors): what the public pages and API show."""
    user = require(request, "publish")
    engine = request.app.state.engine
    return _answer(request, lambda: publications.publish(engine, body.city, body.year, body.note, user.username), 201)


@api.post("/publications/{pid}/withdraw", responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **DECISION_ERRORS})
def withdraw(request: Request, pid: int, body: ReasonIn) -> Response:
    """Withdraw a version with a reason (kept); the public sees the previous version again (editors)."""
    user = require(request, "publish")
    return _answer(request, lambda: publications.withdraw(request.app.state.engine, pid, user.username, body.reason))


@api.get("/publications/{pid}/{part}", responses={**NOT_FOUND, **READ_ERRORS})
def frozen_text(request: Request, pid: int, part: str) -> Response:
    """A version's frozen text as stored, byte for byte: ``inventory.json`` or ``records.json``."""
    texts = {"inventory.json": "inventory_json", "records.json": "records_json"}
    if part not in texts:
        raise HTTPException(status_code=404, detail="inventory.json or records.json")
    pub = publications.get(request.app.state.engine, pid, full=True)
    if pub is None:
        raise HTTPException(status_code=404, detail="no such publication")
    headers = {"X-Qala-Sha256": pub["sha256"], "X-Qala-Version": str(pub["version"])}
    return Response(pub[texts[part]].encode("utf-8"), media_type="application/json", headers=headers)


@api.post("/batches/{batch_id}/revert", responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **DECISION_ERRORS})
def revert(request: Request, batch_id: int, body: ReasonIn) -> Response:
    """Revert an import batch in one action (editors): its figures step aside, those they replaced come back."""
    user = require(request, "review")
    return _answer(request, lambda: revert_batch(request.app.state.engine, batch_id, user.username, body.reason))
