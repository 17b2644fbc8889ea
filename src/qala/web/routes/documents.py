"""Strategic documents: the registry with targets, the imported texts, full-text search, repeated paragraphs."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from qala.documents.duplicates import find_duplicates
from qala.documents.read import DocumentError
from qala.documents.search import search
from qala.messages import error_body
from qala.services.assessment import city_documents
from qala.store.documents import DocumentMeta, import_documents, list_documents, read_file
from qala.store.users import public_names
from qala.web import labels
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page
from qala.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)


def _target(t: Any) -> dict[str, Any]:
    row = dict(t.__dict__)
    if isinstance(row["value"], float) and math.isnan(row["value"]):
        row["value"] = None  # a target without a number (not measurable)
    return row


def _public(texts: list[dict[str, Any]], accounts: dict[str, tuple[str | None, str]], lang: str) -> list[Any]:
    """The imported texts as the public sees them: who imported one is a display name or a role, never a user name."""
    return [{**t, "imported_by": labels.author(t["imported_by"], accounts, lang)} for t in texts]


@router.get("/documents")
def documents_page(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    lang: Annotated[str | None, Query(pattern="^(kk|ru|en)$")] = None,
    fmt: Fmt = "html",
) -> Response:
    return _documents(request, q, fmt)


def _documents(
    request: Request,
    q: str = "",
    fmt: str = "html",
    *,
    added: dict[str, Any] | None = None,
    add_error: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    engine = request.app.state.engine
    registry, targets = city_documents(current_city(request))
    hits: list[dict[str, Any]] = []
    error = None
    if q.strip():
        try:
            hits = [h.__dict__ for h in search(engine, q, None, limit=50)]
        except DocumentError as exc:
            error = exc.to_dict(request.state.lang)  # detail (English), code, params, message
    duplicates = [
        {"text": g.text, "chars": g.chars, "scope": g.scope, "occurrences": [o.__dict__ for o in g.occurrences]}
        for g in find_duplicates(engine)
    ]
    context = {
        "registry": [
            {
                "code": d["code"],
                "title": d["title"],
                "level": d.get("level"),
                "adopted": d.get("adopted"),
                "source": d.get("source"),
                "targets": [_target(t) for t in targets if t.document == d["code"]],
            }
            for d in registry
        ],
        "texts": _public(list_documents(engine), public_names(engine), request.state.lang),
        "query": q,
        "hits": hits,
        "search_error": error,
        "duplicates": duplicates,
    }
    context["languages_held"] = sorted({t["lang"] for t in context["texts"]})
    context["_added"], context["_add_error"], context["_typed"] = added, add_error, typed or {}
    return page(request, "documents.html", context, fmt, status_code=status_code)


@router.post("/documents")
async def add_document(
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    code: Annotated[str, Form(max_length=80)] = "",
    doc_lang: Annotated[str, Form(max_length=2)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
    year: Annotated[str, Form(max_length=10)] = "",
    source: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """An editor adds a document's text (UTF-8 text, HTML or PDF) from the web, as ``qala documents import`` does."""
    check_csrf(request, csrf_token)
    user = require(request, "add_documents")
    typed = {"code": code, "doc_lang": doc_lang, "title": title, "year": year, "source": source}
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    try:
        if len(data) > limit:
            raise DocumentError("document.upload_too_large", mib=limit // 2**20)
        try:
            year_value = int(year) if year.strip() else None
        except ValueError as exc:
            raise DocumentError("document.year_form", year=year.strip()) from exc
        meta = DocumentMeta(code.strip(), doc_lang, title.strip(), year_value, source.strip() or None)
        read = read_file(file.filename or "document.txt", data)
        outcome = await run_in_threadpool(import_documents, request.app.state.engine, [read], meta, user.username)
    except (DocumentError, ValueError) as exc:
        error = error_body(exc, request.state.lang)  # detail (English), code, params, message
        return await run_in_threadpool(lambda: _documents(request, add_error=error, typed=typed, status_code=400))
    added = {"title": meta.title, "imported": outcome[0].imported, "paragraphs": outcome[0].paragraphs}
    return await run_in_threadpool(lambda: _documents(request, added=added))
