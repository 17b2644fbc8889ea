"""The XLSX reader counts cells, empty cells, styles and shared strings, and stops at a stated budget."""

from __future__ import annotations

import io
import zipfile

import pytest

from qala.ingest.limits import XLSX_MAX_EMPTY, ImportLimits
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import parse_bytes
from tests.hostile import GOOD_ROW, HEADER, MAIN, cell, row, shared_strings, sheet_xml, workbook


def empty_styled_rows(first: int, count: int, width: int = 10) -> str:
    """``count`` rows of ``width`` cells that carry a style and no value (what a formatted template is made of)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(
        f'<row r="{n}">' + "".join(f'<c r="{letters[i]}{n}" s="1"/>' for i in range(width)) + "</row>"
        for n in range(first, first + count)
    )


def worst_case_workbook(empty_cells: int = XLSX_MAX_EMPTY - 1000) -> bytes:
    """A header, one data row, and as many empty formatted cells as the budget allows: the slowest valid file."""
    width = 10
    rows = empty_cells // (width + 1)  # each empty row counts its cells and itself
    return workbook(sheet_xml(row(1, HEADER) + row(2, GOOD_ROW) + empty_styled_rows(3, rows, width)))


def problems(data: bytes, limits: ImportLimits | None = None) -> list[str]:
    try:
        parse_bytes(data, "book.xlsx", limits or ImportLimits())
    except ValidationFailed as exc:
        return [str(p) for p in exc.problems]
    return []


def test_empty_formatted_cells_past_the_budget_are_a_named_refusal() -> None:
    limits = ImportLimits(xlsx_max_empty=500)
    assert problems(workbook(sheet_xml(row(1, HEADER) + row(2, GOOD_ROW) + empty_styled_rows(3, 40))), limits) == []
    [found] = problems(workbook(sheet_xml(row(1, HEADER) + row(2, GOOD_ROW) + empty_styled_rows(3, 60))), limits)
    assert "at most 500 empty or formatting-only cells and rows" in found


def test_cells_past_the_budget_are_refused_naming_the_setting() -> None:
    limits = ImportLimits(max_rows=2)  # 16 cells per allowed row, the header included: 48
    body = row(1, HEADER) + row(2, GOOD_ROW) + empty_styled_rows(3, 5, width=20)
    [found] = problems(workbook(sheet_xml(body)), limits)
    assert "at most 48 cells" in found and "QALA_MAX_IMPORT_ROWS" in found


def test_shared_strings_are_counted_not_only_their_characters() -> None:
    limits = ImportLimits(max_rows=10)  # 4 per allowed row: 44
    [found] = problems(workbook(shared=shared_strings([""] * 45)), limits)
    assert "at most 44 shared strings" in found


def test_a_styles_part_past_the_budget_is_refused() -> None:
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs>' + "<xf/>" * 600 + "</cellXfs></styleSheet>"
    book = workbook(extra={"xl/styles.xml": styles.encode()})
    buf = io.BytesIO()  # the workbook's relationships name the styles part
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/styles" Target="styles.xml"/></Relationships>',
                )
            dst.writestr(item, data)
    [found] = problems(buf.getvalue(), ImportLimits(xlsx_max_styles=100))
    assert "at most 100 style elements" in found
    assert problems(buf.getvalue()) == []


def test_a_formula_through_a_defined_name_that_reads_another_workbook_is_refused() -> None:
    sheet = sheet_xml(
        row(1, HEADER)
        + '<row r="2">'
        + "".join(cell(f"{c}2", v) for c, v in zip("ABC", GOOD_ROW[:3], strict=True))
        + cell("D2", "10", kind="n", formula="Rate*2")
        + cell("E2", "TJ")
        + "</row>"
    )
    book = workbook(sheet)
    names = b"<definedNames><definedName name=\"Base\">'[1]Prices'!$A$1</definedName>"
    names += b'<definedName name="Rate">Base*1.1</definedName></definedNames>'
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"</sheets>", b"</sheets>" + names)
            dst.writestr(item, data)
    [found] = problems(buf.getvalue())
    assert "row 2, column 'amount'" in found and "reads another file" in found


@pytest.mark.slow
def test_the_worst_case_within_the_limits_is_read() -> None:
    """The largest file the default budget lets through (slow: tens of seconds); the counting itself is checked
    in the fast suite on small budgets (the tests above)."""
    assert problems(worst_case_workbook()) == []
