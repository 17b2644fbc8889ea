"""Build the report in one format: the entry point shared by ``qala report`` and the web page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from qala.report import FORMATS, LANGS, PdfUnavailable
from qala.report.context import ReportContext, build_context


class ReportError(ValueError):
    """A request for a report that cannot be made (unknown language or format)."""


def check(lang: str, fmt: str) -> None:
    if lang not in LANGS:
        raise ReportError(f"unknown language {lang!r}: one of {', '.join(LANGS)}")
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "pdf":
        from qala.report.pdf import pdf_unavailable  # noqa: PLC0415

        reason = pdf_unavailable()
        if reason:  # said before the report is gathered, not after
            raise PdfUnavailable(reason)


def render(ctx: ReportContext, fmt: str, progress: Callable[[float, str], None] | None = None) -> bytes:
    from qala.report.html import render_html  # noqa: PLC0415 (WeasyPrint and openpyxl load only when needed)

    if fmt == "html":
        return render_html(ctx).encode("utf-8")
    if fmt == "pdf":
        from qala.report.pdf import html_to_pdf  # noqa: PLC0415

        html = render_html(ctx, for_print=True)
        if progress is not None:
            progress(0.2, "printing")
        return html_to_pdf(html, (lambda: progress(0.75, "writing_pdf")) if progress is not None else None)
    from qala.report.xlsx import workbook  # noqa: PLC0415

    return workbook(ctx)


def build_report(engine: Engine, city: str, lang: str, fmt: str, today: date | None = None) -> bytes:
    """The report's bytes; ReportError for a bad language or format, InventoryError without an inventory."""
    check(lang, fmt)
    return render(build_context(engine, city, lang, today), fmt)


def cached_report(
    engine: Engine,
    city: str,
    lang: str,
    fmt: str,
    where: Path | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[bytes, date]:
    """The report and the day it was built: from the cache when this version of the data has one, else built
    now and kept (``qala.report.cache``)."""
    from qala.report import cache  # noqa: PLC0415

    check(lang, fmt)
    data = cache.data_key(engine, city)
    found = cache.get(data, lang, fmt, where)
    if found is not None:
        return found.body, found.built
    today = date.today()
    tell = progress or (lambda share, phase: None)
    # a PDF spends about four fifths of its time in WeasyPrint (layout, then writing): the figures and charts
    # fill the first fifth of its bar, so that the bar does not wait at 90 % for most of the work
    before = 0.15 if fmt == "pdf" else 0.8
    ctx = build_context(engine, city, lang, today, lambda share, phase: tell(before * share, phase))
    tell(before, "drawing")
    body = render(ctx, fmt, tell)
    cache.put(data, lang, fmt, body, today, where)
    return body, today


def file_name(city: str, lang: str, fmt: str, today: date | None = None) -> str:
    return f"qala-report-{city}-{(today or date.today()).isoformat()}-{lang}.{fmt}"
