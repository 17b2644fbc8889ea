"""Hostile workbooks: zip bombs, endless sheets, huge cells, formulas, macros, DTDs, encryption, broken zips.

Each is refused with a problem that names the file (and the row and column where there is one) and the
limit, in bounded time and memory; nothing crashes. The limits are in ``qala.ingest.limits``.
"""

from __future__ import annotations

import base64
import io
import random
import zlib
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from qala.catalog import load_catalog
from qala.ingest.limits import ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from tests.hostile import (
    GOOD_ROW,
    HEADER,
    MACRO_WORKBOOK_TYPE,
    cell,
    deflate,
    good_rows,
    import_in_child,
    raw_zip,
    row,
    shared_strings,
    sheet_xml,
    workbook,
)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
PEAK_MB = 200


def problems(data: bytes, name: str = "book.xlsx", limits: ImportLimits | None = None) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        validate_table(parse_bytes(data, name, limits), load_catalog(), "astana")
    found = info.value.problems
    assert found and all(p.file == name and p.expected for p in found)
    return [str(p) for p in found]


def attempt(data: bytes, name: str) -> list[Problem]:
    """The problems of a file ([] when it validates)."""
    try:
        validate_table(parse_bytes(data, name), load_catalog(), "astana")
    except ValidationFailed as exc:
        return exc.problems
    return []


def records(data: bytes, name: str = "book.xlsx"):
    return validate_table(parse_bytes(data, name), load_catalog(), "astana").records


def test_a_hand_built_workbook_imports() -> None:
    recs = records(workbook())
    assert recs.select("year", "activity", "amount").rows() == [(2022, "natural_gas", 10.0)]


# --- zip bombs ---------------------------------------------------------------------------------------------


def test_a_whitespace_bomb_is_refused_by_its_ratio_in_bounded_memory(tmp_path: Path) -> None:
    body = row(1, HEADER).encode() + b" " * (64 * 2**20) + row(2, GOOD_ROW).encode()
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook(sheet_xml("").replace(b"<sheetData>", b"<sheetData>" + body)))
    assert path.stat().st_size < 2**20  # 64 MiB of sheet in a file of a few tens of kB
    out = import_in_child(path)
    assert out["problems"] and "compress at most 100:1" in out["problems"][0]
    assert "xl/worksheets/sheet1.xml" in out["problems"][0] and "bomb.xlsx" in out["problems"][0]
    assert out["peak_mb"] < PEAK_MB


def test_a_gigabyte_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    chunk = b" " * (64 * 2**20)
    comp, crc = deflate(chunk), zlib.crc32(chunk)
    members = [(f"xl/worksheets/sheet{n}.xml", comp, len(chunk), crc, 0) for n in range(1, 18)]  # 1,088 MiB
    path = tmp_path / "giga.xlsx"
    path.write_bytes(raw_zip(members))
    out = import_in_child(path)
    assert out["problems"] and "unpacks to at most 1,024 MiB" in out["problems"][0], out
    assert out["peak_mb"] < PEAK_MB


def test_a_zip_that_lies_about_its_sizes_is_cut_off_at_what_it_declares(tmp_path: Path) -> None:
    real = sheet_xml(good_rows()) + b" " * (16 * 2**20)
    members = [("[Content_Types].xml", deflate(b"<Types/>"), 8, zlib.crc32(b"<Types/>"), 0)]
    members.append(("xl/worksheets/sheet1.xml", deflate(real), 1000, zlib.crc32(real), 0))  # declares 1 kB
    path = tmp_path / "liar.xlsx"
    path.write_bytes(raw_zip(members))
    out = import_in_child(path)
    assert out["problems"] and "an Excel workbook" in out["problems"][0]
    assert out["peak_mb"] < PEAK_MB


def test_a_cell_in_column_xfd_of_the_last_row_is_refused_at_once(tmp_path: Path) -> None:
    """A 5 kB file that kept openpyxl's read-only mode padding rows to 16,384 columns for hours."""
    body = row(1, HEADER) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook(sheet_xml(body, before='<dimension ref="A1:XFD1048576"/>')))
    out = import_in_child(path, cpu_seconds=30)
    assert out["problems"] == ["wide.xlsx, row 1048576, column 'XFD': got '1' - values only in the first 200 columns"]


def test_a_hundred_thousand_empty_rows_cost_no_memory(tmp_path: Path) -> None:
    empty = "".join(f'<row r="{n}"/>' for n in range(3, 100_003))
    path = tmp_path / "empty-rows.xlsx"
    path.write_bytes(workbook(sheet_xml(good_rows() + empty)))
    out = import_in_child(path)
    assert out["problems"] is None  # the empty rows are skipped, the one data row imports
    assert out["peak_mb"] < PEAK_MB


def test_rows_past_the_limit_are_refused_naming_the_setting() -> None:
    body = row(1, HEADER) + "".join(row(n, [*GOOD_ROW[:3], str(n), "TJ", ""]) for n in range(2, 30))
    found = problems(workbook(sheet_xml(body)), limits=ImportLimits(max_rows=10))
    assert found == ["book.xlsx, row 12 - at most 10 data rows in one file (QALA_MAX_IMPORT_ROWS); split the file"]


def test_the_row_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QALA_MAX_IMPORT_ROWS", "1")
    body = row(1, HEADER) + row(2, GOOD_ROW) + row(3, [*GOOD_ROW[:3], "11", "TJ", ""])
    assert "at most 1 data rows" in problems(workbook(sheet_xml(body)))[0]


def test_a_shared_strings_bomb_is_refused() -> None:
    bomb = shared_strings(["x"] * 400_000)  # 7 MB of <si> that compress 400:1
    found = problems(workbook(shared=bomb))
    assert "xl/sharedStrings.xml expands" in found[0]


def test_shared_strings_count_against_the_text_limit() -> None:
    found = problems(workbook(shared=shared_strings(["abcdef"] * 50)), limits=ImportLimits(max_text_chars=100))
    assert "characters of text" in found[0]


def test_too_many_parts_and_many_sheets() -> None:
    many = workbook(sheets=300, data_sheet=150)  # 300 sheets: the one named 'data' is read
    assert records(many).height == 1
    found = problems(many, limits=ImportLimits(xlsx_max_parts=100))
    assert "at most 100 parts" in found[0]


# --- huge cells ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [32_768, 10 * 2**20])
def test_a_huge_inline_cell_is_refused_naming_row_and_column(size: int) -> None:
    text = base64.b64encode(random.Random(size).randbytes(size))[:size].decode()  # does not compress: no bomb
    body = row(1, HEADER) + row(2, [*GOOD_ROW[:5], text])
    found = problems(workbook(sheet_xml(body)))
    assert len(found) == 1
    assert found[0].startswith("book.xlsx, row 2, column 'source'") and "at most 32,767 characters" in found[0]


def test_a_huge_shared_string_is_refused_where_it_is_used() -> None:
    sheet = sheet_xml(row(1, HEADER) + f'<row r="2">{cell("A2", "0", "s")}</row>')
    found = problems(workbook(sheet, shared=shared_strings(["y" * 40_000])))
    assert found == ["book.xlsx, row 2, column 'year' - a cell of at most 32,767 characters"]


def test_a_cell_at_the_limit_is_text_like_any_other() -> None:
    recs = records(workbook(sheet_xml(row(1, HEADER) + row(2, [*GOOD_ROW[:5], "z" * 32_767]))))
    assert len(recs["source"][0]) == 32_767


# --- formulas ----------------------------------------------------------------------------------------------


def test_a_formula_counts_by_the_value_excel_saved_with_it() -> None:
    book = workbook(
        sheet_xml(
            row(1, [*HEADER[:4], "unit"])
            + '<row r="2">'
            + cell("A2", "2022", "n")
            + cell("B2", "I.1.1")
            + cell("C2", "natural_gas")
            + cell("D2", "12.5", "n", formula="10+2.5")
            + cell("E2", "TJ", "str", formula='HYPERLINK("http://example.org","TJ")')
            + "</row>"
        )
    )
    recs = records(book)
    assert recs.select("amount", "unit").rows() == [(12.5, "TJ")]


def test_a_formula_whose_saved_result_is_empty_is_an_empty_cell() -> None:
    """Templates carry helper formulas such as =IF(A2="","",...): Excel saves their result as an empty <v/>."""
    book = workbook(
        sheet_xml(
            row(1, HEADER)
            + '<row r="2">'
            + "".join(cell(f"{c}2", v) for c, v in zip("ABCDE", GOOD_ROW[:5], strict=True))
            + '<c r="F2" t="str"><f>IF(A2="","",A2&amp;"")</f><v></v></c>'
            + "</row>"
        )
    )
    assert records(book)["source"].to_list() == [None]


def test_rich_text_inline_strings_join_their_runs_only() -> None:
    rich = (
        '<c r="F2" t="inlineStr"><is>\n  <r><rPr><b/></rPr><t>Kaz</t></r>\n  <r><t xml:space="preserve">Stat </t></r>'
        "<rPh><t>PHONETIC</t></rPh></is></c>"
    )
    body = '<row r="2">' + "".join(cell(f"{c}2", v) for c, v in zip("ABCDE", GOOD_ROW[:5], strict=True)) + rich
    assert records(workbook(sheet_xml(row(1, HEADER) + body + "</row>")))["source"].to_list() == ["KazStat"]


def test_a_formula_without_a_saved_value_is_refused() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(HEADER)
    ws.append([2022, "I.1.1", "natural_gas", "=5+5", "TJ", '=HYPERLINK("http://x","y")'])
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl saves formulas without results, as a script or a web tool would
    found = problems(buf.getvalue())
    assert found == [
        "book.xlsx, row 2, column 'amount': got '=5+5' - a value: this formula has no saved result (open the file "
        "in Excel and save it, or paste values)"
    ]


def test_a_formula_that_reads_another_file_is_refused() -> None:
    book = workbook(
        sheet_xml(
            row(1, HEADER[:5])
            + '<row r="2">'
            + cell("A2", "2022", "n")
            + cell("B2", "I.1.1")
            + cell("C2", "natural_gas")
            + cell("D2", "7", "n", formula="[1]Sheet1!A1")
            + cell("E2", "TJ")
            + "</row>"
        )
    )
    found = problems(book)
    assert "column 'amount'" in found[0] and "the formula reads another file" in found[0]


def test_a_formula_as_text_is_kept_as_text() -> None:
    recs = records(workbook(sheet_xml(row(1, HEADER) + row(2, [*GOOD_ROW[:5], "=cmd|' /C calc'!A0"]))))
    assert recs["source"].to_list() == ["=cmd|' /C calc'!A0"]


# --- macros, DTDs, encryption, broken files ------------------------------------------------------------------


def test_macro_workbooks_are_refused() -> None:
    assert "without macros" in problems(workbook(workbook_type=MACRO_WORKBOOK_TYPE), "book.xlsm")[0]
    assert "without macros" in problems(workbook(extra={"xl/vbaProject.bin": b"\0" * 64}))[0]


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE x SYSTEM "http://example.org/evil.dtd">',
    ],
)
def test_dtds_entity_expansion_and_external_entities_are_refused(prolog: str) -> None:
    sheet = sheet_xml(row(1, HEADER) + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol3;</t></is></c></row>', prolog)
    found = problems(workbook(sheet))
    assert found == ["book.xlsx - a workbook without DTDs or XML entities (found one in xl/worksheets/sheet1.xml)"]
    shared = f'<?xml version="1.0"?>{prolog}<sst><si><t>a</t></si></sst>'.encode()
    assert "xl/sharedStrings.xml" in problems(workbook(shared=shared))[0]


def test_password_protected_and_old_xls_files_are_named() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    assert "without a password" in problems(ole)[0]
    sheet = sheet_xml(good_rows())
    encrypted = raw_zip([("xl/worksheets/sheet1.xml", deflate(sheet), len(sheet), zlib.crc32(sheet), 0x1)])
    assert "a part is encrypted" in problems(encrypted)[0]


@pytest.mark.parametrize(
    "data",
    [b"year,gpc_ref\n2022,I.1.1\n", b"PK\x03\x04garbage", b"PK\x05\x06" + b"\0" * 18, b"\x00" * 100],
    ids=["csv", "truncated", "empty-zip", "zeros"],
)
def test_not_a_workbook_with_an_xlsx_name(data: bytes) -> None:
    found = problems(data)
    assert any("Excel workbook" in f or "a header row" in f or "text CSV" in f for f in found), found


def test_a_missing_part_or_malformed_xml_is_named() -> None:
    found = problems(workbook(sheet_xml(good_rows())[:-20]))
    assert "xl/worksheets/sheet1.xml is not well-formed XML" in found[0]
    rels = (
        b'<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/nowhere.xml"/></Relationships>'
    )
    book = workbook(extra={"xl/_rels/workbook.xml.rels": rels})
    assert "xl/worksheets/nowhere.xml is missing" in problems(book)[0]


# --- fuzzing -------------------------------------------------------------------------------------------------

xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
fuzz_cell = st.tuples(
    st.one_of(st.sampled_from(["A2", "B2", "D2", "F2", "ZZ2", "XFD2", "A0", "2", "", "AAAA1"]), xml_text),
    st.sampled_from(["n", "s", "b", "e", "str", "inlineStr", "d", "zz"]),
    st.one_of(xml_text, st.sampled_from(["0", "1", "-1", "1e309", "99999999999999", "NaN", "2022", " 3 "])),
    st.one_of(st.none(), xml_text),
)


@FUZZ
@given(st.lists(fuzz_cell, max_size=8), st.lists(xml_text, max_size=3))
def test_random_cells_never_crash(cells, strings) -> None:
    body = "".join(
        f'<c r={quoteattr(ref)} t="{kind}">'
        + ("" if formula is None else f"<f>{escape(formula)}</f>")
        + (f"<is><t>{escape(value)}</t></is>" if kind == "inlineStr" else f"<v>{escape(value)}</v>")
        + "</c>"
        for ref, kind, value, formula in cells
    )
    book = workbook(sheet_xml(row(1, HEADER) + f'<row r="2">{body}</row>'), shared=shared_strings(strings))
    assert all(p.file == "fuzz.xlsx" and p.expected for p in attempt(book, "fuzz.xlsx"))


VALID = workbook()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_a_workbook_with_damaged_bytes_never_crashes(flips) -> None:
    data = bytearray(VALID)
    for at, byte in flips:
        data[at] = byte
    assert all(p.file == "damaged.xlsx" and p.expected for p in attempt(bytes(data), "damaged.xlsx"))
