"""Neutralise spreadsheet formula injection (CWE-1236, OWASP "CSV injection") in exported cells.

A spreadsheet treats a text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage return,
line feed or NUL before one) as a formula. :func:`safe` prefixes such text with an apostrophe, the
spreadsheets' own "this is text" marker, so the cell shows the text instead of running it; the text after
the apostrophe is unchanged. Full-width and small-form variants (``＝ ＋ － ＠``, ``﹦ ﹢ ﹣ ﹫``) and the
minus sign U+2212 count too, and so does a dangerous character after leading spaces. Numbers, dates and
``None`` pass untouched (a negative number stays a number), and so does text that is exactly a plain
decimal number such as ``-12.5``: a spreadsheet reads it as that number, never as a formula.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

ESCAPE = "'"
TRIGGERS = frozenset("=+-@\t\r\n\0\u2212")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    if text == "" or _NUMBER.fullmatch(text):
        return False
    if text[0] in "\t\r\n\0":
        return True
    head = text.lstrip(" \u00a0\u3000")
    return head != "" and unicodedata.normalize("NFKC", head[0])[:1] in TRIGGERS


def safe(value: object) -> object:
    """The cell value to write: text that a spreadsheet could run gets a leading apostrophe; all else as is."""
    if isinstance(value, str) and is_formula_like(value):
        return ESCAPE + value
    return value


def unescape(value: object) -> object:
    """The original text of a cell written by :func:`safe` (for re-imports of Qala's own exports)."""
    if isinstance(value, str) and value.startswith(ESCAPE) and is_formula_like(value[1:]):
        return value[1:]
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """:func:`safe` applied to every cell of a row."""
    return [safe(v) for v in values]


def safe_workbook(wb: Workbook) -> Workbook:
    """:func:`safe` over every text cell of an openpyxl workbook, just before it is saved (a text that opens
    with ``=`` is stored as text, never as a formula)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and is_formula_like(cell.value):
                    cell.value = safe(cell.value)
    return wb
