"""A clean 503 while the database cannot be reached (PostgreSQL restarting, SQLite busy): never a trace.

The page is drawn without the site's layout, which itself reads the database (the city selector).
Pooled connections broken by a restart are found by ``pool_pre_ping`` and replaced: once the database
is back, the next request succeeds.
"""

from __future__ import annotations

import sqlite3
from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from qala.web import i18n
from qala.web.security import LANG_COOKIE

RETRY_AFTER = "5"
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open database", "disk i/o error")


def is_unavailable(exc: BaseException) -> bool:
    """The database is unreachable or busy, rather than the request or the code being wrong."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError) and isinstance(exc.orig, sqlite3.Error):
        # SQLite calls a missing table an "operational" error too: only a busy or missing file is transient
        return any(m in str(exc.orig).lower() for m in SQLITE_TRANSIENT)
    return isinstance(exc, OperationalError | InterfaceError)


def response(request: Request) -> Response:
    lang = getattr(request.state, "lang", None) or i18n.negotiate(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    message = i18n.translations(lang).gettext("The database cannot be reached at the moment. Please try again shortly.")
    headers = {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}
    if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": "database unavailable", "message": message}, status_code=503, headers=headers)
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>503</title>'
        '<link rel="stylesheet" href="/static/qala.css"></head>'
        f"<body><main><h1>{escape(message)}</h1></main></body></html>"
    )
    return HTMLResponse(body, status_code=503, headers=headers)
