"""A bounded, streaming reader of the one sheet an activity workbook carries.

Not openpyxl: its read-only mode pads every row to the sheet's declared width (a 5 kB file with a
cell in column XFD of row 1,048,576 kept it busy for hours) and loads every shared string. Here the
zip's declared sizes and compression ratios are checked before anything is decompressed, the sheet
XML is fed to expat in 64 kB chunks, a DTD (the door to entity expansion and external entities) stops
the read, and rows, columns and text are counted as they arrive. A formula counts by the value Excel
saved with it; a formula without a saved value, or one that reads another file, is refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from xml.parsers import expat

from qala.ingest.limits import CELLS_PER_ROW, SHARED_STRINGS_PER_ROW, ImportLimits
from qala.ingest.problems import Problem, ValidationFailed

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and every password-protected workbook
DATA_SHEET = "data"
CHUNK = 64 * 2**10
EXTERNAL_REF = re.compile(r"\[\d+\]|'?\[[^\]]*\.xls[xmb]?\]", re.IGNORECASE)
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
MAX_FORMULA_CHARS = 8192


class _Stop(Exception):
    """Raised inside an expat handler to end the read with problems."""

    def __init__(self, problem: Problem):
        super().__init__(problem.expected)
        self.problem = problem


def column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _local(tag: str) -> str:
    return tag.rsplit(" ", 1)[-1]


class _Reader:
    def __init__(self, data: bytes, name: str, limits: ImportLimits, progress: Callable[[float], None] | None = None):
        self.name = name
        self.limits = limits
        self.progress = progress
        self.external_names: set[str] = set()  # defined names that read another workbook
        self.not_xlsx = Problem(name, None, None, None, "an Excel workbook (.xlsx); this file is not one")
        self.text_chars = 0
        if not data.startswith(XLSX_MAGIC):
            if data.startswith(OLE_MAGIC):
                raise ValidationFailed(
                    [
                        Problem(
                            name,
                            None,
                            None,
                            None,
                            "an .xlsx workbook without a password (this is a password-protected workbook or an old "
                            ".xls file: save it as .xlsx with no password)",
                        )
                    ]
                )
            raise ValidationFailed([self.not_xlsx])
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ValidationFailed([self.not_xlsx]) from exc
        self._check_sizes(infos)
        self.parts = {i.filename for i in infos}

    def fail(self, expected: str, row: int | None = None, column: str | None = None, value: str | None = None):
        return ValidationFailed([Problem(self.name, row, column, value, expected)])

    # ----------------------------------------------------------------------------------- the zip
    def _check_sizes(self, infos: list[zipfile.ZipInfo]) -> None:
        lim = self.limits
        if len(infos) > lim.xlsx_max_parts:
            raise self.fail(f"a workbook of at most {lim.xlsx_max_parts:,} parts (this one has {len(infos):,})")
        total = sum(i.file_size for i in infos)
        if total > lim.xlsx_max_uncompressed:
            raise self.fail(
                f"a workbook that unpacks to at most {lim.xlsx_max_uncompressed // 2**20:,} MiB "
                f"(this one declares {total // 2**20:,} MiB: a zip bomb or far more data than one import takes)"
            )
        for i in infos:
            if i.file_size > 2**20 and i.file_size > lim.xlsx_max_ratio * max(i.compress_size, 1):
                raise self.fail(
                    f"a workbook whose parts compress at most {lim.xlsx_max_ratio}:1 "
                    f"({i.filename} expands {i.file_size // max(i.compress_size, 1):,} times: a zip bomb?)"
                )
            if i.flag_bits & 0x1:
                raise self.fail(
                    "an .xlsx workbook without a password (a part is encrypted: save it as .xlsx with no password)"
                )

    def parse(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None] | None = None,
        text: Callable[[str], None] | None = None,
        *,
        report: bool = False,
    ) -> None:
        """Stream one XML part through expat; a DTD ends the read (no entity ever expands).

        With ``report``, the share of the part read so far goes to the reader's ``progress`` callback.
        """
        if part not in self.parts:
            raise self.fail(f"an Excel workbook (.xlsx); the part {part} is missing")
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
            parser.buffer_text = True

        def doctype(*_: object) -> None:
            raise _Stop(
                Problem(self.name, None, None, None, f"a workbook without DTDs or XML entities (found one in {part})")
            )

        parser.StartDoctypeDeclHandler = doctype
        parser.EntityDeclHandler = doctype
        try:
            size = max(self.zip.getinfo(part).file_size, 1)
            done = 0
            with self.zip.open(part) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                    done += len(chunk)
                    if report and self.progress is not None:
                        self.progress(min(done / size, 1.0))
                parser.Parse(b"", True)
        except _Stop as stop:
            raise ValidationFailed([stop.problem]) from None
        except expat.ExpatError as exc:
            raise self.fail(f"an Excel workbook (.xlsx); its part {part} is not well-formed XML ({exc})") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
            raise self.fail(f"an Excel workbook (.xlsx); its part {part} cannot be unpacked ({exc})") from exc

    # ------------------------------------------------------------------------------ the structure
    def check_content_types(self) -> None:
        types: list[str] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            types.append(attrs.get("ContentType", ""))

        self.parse("[Content_Types].xml", start)
        if any("macroenabled" in t.lower() or "vba" in t.lower() for t in types) or any(
            p.lower().endswith("vbaproject.bin") for p in self.parts
        ):
            raise self.fail("a workbook without macros: save it as .xlsx (Excel Workbook), not .xlsm")

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, target part) of a part's relationships."""
        folder = posixpath.dirname(part)
        rels_part = posixpath.join(folder, "_rels", posixpath.basename(part) + ".rels")
        found: dict[str, tuple[str, str]] = {}
        if rels_part not in self.parts:
            return found

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

        self.parse(rels_part, start)
        return found

    def sheet_parts(self) -> tuple[list[tuple[str, str]], str | None, str | None]:
        """[(sheet name, part)] in workbook order, the shared-strings part and the styles part.

        The workbook's defined names that read another workbook (directly or through other names) are
        kept in ``external_names``: a formula that uses one reads another file too.
        """
        root = self.relationships("")
        workbook = next((t for typ, t in root.values() if typ.endswith("/officeDocument")), "xl/workbook.xml")
        rels = self.relationships(workbook)
        sheets: list[tuple[str, str]] = []
        names: dict[str, list[str]] = {}
        current: list[str | None] = [None]

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith(" id")), "")
                if rid in rels:
                    sheets.append((attrs.get("name", ""), rels[rid][1]))
            elif local == "definedName":
                current[0] = attrs.get("name", "").lower()
                names.setdefault(current[0], [])

        def end(tag: str) -> None:
            if _local(tag) == "definedName":
                current[0] = None

        def text(data: str) -> None:
            if current[0] is not None and sum(map(len, names[current[0]])) < MAX_FORMULA_CHARS:
                names[current[0]].append(data)

        self.parse(workbook, start, end, text)
        definitions = {n: "".join(parts) for n, parts in names.items()}
        self.external_names = _external_names(definitions)
        shared = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
        styles = next((t for typ, t in rels.values() if typ.endswith("/styles")), None)
        return sheets, shared, styles

    def check_styles(self, part: str) -> None:
        """Count the styles part's elements, and stop past the budget (no style is otherwise read)."""
        count = [0]

        def start(tag: str, attrs: dict[str, str]) -> None:
            count[0] += 1
            if count[0] > self.limits.xlsx_max_styles:
                raise _Stop(
                    Problem(
                        self.name,
                        None,
                        None,
                        None,
                        f"a workbook with at most {self.limits.xlsx_max_styles:,} style elements (Excel itself keeps "
                        "at most 64,000 cell formats; this one has more: save a copy with only the values)",
                    )
                )

        self.parse(part, start)

    def count_text(self, chars: int) -> None:
        self.text_chars += chars
        if self.text_chars > self.limits.max_text_chars:
            raise _Stop(
                Problem(
                    self.name,
                    None,
                    None,
                    None,
                    f"a workbook with at most {self.limits.max_text_chars // 2**20:,} Mi characters of text",
                )
            )

    def shared_strings(self, part: str) -> list[str]:
        strings: list[str] = []
        buf: list[str] = []
        size = [0]
        depth = {"si": 0, "t": 0, "rPh": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local in depth:
                depth[local] += 1
            if local == "si":
                buf.clear()
                size[0] = 0
                if len(strings) >= self.limits.xlsx_max_shared_strings:
                    raise _Stop(
                        Problem(
                            self.name,
                            None,
                            None,
                            None,
                            f"a workbook with at most {self.limits.xlsx_max_shared_strings:,} shared strings "
                            f"({SHARED_STRINGS_PER_ROW} per allowed data row, QALA_MAX_IMPORT_ROWS)",
                        )
                    )

        def end(tag: str) -> None:
            local = _local(tag)
            if local in depth:
                depth[local] -= 1
            if local == "si":
                strings.append("".join(buf))

        def text(data: str) -> None:
            if depth["si"] and depth["t"] and not depth["rPh"]:
                room = self.limits.max_cell_chars + 1 - size[0]
                size[0] += len(data)
                self.count_text(len(data))
                if room > 0:
                    buf.append(data[:room])  # a longer string is kept just long enough to be refused where used

        self.parse(part, start, end, text)
        return strings


class _Sheet:
    """The rows of one sheet, as text, with the same rules as a CSV file."""

    def __init__(self, reader: _Reader, shared: list[str]):
        self.r = reader
        self.lim = reader.limits
        self.shared = shared
        self.header: list[str] | None = None
        self.rows: list[list[str]] = []
        self.numbers: list[int] = []
        self.row_number = 0
        self.cells: dict[int, str] = {}
        self.column = 0
        self.kind = "n"
        self.value: list[str] = []
        self.formula: list[str] | None = None
        self.chars = 0
        self.where = ""  # v | f | is
        self.has_value = False  # a <v> element, even an empty one (a formula whose result is "")
        self.in_text = 0  # inside <t> of an inline string
        self.in_phonetic = 0
        self.in_cell = False
        self.cell_count = 0
        self.empty = 0  # cells and rows without a value, and other elements: work that holds no data
        self.row_had_value = False

    def count_empty(self) -> None:
        self.empty += 1
        if self.empty > self.lim.xlsx_max_empty:
            raise _Stop(
                Problem(
                    self.r.name,
                    self.row_number or None,
                    None,
                    None,
                    f"a sheet with at most {self.lim.xlsx_max_empty:,} empty or formatting-only cells and rows "
                    "(this one has more: delete the unused formatted rows and columns, or paste the values into a "
                    "new workbook)",
                )
            )

    def fail(self, expected: str, value: str | None = None) -> _Stop:
        return _Stop(Problem(self.r.name, self.row_number, self._column_name(self.column), value, expected))

    def _column_name(self, index: int) -> str:
        if self.header is not None and 0 < index <= len(self.header) and self.header[index - 1].strip():
            return self.header[index - 1].strip().lower()
        return column_letter(index)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "row":
            ref = attrs.get("r", "")
            self.row_number = int(ref) if ref.isdigit() and len(ref) < 9 else self.row_number + 1
            self.cells = {}
            self.column = 0
        elif local == "c":
            self.in_cell = True
            self.cell_count += 1
            if self.cell_count > self.lim.xlsx_max_cells:
                raise self.fail(
                    f"a sheet with at most {self.lim.xlsx_max_cells:,} cells ({CELLS_PER_ROW} per allowed data row, "
                    "QALA_MAX_IMPORT_ROWS)"
                )
            found = CELL_REF.match(attrs.get("r", ""))
            self.column = _column_index(found.group(1)) if found else self.column + 1
            self.kind = attrs.get("t", "n")
            self.value, self.formula, self.chars, self.where, self.has_value = [], None, 0, "", False
        elif local == "v":
            self.where, self.has_value = "v", True
        elif local == "f":
            self.where, self.formula = "f", []
        elif local == "is":
            self.where = "is"
        elif local == "rPh":
            self.in_phonetic += 1
        elif local == "t":
            self.in_text += 1
        elif not self.in_cell and local not in ("worksheet", "sheetData"):
            self.count_empty()  # formatting, merged cells, column widths ...

    def text(self, data: str) -> None:
        if self.where == "f" and self.formula is not None:
            if sum(map(len, self.formula)) < MAX_FORMULA_CHARS:
                self.formula.append(data)
        elif (self.where == "v" or (self.where == "is" and self.in_text)) and not self.in_phonetic:
            self.chars += len(data)
            if self.chars > self.lim.max_cell_chars:
                raise self.fail(f"a cell of at most {self.lim.max_cell_chars:,} characters (found {self.chars:,}+)")
            self.value.append(data)

    def end(self, tag: str) -> None:
        local = _local(tag)
        if local in ("v", "f", "is"):
            self.where = ""
        elif local == "rPh":
            self.in_phonetic -= 1
        elif local == "t":
            self.in_text -= 1
        elif local == "c":
            self.in_cell = False
            value = self._cell_value()
            if value.strip():
                if self.column > self.lim.max_columns:
                    raise self.fail(f"values only in the first {self.lim.max_columns} columns", value[:80])
                self.r.count_text(len(value))
                self.cells[self.column] = value
            else:
                self.count_empty()
        elif local == "row":
            if not self.cells:
                self.count_empty()
            self._end_row()

    def _cell_value(self) -> str:
        raw = "".join(self.value)
        if self.formula is not None:
            formula = "=" + "".join(self.formula)
            if EXTERNAL_REF.search(formula) or _uses_names(formula, self.r.external_names):
                raise self.fail(
                    "a value from this workbook: the formula reads another file (copy the cells and paste values)",
                    formula[:200],
                )
            # a result of "" is saved as an empty <v/> with t="str"; an empty or missing <v> otherwise
            # means no result was saved (openpyxl and other scripts write formulas that way)
            if not raw and not (self.has_value and self.kind == "str") and self.kind != "inlineStr":
                raise self.fail(
                    "a value: this formula has no saved result (open the file in Excel and save it, or paste values)",
                    formula[:200],
                )
        if self.kind == "s":
            index = int(raw) if raw.strip().isdigit() and len(raw.strip()) < 12 else -1
            if not 0 <= index < len(self.shared):
                raise self.fail("an Excel workbook (.xlsx); a cell refers to a missing shared string", raw[:80])
            value = self.shared[index]
            if len(value) > self.lim.max_cell_chars:
                raise self.fail(f"a cell of at most {self.lim.max_cell_chars:,} characters")
            return value
        if self.kind == "b":
            return {"1": "TRUE", "0": "FALSE"}.get(raw.strip(), raw)
        if self.kind in ("n", ""):
            return _number_text(raw.strip())
        return raw  # inlineStr, str (a formula's text), e (an error such as #DIV/0!), d (an ISO date)

    def _end_row(self) -> None:
        if not self.cells:
            return
        width = max(self.cells)
        values = [self.cells.get(i, "") for i in range(1, width + 1)]
        if self.header is None:
            self.header = values
            return
        if width > len(self.header):
            raise self.fail(f"values only under the {len(self.header)} header columns")
        if len(self.rows) >= self.lim.max_rows:
            raise _Stop(
                Problem(
                    self.r.name,
                    self.row_number,
                    None,
                    None,
                    f"at most {self.lim.max_rows:,} data rows in one file (QALA_MAX_IMPORT_ROWS); split the file",
                )
            )
        self.rows.append(values + [""] * (len(self.header) - width))
        self.numbers.append(self.row_number)


NAME_TOKEN = re.compile(r"[A-Za-z_\\][\w.]*")


def _uses_names(formula: str, names: set[str]) -> bool:
    if not names:
        return False
    outside_quotes = re.sub(r'"[^"]*"', "", formula)
    return any(token.lower() in names for token in NAME_TOKEN.findall(outside_quotes))


def _external_names(definitions: dict[str, str]) -> set[str]:
    """Defined names that read another workbook, directly or through other defined names."""
    external = {n for n, d in definitions.items() if EXTERNAL_REF.search(d)}
    changed = True
    while changed:  # a name defined through an external name is external too
        changed = False
        for n, d in definitions.items():
            if n not in external and _uses_names(d, external):
                external.add(n)
                changed = True
    return external


def _number_text(raw: str) -> str:
    """A number as the CSV route would show it: 2022, not 2022.0."""
    if not raw:
        return ""
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def read_xlsx(
    data: bytes, name: str, limits: ImportLimits, progress: Callable[[float], None] | None = None
) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows, spreadsheet row numbers) of the sheet named ``data``, else the first sheet.

    ``progress`` is told the share of the sheet read so far (for a job's progress display).
    """
    reader = _Reader(data, name, limits, progress)
    if "[Content_Types].xml" not in reader.parts:
        raise ValidationFailed([reader.not_xlsx])
    reader.check_content_types()
    sheets, shared_part, styles_part = reader.sheet_parts()
    if not sheets:
        raise ValidationFailed([reader.not_xlsx])
    if styles_part and styles_part in reader.parts:
        reader.check_styles(styles_part)
    part = next((p for n, p in sheets if n == DATA_SHEET), sheets[0][1])
    shared = reader.shared_strings(shared_part) if shared_part and shared_part in reader.parts else []
    sheet = _Sheet(reader, shared)
    reader.parse(part, sheet.start, sheet.end, sheet.text, report=True)
    if sheet.header is None:
        raise ValidationFailed(
            [Problem(name, None, None, None, "a header row and at least one data row (the sheet is empty)")]
        )
    header = sheet.header
    while header and not header[-1].strip():
        header.pop()
    return header, sheet.rows, sheet.numbers
