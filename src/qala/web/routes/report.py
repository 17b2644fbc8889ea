"""The strategy report page: choose the language and the format; the button builds the report and downloads it.

Readable by everyone who can read the overview (the public included): the report holds published results only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from qala.inventory.engine import InventoryError
from qala.report import FORMATS, LANGS, MEDIA_TYPES, REPORT_DRAWS, PdfUnavailable
from qala.report.build import build_report, file_name
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
def report_download(
    request: Request,
    csrf_token: Annotated[str | None, Form()] = None,
    lang: Annotated[str, Form(max_length=2)] = "kk",
    kind: Annotated[str, Form(alias="format", max_length=4)] = "pdf",
) -> Response:
    check_csrf(request, csrf_token)
    if lang not in LANGS or kind not in FORMATS:
        raise HTTPException(
            status_code=400, detail=f"language one of {', '.join(LANGS)}; format one of {', '.join(FORMATS)}"
        )
    city, today = _city(request), date.today()
    try:
        body = build_report(request.app.state.engine, city, lang, kind, today)
    except InventoryError as exc:
        raise HTTPException(status_code=404, detail="no inventory for this city yet") from exc
    except PdfUnavailable as exc:  # the server lacks Pango: HTML and XLSX still work
        raise HTTPException(status_code=503, detail="PDF is not available on this server; choose HTML or XLSX") from exc
    return Response(
        body,
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{file_name(city, lang, kind, today)}"'},
    )
