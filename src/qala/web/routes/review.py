"""Submissions under review: the providers' uploads, the editors' decisions (web pages and /api/v1 twins).

A provider sees only its own submissions (another's is a 404, as if it did not exist); experts read every
one; editors and administrators decide. The decision itself is ``store.submissions.decide`` (audited).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from qala.messages import error_body, message_of
from qala.store import submissions
from qala.store.users import Account
from qala.web.api_docs import DECISION_ERRORS, FORBIDDEN, NOT_FOUND, READ_ERRORS, SIGNED_IN
from qala.web.routes.pages import Fmt, page
from qala.web.security import can, check_csrf, require

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["review"])
Status = Annotated[str | None, Query(pattern="^(pending|accepted|rejected|partial)$")]


def reader(request: Request) -> Account:
    """Who may look at submissions: anyone who uploads or reads every upload (401/403 otherwise)."""
    user = request.state.user
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    if can(user, "read_all_uploads"):
        return user
    return require(request, "upload")


def own_only(user: Account) -> str | None:
    return None if can(user, "read_all_uploads") else user.username


def _visible(request: Request, sid: int) -> dict[str, Any]:
    user = reader(request)
    sub = submissions.get(request.app.state.engine, sid)
    if sub is None or (own_only(user) is not None and sub["submitted_by"] != user.username):
        raise HTTPException(status_code=404, detail="no such submission")
    return sub


# --- pages ---------------------------------------------------------------------------------------
@router.get("/submissions")
def submissions_page(request: Request, status: Status = None, fmt: Fmt = "html") -> Response:
    user = reader(request)
    rows = submissions.listing(request.app.state.engine, submitted_by=own_only(user), status=status)
    context = {"submissions": rows, "status": status, "threshold_percent": submissions.review_threshold()}
    return page(request, "submissions.html", context, fmt)


@router.get("/submissions/{sid}")
def submission_page(request: Request, sid: int, fmt: Fmt = "html") -> Response:
    sub = _visible(request, sid)
    return page(request, "submission.html", {"submission": sub, "error": None}, fmt)


@router.post("/submissions/{sid}/{action}")
def decide_form(
    request: Request,
    sid: int,
    action: str,
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
    rows: Annotated[list[int] | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    user = require(request, "review")
    if action not in ("accept", "reject"):
        raise HTTPException(status_code=404, detail="unknown action")
    try:
        submissions.decide(request.app.state.engine, sid, action, who=user.username, reason=reason, rows=rows or None)
    except submissions.SubmissionError as exc:
        if exc.status == 404:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        sub = _visible(request, sid)
        error = message_of(exc, request.state.lang)
        return page(request, "submission.html", {"submission": sub, "error": error}, "html", exc.status)
    return RedirectResponse(f"/submissions/{sid}", status_code=303)


# --- API -----------------------------------------------------------------------------------------
class DecisionIn(BaseModel):
    reason: str = Field("", max_length=2000, description="Why; the provider reads it (required to reject)")
    rows: list[int] | None = Field(None, max_length=100000, description="Source rows to decide; all pending if absent")


@api.get("/submissions", responses={**SIGNED_IN, **FORBIDDEN, **READ_ERRORS})
def list_submissions(request: Request, status: Status = None) -> list[dict[str, Any]]:
    """Submissions, newest first: a provider's own; every one for experts, editors and administrators."""
    user = reader(request)
    return submissions.listing(request.app.state.engine, submitted_by=own_only(user), status=status)


@api.get("/submissions/{sid}", responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **READ_ERRORS})
def get_submission(request: Request, sid: int) -> dict[str, Any]:
    """A submission with each row beside the current figure (difference, % change, flagged past the threshold)."""
    return _visible(request, sid)


def _decide(request: Request, sid: int, action: str, body: DecisionIn) -> Response:
    user = require(request, "review")
    try:
        decision = submissions.decide(
            request.app.state.engine, sid, action, who=user.username, reason=body.reason, rows=body.rows
        )
    except submissions.SubmissionError as exc:
        return JSONResponse(error_body(exc, request.state.lang), status_code=exc.status)
    return JSONResponse(decision.to_dict())


@api.post("/submissions/{sid}/accept", responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **DECISION_ERRORS})
def accept(request: Request, sid: int, body: DecisionIn) -> Response:
    """Accept a submission's pending rows (or those of ``rows``): they enter the records as an import (editors)."""
    return _decide(request, sid, "accept", body)


@api.post("/submissions/{sid}/reject", responses={**SIGNED_IN, **FORBIDDEN, **NOT_FOUND, **DECISION_ERRORS})
def reject(request: Request, sid: int, body: DecisionIn) -> Response:
    """Reject a submission's pending rows (or those of ``rows``) with a ``reason`` the provider reads (editors)."""
    return _decide(request, sid, "reject", body)
