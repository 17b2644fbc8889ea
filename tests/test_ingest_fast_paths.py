"""The fast paths of reading and validating give what the record-by-record paths give, or step aside.

``fast_csv`` (polars' reader, lines checked by their lengths) must give the same header, cells and row
numbers as the csv-module reader whenever it answers, and answer None (so that the other reader names
the problem) for every file it cannot read exactly: ragged lines, a cell too long, quotes, lone CRs.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qala.ingest.limits import ImportLimits
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import ROW, _read_csv, fast_csv, parse_bytes

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
LIMITS = ImportLimits()
HEADER = "year,gpc_ref,activity,amount,unit,source,note"
ROW_TEXT = "2022,I.1.1,natural_gas,10,TJ,utility,"


def slow(data: bytes, limits: ImportLimits = LIMITS) -> tuple[list[str], list[list[str]], list[int]]:
    return _read_csv(data, "f.csv", limits)


def fast(data: bytes, limits: ImportLimits = LIMITS) -> tuple[list[str], list[list[str]], list[int]] | None:
    got = fast_csv(data, limits)
    if got is None:
        return None
    header, cells = got
    return header, [list(r) for r in cells.drop(ROW).rows()], cells[ROW].to_list()


def slow_or_problems(data: bytes, limits: ImportLimits = LIMITS) -> object:
    try:
        return slow(data, limits)
    except ValidationFailed as exc:
        return [str(p) for p in exc.problems]


@pytest.mark.parametrize(
    "body",
    [
        f"{ROW_TEXT}\n{ROW_TEXT}\n",
        f"{ROW_TEXT}\r\n{ROW_TEXT}\r\n",
        f"{ROW_TEXT}\n{ROW_TEXT}",  # no LF at the end
        f"{ROW_TEXT}\n\n{ROW_TEXT}\n\n\n",  # empty lines
        f"{ROW_TEXT}\n ,\t,\n,,,,,,\n  \n{ROW_TEXT}\n",  # blank lines of other widths and of the header's
        f"{ROW_TEXT}\n\u00a0\n\u3000,,\n{ROW_TEXT}\n",  # blank with Unicode spaces
        f"{ROW_TEXT}\n\x1c,\x1d,\x1e,\x1f,,,\n{ROW_TEXT}\n",  # blank to Python's str.strip, not to polars' default
    ],
)
def test_plain_files_are_read_by_polars_exactly_as_by_the_csv_module(body: str) -> None:
    data = f"{HEADER}\n{body}".encode()
    got = fast(data)
    assert got is not None
    assert got == slow(data)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (f"{ROW_TEXT}\n2022,I.1.1\n{ROW_TEXT}\n", "f.csv, row 3 - 7 fields as in the header, found 2"),
        (f"{ROW_TEXT}\n{ROW_TEXT},\n", "f.csv, row 3 - 7 fields as in the header, found 8"),  # one empty field more
        (f"{ROW_TEXT}\n{ROW_TEXT},,,\n", "f.csv, row 3 - 7 fields as in the header, found 10"),
        (f"{ROW_TEXT}\n2022,I.1.1,natural_gas,10,TJ,utility\n", "f.csv, row 3 - 7 fields as in the header, found 6"),
        # a short line and a long one: their lengths would cancel in a sum over the file
        (f"{ROW_TEXT},\n2022,I.1.1,natural_gas,10,TJ,utility\n", "f.csv, row 2 - 7 fields as in the header, found 8"),
        (f"{ROW_TEXT}\nx\n", "f.csv, row 3 - 7 fields as in the header, found 1"),
    ],
)
def test_ragged_lines_leave_the_fast_path_and_keep_their_message(body: str, problem: str) -> None:
    data = f"{HEADER}\n{body}".encode()
    assert fast(data) is None
    with pytest.raises(ValidationFailed) as info:
        parse_bytes(data, "f.csv")
    assert str(info.value.problems[0]) == problem


def test_a_long_line_or_cell_leaves_the_fast_path() -> None:
    small = ImportLimits(max_cell_chars=30)
    ok = f"{HEADER}\n{ROW_TEXT}\n".encode()
    assert fast(ok, small) is None  # the header line itself is longer than a cell may be
    data = f"{HEADER}\n{ROW_TEXT}{'z' * 50}\n".encode()
    assert fast(data, ImportLimits(max_cell_chars=45)) is None
    with pytest.raises(ValidationFailed) as info:
        parse_bytes(data, "f.csv", ImportLimits(max_cell_chars=45))
    assert [str(p) for p in info.value.problems] == ["f.csv, row 2, column 'note' - a cell of at most 45 characters"]


@pytest.mark.parametrize(
    "data",
    [
        f'{HEADER}\n{ROW_TEXT}"quoted"\n'.encode(),
        f"{HEADER}\n{ROW_TEXT}\r{ROW_TEXT}\n".encode(),  # a lone CR
        f"{HEADER}\n{ROW_TEXT}\n".encode() + b"2022,I.1.1,\xc0\xaf,1,t,,\n",  # not UTF-8
        f"{HEADER}\n{ROW_TEXT}\n{ROW_TEXT}\n".encode().replace(b"utility", b"util\x00ty"),
    ],
)
def test_files_the_fast_path_cannot_read_exactly_go_to_the_other_reader(data: bytes) -> None:
    assert fast(data) is None


@settings(FUZZ)
@given(
    st.lists(
        st.text(st.sampled_from([",", "a", "1", " ", "\t", "\u00a0", "\x1c", "\n", "\r", "\u0436"]), max_size=30),
        max_size=12,
    )
)
def test_any_unquoted_file_is_read_alike_or_handed_over(lines: list[str]) -> None:
    data = "\n".join([HEADER, *lines]).encode()
    got = fast(data)
    if got is not None:
        assert got == slow(data)


@settings(FUZZ)
@given(st.lists(st.lists(st.sampled_from(["", " ", "x", "2022", "\t", "\x1f"]), min_size=5, max_size=9), max_size=8))
def test_files_of_near_header_width_are_read_alike_or_handed_over(rows: list[list[str]]) -> None:
    data = ("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n").encode()
    got = fast(data)
    if got is not None:
        assert got == slow(data)
    else:
        assert slow_or_problems(data) is not None
