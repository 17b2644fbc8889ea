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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from qala.ingest.limits import MAX_FILE_BYTES, ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.xlsx import XLSX_MAGIC, read_xlsx

MAX_BYTES = MAX_FILE_BYTES
MAX_PROBLEMS = 1000  # a file broken on every line is reported by its first thousand problems
ROW = "_row"  # the column of a RawTable's cells that holds each record's row number
SCAN_BYTES = 16 * 2**20  # bytes of a CSV looked at in one numpy pass (temporary arrays: ~6 bytes per byte)


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
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data.startswith(XLSX_MAGIC):
        header, rows, numbers = read_xlsx(data, name, limits, progress)
    else:
        fast = fast_csv(data, limits)
        if fast is not None:
            return RawTable(name, digest, *fast)
        header, rows, numbers = _read_csv(data, name, limits)
    return RawTable.of_rows(name, digest, header, rows, numbers)


def fast_csv(data: bytes, limits: ImportLimits) -> tuple[list[str], pl.DataFrame] | None:
    """A plain CSV file read by polars, or None when it needs the record-by-record reader.

    Plain: UTF-8 without NUL bytes, no quote character, lines ended by LF or CRLF (no lone CR), no line
    longer than a cell may be, a header within the column limit, and every line either the header's
    number of fields or blank (only white space and commas, skipped as the csv module skips it). Then
    line i is record i, so a data row's number is its line number, exactly as the other reader counts.
    """
    if b'"' in data or b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    ends, commas = _scan(data)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if (ends - starts).max(initial=0) > limits.max_cell_chars:
        return None  # a line that long may hold a cell over the limit: the other reader names it
    try:
        header = data[: ends[0]].decode("utf-8").removesuffix("\r").split(",")
    except UnicodeDecodeError:
        return None
    if len(header) > limits.max_columns or not any(h.strip() for h in header):
        return None
    for i in np.flatnonzero(commas[1:] + 1 != len(header)) + 1:  # another number of fields: blank, or reported
        try:
            if data[starts[i] : ends[i]].decode("utf-8").replace(",", "").strip():
                return None
        except UnicodeDecodeError:
            return None
    try:
        frame = _polars_csv(data, len(header))
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None  # e.g. not UTF-8: the other reader names the row
    if frame.height != len(ends) - 1:
        return None  # polars saw the lines otherwise than counted here
    blank = pl.all_horizontal(pl.col(str(i)).str.strip_chars() == "" for i in range(len(header)))
    cells = frame.with_columns(pl.all().fill_null(""), pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(ROW))
    if cells.select((pl.col("0").str.strip_chars() == "").any()).item():  # else no line is blank: none to look at
        cells = cells.filter(~blank)
    if cells.height > limits.max_rows:
        return None  # the other reader names the row where the limit is passed
    return header, cells


def _scan(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each line ends (a LF, or the end of the data) and how many commas it holds, in blocks of the
    data: the temporary arrays are a block's size, whatever the file's."""
    blocks = range(0, len(data), SCAN_BYTES)

    def block(a: int) -> np.ndarray:
        return np.frombuffer(data, dtype=np.uint8, count=min(SCAN_BYTES, len(data) - a), offset=a)

    parts = [np.flatnonzero(block(a) == 10) + a for a in blocks]
    ends = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(data))
    at_end = np.zeros(len(ends), dtype=np.int64)  # commas from the start of the data to each line's end
    done = 0
    for a in blocks:
        raw = block(a)
        here = slice(np.searchsorted(ends, a), np.searchsorted(ends, a + len(raw)))  # line ends in this block
        running = np.cumsum(raw == 44, dtype=np.int32)
        at_end[here] = done + running[ends[here] - a]
        done += int(running[-1])
    if len(ends) and ends[-1] == len(data):  # a last line without a LF ends past the data
        at_end[-1] = done
    return ends, np.diff(at_end, prepend=0)


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
