"""Document texts in the store: import (all or nothing, by SHA-256 once), listing, bundled texts."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from qala.documents.read import DocumentError, ExtractedText, extract
from qala.documents.text import LANGS, duplicate_key, stems
from qala.store.models import DocumentParagraph, DocumentText, Meta
from qala.store.users import audit

D = DocumentText.__table__
P = DocumentParagraph.__table__
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
KINDS_HINT = "e.g. strategy, law, plan, programme, announcement"


@dataclass(frozen=True)
class DocumentMeta:
    """What the user says about a document: its code, language and title, and where it comes from."""

    code: str
    lang: str
    title: str
    year: int | None = None
    source: str | None = None
    kind: str | None = None
    titles: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        if not CODE.match(self.code or ""):
            raise DocumentError("document.code", code=self.code)
        if self.lang not in LANGS:
            raise DocumentError("document.lang", lang=self.lang)
        if not (self.title or "").strip() or len(self.title) > 500:
            raise DocumentError("document.title")
        if self.year is not None and not 1900 <= self.year <= 2100:
            raise DocumentError("document.year", year=str(self.year))
        if self.kind is not None and not re.match(r"^[a-z_]{1,40}$", self.kind):
            raise DocumentError("document.kind", kind=self.kind, hint=KINDS_HINT)


@dataclass(frozen=True)
class ReadFile:
    name: str
    sha256: str
    text: ExtractedText


@dataclass(frozen=True)
class FileOutcome:
    name: str
    sha256: str
    imported: bool  # False: the same file (SHA-256) was already there, nothing added
    code: str
    lang: str
    part: int
    paragraphs: int


def read_file(name: str, data: bytes) -> ReadFile:
    """Check and extract one file; raises :class:`DocumentError` (nothing is stored by this)."""
    return ReadFile(name, hashlib.sha256(data).hexdigest(), extract(data, name))


def import_documents(engine: Engine, files: list[ReadFile], meta: DocumentMeta, who: str) -> list[FileOutcome]:
    """Store the files as the parts of one document, in one transaction; a file already stored is reported."""
    meta.check()
    with engine.begin() as conn:
        return [store_text(conn, f, meta, who) for f in files]


def store_text(conn: Connection, f: ReadFile, meta: DocumentMeta, who: str, *, audited: bool = True) -> FileOutcome:
    same = conn.execute(select(D.c.code, D.c.lang, D.c.part, D.c.paragraphs).where(D.c.sha256 == f.sha256)).first()
    if same:
        return FileOutcome(f.name, f.sha256, False, same.code, same.lang, same.part, same.paragraphs)
    last = conn.execute(
        select(func.max(D.c.part)).where(D.c.code == meta.code, D.c.lang == meta.lang)
    ).scalar_one_or_none()
    part = (last or 0) + 1
    paragraphs = f.text.paragraphs
    row = {
        "code": meta.code,
        "lang": meta.lang,
        "part": part,
        "title": meta.title.strip(),
        "titles": json.dumps(meta.titles, ensure_ascii=False) if meta.titles else None,
        "kind": meta.kind,
        "year": meta.year,
        "source": meta.source,
        "file_name": f.name,
        "media_type": f.text.media_type,
        "sha256": f.sha256,
        "paragraphs": len(paragraphs),
        "chars": sum(len(p) for p in paragraphs),
        "imported_by": who,
        "imported_at": datetime.now(UTC),
    }
    doc_id = conn.execute(insert(D).values(**row).returning(D.c.id)).scalar_one()
    conn.execute(
        insert(P),
        [
            {
                "document_id": doc_id,
                "position": i,
                "text": text,
                "chars": len(text),
                "dup_key": duplicate_key(text),
                "stems": stems(text, meta.lang),
            }
            for i, text in enumerate(paragraphs, start=1)
        ],
    )
    if audited:
        audit(conn, who, "import", "document_text", f"{meta.code}/{meta.lang}/{part}", after=row)
    return FileOutcome(f.name, f.sha256, True, meta.code, meta.lang, part, len(paragraphs))


def list_documents(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(D).order_by(D.c.code, D.c.lang, D.c.part)).mappings().all()
    out = []
    for r in rows:
        d = dict(r)
        d["titles"] = json.loads(d["titles"]) if d["titles"] else {}
        out.append(d)
    return out


def paragraphs_of(engine: Engine, code: str, lang: str, part: int = 1) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(P.c.text)
                .join(D, D.c.id == P.c.document_id)
                .where(D.c.code == code, D.c.lang == lang, D.c.part == part)
                .order_by(P.c.position)
            ).scalars()
        )


# ------------------------------------------------------------------------------- bundled texts
SEEDED_BY = "qala (bundled city data)"


def bundled_documents(city: str) -> list[tuple[DocumentMeta, str, bytes]]:
    """The city's bundled document texts from ``documents/index.yaml``: (meta, file name, content)."""
    from qala.cities import bundled  # noqa: PLC0415

    folder = bundled(city).folder.joinpath("documents")
    index = folder.joinpath("index.yaml")
    if not index.is_file():
        return []
    entries = (yaml.safe_load(index.read_text(encoding="utf-8")) or {}).get("documents", [])
    out = []
    for e in entries:
        titles = {k: str(v) for k, v in (e.get("title") or {}).items()}
        meta = DocumentMeta(
            code=e["code"],
            lang=e["lang"],
            title=titles.get(e["lang"]) or next(iter(titles.values()), ""),
            year=e.get("year"),
            source=e.get("source"),
            kind=e.get("kind"),
            titles=titles,
        )
        meta.check()
        out.append((meta, f"qala/cities/{city}/documents/{e['file']}", folder.joinpath(e["file"]).read_bytes()))
    return out


def seed_documents_once(engine: Engine, city: str) -> int:
    """Load each bundled document text once per database (a ``Meta`` marker per file); return how many now."""
    loaded = 0
    for meta, name, data in bundled_documents(city):
        marker = f"seed.{city}.document.{name.rsplit('/', 1)[-1]}"
        with engine.connect() as conn:
            if conn.execute(select(Meta.value).where(Meta.key == marker)).first():
                continue
        f = read_file(name, data)
        try:
            with engine.begin() as conn:
                conn.execute(insert(Meta).values(key=marker, value=datetime.now(UTC).isoformat()))
                loaded += store_text(conn, f, meta, SEEDED_BY, audited=False).imported
        except IntegrityError:
            continue  # another process seeded it at the same moment
    return loaded
