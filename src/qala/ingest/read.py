"""Read activity files (CSV or XLSX) into raw text cells, with the file's SHA-256.

Nothing here interprets values: that is ``validate``'s work. Whole-file problems (empty file, not
UTF-8, not an XLSX, ragged rows) become ``Problem``s with the row where they were found.

A plain CSV file — no quotes, every line a record with the header's number of fields, no cell longer
than the limit — is read by polars' CSV reader (``fast_csv``), a line per record, so that a record's row
number is its line number. Any other CSV goes through Python's ``csv`` module record by record
(``_read_csv``), which names each problem's row; both give the same cells and row numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from qala.ingest.limits import MAX_FILE_BYTES, ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.xlsx import XLSX_MAGIC, read_xlsx

MAX_BYTES = MAX_FILE_BYTES
MAX_PROBLEMS = 1000  # a file broken on every line is reported by its first thousand problems
ROW = "_row"  # the column of a RawTable's cells that holds each record's row number
LINE = "line"
# what Python's str.strip() removes (polars' strip_chars() keeps U+001C..U+001F): a blank line is blank to both readers
PY_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


@dataclass(frozen=True)
class RawTable:
    file: str  # the name shown in messages and kept as provenance
    sha256: str
    header: list[str]
    cells: pl.DataFrame  # one String column per header field ("0", "1", ...; "" when empty), then ROW

    @classmethod
    def of_rows(cls, file: str, sha256: str, header: list[str], rows: list[list[str]], numbers: list[int]) -> RawTable:
        data = {str(i): [r[i] if i < len(r) else "" for r in rows] for i in range(len(header))}
        frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String)).with_columns(
            pl.Series(ROW, numbers, dtype=pl.Int64)
        )
        return cls(file, sha256, header, frame)

    @property
    def rows(self) -> list[list[str]]:
        return [list(r) for r in self.cells.drop(ROW).rows()]

    @property
    def row_numbers(self) -> list[int]:
        return self.cells[ROW].to_list()

    @property
    def height(self) -> int:
        return self.cells.height


def read_table(path: Path, display_name: str | None = None, limits: ImportLimits | None = None) -> RawTable:
    name = display_name or path.name
    limits = limits or ImportLimits.from_env()
    try:
        if path.stat().st_size > limits.max_file_bytes:
            raise ValidationFailed(
                [Problem(name, None, None, None, f"a file of at most {limits.max_file_bytes // 2**20} MiB")]
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed([Problem(name, None, None, None, f"the file cannot be read ({exc.strerror})")]) from exc
    return parse_bytes(data, name, limits)


def parse_bytes(
    data: bytes, name: str, limits: ImportLimits | None = None, progress: Callable[[float], None] | None = None
) -> RawTable:
    """The file's raw table; ``progress`` hears the share of a workbook's sheet read so far."""
    limits = limits or ImportLimits.from_env()
    if len(data) > limits.max_file_bytes:
        raise ValidationFailed(
            [Problem(name, None, None, None, f"a file of at most {limits.max_file_bytes // 2**20} MiB")]
        )
    if not data or data.isspace():
        raise ValidationFailed(
            [Problem(name, None, None, None, "a header row and at least one data row (the file is empty)")]
        )
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashlib lets go of the GIL: the hash runs beside the reading
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        suffix = Path(name).suffix.lower()
        if suffix in (".xlsx", ".xlsm") or data.startswith(XLSX_MAGIC):
            header, rows, numbers = read_xlsx(data, name, limits, progress)
        else:
            fast = fast_csv(data, limits)
            if fast is not None:
                return RawTable(name, digest.result(), *fast)
            header, rows, numbers = _read_csv(data, name, limits)
        return RawTable.of_rows(name, digest.result(), header, rows, numbers)


def fast_csv(data: bytes, limits: ImportLimits) -> tuple[list[str], pl.DataFrame] | None:
    """A plain CSV file read by polars, or None when it needs the record-by-record reader.

    Plain: UTF-8 without NUL bytes, no quote character, lines ended by LF or CRLF (no lone CR), no line
    longer than a cell may be, a header within the column limit, and every line either the header's
    number of fields or blank (only white space and commas, skipped as the csv module skips it). Then
    line i is record i, so a data row's number is its line number, exactly as the other reader counts.

    The lines are counted by polars too: the file read a second time as one text column (a line per row,
    none skipped) gives each line's length, and a line of the header's number of fields is exactly its
    cells' lengths and one comma fewer than fields; no pass of Python or numpy looks at every byte.
    """
    if b'"' in data or b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    first = data.find(b"\n")
    head = data[: first if first >= 0 else len(data)]
    if len(head) > limits.max_cell_chars:
        return None  # a line that long may hold a cell over the limit: the other reader names it
    try:
        header = head.decode("utf-8").removesuffix("\r").split(",")
    except UnicodeDecodeError:
        return None
    if len(header) > limits.max_columns or not any(h.strip() for h in header):
        return None
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # both readers let go of the GIL: they run side by side
            read_lines = pool.submit(_polars_lines, data)
            frame = _polars_csv(data, len(header))
            lines = read_lines.result()
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None  # e.g. not UTF-8: the other reader names the row
    if frame.height != lines.height - 1:
        return None  # polars saw the lines otherwise than each other
    # A line of the header's number of fields is its cells and one comma fewer: any other line is
    # shorter (a field missing) or longer (a field cut off by the reader), so lengths alone find them.
    width = len(header)
    length = lines[LINE].str.len_bytes().slice(1)
    read = frame.select(pl.sum_horizontal(pl.col(str(i)).str.len_bytes() for i in range(width)).alias("n"))["n"]
    if (length > limits.max_cell_chars).any():
        return None  # a line that long may hold a cell over the limit: the other reader names it
    odd = (length != read + (width - 1)).arg_true()  # another number of fields than the header's: blank, or reported
    if odd.len() and not _all_blank(lines[LINE].gather(odd + 1)):
        return None
    cells = frame.with_columns(pl.all().fill_null(""), pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(ROW))
    # a blank line's first cell is empty or begins with white space: below "!" or beyond ASCII
    lead = pl.col("0")
    if odd.len() or cells.select(((lead < "!") | (lead >= "\u0080")).any()).item():
        blank = pl.all_horizontal(pl.col(str(i)).str.strip_chars(PY_SPACE) == "" for i in range(len(header)))
        cells = cells.filter(~blank)  # else no line is blank: none to look at
    if cells.height > limits.max_rows:
        return None  # the other reader names the row where the limit is passed
    return header, cells


def _all_blank(lines: pl.Series) -> bool:
    """Every line only commas and white space (white space as Python's ``str.strip`` sees it)."""
    return bool(lines.str.replace_all(",", "", literal=True).str.strip_chars(PY_SPACE).eq("").all())


def _polars_lines(data: bytes) -> pl.DataFrame:
    """The file's lines, the header's included, as one String column (a CR before the LF left out)."""
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x00",  # the file holds none: each line is one field
        quote_char=None,
        schema={LINE: pl.String},
        empty_string_is_null=False,
        raise_if_empty=False,
    )


def _polars_csv(data: bytes, width: int) -> pl.DataFrame:
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        skip_rows=1,
        schema=dict.fromkeys((str(i) for i in range(width)), pl.String),
        quote_char=None,
        truncate_ragged_lines=True,
        missing_columns="insert",
        empty_string_is_null=False,
        raise_if_empty=False,
    )


def _read_csv(data: bytes, name: str, limits: ImportLimits) -> tuple[list[str], list[list[str]], list[int]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 4]
        raise ValidationFailed(
            [Problem(name, line, None, repr(bad)[2:-1], "UTF-8 text (save the file as 'CSV UTF-8')")]
        ) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ValidationFailed(
            [Problem(name, line, None, None, "a text CSV file (found a NUL byte: is this a binary file?)")]
        )
    # strict: a quote that never closes is an error, not the rest of the file in one cell (without quotes
    # in the file there is nothing to be strict about, and the reader is a third faster)
    reader = csv.reader(io.StringIO(text, newline=""), strict='"' in text)
    problems: list[Problem] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    started = 1  # the line where the record being read began
    # a cell longer than the limit needs a line longer than it, or a quoted cell over several lines
    long_lines = max(map(len, text.splitlines()), default=0) > limits.max_cell_chars
    try:
        for record in reader:
            line = reader.line_num
            if (long_lines or line != started) and sum(map(len, record)) > limits.max_cell_chars:
                _check_cells(name, started, record, header, limits)
            if header is None:
                if len(record) > limits.max_columns:
                    problems.append(
                        Problem(name, 1, None, None, f"at most {limits.max_columns} columns (found {len(record):,})")
                    )
                    break
                header = record
            elif not any(cell.strip() for cell in record):
                pass  # blank line
            elif len(record) != len(header):
                problems.append(
                    Problem(name, started, None, None, f"{len(header)} fields as in the header, found {len(record):,}")
                )
                if len(problems) >= MAX_PROBLEMS:
                    problems.append(
                        Problem(name, None, None, None, "a file with fewer problems (reading stopped here)")
                    )
                    break
            elif len(rows) >= limits.max_rows:
                problems.append(_too_many_rows(name, started, limits))
                break
            else:
                rows.append(record)
                numbers.append(started)
            started = line + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            problems.append(
                Problem(
                    name,
                    started,
                    None,
                    None,
                    'a closing quote (") for the field opened in this row: an unclosed quote swallows the rest '
                    "of the file",
                )
            )
        elif "field larger than field limit" in str(exc):
            problems.append(
                Problem(name, started, None, None, f"a cell of at most {limits.max_cell_chars:,} characters")
            )
        else:
            problems.append(Problem(name, started, None, None, f"well-formed CSV ({exc})"))
    except ValidationFailed as exc:
        problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    return header or [], rows, numbers


def _too_many_rows(name: str, row: int, limits: ImportLimits) -> Problem:
    return Problem(
        name,
        row,
        None,
        None,
        f"at most {limits.max_rows:,} data rows in one file (QALA_MAX_IMPORT_ROWS); split the file",
    )


def _check_cells(name: str, row: int, record: list[str], header: list[str] | None, limits: ImportLimits) -> None:
    for i, cell in enumerate(record):
        if len(cell) > limits.max_cell_chars:
            column = header[i].strip().lower() if header is not None and i < len(header) else f"field {i + 1}"
            raise ValidationFailed(
                [Problem(name, row, column, None, f"a cell of at most {limits.max_cell_chars:,} characters")]
            )
