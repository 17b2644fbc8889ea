"""Paragraphs repeated verbatim (after whitespace and case normalisation) within or across documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from qala.documents.read import DocumentError
from qala.store.models import DocumentParagraph, DocumentText

D = DocumentText.__table__
P = DocumentParagraph.__table__


@dataclass(frozen=True)
class Occurrence:
    code: str
    lang: str
    part: int
    position: int

    @property
    def document(self) -> tuple[str, str]:
        return (self.code, self.lang)


@dataclass(frozen=True)
class DuplicateGroup:
    text: str
    chars: int
    occurrences: tuple[Occurrence, ...]

    @property
    def scope(self) -> str:
        """``within`` one document, ``across`` documents, or both."""
        docs = [o.document for o in self.occurrences]
        within = len(set(docs)) < len(docs)
        across = len(set(docs)) > 1
        return "within and across" if within and across else ("within" if within else "across")


def find_duplicates(engine: Engine, min_chars: int = 80, code: str | None = None) -> list[DuplicateGroup]:
    """Groups of paragraphs of at least ``min_chars`` characters that occur more than once.

    The database finds the repeated keys (SHA-256 of the normalised text); ``code`` keeps the groups
    that involve that document.
    """
    if min_chars < 1:
        raise DocumentError(f"--min-chars {min_chars}: use 1 or more")
    repeated = (
        select(P.c.dup_key).where(P.c.chars >= min_chars).group_by(P.c.dup_key).having(func.count() > 1)
    ).scalar_subquery()
    query = (
        select(P.c.dup_key, P.c.text, P.c.chars, P.c.position, D.c.code, D.c.lang, D.c.part)
        .join(D, D.c.id == P.c.document_id)
        .where(P.c.dup_key.in_(repeated), P.c.chars >= min_chars)
        .order_by(D.c.code, D.c.lang, D.c.part, P.c.position)
    )
    groups: dict[tuple[str, str], list] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            # the text itself confirms the key (no trust in a hash alone)
            groups.setdefault((r.dup_key, r.text.casefold()), []).append(r)
    out = []
    for rows in groups.values():
        if len(rows) < 2:
            continue
        occurrences = tuple(Occurrence(r.code, r.lang, r.part, r.position) for r in rows)
        if code and all(o.code != code for o in occurrences):
            continue
        out.append(DuplicateGroup(rows[0].text, rows[0].chars, occurrences))
    out.sort(key=lambda g: (g.occurrences[0].document, g.occurrences[0].part, g.occurrences[0].position))
    return out
