"""The strategy report page: choose the language and the format; the button builds the report and downloads it.

Readable by everyone who can read the overview (the public included): the report holds published results only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from qala.jobs import queue, tasks
from qala.jobs.queue import QueueFull
from qala.report import FORMATS, LANGS, MEDIA_TYPES, REPORT_DRAWS
from qala.report import cache as report_cache
from qala.report.build import file_name
from qala.web import jobs
from qala.web.i18n import LANG_NAMES
from qala.web.routes.pages import Fmt, page
from qala.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _city(request: Request) -> str:
    return getattr(request.state, "city", None) or request.app.state.settings.default_city


@router.get("/report")
def report_page(request: Request, fmt: Fmt = "html") -> Response:
    context = {
        "city": _city(request),
        "languages": {code: LANG_NAMES[code] for code in LANGS},
        "formats": list(FORMATS),
        "draws": REPORT_DRAWS,
    }
    return page(request, "report_page.html", context, fmt)


@router.post("/report")
async def report_download(
    request: Request,
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    lang: Annotated[str, Form(max_length=2)] = "kk",
    kind: Annotated[str, Form(alias="format", max_length=4)] = "pdf",
) -> Response:
    """The report is built as a job, once per city, published version and state of the data, language, format and
    Qala version (then kept in the report cache, ``qala.report.cache``, and answered at once)."""
    check_csrf(request, csrf_token)
    if lang not in LANGS or kind not in FORMATS:
        raise HTTPException(
            status_code=400, detail=f"language one of {', '.join(LANGS)}; format one of {', '.join(FORMATS)}"
        )
    city = _city(request)
    data = await run_in_threadpool(report_cache.data_key, request.app.state.engine, city)
    found = None if request.headers.get("hx-request") else report_cache.get(data, lang, kind)
    if found is not None:  # built before for this version of the data: at once, without a job
        return _download(found.body, city, lang, kind, found.built)
    kwargs = {"url": jobs.database_url(request), "city": city, "lang": lang, "fmt": kind}
    key = f"report:{report_cache.key(data, lang, kind)}"
    try:
        job_id = await jobs.submit(request, "report", tasks.build_report, kwargs, cache_key=key)
    except QueueFull as exc:
        return jobs.queue_full(request, exc)
    if request.headers.get("hx-request"):
        return RedirectResponse(f"/jobs/{job_id}?part=progress", status_code=303)
    job = await jobs.wait(request, job_id, jobs.settings_of(request).wait)
    if job is None or job["state"] != "done" or job["code"] != 200:
        if job is not None and job["code"] == 404:
            raise HTTPException(status_code=404, detail="no inventory for this city yet")
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    full = await run_in_threadpool(queue.get, request.app.state.engine, job_id, with_file=True)
    assert full is not None
    return Response(
        full["file"],
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{full["file_name"] or file_name(city, lang, kind)}"'},
    )


def _download(body: bytes, city: str, lang: str, kind: str, built: date) -> Response:
    return Response(
        body,
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{file_name(city, lang, kind, built)}"'},
    )
