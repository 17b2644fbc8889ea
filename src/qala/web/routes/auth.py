"""Sign in, sign out, and the one-time setup of the first admin."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from qala.store.users import UserError, authenticate, end_sessions, too_many_failures, use_setup_token
from qala.web.render import render
from qala.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "login.html", {"error": None})


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    engine = request.app.state.engine

    name = username.strip().lower()
    if too_many_failures(engine, name, _address(request)):
        return render(request, "login.html", {"error": "too_many"}, status_code=429)
    account = authenticate(engine, name, password, _address(request))
    if account is None:
        return render(request, "login.html", {"error": "invalid", "username": name}, status_code=401)
    session = request.state.session
    session.uid, session.version, session.changed = account.id, account.session_version, True
    session.csrf = secrets.token_urlsafe(24)  # a new token after signing in
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    check_csrf(request, csrf_token)
    user = request.state.user
    if user is not None:  # a copy of the old cookie must not sign anyone in again
        end_sessions(request.app.state.engine, user.username, user.username)
    session = request.state.session
    session.uid, session.version, session.changed = None, 0, True
    return RedirectResponse("/", status_code=303)


@router.get("/setup")
def setup_form(request: Request, token: str = "") -> Response:
    return render(request, "setup.html", {"token": token, "error": None})


@router.post("/setup")
def setup(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    try:
        use_setup_token(request.app.state.engine, token, username.strip().lower(), password)
    except UserError as exc:
        return render(request, "setup.html", {"token": token, "error": str(exc)}, status_code=400)
    return RedirectResponse("/login", status_code=303)
