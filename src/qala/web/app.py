"""The FastAPI application: sessions, languages, error pages, routes."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from qala.ingest.problems import Problem
from qala.jobs import pool as job_pool
from qala.scenario import kernel
from qala.web import city as city_choice
from qala.web import i18n, unavailable
from qala.web.assets import HashedStatic
from qala.web.headers import SecurityHeaders
from qala.web.render import render
from qala.web.security import LANG_COOKIE, SESSION_COOKIE, load_session, resolve_user, serializer
from qala.web.settings import WebSettings
from qala.web.uploads import BodyLimit

PLOTLY_JS = Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
STATIC = Path(str(resources.files("qala.web").joinpath("static")))
FORM_SLACK = 64 * 2**10
API_DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Qala API</title>
<link rel="icon" type="image/png" href="/static/swagger/favicon-32x32.png">
<link rel="stylesheet" href="/static/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>
"""  # room for a form's other fields and the multipart headers around an upload


def _declared_length(request: Request) -> int:
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else 0


def _too_large(request: Request, max_bytes: int) -> Response:
    problem = Problem("upload", None, None, None, f"a file of at most {max_bytes // 2**20} MiB")
    if request.url.path.startswith("/api/"):
        body = {"status": "refused", "problems": [problem.to_dict()], "messages": [str(problem)]}
        return JSONResponse(body, status_code=413)
    return render(request, "error.html", {"status": 413, "detail": problem.expected}, status_code=413)


class QalaApp(FastAPI):
    """FastAPI with the strict headers outside everything else, server errors included (``headers``)."""

    def build_middleware_stack(self):  # type: ignore[no-untyped-def]
        return SecurityHeaders(super().build_middleware_stack(), hsts=self.state.settings.cookie_secure)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A served app starts its job workers at once (they import Qala for a few seconds before any job), and
    loads the scenario engine's register machine in the background (numba's import, about 1 s), so that an
    expert's runs and variants use it from the first one."""
    job_pool.shared(app.state.settings.jobs.workers).warm()
    threading.Thread(target=kernel.warm, name="qala-vm-warm", daemon=True).start()
    yield


def create_app(engine: Engine, settings: WebSettings) -> FastAPI:
    app = QalaApp(
        title="Qala", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=_lifespan
    )
    app.state.engine = engine
    app.state.settings = settings

    @app.middleware("http")
    async def context(request: Request, call_next):  # type: ignore[no-untyped-def]
        session = load_session(request.cookies.get(SESSION_COOKIE), settings.secret_key)
        request.state.session = session
        request.state.user = await run_in_threadpool(resolve_user, request, session)  # the database, off the loop
        query_lang = request.query_params.get("lang")
        request.state.lang = i18n.negotiate(
            query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
        )
        if _declared_length(request) > settings.max_upload_bytes + FORM_SLACK:
            return _too_large(request, settings.max_upload_bytes)  # refused before the body is read or spooled
        remember_city = False
        if not request.url.path.startswith(("/api/", "/static")):
            request.state.city, remember_city = await run_in_threadpool(
                city_choice.choose, request, settings.default_city
            )
            if request.state.city is None:
                return city_choice.unknown(request)
        response: Response = await call_next(request)
        if session.changed or SESSION_COOKIE not in request.cookies:
            response.set_cookie(
                SESSION_COOKIE,
                serializer(settings.secret_key).dumps(session.dump()),
                httponly=True,
                secure=settings.cookie_secure,
                samesite="lax",
                max_age=12 * 3600,
            )
        if query_lang in i18n.LANGS:
            response.set_cookie(
                LANG_COOKIE, query_lang, secure=settings.cookie_secure, samesite="lax", max_age=365 * 24 * 3600
            )
        if remember_city:
            response.set_cookie(
                city_choice.CITY_COOKIE,
                request.state.city,
                secure=settings.cookie_secure,
                samesite="lax",
                max_age=365 * 24 * 3600,
            )
        return response

    @app.exception_handler(StarletteHTTPException)  # the router's own 404/405 too, not only FastAPI's
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
            detail = exc.detail if isinstance(exc.detail, dict | list) else {"detail": exc.detail}
            return JSONResponse(detail, status_code=exc.status_code, headers=exc.headers)
        return render(
            request, "error.html", {"status": exc.status_code, "detail": exc.detail}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)
        fields = sorted({str(e["loc"][-1]) for e in errors if e["loc"]})  # the form's or the address's field names
        context = {"status": 422, "fields": fields, "detail": "; ".join(f"{e['loc']}: {e['msg']}" for e in errors)}
        return render(request, "error.html", context, status_code=422)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:  # never a stack trace
        if unavailable.is_unavailable(exc):
            return unavailable.response(request)  # the database is restarting or busy: a clean 503
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return render(request, "error.html", {"status": 500, "detail": None}, status_code=500)

    # bodies without a (true) Content-Length are counted as they stream in, and cut off past the limit
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_upload_bytes + FORM_SLACK,
        too_large=lambda request: _too_large(request, settings.max_upload_bytes),
    )
    app.mount("/static", HashedStatic(directory=STATIC), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # static files and pages, compressed when asked

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI, every file served from here (no CDN; its start-up script is a static file, not inline)."""
        return HTMLResponse(API_DOCS)

    @app.get("/static-plotly/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            PLOTLY_JS, media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    from qala.web.routes import (  # noqa: PLC0415
        admin,
        api,
        assessment,
        auth,
        documents,
        economics,
        estimates,
        jobs,
        pages,
        publish,
        report,
        review,
        roadmap,
        variants,
    )

    app.include_router(auth.router)
    app.include_router(variants.api)  # before api.router: /api/v1/variants/compare is not a variant id
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(estimates.router)
    app.include_router(roadmap.router)
    app.include_router(assessment.router)
    app.include_router(documents.router)
    app.include_router(economics.router)
    app.include_router(report.router)
    app.include_router(jobs.router)
    app.include_router(admin.router)
    app.include_router(review.api)
    app.include_router(review.router)
    app.include_router(publish.api)
    app.include_router(publish.router)
    app.include_router(roadmap.api)
    app.include_router(variants.router)
    return app
