"""Sign in, sign out, the one-time setup of the first admin, and setting a password from a reset link."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from qala.store.users import Throttled, UserError, authenticate, end_sessions, reset_target, use_reset, use_setup_token
from qala.web.render import render
from qala.web.security import DEVICE_COOKIE, DEVICE_MAX_AGE, check_csrf, device_cookie, device_of

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
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    check_csrf(request, csrf_token)
    engine, secret = request.app.state.engine, request.app.state.settings.secret_key
    name = username.strip().lower()
    try:
        account = authenticate(engine, name, password, _address(request), device_of(request, secret, name))
    except Throttled as exc:
        context = {"error": "too_many", "username": name, "retry_after": exc.retry_after}
        response = render(request, "login.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if account is None:
        return render(request, "login.html", {"error": "invalid", "username": name}, status_code=401)
    session = request.state.session
    session.uid, session.version, session.changed = account.id, account.session_version, True
    session.csrf = secrets.token_urlsafe(24)  # a new token after signing in
    response = RedirectResponse("/", status_code=303)
    if device_of(request, secret, name) is None:  # this browser is now one the account signed in with
        response.set_cookie(
            DEVICE_COOKIE,
            device_cookie(secret, name),
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            secure=request.app.state.settings.cookie_secure,
            samesite="lax",
        )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form(max_length=200)] = None) -> Response:
    check_csrf(request, csrf_token)
    user = request.state.user
    if user is not None:  # a copy of the old cookie must not sign anyone in again
        end_sessions(request.app.state.engine, user.username, user.username)
    session = request.state.session
    session.uid, session.version, session.changed = None, 0, True
    return RedirectResponse("/", status_code=303)


@router.get("/setup")
def setup_form(request: Request, token: str = "") -> Response:
    return render(request, "setup.html", {"token": token[:200], "error": None})


@router.post("/setup")
def setup(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    check_csrf(request, csrf_token)
    try:
        use_setup_token(request.app.state.engine, token, username.strip().lower(), password)
    except UserError as exc:
        return render(
            request, "setup.html", {"token": token, "error": exc.message(request.state.lang)}, status_code=400
        )
    return RedirectResponse("/login", status_code=303)


@router.get("/reset")
def reset_form(request: Request, token: str = "") -> Response:
    who = reset_target(request.app.state.engine, token[:200]) if token else None
    status = 200 if who else 400
    return render(request, "reset.html", {"token": token[:200], "who": who, "error": None}, status_code=status)


@router.post("/reset")
def reset(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    check_csrf(request, csrf_token)
    engine = request.app.state.engine
    try:
        use_reset(engine, token, password)
    except UserError as exc:
        context = {"token": token, "who": reset_target(engine, token), "error": exc.message(request.state.lang)}
        return render(request, "reset.html", context, status_code=400)
    return RedirectResponse("/login", status_code=303)
