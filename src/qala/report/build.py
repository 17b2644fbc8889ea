"""Build the report in one format: the entry point shared by ``qala report`` and the web page."""

from __future__ import annotations

from datetime import date

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


def render(ctx: ReportContext, fmt: str) -> bytes:
    from qala.report.html import render_html  # noqa: PLC0415 (WeasyPrint and openpyxl load only when needed)

    if fmt == "html":
        return render_html(ctx).encode("utf-8")
    if fmt == "pdf":
        from qala.report.pdf import html_to_pdf  # noqa: PLC0415

        return html_to_pdf(render_html(ctx, for_print=True))
    from qala.report.xlsx import workbook  # noqa: PLC0415

    return workbook(ctx)


def build_report(engine: Engine, city: str, lang: str, fmt: str, today: date | None = None) -> bytes:
    """The report's bytes; ReportError for a bad language or format, InventoryError without an inventory."""
    check(lang, fmt)
    return render(build_context(engine, city, lang, today), fmt)


def file_name(city: str, lang: str, fmt: str, today: date | None = None) -> str:
    return f"qala-report-{city}-{(today or date.today()).isoformat()}-{lang}.{fmt}"
