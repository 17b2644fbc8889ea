"""Text out of a document file: plain text (UTF-8), HTML (stdlib parser) or PDF (pypdf).

Every failure is a :class:`DocumentError` with a message that names the file and says what to do.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from qala.documents.messages import DOCUMENTS
from qala.documents.text import normalise, split_paragraphs
from qala.messages import CodedError

FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}
MAX_DOCUMENT_BYTES = 100 * 2**20  # a document file as stored
MAX_PDF_PAGES = 5000
PDF_LINE_END = re.compile(r"[.!?:;…»\"”)]$")


class DocumentError(CodedError):
    """A document cannot be imported or searched: a message code (``document.*``, qala.messages) and its values;
    ``str()`` is the English sentence. An English sentence given instead of a code (the CLI's own) stays as it is."""

    def __init__(self, code: str, /, **params: Any) -> None:
        if code in DOCUMENTS:
            super().__init__(code, 400, **params)
        else:  # a sentence, not a code: English only
            ValueError.__init__(self, code)
            self.code, self.params, self.status = "document.sentence", {"detail": code}, 400

    def message(self, lang: str) -> str:
        return str(self) if self.code == "document.sentence" else super().message(lang)


@dataclass(frozen=True)
class ExtractedText:
    media_type: str  # txt | html | pdf
    paragraphs: list[str]


def media_type(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise DocumentError("document.format", name=name, shown=shown)
    return FORMATS[suffix]


def extract(data: bytes, name: str) -> ExtractedText:
    """The paragraphs of a file's content; raises :class:`DocumentError` when there are none."""
    kind = media_type(name)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError("document.too_large", name=name, mib=MAX_DOCUMENT_BYTES // 2**20)
    if kind == "txt":
        paragraphs = split_paragraphs(_decode_utf8(data, name))
    elif kind == "html":
        paragraphs = html_paragraphs(_decode_html(data, name))
    else:
        paragraphs = pdf_paragraphs(data, name)
    if not paragraphs:
        raise DocumentError("document.no_text", name=name)
    return ExtractedText(kind, paragraphs)


def _decode_utf8(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError("document.not_utf8", name=name, byte=str(exc.start)) from exc


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _decode_html(data: bytes, name: str) -> str:
    """UTF-8 unless the page's ``<meta charset>`` says otherwise (e.g. windows-1251)."""
    found = _META_CHARSET.search(data[:4096])
    charset = found.group(1).decode("ascii").lower() if found else "utf-8"
    if charset in ("utf-8", "utf8"):
        return _decode_utf8(data, name)
    try:
        return data.decode(charset)
    except LookupError as exc:
        raise DocumentError("document.charset_unknown", name=name, charset=charset) from exc
    except UnicodeDecodeError as exc:
        raise DocumentError("document.charset_invalid", name=name, charset=charset, byte=str(exc.start)) from exc


# ------------------------------------------------------------------------------------------ HTML
_DROPPED = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_BLOCKS = {
    "p", "br", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
    "table", "section", "article", "aside", "header", "footer", "nav", "main", "blockquote", "pre", "figure",
    "figcaption", "hr", "address", "title", "caption", "form", "fieldset",
}  # fmt: skip
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropped: list[str] = []  # open dropped elements (their text is skipped)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "body" and "head" in self.dropped:  # </head> may be left out
            self.dropped.clear()
        if tag in _DROPPED and tag not in _VOID:
            self.dropped.append(tag)
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.dropped:
            while self.dropped and self.dropped.pop() != tag:
                pass
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.dropped:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_paragraphs(html: str) -> list[str]:
    """Paragraphs of an HTML page: block elements and ``<br>`` end them; scripts, styles and head dropped."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return [p for p in (normalise(b) for b in text.split("\n\n")) if p]


# ------------------------------------------------------------------------------------------- PDF
def pdf_paragraphs(data: bytes, name: str) -> list[str]:
    """Paragraphs of a PDF's text layer; an unreadable, encrypted or image-only PDF has none."""
    from pypdf import PdfReader  # noqa: PLC0415 (only when a PDF is imported)
    from pypdf.errors import LimitReachedError  # noqa: PLC0415

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # its repair notes about damaged files are not for the user
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("document.pdf_encrypted", name=name)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError("document.pdf_pages", name=name, max=MAX_PDF_PAGES, pages=len(reader.pages))
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except LimitReachedError as exc:  # pypdf stops inflating a stream at its limit (75 MB)
        raise DocumentError("document.pdf_bomb", name=name) from exc
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise DocumentError("document.pdf_unreadable", name=name, error=str(exc)) from exc
    finally:
        pypdf_log.setLevel(level)
    paragraphs = [p for page in pages for p in _page_paragraphs(page)]
    if not paragraphs:
        raise DocumentError("document.pdf_scanned", name=name)
    return paragraphs


def _page_paragraphs(page: str) -> list[str]:
    """Blank lines end paragraphs; without them, a short line does (one that ends a sentence, or a heading)."""
    page = page.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"\n\s*\n", page):
        return split_paragraphs(page)
    lines = [normalise(line) for line in page.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return []
    width = max(len(line) for line in lines)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        ends_sentence = PDF_LINE_END.search(line) is not None
        if len(line) < (0.85 if ends_sentence else 0.6) * width:  # a paragraph's last line, or a heading
            paragraphs.append(_join_lines(current))
            current = []
    if current:
        paragraphs.append(_join_lines(current))
    return paragraphs


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line  # a word hyphenated at the line end
        else:
            text = f"{text} {line}" if text else line
    return text
