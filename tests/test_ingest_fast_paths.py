"""The fast paths of reading and validating give what the record-by-record paths give, or step aside.

``validate_table`` decides a clean file on its distinct values (``distinct.clean_records``); it must
give the records and duplicates ``validate_rows`` (every rule on every row) gives, and for any file with
a problem, the same problems in the same order.

``fast_csv`` (polars' reader, lines checked by their lengths) must give the same header, cells and row
numbers as the csv-module reader whenever it answers, and answer None (so that the other reader names
the problem) for every file it cannot read exactly: ragged lines, a cell too long, quotes, lone CRs.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qala.catalog import load_catalog
from qala.ingest import distinct
from qala.ingest.distinct import _stripped, _survey, all_distinct, clean_records
from qala.ingest.limits import ImportLimits
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import ROW, RawTable, _read_csv, fast_csv, parse_bytes
from qala.ingest.validate import NUMBER_RE, _named, _typed, validate_rows, validate_table

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FUZZ_TABLES = settings(FUZZ, max_examples=120)  # each example validates a table both ways
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


# --- validating on distinct values ----------------------------------------------------------------------------

CATALOG = load_catalog()
# (gpc_ref, activity, unit) the catalog accepts, as a provider may write them
GOOD_CODES = [
    ("I.1.1", "natural_gas", "TJ"),
    ("I.1.1", "natural_gas", "thousand m3"),
    (" I.1.1", "natural_gas ", "мың м3"),  # spaces around, a Kazakh unit label
    ("I.1.1", "other_bituminous_coal", "t"),
    ("I.1.2", "grid_electricity", "MWh"),
    ("II.1.1", "motor_gasoline", "t"),
    ("I.3.1", "natural_gas", "Gcal"),
]
BAD_CODES = [
    ("I.9.9", "natural_gas", "TJ"),
    ("I.1.1", "moonshine", "t"),
    ("I.1.2", "grid_electricity", "t"),
    ("", "", ""),
]
OPTIONAL = ["source", "facility", "note", "city", "data_quality", "ncv", "ef_co2", "ef_ch4", "ef_n2o"]
CELLS = {
    "year": (["2022", " 2021", "2022.0", "2015"], ["1800", "2022.5", "x", "", "2090", "\u0661\u0662"]),
    "amount": (
        ["10", "0", "1.5", "5 576 311", "12,5", " 7 ", "1e3", "-0", ".5"],
        ["-1", "", "x", "1,234", "1e20", "nan"],
    ),
    "source": (["", "utility", " spaced "], []),
    "facility": (["", "site-1", "site-2", " site-3 "], []),
    "note": (["", "ESTIMATE: x", "PROJECTION: plan", "projection: plan"], []),
    "city": (["", "astana", "Astana", " almaty "], ["bad city!"]),
    "data_quality": (["", "high", "M", " low "], ["so-so"]),
    "ncv": (["", "18.4 GJ/t"], ["18.4 GJ/m3", "x"]),
    "ef_co2": (["", "56100", "1 000,5"], ["-1", "x"]),
    "ef_ch4": (["", "1"], ["1e16"]),
    "ef_n2o": (["", "0.1"], []),
}


def outcome(check, table) -> object:
    try:
        v = check(table, CATALOG, "astana" if table.file.startswith("a") else None)
    except ValidationFailed as exc:
        return [str(p) for p in exc.problems]
    return v.records.rows(), v.duplicates


def table_of(rows: list[dict[str, str]], columns: list[str], name: str) -> RawTable:
    cells = [[r[c] for c in columns] for r in rows]
    return RawTable.of_rows(name, "0" * 64, columns, cells, list(range(2, len(rows) + 2)))


@st.composite
def tables(draw, bad_share: float) -> RawTable:
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    columns = draw(st.permutations(["year", "gpc_ref", "activity", "amount", "unit", *optional]))
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        bad = draw(st.floats(0, 1)) < bad_share
        codes = draw(st.sampled_from(BAD_CODES if bad and draw(st.booleans()) else GOOD_CODES))
        row = dict(zip(("gpc_ref", "activity", "unit"), codes, strict=True))
        for c in columns:
            if c not in row:
                good, wrong = CELLS[c]
                row[c] = draw(st.sampled_from(wrong if bad and wrong and draw(st.booleans()) else good))
        rows.append(row)
    return table_of(rows, columns, draw(st.sampled_from(["a.csv", "n.csv"])))


@FUZZ_TABLES
@given(tables(bad_share=0.0))
def test_a_clean_file_validates_on_distinct_values_as_row_by_row(table: RawTable) -> None:
    assert outcome(validate_table, table) == outcome(validate_rows, table)


@FUZZ_TABLES
@given(tables(bad_share=0.15))
def test_any_file_has_the_same_records_or_problems_either_way(table: RawTable) -> None:
    assert outcome(validate_table, table) == outcome(validate_rows, table)


def test_the_distinct_value_path_answers_for_a_clean_file_and_steps_aside_for_a_bad_one() -> None:
    columns = ["year", "gpc_ref", "activity", "amount", "unit", "facility", "note"]
    rows = [
        {"year": "2022", "gpc_ref": g, "activity": a, "amount": str(i), "unit": u, "facility": f"s{i}", "note": ""}
        for i, (g, a, u) in enumerate(GOOD_CODES * 3)
    ]
    table = table_of(rows, columns, "a.csv")
    named = _named(table)
    records = clean_records(table, named, CATALOG, "astana", _typed)
    assert records is not None and records.height == len(rows)
    rows[7] = rows[7] | {"year": "2090"}  # a future year without a projection note
    rows[9] = rows[9] | {"amount": "1,234"}
    bad = table_of(rows, columns, "a.csv")
    assert clean_records(bad, _named(bad), CATALOG, "astana", _typed) is None
    year = date.today().year
    assert outcome(validate_table, bad) == [
        f"a.csv, row 9, column 'year': got '2090' - a year no later than {year} (a figure for a later year is a "
        "projection: begin its note with 'PROJECTION:')",
        "a.csv, row 11, column 'amount': got '1,234' - a number with a point as the decimal separator, e.g. 1234.5",
    ]


def test_a_projection_note_lets_a_future_year_through_on_the_distinct_path() -> None:
    columns = ["year", "gpc_ref", "activity", "amount", "unit", "note"]
    rows = [
        {"year": "2090", "gpc_ref": "I.1.1", "activity": "natural_gas", "amount": "1", "unit": "TJ", "note": n}
        for n in (" projection: plan", "PROJECTION: b")
    ]
    table = table_of(rows, columns, "a.csv")
    assert clean_records(table, _named(table), CATALOG, "astana", _typed) is not None
    assert outcome(validate_table, table) == outcome(validate_rows, table)
    rows.append(rows[0] | {"note": "plan"})
    late = table_of(rows, columns, "a.csv")
    assert clean_records(late, _named(late), CATALOG, "astana", _typed) is None
    assert "row 4, column 'year'" in outcome(validate_table, late)[0]


def test_duplicates_are_found_whichever_way_the_keys_are_told_apart() -> None:
    columns = ["year", "gpc_ref", "activity", "amount", "unit", "facility"]
    base = {"year": "2022", "gpc_ref": "I.1.1", "activity": "natural_gas", "unit": "TJ"}
    rows = [base | {"amount": "1", "facility": f} for f in ("a", "b", "a", "", "")]
    table = table_of(rows, columns, "a.csv")
    assert outcome(validate_table, table) == outcome(validate_rows, table)
    ok = validate_table(table, CATALOG, "astana")
    assert [(d.row, d.same_as) for d in ok.duplicates] == [(4, "row 2"), (6, "row 5")]
    assert ok.records["source_row"].to_list() == [2, 3, 5]
    assert all_distinct(ok.records, ["city", "year", "gpc_ref", "activity", "facility"])
    assert not all_distinct(table_of(rows, columns, "a.csv").cells.rename({"5": "facility"}), ["facility"])


@pytest.mark.parametrize(
    "cells",
    [
        ["same", "same", "same"],
        [" same\u3000", " same\u3000", " same\u3000"],
        ["a", "b", "c"],
        ["a", "", "c"],
        ["a", "b\u00a0", "c"],  # a no-break space at the end
        ["a", "\u2009b", "c"],  # a thin space at the start
        ["a", "\u0436\u0430\u0439", "c"],  # Cyrillic: compared beyond ASCII, stripped to be sure
        ["a", "b\t", "\x1cc"],  # U+001C is no white space to strip_chars
    ],
)
def test_free_text_is_stripped_as_strip_chars_strips(cells: list[str]) -> None:
    column = pl.Series("source", cells)
    _, survey = _survey(column.to_frame(), [], ["source"])
    assert _stripped(column, *survey["source"]).to_list() == column.str.strip_chars().to_list()


def test_digits_of_other_scripts_are_refused_not_stored_as_null() -> None:
    """Before: "١٢" (Arabic-Indic digits) matched the number pattern, polars could not parse it, and the row
    was accepted with a NULL year and amount."""
    data = "year,gpc_ref,activity,amount,unit\n\u0662\u0660\u0662\u0662,I.1.1,natural_gas,\u0661\u0662,TJ\n"
    table = parse_bytes(data.encode(), "a.csv")
    assert (
        outcome(validate_table, table)
        == outcome(validate_rows, table)
        == [
            "a.csv, row 2, column 'amount': got '\u0661\u0662' - a number >= 0",
            "a.csv, row 2, column 'year': got '\u0662\u0660\u0662\u0662' - a calendar year such as 2022",
        ]
    )


@settings(FUZZ, max_examples=1000)
@given(st.lists(st.text(st.sampled_from("0123456789+-.eEinfatyINFATY _,x\u0661 "), max_size=8), min_size=1))
def test_a_cell_polars_reads_as_a_finite_number_is_one_the_number_pattern_accepts(cells: list[str]) -> None:
    """What distinct.py's plain numbers rest on: polars' float parser accepts no finite number the rules'
    pattern refuses, so a column polars parses whole passes the pattern's rules too."""
    column = pl.Series(cells)
    parsed = column.cast(pl.Float64, strict=False)
    finite = parsed.is_finite().fill_null(False)
    assert column.filter(finite).str.contains(NUMBER_RE).all()


def test_a_file_of_too_many_combinations_is_checked_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    columns = ["year", "gpc_ref", "activity", "amount", "unit"]
    rows = [
        dict(zip(("gpc_ref", "activity", "unit"), c, strict=True)) | {"year": "2022", "amount": "1"} for c in GOOD_CODES
    ]
    table = table_of(rows, columns, "a.csv")
    assert clean_records(table, _named(table), CATALOG, "astana", _typed) is not None
    monkeypatch.setattr(distinct, "MAX_COMBINATIONS", 3)
    assert clean_records(table, _named(table), CATALOG, "astana", _typed) is None
    assert outcome(validate_table, table) == outcome(validate_rows, table)
