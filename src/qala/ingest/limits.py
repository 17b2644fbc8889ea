"""Limits on imported files, checked before the work they bound (README: "Hostile input and limits").

An activity file is hostile until read: a workbook is a zip archive that may decompress to gigabytes,
a sheet may claim a million empty rows or a cell in column XFD, a CSV may hold one line of 200 MB.
Every limit here is checked while reading, so memory and time stay bounded whatever the file says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_FILE_BYTES = 256 * 2**20  # a file as stored (CSV bytes, or the XLSX zip)
MAX_COLUMNS = 200  # the format has 14; a few spare columns are reported by name
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
MAX_TEXT_CHARS = 256 * 2**20  # the text of all cells together
XLSX_MAX_UNCOMPRESSED = 1024 * 2**20  # the zip's parts together, as declared (zipfile never reads past it)
XLSX_MAX_RATIO = 100  # uncompressed / compressed size of one part above 1 MiB (sheets are 5-20x)
XLSX_MAX_PARTS = 10_000
DEFAULT_MAX_ROWS = 2_000_000
# Work that holds no data is bounded on its own: a 0.6 MiB workbook of empty formatted cells once took 40 s.
XLSX_MAX_EMPTY = 1_000_000  # cells and rows without a value, and other elements of the sheet (formatting)
XLSX_MAX_STYLES = 500_000  # elements of the styles part (Excel itself keeps at most 64,000 cell formats)
CELLS_PER_ROW = 16  # cells of the sheet, with a value or not: this many per allowed data row (the format has 14)
SHARED_STRINGS_PER_ROW = 4  # shared strings: this many per allowed data row


@dataclass(frozen=True)
class ImportLimits:
    max_rows: int = DEFAULT_MAX_ROWS  # data rows of one file (QALA_MAX_IMPORT_ROWS)
    max_columns: int = MAX_COLUMNS
    max_cell_chars: int = MAX_CELL_CHARS
    max_text_chars: int = MAX_TEXT_CHARS
    max_file_bytes: int = MAX_FILE_BYTES
    xlsx_max_uncompressed: int = XLSX_MAX_UNCOMPRESSED
    xlsx_max_ratio: int = XLSX_MAX_RATIO
    xlsx_max_parts: int = XLSX_MAX_PARTS
    xlsx_max_empty: int = XLSX_MAX_EMPTY
    xlsx_max_styles: int = XLSX_MAX_STYLES

    @property
    def xlsx_max_cells(self) -> int:
        return CELLS_PER_ROW * (self.max_rows + 1)  # the header row too

    @property
    def xlsx_max_shared_strings(self) -> int:
        return SHARED_STRINGS_PER_ROW * (self.max_rows + 1)

    @classmethod
    def from_env(cls) -> ImportLimits:
        """QALA_MAX_IMPORT_ROWS and QALA_MAX_IMPORT_MB (a file as stored), else the defaults."""
        rows = _positive(os.environ.get("QALA_MAX_IMPORT_ROWS"))
        mb = _positive(os.environ.get("QALA_MAX_IMPORT_MB"))
        return cls(
            max_rows=rows or DEFAULT_MAX_ROWS,
            max_file_bytes=mb * 2**20 if mb else MAX_FILE_BYTES,
        )


def _positive(raw: str | None) -> int | None:
    text = (raw or "").strip().replace("_", "")
    return int(text) if text.isdigit() and int(text) > 0 else None
