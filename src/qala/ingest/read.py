"""Read activity files (CSV or XLSX) into raw text cells, with the file's SHA-256.

Nothing here interprets values: that is ``validate``'s work. Whole-file problems (empty file, not
UTF-8, not an XLSX, ragged rows) become ``Problem``s with the row where they were found.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qala.ingest.problems import Problem, ValidationFailed

MAX_BYTES = 256 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
DATA_SHEET = "data"


@dataclass(frozen=True)
class RawTable:
    file: str  # the name shown in messages and kept as provenance
    sha256: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]  # spreadsheet row number of each entry in ``rows``


def read_table(path: Path, display_name: str | None = None) -> RawTable:
    name = display_name or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed([Problem(name, None, None, None, f"the file cannot be read ({exc.strerror})")]) from exc
    return parse_bytes(data, name)


def parse_bytes(data: bytes, name: str) -> RawTable:
    if len(data) > MAX_BYTES:
        raise ValidationFailed([Problem(name, None, None, None, f"a file of at most {MAX_BYTES // 2**20} MiB")])
    if not data.strip():
        raise ValidationFailed(
            [Problem(name, None, None, None, "a header row and at least one data row (the file is empty)")]
        )
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data.startswith(XLSX_MAGIC):
        header, rows, numbers = _read_xlsx(data, name)
    else:
        header, rows, numbers = _read_csv(data, name)
    return RawTable(file=name, sha256=digest, header=header, rows=rows, row_numbers=numbers)


def _read_csv(data: bytes, name: str) -> tuple[list[str], list[list[str]], list[int]]:
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
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for record in reader:
            line = reader.line_num
            if header is None:
                header = record
                continue
            if not any(cell.strip() for cell in record):
                continue  # blank line
            if len(record) != len(header):
                problems.append(
                    Problem(name, line, None, None, f"{len(header)} fields as in the header, found {len(record)}")
                )
                continue
            rows.append(record)
            numbers.append(line)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, None, f"well-formed CSV ({exc})"))
    if problems:
        raise ValidationFailed(problems)
    return header or [], rows, numbers


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, name: str) -> tuple[list[str], list[list[str]], list[int]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy import, only for workbooks

    not_xlsx = Problem(name, None, None, None, "an Excel workbook (.xlsx); this file is not one")
    if not data.startswith(XLSX_MAGIC):
        raise ValidationFailed([not_xlsx])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "[Content_Types].xml" not in zf.namelist():
                raise ValidationFailed([not_xlsx])
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except Exception as exc:
        raise ValidationFailed([not_xlsx]) from exc
    try:
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        header: list[str] | None = None
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                while cells and not cells[-1].strip():
                    cells.pop()
                header = cells
                continue
            cells = (cells + [""] * len(header))[: max(len(header), len(cells))]
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                raise ValidationFailed(
                    [Problem(name, number, None, None, f"values only under the {len(header)} header columns")]
                )
            rows.append(cells[: len(header)])
            numbers.append(number)
    except ValidationFailed:
        raise
    except Exception as exc:
        raise ValidationFailed([not_xlsx]) from exc
    finally:
        wb.close()
    if header is None:
        raise ValidationFailed(
            [Problem(name, None, None, None, "a header row and at least one data row (the sheet is empty)")]
        )
    return header, rows, numbers
