"""Reading an existing inventory at sector level: Qala's GPC reporting template (XLSX) or a CSV of
``gpc_ref, scope, gas, tco2e, notation_key, source[, year][, explanation]``.

All-or-nothing: every problem of the file is collected, each naming the file, the row (as a spreadsheet shows
it, header = 1), the column and what was expected; one :class:`ValidationFailed` carries them all. A row gives
either tonnes of CO2e of one gas (CO2, CH4, N2O) or a notation key (NO, IE, NE, C; long forms such as
"Not Estimated (NE)" accepted) with its explanation, never both. The scope must be the GPC scope of the
reference number. The template is read from its ``Activities`` sheet (the eCRF_3 headers, spelling variants
accepted): per-gas tonnes of CO2e of every line are summed per reference number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qala.catalog.catalog import Catalog
from qala.exports.safe import unescape
from qala.ingest.problems import Problem, ValidationFailed

GASES = ("CO2", "CH4", "N2O")
KEYS = ("NO", "IE", "NE", "C")
LONG_KEYS = {
    "not occurring": "NO",
    "included elsewhere": "IE",
    "not estimated": "NE",
    "confidential": "C",
    "no-occurrance": "NO",
    "not-estimated": "NE",
    "included-elsewhere": "IE",
    "confidential-information": "C",
}
CSV_REQUIRED = ("gpc_ref", "scope", "gas", "tco2e", "notation_key", "source")
CSV_OPTIONAL = ("year", "explanation")
SCOPE_WORDS = {"direct emissions": 1, "indirect emissions": 2, "outside city boundary": 3}
TEMPLATE_COLUMNS = {  # what we read -> accepted header spellings (formats.md §1.6)
    "year": ("Inventory year",),
    "gpc_ref": ("GPC ref. no.",),
    "scope": ("Scope",),
    "notation_key": ("Notation key",),
    "source": ("Activity data - Source",),
    "explanation": ("Emission factor - Description",),
    "CO2": ("GHGs (metric tonnes CO2e) - CO2",),
    "CH4": ("GHGs (metric tonnes CO2e) - CH4",),
    "N2O": ("GHGs (metric tonnes CO2e) - N2O",),
}


@dataclass(frozen=True)
class Figure:
    """One cell and gas of the imported inventory (``tco2e``), or one cell's notation key (``key``)."""

    year: int
    gpc_ref: str
    gas: str | None
    tco2e: float | None
    key: str | None
    explanation: str
    source: str
    row: int


@dataclass(frozen=True)
class InventoryFile:
    file: str
    sha256: str
    figures: tuple[Figure, ...]


def notation_key(text: str) -> str | None:
    """``NE``, ``Not Estimated (NE)``, ``not-estimated`` ... -> ``NE``; None when not a key."""
    t = text.strip()
    if t.upper() in KEYS:
        return t.upper()
    m = re.fullmatch(r".*\((NO|IE|NE|C)\)\s*", t, flags=re.IGNORECASE)
    if m:
        return m.group(1).upper()
    low = t.lower().removeprefix("reason-")
    if low.upper() in KEYS:
        return low.upper()
    return LONG_KEYS.get(low)


def _number(text: object) -> float | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise ValueError
    value = (
        float(str(text).replace("\u00a0", "").replace(" ", "").replace(",", ""))
        if isinstance(text, str)
        else float(text)
    )
    if not math.isfinite(value):
        raise ValueError
    return value


MAX_UNZIPPED = 64 * 2**20  # an XLSX is a zip: refuse one that unpacks to more than this (a zip bomb)


def read_inventory_file(path: Path, catalog: Catalog, year: int | None) -> InventoryFile:
    return read_inventory_bytes(path.name, path.read_bytes(), catalog, year)


def read_inventory_bytes(name: str, data: bytes, catalog: Catalog, year: int | None) -> InventoryFile:
    """As :func:`read_inventory_file`, from the bytes of an upload named ``name``."""
    sha = hashlib.sha256(data).hexdigest()
    path = Path(name)
    if path.suffix.lower() == ".xlsx":
        figures = _template(name, data, catalog, year)
    elif path.suffix.lower() == ".csv":
        figures = _csv(name, data, catalog, year)
    else:
        raise ValidationFailed([Problem(name, None, None, path.suffix, "a .csv file or Qala's GPC template (.xlsx)")])
    return InventoryFile(name, sha, tuple(figures))


def _check_cell(
    file: str, row: int, ref: str, scope: object, catalog: Catalog, problems: list[Problem], scope_column: str
) -> None:
    cell = catalog.cells.get(ref)
    if cell is None:
        problems.append(Problem(file, row, "gpc_ref" if scope_column == "scope" else "GPC ref. no.", ref,
                                "a GPC reference number such as I.1.1 (see 'qala catalog')"))  # fmt: skip
        return
    if scope in (None, ""):
        return
    given = SCOPE_WORDS.get(str(scope).strip().lower()) if not str(scope).strip().isdigit() else int(str(scope))
    if given != cell.scope:
        problems.append(Problem(file, row, scope_column, str(scope), f"scope {cell.scope}, the GPC scope of {ref}"))


def _csv(file: str, data: bytes, catalog: Catalog, year: int | None) -> list[Figure]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed([Problem(file, None, None, None, "a UTF-8 encoded CSV file")]) from None
    reader = csv.DictReader(io.StringIO(text))
    head = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in CSV_REQUIRED if c not in head]
    if missing:
        raise ValidationFailed(
            [Problem(file, 1, c, None, f"a column '{c}' (columns: {', '.join(CSV_REQUIRED)}[, year])") for c in missing]
        )
    if "year" not in head and year is None:
        raise ValidationFailed([Problem(file, 1, "year", None, "a 'year' column, or the year given with --year")])
    problems: list[Problem] = []
    figures: list[Figure] = []
    for n, raw in enumerate(reader, start=2):
        rec = {(k or "").strip(): (unescape(v) if isinstance(v, str) else v) or "" for k, v in raw.items()}
        rec = {k: v.strip() if isinstance(v, str) else v for k, v in rec.items()}
        fig = _figure(file, n, rec, catalog, year, problems, "scope", "gas", "tco2e", "notation_key")
        if fig is not None:
            figures.append(fig)
    if problems:
        raise ValidationFailed(problems)
    return _no_repeats(file, figures)


def _figure(
    file: str,
    n: int,
    rec: dict[str, object],
    catalog: Catalog,
    year: int | None,
    problems: list[Problem],
    scope_col: str,
    gas_col: str,
    value_col: str,
    key_col: str,
) -> Figure | None:
    before = len(problems)
    ref = str(rec.get("gpc_ref", "")).strip()
    _check_cell(file, n, ref, rec.get("scope"), catalog, problems, scope_col)
    y = rec.get("year") or year
    try:
        y = int(float(str(y)))
        if not 1990 <= y <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(Problem(file, n, "year", str(rec.get("year")), "a year between 1990 and 2100"))
    if year is not None and isinstance(y, int) and y != year:
        problems.append(Problem(file, n, "year", str(y), f"{year}, the year given with --year"))
    key_text = str(rec.get("notation_key") or "")
    key = notation_key(key_text) if key_text else None
    if key_text and key is None:
        problems.append(Problem(file, n, key_col, key_text, "a notation key: NO, IE, NE or C (or empty)"))
    gas = str(rec.get("gas") or "").strip().upper()
    try:
        value = _number(rec.get("tco2e"))
    except ValueError:
        problems.append(Problem(file, n, value_col, str(rec.get("tco2e")), "a number of tonnes CO2e (or empty)"))
        value = None
    if value is not None and value < 0 and not ref.startswith("V."):
        problems.append(Problem(file, n, value_col, str(value), "tonnes CO2e >= 0 (removals only in AFOLU, V.n)"))
    if value is not None and key_text:
        problems.append(Problem(file, n, key_col, key_text, "empty when tonnes are given: a figure or a key, not both"))
    if value is None and not key_text:
        problems.append(Problem(file, n, value_col, None, "tonnes CO2e, or a notation key in 'notation_key'"))
    if value is not None and gas not in GASES:
        problems.append(Problem(file, n, gas_col, gas or None, "CO2, CH4 or N2O"))
    if len(problems) > before:
        return None
    return Figure(
        year=int(y),  # type: ignore[arg-type]
        gpc_ref=ref,
        gas=gas if value is not None else None,
        tco2e=value,
        key=key,
        explanation=str(rec.get("explanation") or ""),
        source=str(rec.get("source") or ""),
        row=n,
    )


def _no_repeats(file: str, figures: list[Figure]) -> list[Figure]:
    seen: dict[tuple, int] = {}
    problems = []
    for f in figures:
        k = (f.year, f.gpc_ref, f.gas or "key")
        if k in seen:
            what = f"gas {f.gas}" if f.gas else "a notation key"
            problems.append(
                Problem(
                    file,
                    f.row,
                    "gpc_ref",
                    f.gpc_ref,
                    f"one row per year, reference number and gas: row {seen[k]} already gives {what} for {f.gpc_ref}",
                )
            )
        seen[k] = f.row
    cells_with_figures = {(f.year, f.gpc_ref) for f in figures if f.gas}
    for f in figures:
        if f.key and (f.year, f.gpc_ref) in cells_with_figures:
            problems.append(
                Problem(file, f.row, "notation_key", f.key, f"no key for {f.gpc_ref}: other rows give it tonnes")
            )
    if problems:
        raise ValidationFailed(problems)
    return figures


def _template(file: str, data: bytes, catalog: Catalog, year: int | None) -> list[Figure]:
    from openpyxl import load_workbook  # noqa: PLC0415

    from qala.exports.gpc_template import ACTIVITY_SHEET  # noqa: PLC0415

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        unpacked = None
    if unpacked is None or unpacked > MAX_UNZIPPED:
        expected = f"an XLSX workbook that unpacks to at most {MAX_UNZIPPED // 2**20} MiB (Qala's GPC template)"
        raise ValidationFailed([Problem(file, None, None, None, expected)])
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any unreadable workbook is one problem for the user
        raise ValidationFailed(
            [Problem(file, None, None, None, "an XLSX workbook (Qala's GPC reporting template)")]
        ) from None
    if ACTIVITY_SHEET not in wb.sheetnames:
        raise ValidationFailed(
            [Problem(file, None, None, None, f"a sheet '{ACTIVITY_SHEET}' (the GPC template's activity table)")]
        )
    rows = wb[ACTIVITY_SHEET].iter_rows(values_only=True)
    head = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    where: dict[str, int] = {}
    problems: list[Problem] = []
    for key, names in TEMPLATE_COLUMNS.items():
        idx = next((head.index(n) for n in names if n in head), None)
        if idx is None and key not in ("explanation", "source"):
            problems.append(Problem(file, 1, names[0], None, f"a column '{names[0]}' in sheet '{ACTIVITY_SHEET}'"))
        elif idx is not None:
            where[key] = idx
    if problems:
        raise ValidationFailed(problems)
    sums: dict[tuple[int, str, str], tuple[float, int, str]] = {}
    figures: list[Figure] = []
    for n, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        cell = {k: (unescape(row[i]) if i < len(row) else None) for k, i in where.items()}
        key_text = str(cell.get("notation_key") or "").strip()
        base = {
            "gpc_ref": cell.get("gpc_ref"),
            "scope": cell.get("scope"),
            "year": cell.get("year"),
            "notation_key": key_text,
            "source": cell.get("source"),
            "explanation": cell.get("explanation"),
        }
        if key_text:
            fig = _figure(
                file, n, {**base, "tco2e": None}, catalog, year, problems, "Scope", "gas", "tco2e", "Notation key"
            )
            if fig is not None:
                figures.append(fig)
            continue
        for gas in GASES:
            col = TEMPLATE_COLUMNS[gas][0]
            fig = _figure(file, n, {**base, "gas": gas, "tco2e": cell.get(gas) or 0}, catalog, year, problems,
                          "Scope", "gas", col, "Notation key")  # fmt: skip
            if fig is not None:
                k = (fig.year, fig.gpc_ref, gas)
                prev = sums.get(k, (0.0, n, ""))
                src = "; ".join(s for s in dict.fromkeys([*prev[2].split("; "), fig.source]) if s)
                sums[k] = (prev[0] + (fig.tco2e or 0.0), prev[1], src)
    if problems:
        raise ValidationFailed(problems)
    nonzero = {(y, ref) for (y, ref, _), (value, _, _) in sums.items() if value != 0}
    for (y, ref, gas), (value, n, src) in sums.items():
        if value != 0 or ((y, ref) not in nonzero and gas == "CO2"):  # a gas with no tonnes is no figure
            figures.append(Figure(y, ref, gas, value, None, "", src, n))
    return _no_repeats(file, figures)
