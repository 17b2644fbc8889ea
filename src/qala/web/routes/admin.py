"""People and API tokens in the web: the administrators' page, and each person's own account page.

Every action is a form with a CSRF token, done by ``store.users`` / ``store.tokens`` (which audit it). A new
token or a reset link is shown once, on the page that answers the form, and never stored in the clear.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from qala.store import tokens, users
from qala.web.render import render
from qala.web.routes.pages import Fmt, page
from qala.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(max_length=80)]
Csrf = Annotated[str | None, Form(max_length=200)]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _admin_context(request: Request, shown: dict[str, Any] | None = None, error: str | None = None) -> dict[str, Any]:
    engine = request.app.state.engine
    return {
        "people": users.list_users(engine),
        "tokens": tokens.list_tokens(engine),
        "roles": list(users.ROLES),
        "scopes": list(tokens.SCOPES),
        "max_days": tokens.MAX_DAYS,
        "_shown": shown,  # a new token or link: on the page once, never in the JSON twin
        "error": error,
    }


@router.get("/admin/users")
def admin_page(request: Request, fmt: Fmt = "html") -> Response:
    require(request, "manage_users")
    return page(request, "admin_users.html", _admin_context(request), fmt)


def _act(request: Request, action, shown=None) -> Response:  # type: ignore[no-untyped-def]
    """Run an administrator's action; the page again, with what to show once or the error."""
    try:
        result = action()
    except (users.UserError, tokens.TokenError) as exc:
        context = _admin_context(request, error=exc.message(request.state.lang))
        return render(request, "admin_users.html", context, status_code=400)
    if shown is None:
        return RedirectResponse("/admin/users", status_code=303)
    return render(request, "admin_users.html", _admin_context(request, shown(result)))


@router.post("/admin/users")
def add_person(
    request: Request,
    username: Name = "",
    role: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """A new person, with a one-time link to set their own password (no password passes through the admin)."""
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    engine, name = request.app.state.engine, username.strip().lower()

    def add() -> str:
        users.add_user(engine, name, secrets.token_urlsafe(32), role, who=admin.username)
        return users.issue_reset(engine, name, who=admin.username)

    return _act(request, add, lambda t: {"kind": "link", "who": name, "value": f"{_base_url(request)}/reset?token={t}"})


@router.post("/admin/users/{username}/role")
def change_role(
    request: Request, username: str, role: Annotated[str, Form(max_length=20)] = "", csrf_token: Csrf = None
) -> Response:
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    return _act(request, lambda: users.set_role(request.app.state.engine, username, role, who=admin.username))


@router.post("/admin/users/{username}/active")
def change_active(
    request: Request, username: str, active: Annotated[str, Form(pattern="^(yes|no)$")] = "no", csrf_token: Csrf = None
) -> Response:
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    engine = request.app.state.engine
    return _act(request, lambda: users.set_active(engine, username, active == "yes", who=admin.username))


@router.post("/admin/users/{username}/reset")
def reset_link(request: Request, username: str, csrf_token: Csrf = None) -> Response:
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    engine = request.app.state.engine
    return _act(
        request,
        lambda: users.issue_reset(engine, username, who=admin.username),
        lambda t: {"kind": "link", "who": username, "value": f"{_base_url(request)}/reset?token={t}"},
    )


@router.post("/admin/users/{username}/signout")
def sign_out_everywhere(request: Request, username: str, csrf_token: Csrf = None) -> Response:
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    return _act(request, lambda: users.end_sessions(request.app.state.engine, username, who=admin.username))


@router.post("/admin/tokens")
def create_token(
    request: Request,
    username: Name = "",
    name: Annotated[str, Form(max_length=100)] = "script",
    scope: Annotated[list[str] | None, Form(max_length=10)] = None,
    days: Annotated[int, Form(ge=1, le=tokens.MAX_DAYS)] = tokens.DEFAULT_DAYS,
    csrf_token: Csrf = None,
) -> Response:
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    engine = request.app.state.engine

    def make() -> str:
        return users.new_token(
            engine, username, name.strip() or "script", who=admin.username, scopes=tuple(scope or ()), days=days
        )

    return _act(request, make, lambda t: {"kind": "token", "who": username, "value": t})


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, csrf_token: Csrf = None) -> Response:
    check_csrf(request, csrf_token)
    admin = require(request, "manage_users")
    return _act(request, lambda: users.revoke_token(request.app.state.engine, token_id, who=admin.username))


# --- one's own account -----------------------------------------------------------------------------------------
def _me(request: Request) -> users.Account:
    user = request.state.user
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    return user


@router.get("/account")
def account_page(request: Request, fmt: Fmt = "html") -> Response:
    me = _me(request)
    context = {"username": me.username, "role": me.role, "display_name": me.display_name, "error": None}
    return page(request, "account.html", context, fmt)


@router.post("/account")
def change_display_name(
    request: Request, display_name: Annotated[str, Form(max_length=200)] = "", csrf_token: Csrf = None
) -> Response:
    check_csrf(request, csrf_token)
    me = _me(request)
    try:
        users.set_display_name(request.app.state.engine, me.username, display_name, who=me.username)
    except users.UserError as exc:
        context = {
            "username": me.username,
            "role": me.role,
            "display_name": display_name,
            "error": exc.message(request.state.lang),
        }
        return render(request, "account.html", context, status_code=400)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/signout")
def sign_me_out_everywhere(request: Request, csrf_token: Csrf = None) -> Response:
    check_csrf(request, csrf_token)
    me = _me(request)
    users.end_sessions(request.app.state.engine, me.username, who=me.username)
    session = request.state.session
    session.uid, session.version, session.changed = None, 0, True
    return RedirectResponse("/login", status_code=303)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    who: Annotated[str | None, Query(max_length=200)] = None,
    entity: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    since: date | None = None,
    until: date | None = None,
    fmt: Fmt = "html",
) -> Response:
    """The audit log for administrators, filtered by person, object and dates (the newest 200 entries)."""
    from qala.store import audit_log  # noqa: PLC0415

    require(request, "read_audit")
    engine = request.app.state.engine
    filters = {"who": who, "entity": entity, "entity_id": entity_id, "action": action, "since": since, "until": until}
    context = {"entries": audit_log.entries(engine, **filters), "filters": filters, "facets": audit_log.facets(engine)}
    return page(request, "audit.html", context, fmt)
