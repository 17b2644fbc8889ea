"""Hostile CSV files: huge fields, NUL bytes, bad UTF-8, BOMs, mixed newlines, a million columns, unclosed quotes.

Each is refused with a problem naming the file, the row (and the column where it is known) and the
limit, or imported exactly; nothing crashes and nothing is half-imported.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qala.catalog import load_catalog
from qala.ingest.limits import ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import MAX_PROBLEMS, parse_bytes
from qala.ingest.validate import validate_table

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
HEADER = "year,gpc_ref,activity,amount,unit,source,note"
ROW = "2022,I.1.1,natural_gas,10,TJ,utility,"


def problems(data: bytes, name: str = "data.csv", limits: ImportLimits | None = None) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        validate_table(parse_bytes(data, name, limits), load_catalog(), "astana")
    assert info.value.problems and all(p.file == name and p.expected for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def attempt(data: bytes, name: str) -> list[Problem]:
    """The problems of a file ([] when it validates)."""
    try:
        validate_table(parse_bytes(data, name), load_catalog(), "astana")
    except ValidationFailed as exc:
        return exc.problems
    return []


def records(data: bytes):
    return validate_table(parse_bytes(data, "data.csv"), load_catalog(), "astana").records


@pytest.mark.parametrize("size", [32_768, 100_000])
def test_a_huge_field_is_refused_naming_row_and_column(size: int) -> None:
    found = problems(f"{HEADER}\n{ROW}\n2022,I.2.1,natural_gas,1,TJ,{'x' * size},\n".encode())
    assert found == ["data.csv, row 3, column 'source' - a cell of at most 32,767 characters"]


def test_a_ten_megabyte_line_is_refused_naming_the_row() -> None:
    found = problems(f"{HEADER}\n{ROW}\n{'y' * 10 * 2**20}\n".encode())
    # (the column is named unless the csv module's own field limit, which frictionless raises, stops it first)
    assert len(found) == 1 and found[0].startswith("data.csv, row 3")
    assert found[0].endswith(" - a cell of at most 32,767 characters")


def test_a_field_at_the_limit_is_kept() -> None:
    assert len(records(f"{HEADER}\n2022,I.1.1,natural_gas,10,TJ,{'z' * 32_767},\n".encode())["source"][0]) == 32_767


def test_nul_bytes_and_bad_utf8_name_the_row() -> None:
    assert problems(f"{HEADER}\n{ROW}\n2022,I.1.1,coal\x00,1,t,,\n".encode()) == [
        "data.csv, row 3 - a text CSV file (found a NUL byte: is this a binary file?)"
    ]
    assert problems(f"{HEADER}\n{ROW}\n".encode() + b"2022,I.1.1,\xc0\xaf,1,t,,\n") == [
        "data.csv, row 3: got '\\\\xc0\\\\xaf,1' - UTF-8 text (save the file as 'CSV UTF-8')"
    ]


def test_boms() -> None:
    assert records(b"\xef\xbb\xbf" + f"{HEADER}\n{ROW}\n".encode()).height == 1  # Excel's 'CSV UTF-8'
    found = problems(f"{HEADER}\n{ROW}\n".encode("utf-16"))
    assert "UTF-8 text" in found[0] and found[0].startswith("data.csv, row 1")


def test_mixed_newlines_keep_every_row_and_its_number() -> None:
    data = f"{HEADER}\r\n{ROW}\r2022,I.2.1,natural_gas,2,TJ,,\n2022,I.3.1,natural_gas,3,TJ,,\r\n".encode()
    recs = records(data)
    assert recs.select("source_row", "amount").rows() == [(2, 10.0), (3, 2.0), (4, 3.0)]


def test_a_million_columns_are_refused_at_once() -> None:
    assert problems(("a," * 1_000_000 + "a\n1\n").encode()) == [
        "data.csv, row 1 - at most 200 columns (found 1,000,001)"
    ]
    found = problems(f"{HEADER}\n{ROW}\n".encode() + b"1," * 1_000_000 + b"1\n")
    assert found == ["data.csv, row 3 - 7 fields as in the header, found 1,000,001"]


@pytest.mark.parametrize(
    ("body", "row"),
    [(f'{ROW}\n2022,I.2.1,natural_gas,1,TJ,"never closed,\n{ROW}\n', 3), (f'"{ROW}\n{ROW}\n', 2)],
)
def test_an_unclosed_quote_is_refused_not_swallowing_the_rest(body: str, row: int) -> None:
    """Before: the rest of the file became one 'source' cell and the rows after it vanished silently."""
    found = problems(f"{HEADER}\n{body}".encode())
    assert found == [
        f'data.csv, row {row} - a closing quote (") for the field opened in this row: an unclosed quote swallows '
        "the rest of the file"
    ]


def test_a_quote_in_the_middle_of_a_quoted_field_is_named() -> None:
    assert "well-formed CSV" in problems(f'{HEADER}\n2022,I.1.1,natural_gas,10,TJ,"a"b,\n'.encode())[0]


def test_formula_strings_in_text_fields_are_stored_as_text() -> None:
    hostile = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("http://x","y")', "\t=1"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*HEADER.split(","), "facility"])
    for i, text in enumerate(hostile):
        w.writerow([2022, "I.1.1", "natural_gas", i + 1, "TJ", text, text, f"site-{i}"])
    recs = records(buf.getvalue().encode()).sort("source_row")
    assert recs["source"].to_list() == [t.strip() for t in hostile] == recs["note"].to_list()
    assert "a number >= 0" in problems(f"{HEADER}\n2022,I.1.1,natural_gas,=1+1,TJ,,\n".encode())[0]


def test_rows_past_the_limit_are_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    body = f"{HEADER}\n" + "".join(f"2022,I.1.1,natural_gas,{n},TJ,,f{n}\n" for n in range(20))
    assert problems(body.encode(), limits=ImportLimits(max_rows=5)) == [
        "data.csv, row 7 - at most 5 data rows in one file (QALA_MAX_IMPORT_ROWS); split the file"
    ]
    monkeypatch.setenv("QALA_MAX_IMPORT_ROWS", "19")
    assert "at most 19 data rows" in problems(body.encode())[0]


def test_a_file_broken_on_every_line_is_reported_by_its_first_problems() -> None:
    found = problems((f"{HEADER}\n" + "1,2\n" * 100_000).encode())
    assert len(found) == MAX_PROBLEMS + 1
    assert "data.csv - a file with fewer problems (reading stopped here)" in found


# --- fuzzing -------------------------------------------------------------------------------------------------


@FUZZ
@given(st.text(st.sampled_from([",", '"', "\n", "\r", "a", "1", "\x00", "\ufeff", " ", "=", "\t"]), max_size=200))
def test_hostile_punctuation_never_crashes(body: str) -> None:
    found = attempt(f"{HEADER}\n{body}".encode(), "p.csv")
    assert all(p.file == "p.csv" and p.expected for p in found)


text_cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40).filter(
    lambda s: s == s.strip() and "\r" not in s
)


@FUZZ
@given(st.lists(st.tuples(text_cell, text_cell), min_size=1, max_size=6))
def test_any_text_in_text_fields_comes_back_exactly(texts) -> None:
    """Whatever a provider writes in 'source' and 'note' (quotes, newlines, formulas) is stored verbatim."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*HEADER.split(","), "facility"])
    for i, (source, note) in enumerate(texts):
        w.writerow([2022, "I.1.1", "natural_gas", i, "TJ", source, note, f"site-{i}"])
    got = records(buf.getvalue().encode()).sort("source_row").select("source", "note").rows()
    assert got == [(s or None, n or None) for s, n in texts]
