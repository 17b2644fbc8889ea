"""Read activity files (CSV or XLSX) into raw text cells, with the file's SHA-256.

Nothing here interprets values: that is ``validate``'s work. Whole-file problems (empty file, not
UTF-8, not an XLSX, ragged rows) become ``Problem``s with the row where they were found.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qala.ingest.limits import MAX_FILE_BYTES, ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.xlsx import XLSX_MAGIC, read_xlsx

MAX_BYTES = MAX_FILE_BYTES
MAX_PROBLEMS = 1000  # a file broken on every line is reported by its first thousand problems


@dataclass(frozen=True)
class RawTable:
    file: str  # the name shown in messages and kept as provenance
    sha256: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]  # spreadsheet row number of each entry in ``rows``


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
    if not data.strip():
        raise ValidationFailed(
            [Problem(name, None, None, None, "a header row and at least one data row (the file is empty)")]
        )
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data.startswith(XLSX_MAGIC):
        header, rows, numbers = read_xlsx(data, name, limits, progress)
    else:
        header, rows, numbers = _read_csv(data, name, limits)
    return RawTable(file=name, sha256=digest, header=header, rows=rows, row_numbers=numbers)


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
