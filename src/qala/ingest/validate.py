"""Turn a raw table into typed activity records, or report every problem at once.

Validation is vectorised (polars) so that a million rows are checked in seconds; messages still
name the file, row, column, value and what was expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from qala.catalog import Catalog, UnitError
from qala.catalog.units import parse_unit
from qala.ingest import columns as cols
from qala.ingest.distinct import all_distinct, clean_records
from qala.ingest.locale_input import number_text, unit_text
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import ROW, RawTable
from qala.inventory.rules import placement_error

CITY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# ASCII digits only: a regex \d is any Unicode digit ("١٢"), which polars cannot parse (the row came out NULL)
NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
MAX_REPORTED_PER_RULE = 1000

RECORD_SCHEMA = {
    "city": pl.String,
    "year": pl.Int64,
    "gpc_ref": pl.String,
    "activity": pl.String,
    "activity_as_written": pl.String,
    "amount": pl.Float64,
    "unit": pl.String,
    "facility": pl.String,
    "source": pl.String,
    "data_quality": pl.String,
    "ef_co2": pl.Float64,
    "ef_ch4": pl.Float64,
    "ef_n2o": pl.Float64,
    "ncv": pl.String,
    "note": pl.String,
    "source_row": pl.Int64,
}


@dataclass(frozen=True)
class Duplicate:
    file: str
    row: int
    same_as: str  # "row 7" or "file.csv row 7"


@dataclass(frozen=True)
class ValidatedTable:
    file: str
    sha256: str
    records: pl.DataFrame  # RECORD_SCHEMA; exact in-file duplicates removed
    duplicates: tuple[Duplicate, ...]


def _header_problems(table: RawTable) -> list[Problem]:
    problems = []
    header = [h.strip().lower() for h in table.header]
    seen: set[str] = set()
    for h in header:
        if h in seen:
            problems.append(Problem(table.file, 1, h, h, "each column once (this column is repeated)"))
        seen.add(h)
        if h not in cols.ALL:
            near = difflib.get_close_matches(h, cols.ALL, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            problems.append(
                Problem(table.file, 1, h or "(blank)", h, f"a known column{hint}: one of {', '.join(cols.ALL)}")
            )
    for req in cols.REQUIRED:
        if req not in header:
            problems.append(Problem(table.file, 1, req, None, f"a column '{req}' ({cols.DESCRIPTIONS[req]})"))
    return problems


def validate_table(table: RawTable, catalog: Catalog, default_city: str | None) -> ValidatedTable:
    """Check every cell; raise ValidationFailed listing all problems, or return typed records.

    A file whose rules can be decided on its distinct values (``distinct.clean_records``: plain numbers,
    the codes checked once per distinct combination) is typed without a rule's pass over its rows; any
    other file, and every file with a problem, is checked row by row (``validate_rows``), so that the
    problems and their rows are the same whichever way a file goes.
    """
    problems = _header_problems(table)
    if problems:
        raise ValidationFailed(problems)
    if not table.height:
        raise ValidationFailed([Problem(table.file, None, None, None, "at least one data row (found only the header)")])
    records = clean_records(table, _named(table), catalog, default_city, _typed)
    if records is None:
        return validate_rows(table, catalog, default_city)
    return _without_duplicates(table, records.select(list(RECORD_SCHEMA)).cast(RECORD_SCHEMA))  # type: ignore[arg-type]


def validate_rows(table: RawTable, catalog: Catalog, default_city: str | None) -> ValidatedTable:
    """``validate_table`` checking every rule on every row (the reference the distinct-value path must equal)."""
    problems = _header_problems(table)
    if problems:
        raise ValidationFailed(problems)
    if not table.height:
        raise ValidationFailed([Problem(table.file, None, None, None, "at least one data row (found only the header)")])
    typed = _typed(table.file, _named(table), catalog, default_city, problems)
    if problems:
        raise ValidationFailed(problems)
    records = typed.select(
        "city",
        "year",
        "gpc_ref",
        "activity",
        "activity_as_written",
        "amount",
        "unit",
        pl.col("facility").replace("", None),
        pl.col("source").replace("", None),
        "data_quality",
        *cols.EF,
        pl.col("ncv").replace("", None),
        pl.col("note").replace("", None),
        pl.col("_row").alias("source_row"),
    ).cast(RECORD_SCHEMA)  # type: ignore[arg-type]
    return _without_duplicates(table, records)


def _named(table: RawTable) -> pl.DataFrame:
    """The cells as read, each column named by its (stripped, lower-case) header; ``_row`` the row number."""
    header = [h.strip().lower() for h in table.header]
    return table.cells.rename({str(i): h for i, h in enumerate(header)} | {ROW: "_row"})


def _typed(
    file: str, raw: pl.DataFrame, catalog: Catalog, default_city: str | None, problems: list[Problem]
) -> pl.DataFrame:
    """Every rule on every row of ``raw`` (problems appended in the rules' order), and the typed columns."""
    raw = raw.with_columns(pl.lit("").alias(c) for c in cols.OPTIONAL if c not in raw.columns)
    raw = raw.with_columns(pl.col(c).str.strip_chars() for c in cols.ALL)
    # the forms a kk/ru provider types: "5 576 311", "12,5", "мың м3" (locale_input.py)
    raw = raw.with_columns(*(number_text(pl.col(c)).alias(c) for c in ("amount", *cols.EF)), unit=unit_text(raw))

    checker = _Checker(file, raw, problems)
    year = checker.year()
    amount = checker.number("amount", required=True)
    efs = {c: checker.number(c, required=False) for c in cols.EF}
    city = checker.city(default_city)
    gpc = checker.gpc_ref(catalog)
    activity = checker.activity(catalog)
    quality = checker.quality()
    typed = raw.with_columns(
        year=year,
        amount=amount,
        city=city,
        gpc_ref=gpc,
        activity=activity,
        data_quality=quality,
        activity_as_written=pl.col("activity"),
        **efs,
    )
    checker.frame = typed
    checker.units(catalog)
    checker.placement(catalog)
    checker.flush()
    return typed


def _without_duplicates(table: RawTable, records: pl.DataFrame) -> ValidatedTable:
    problems: list[Problem] = []
    records, duplicates = _in_file_duplicates(table.file, records, problems)
    if problems:
        raise ValidationFailed(problems)
    return ValidatedTable(table.file, table.sha256, records, tuple(duplicates))


def _in_file_duplicates(
    file: str, records: pl.DataFrame, problems: list[Problem]
) -> tuple[pl.DataFrame, list[Duplicate]]:
    key = list(cols.KEY)
    if all_distinct(records, key):
        return records, []
    counted = records.with_columns(pl.len().over(key).alias("_n"))
    dup = counted.filter(pl.col("_n") > 1)
    if dup.is_empty():
        return records, []
    duplicates: list[Duplicate] = []
    keep_rows: set[int] = set(counted.filter(pl.col("_n") == 1)["source_row"].to_list())
    for _, group in dup.group_by(key, maintain_order=True):
        first = group.row(0, named=True)
        keep_rows.add(first["source_row"])
        for other in group.iter_rows(named=True):
            if other is first or other["source_row"] == first["source_row"]:
                continue
            same = all(other[c] == first[c] for c in cols.VALUE)
            if same:
                duplicates.append(Duplicate(file, other["source_row"], f"row {first['source_row']}"))
            else:
                problems.append(
                    Problem(
                        file,
                        other["source_row"],
                        "amount",
                        _fmt(other["amount"]),
                        f"one figure per year, gpc_ref, activity and facility: row {first['source_row']} gives "
                        f"{_fmt(first['amount'])} {first['unit']} for the same key; give each a distinct "
                        "facility, sum them, or remove one",
                    )
                )
    kept = records.filter(pl.col("source_row").is_in(sorted(keep_rows)))
    return kept, duplicates


def _fmt(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


class _Checker:
    """The rules, each a mask over a frame. A rule is only recorded when stated; ``flush`` evaluates every
    recorded mask of a frame in one pass (polars computes the expressions they share once) and turns the
    rows each one flags into problems, in the order the rules were stated."""

    def __init__(self, file: str, frame: pl.DataFrame, problems: list[Problem]):
        self.file = file
        self.frame = frame
        self.problems = problems
        self.pending: list[Problem | tuple[pl.DataFrame, pl.Expr, str, str, str | None]] = []

    def _report(self, mask: pl.Expr, column: str, expected: str, value_col: str | None = None) -> None:
        self.pending.append((self.frame, mask, column, expected, value_col))

    def _problem(self, problem: Problem) -> None:
        self.pending.append(problem)

    def flush(self) -> None:
        by_frame: dict[int, tuple[pl.DataFrame, list[tuple[int, pl.Expr]]]] = {}
        for i, item in enumerate(self.pending):
            if isinstance(item, tuple):
                by_frame.setdefault(id(item[0]), (item[0], []))[1].append((i, item[1]))
        flags: dict[int, tuple[pl.DataFrame, pl.Series]] = {}
        for frame, rules in by_frame.values():
            masks = frame.select(m.fill_null(False).alias(f"_m{i}") for i, m in rules)
            counts = masks.sum().row(0)
            flags.update(
                {i: (frame, masks[f"_m{i}"]) for (i, _), n in zip(rules, counts, strict=True) if n}  # type: ignore[misc]
            )
        for i, item in enumerate(self.pending):
            if not isinstance(item, tuple):
                self.problems.append(item)
            elif i in flags:
                frame, mask = flags[i]
                _, _, column, expected, value_col = item
                bad = frame.filter(mask)
                shown = bad.select("_row", pl.col(value_col or column)).head(MAX_REPORTED_PER_RULE)
                for row, value in shown.iter_rows():
                    self.problems.append(Problem(self.file, row, column, value, expected))
                if bad.height > MAX_REPORTED_PER_RULE:
                    self.problems.append(
                        Problem(
                            self.file,
                            None,
                            column,
                            None,
                            f"{bad.height - MAX_REPORTED_PER_RULE} more rows with the same problem",
                        )
                    )
        self.pending.clear()

    def year(self) -> pl.Expr:
        col = pl.col("year")
        numeric = col.str.contains(NUMBER_RE)
        as_float = pl.when(numeric).then(col.cast(pl.Float64, strict=False))
        self._report(col == "", "year", "a calendar year (the cell is empty)")
        self._report((col != "") & ~numeric, "year", "a calendar year such as 2022")
        ok_int = as_float.round(0) == as_float
        self._report(numeric & ~ok_int, "year", "a whole year such as 2022")
        self._report(
            numeric & ok_int & ((as_float < cols.YEAR_MIN) | (as_float > cols.YEAR_MAX)),
            "year",
            f"a year between {cols.YEAR_MIN} and {cols.YEAR_MAX}",
        )
        this_year = date.today().year
        projected = pl.col("note").str.to_uppercase().str.starts_with(cols.PROJECTION_MARK)
        self._report(
            numeric & ok_int & (as_float > this_year) & (as_float <= cols.YEAR_MAX) & ~projected,
            "year",
            f"a year no later than {this_year} (a figure for a later year is a projection: begin its note with "
            f"'{cols.PROJECTION_MARK}')",
        )
        return as_float.cast(pl.Int64, strict=False)

    def number(self, column: str, *, required: bool) -> pl.Expr:
        col = pl.col(column)
        numeric = col.str.contains(NUMBER_RE)
        value = pl.when(numeric).then(col.cast(pl.Float64, strict=False))
        if required:
            self._report(col == "", column, "a number >= 0 (the cell is empty)")
        comma = col.str.contains(r"^[+-]?[0-9][0-9 ]*,[0-9]+$")
        self._report(comma, column, "a number with a point as the decimal separator, e.g. 1234.5")
        self._report((col != "") & ~numeric & ~comma, column, "a number >= 0")
        self._report(numeric & (value < 0), column, "a number >= 0 (it is negative)")
        self._report(
            numeric & (value > cols.MAX_NUMBER),
            column,
            f"a number of at most {cols.MAX_NUMBER:.0e} in the row's unit (a larger one is a typo or a unit mistake)",
        )
        return value

    def city(self, default: str | None) -> pl.Expr:
        col = pl.col("city")
        value = pl.when(col == "").then(pl.lit(default)).otherwise(col.str.to_lowercase())
        if default is None:
            self._report(col == "", "city", "a city code in this column or the --city option")
        bad = self.frame.filter((col != "") & ~col.str.to_lowercase().str.contains(CITY_RE.pattern))
        for row, v in bad.select("_row", "city").head(MAX_REPORTED_PER_RULE).iter_rows():
            self._problem(Problem(self.file, row, "city", v, "a city code of lowercase letters, digits, _ or -"))
        return value

    def gpc_ref(self, catalog: Catalog) -> pl.Expr:
        col = pl.col("gpc_ref")
        known = list(catalog.cells)
        self._report(col == "", "gpc_ref", "a GPC reference with scope, e.g. I.1.1 (the cell is empty)")
        for ref in self.frame.filter((col != "") & ~col.is_in(known))["gpc_ref"].unique().to_list():
            near = difflib.get_close_matches(ref, known, n=3)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            self._report(
                col == ref, "gpc_ref", f"a GPC reference with scope, e.g. I.1.1 or II.1.1 (unknown reference{hint})"
            )
        return col

    def activity(self, catalog: Catalog) -> pl.Expr:
        col = pl.col("activity")
        mapping = {}
        for text in self.frame["activity"].unique().to_list():
            if text == "":
                continue
            code = catalog.resolve_activity(text)
            if code is None:
                near = difflib.get_close_matches(text.lower(), list(catalog.alias_map), n=3)
                hint = f" (nearest: {', '.join(near)})" if near else ""
                self._report(col == text, "activity", f"a known activity code{hint}")
            else:
                mapping[text] = code
        self._report(col == "", "activity", "an activity code, e.g. natural_gas (the cell is empty)")
        return col.replace_strict(mapping, default=None, return_dtype=pl.String)

    def quality(self) -> pl.Expr:
        col = pl.col("data_quality").str.to_lowercase()
        unknown = (col != "") & ~col.is_in(list(cols.QUALITY))
        self._report(unknown, "data_quality", "high, medium or low", value_col="data_quality")
        return pl.when(col == "").then(None).otherwise(col.replace_strict(cols.QUALITY, default=None))

    def units(self, catalog: Catalog) -> None:
        f = self.frame
        self._report(pl.col("unit") == "", "unit", "a unit such as t, TJ, Gcal, MWh or thousand m3 (the cell is empty)")
        own = pl.any_horizontal(pl.col(c).is_not_null() for c in cols.EF)
        known = f.select("activity", "unit", "ncv", own.alias("_own")).filter(  # four columns, not the frame
            pl.col("activity").is_not_null() & (pl.col("unit") != "")
        )
        for activity, unit, ncv, has_own in (
            known.select("activity", "unit", pl.col("ncv") != "", "_own").unique().iter_rows()
        ):
            mask = (pl.col("activity") == activity) & (pl.col("unit") == unit)
            try:
                parse_unit(unit)
                if not ncv:  # a row's own NCV is checked below
                    catalog.conversion(activity, unit)
            except UnitError as exc:
                if not has_own or "unknown unit" in str(exc) or "ambiguous" in str(exc):
                    ncv_mask = (pl.col("ncv") == "") & own.eq(has_own)
                    self._report(mask & ncv_mask, "unit", str(exc))
        for activity, unit, ncv in (
            known.filter(pl.col("ncv") != "").select("activity", "unit", "ncv").unique().iter_rows()
        ):
            try:
                catalog.conversion(activity, unit, ncv)
            except UnitError as exc:
                mask = (pl.col("activity") == activity) & (pl.col("unit") == unit) & (pl.col("ncv") == ncv)
                self._report(mask, "ncv", str(exc))

    def placement(self, catalog: Catalog) -> None:
        f = self.frame.with_columns(
            pl.any_horizontal(pl.col(c).is_not_null() for c in cols.EF).alias("_user_ef"),
            (pl.col("facility") != "").alias("_has_facility"),
        )
        combos = (
            f.filter(pl.col("activity").is_not_null() & pl.col("gpc_ref").is_in(list(catalog.cells)))
            .select("gpc_ref", "activity", "_user_ef", "_has_facility")
            .unique()
        )
        for ref, act, user_ef, has_fac in combos.iter_rows():
            msg = placement_error(catalog, ref, act, bool(user_ef), "x" if has_fac else None)
            if msg:
                mask = (
                    (pl.col("gpc_ref") == ref)
                    & (pl.col("activity") == act)
                    & (pl.col("_user_ef") == user_ef)
                    & (pl.col("_has_facility") == has_fac)
                )
                self.frame = f
                self._report(mask, "activity", msg)
