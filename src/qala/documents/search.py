"""Full-text search of paragraphs through the database's own engine.

Both backends get the same stems (``text.stems``/``text.query_terms``) and the same query shape: every
query word must match (AND), each through any of its possible stems (OR). Only the match clause differs:
FTS5 ``MATCH`` on SQLite, ``@@ to_tsquery('simple', ...)`` on PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, text

from qala.documents.read import DocumentError
from qala.documents.text import LANGS, query_terms, stem_word

MAX_LIMIT = 500
_WORD = re.compile(r"[^\W_]+")

_SELECT = """
SELECT d.code, d.lang, d.part, d.title, p.position, p.text, {score} AS score
FROM {source}
JOIN document_texts d ON d.id = p.document_id
WHERE {match}{only_code}
ORDER BY score {order}, d.code, d.lang, d.part, p.position
LIMIT :limit
"""
_DIALECTS = {
    "sqlite": {
        "source": "document_paragraphs_fts f JOIN document_paragraphs p ON p.id = f.rowid",
        "match": "document_paragraphs_fts MATCH :q",
        "score": "bm25(document_paragraphs_fts)",
        "order": "ASC",  # bm25 is lower for better matches
    },
    "postgresql": {
        "source": "document_paragraphs p",
        "match": "p.stems_tsv @@ to_tsquery('simple'::regconfig, :q)",
        "score": "ts_rank(p.stems_tsv, to_tsquery('simple'::regconfig, :q))",
        "order": "DESC",
    },
}


@dataclass(frozen=True)
class Hit:
    code: str
    lang: str
    part: int
    title: str
    position: int
    text: str
    snippet: str
    spans: tuple[tuple[int, int], ...]  # the matching words in the snippet (start, end)


def match_expression(terms: list[tuple[str, ...]], dialect: str) -> str:
    """The engine's query string: ``("a" OR "b") AND "c"`` (FTS5) or ``('a' | 'b') & 'c'`` (tsquery)."""
    quote, either, both = ('"', " OR ", " AND ") if dialect == "sqlite" else ("'", " | ", " & ")
    groups = []
    for alternatives in terms:
        quoted = [f"{quote}{s}{quote}" for s in alternatives]  # stems are letters and digits only
        groups.append(quoted[0] if len(quoted) == 1 else "(" + either.join(quoted) + ")")
    return both.join(groups)


def search(
    engine: Engine, query: str, lang: str | None = None, *, code: str | None = None, limit: int = 20
) -> list[Hit]:
    """Paragraphs holding every word of ``query`` in any inflection, best matches first."""
    if lang is not None and lang not in LANGS:
        raise DocumentError("document.lang", lang=lang)
    terms = query_terms(query, lang)
    if not terms:
        raise DocumentError("document.query_empty")
    if not 1 <= limit <= MAX_LIMIT:
        raise DocumentError("document.limit", limit=str(limit), max=MAX_LIMIT)
    dialect = engine.dialect.name
    if dialect not in _DIALECTS:
        raise DocumentError("document.search_dialect", dialect=dialect)
    parts = _DIALECTS[dialect]
    sql = _SELECT.format(only_code=" AND d.code = :code" if code else "", **parts)
    params: dict[str, object] = {"q": match_expression(terms, dialect), "limit": limit}
    if code:
        params["code"] = code
    wanted = {s for alternatives in terms for s in alternatives}
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    hits = []
    for r in rows:
        snip, spans = snippet(r.text, r.lang, wanted)
        hits.append(Hit(r.code, r.lang, r.part, r.title, r.position, r.text, snip, spans))
    return hits


def snippet(paragraph: str, lang: str, wanted: set[str], width: int = 240) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of the paragraph around its first matching word, and where the matching words are."""
    spans = [(a, b) for a, b in _word_spans(paragraph) if _stem(paragraph[a:b], lang) in wanted]
    start_at = 0
    if len(paragraph) <= width:
        return paragraph, tuple(spans)
    if spans:
        start_at = max(0, spans[0][0] - width // 4)
        if start_at:
            space = paragraph.find(" ", start_at)
            start_at = space + 1 if 0 <= space < spans[0][0] else start_at
    end_at = min(len(paragraph), start_at + width)
    if end_at < len(paragraph):
        space = paragraph.rfind(" ", start_at, end_at)
        end_at = space if space > start_at else end_at
    prefix = "… " if start_at else ""
    suffix = " …" if end_at < len(paragraph) else ""
    shift = len(prefix) - start_at
    inside = tuple((a + shift, b + shift) for a, b in spans if a >= start_at and b <= end_at)
    return prefix + paragraph[start_at:end_at] + suffix, inside


def _stem(word: str, lang: str) -> str:
    return stem_word(word.casefold().replace("ё", "е"), lang)


def _word_spans(paragraph: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(paragraph)]
