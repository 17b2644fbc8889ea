"""Validation on distinct values: a clean file's rules decided once per distinct combination of its codes.

Every rule of ``validate`` looks at one row at a time, and at few of its cells: the codes (year, gpc_ref,
activity, unit, city, data_quality, ncv, each of few distinct values in a file), whether the row gives a
facility, an own factor or a projection note, and its numbers. When every number of a file is plain (it
reads as a finite number in range, with nothing for the locale forms to undo), a row passes the rules
exactly when its combination of codes and of those three yes/no answers does. So the rules run, with the
very code that checks rows (``validate._typed``), on the few distinct combinations, and the typed codes
are mapped back onto the rows; the numbers are parsed once.

``clean_records`` answers None for any file it cannot decide this way: a number that is not plain, or a
combination with a problem. Such a file is checked row by row, so that its problems, their rows and
their order are those of the row-by-row check, whichever path the file took.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from qala.catalog import Catalog
from qala.ingest import columns as cols
from qala.ingest.locale_input import number_text
from qala.ingest.problems import Problem
from qala.ingest.read import RawTable

CODES = ("year", "gpc_ref", "activity", "unit", "city", "data_quality", "ncv")  # each typed from its own cell
TEXTS = ("facility", "source", "note")  # free text: stored stripped, "" as NULL
NUMBERS = ("amount", *cols.EF)
OWN, FACILITY, PROJECTED = "_own", "_facility", "_projected"
MAX_COMBINATIONS = 50_000  # more distinct combinations than this: the file is checked row by row
# where a code cell lands in the typed table (activity: the code and the text as written)
TYPED = {c: (c,) for c in CODES} | {"activity": ("activity", "activity_as_written")}
Typed = Callable[[str, pl.DataFrame, Catalog, str | None, list[Problem]], pl.DataFrame]


def clean_records(
    table: RawTable, named: pl.DataFrame, catalog: Catalog, default_city: str | None, typed: Typed
) -> pl.DataFrame | None:
    """The typed records of a file without a problem (duplicates not looked at yet), or None.

    ``named``: the cells as read, named by column, with ``_row``; ``typed``: the row-by-row rules
    (appending problems), run here on one row per distinct combination.
    """
    present = [c for c in named.columns if c != "_row"]
    parsed, survey = _survey(named, [c for c in NUMBERS if c in present], [c for c in TEXTS if c in present])
    numbers = _plain_numbers(named, parsed)
    if numbers is None:
        return None
    texts = pl.DataFrame([_stripped(named[c], *survey[c]) for c in TEXTS if c in present])
    codes = [c for c in CODES if c in present]
    flags = {
        OWN: pl.any_horizontal(numbers[c].is_not_null() for c in cols.EF if c in numbers.columns)
        if any(c in numbers.columns for c in cols.EF)
        else pl.lit(False),
        FACILITY: texts["facility"].str.len_bytes() > 0 if "facility" in texts.columns else pl.lit(False),
    }
    keyed = named.select(*codes, **flags)
    if "note" in present and _any_future_year(keyed, codes):
        keyed = keyed.with_columns(_projected(texts["note"]).alias(PROJECTED))
    combos = keyed.lazy().unique().collect()
    if combos.height > MAX_COMBINATIONS:
        return None  # codes that vary row by row (an NCV per row?): checking rows is no dearer
    problems: list[Problem] = []
    checked = typed(table.file, _stand_ins(combos), catalog, default_city, problems)
    if problems:
        return None
    columns: dict[str, pl.Expr | pl.Series] = {}
    for code in CODES:
        for out in TYPED[code]:
            if code not in present:
                columns[out] = pl.lit(checked[out][0])
                continue
            mapped = _mapped(named, code, combos, checked, out)
            if mapped is None:
                return None
            columns[out] = mapped
    columns["ncv"] = _null_if_empty(columns["ncv"])
    for c in NUMBERS:
        columns[c] = numbers[c] if c in numbers.columns else pl.lit(None, dtype=pl.Float64)
    for c in TEXTS:
        columns[c] = _null_if_empty(texts[c]) if c in texts.columns else pl.lit(None, dtype=pl.String)
    columns["source_row"] = named["_row"]
    return named.select(**columns)


def _survey(
    named: pl.DataFrame, numbers: list[str], texts: list[str]
) -> tuple[pl.DataFrame, dict[str, tuple[bool, bool]]]:
    """The number columns parsed, and of each free-text column: one value in every row? white space at
    either end of some cell? Two polars queries run side by side."""
    checks = []
    for c in texts:
        col = pl.col(c)
        # white space at the start: below "!" (but empty) or beyond ASCII, told by comparison; at the end: \s$
        spaced = ((col > "") & (col < "!")) | (col >= "\u0080") | col.str.contains(r"\s$")
        checks += [(col == col.first()).all().alias(f"{c}:one"), spaced.any().alias(f"{c}:spaced")]
    lazy = named.lazy()
    parsed, found = pl.collect_all(
        [lazy.select(pl.col(c).cast(pl.Float64, strict=False) for c in numbers), lazy.select(checks)]
    )
    return parsed, {c: (bool(found[f"{c}:one"][0]), bool(found[f"{c}:spaced"][0])) for c in texts}


def _plain_numbers(named: pl.DataFrame, parsed: pl.DataFrame) -> pl.DataFrame | None:
    """Each number column parsed, when every cell is a plain number in range (or empty, but for amount).

    A cell polars reads as a finite float is a text the rules' number pattern accepts, so the rules would
    parse it to the same float and flag it only out of range. The other cells are read again with their
    locale forms undone ("5 576 311", "12,5", as the rules read them); one still not plain: None.
    """
    for c in parsed.columns:
        value, text = parsed[c], named[c]
        odd = ~_in_range(value) if c == "amount" else ~_in_range(value) & (text != "")
        if not odd.any():
            continue
        where = odd.arg_true()
        undone = pl.select(number_text(pl.lit(text.gather(where)).str.strip_chars())).to_series()
        again = undone.cast(pl.Float64, strict=False)
        fine = _in_range(again) if c == "amount" else _in_range(again) | (undone == "")
        if not fine.all():
            return None
        parsed = parsed.with_columns(value.scatter(where, again))
    return parsed


def _in_range(value: pl.Series) -> pl.Series:
    """Finite, >= 0 and at most the largest number (False where there is no number, for NaN and infinities)."""
    return value.is_between(0, cols.MAX_NUMBER).fill_null(False)


def _stripped(column: pl.Series, one: bool, spaced: bool) -> pl.Series:
    """The column's cells without white space around them (``strip_chars``), stripping only where needed
    (``_survey``): one value in every row is stripped once; no cell with white space at either end: as is."""
    if one:
        value = pl.Series([column[0]]).str.strip_chars()[0]
        return pl.repeat(value, column.len(), dtype=pl.String, eager=True).alias(column.name)
    return column.str.strip_chars() if spaced else column


def _any_future_year(keyed: pl.DataFrame, codes: list[str]) -> bool:
    """A year after this one among the file's (as the rules read a year): then a note may matter."""
    if "year" not in codes:
        return False
    years = keyed["year"].unique().str.strip_chars().cast(pl.Float64, strict=False)
    return bool((years > date.today().year).any())


def _projected(note: pl.Series) -> pl.Series:
    return note.str.to_uppercase().str.starts_with(cols.PROJECTION_MARK)


def _stand_ins(combos: pl.DataFrame) -> pl.DataFrame:
    """One row per combination, as the rules see it: the codes as written, a plain amount, an own factor,
    a facility and a projection note where the combination has them."""
    flag = {c: pl.col(c) if c in combos.columns else pl.lit(False) for c in (OWN, FACILITY, PROJECTED)}
    return combos.select(
        *(c for c in combos.columns if c not in flag),
        amount=pl.lit("1"),
        ef_co2=pl.when(flag[OWN]).then(pl.lit("1")).otherwise(pl.lit("")),
        facility=pl.when(flag[FACILITY]).then(pl.lit("x")).otherwise(pl.lit("")),
        note=pl.when(flag[PROJECTED]).then(pl.lit(cols.PROJECTION_MARK)).otherwise(pl.lit("")),
        _row=pl.int_range(1, combos.height + 1, dtype=pl.Int64),
    )


def _mapped(named: pl.DataFrame, code: str, combos: pl.DataFrame, checked: pl.DataFrame, out: str) -> pl.Series | None:
    """A code column typed: each distinct cell replaced by what the rules made of it (None if a cell was
    typed two ways in two combinations, which no rule does: then the rows are checked one by one)."""
    pairs = pl.DataFrame({"cell": combos[code], "typed": checked[out]}).unique()
    if pairs["cell"].is_duplicated().any():
        return None
    column = named[code]
    if pairs.height == 1:
        return pl.repeat(pairs["typed"][0], named.height, dtype=pairs["typed"].dtype, eager=True).alias(out)
    if pairs["typed"].dtype == pl.String and pairs.filter(pl.col("cell").ne_missing(pl.col("typed"))).is_empty():
        return column.alias(out)
    mapping = dict(pairs.iter_rows())
    return column.replace_strict(mapping, return_dtype=pairs["typed"].dtype).alias(out)


def _null_if_empty(column: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    if isinstance(column, pl.Series):
        return column if (column.str.len_bytes() > 0).all() else column.replace("", None)
    return column.replace("", None)


def all_distinct(records: pl.DataFrame, key: list[str]) -> bool:
    """True when no two records share ``key`` (told by hashes: two distinct hashes are two distinct keys);
    False when some may."""
    n = records.height
    if n < 2:
        return True
    if "facility" in key and not records["facility"].null_count():  # a facility per row: often one row each
        facility = pl.col("facility")
        if records.select((facility > facility.shift(1)).all()).item():  # in increasing order: each once
            return True
        if records.select(facility.hash().n_unique()).item() == n:
            return True
    return bool(records.select(pl.struct(key).hash().n_unique()).item() == n)
