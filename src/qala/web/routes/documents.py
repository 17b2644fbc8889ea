"""Strategic documents: the registry with targets, the imported texts, full-text search, repeated paragraphs."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qala.documents.duplicates import find_duplicates
from qala.documents.read import DocumentError
from qala.documents.search import search
from qala.services.assessment import city_documents
from qala.store.documents import list_documents
from qala.store.users import public_names
from qala.web import labels
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page

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
    engine = request.app.state.engine
    registry, targets = city_documents(current_city(request))
    hits: list[dict[str, Any]] = []
    error = None
    if q.strip():
        try:
            hits = [h.__dict__ for h in search(engine, q, None, limit=50)]
        except DocumentError as exc:
            error = str(exc)
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
    _ = lang
    return page(request, "documents.html", context, fmt)
