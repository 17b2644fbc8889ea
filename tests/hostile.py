"""Hostile files for the fuzz tests: hand-built workbooks and zips, and a bounded run in a child process."""

from __future__ import annotations

import io
import json
import struct
import textwrap
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from tests.bounded import run_child

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
HEADER = ["year", "gpc_ref", "activity", "amount", "unit", "source"]
GOOD_ROW = ["2022", "I.1.1", "natural_gas", "10", "TJ", "utility"]


def cell(ref: str, value: str, kind: str = "inlineStr", formula: str | None = None) -> str:
    f = "" if formula is None else f"<f>{escape(formula)}</f>"
    if kind == "inlineStr":
        return f'<c r="{ref}" t="inlineStr">{f}<is><t>{escape(value)}</t></is></c>'
    v = "" if value == "" else f"<v>{escape(value)}</v>"
    t = "" if kind == "n" else f' t="{kind}"'
    return f'<c r="{ref}"{t}>{f}{v}</c>'


def row(number: int, values: list[str]) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cells = "".join(cell(f"{letters[i]}{number}", v) for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows: str, prolog: str = "", before: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{before}<sheetData>{rows}'
        "</sheetData></worksheet>"
    ).encode()


def good_rows() -> str:
    return row(1, HEADER) + row(2, GOOD_ROW)


def workbook(
    sheet: bytes | None = None,
    *,
    shared: bytes | None = None,
    sheets: int = 1,
    data_sheet: int = 1,
    workbook_type: str = WORKBOOK_TYPE,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """An .xlsx built part by part: ``sheet`` is sheet number ``data_sheet`` (named 'data'); others are empty."""
    sheet = sheet_xml(good_rows()) if sheet is None else sheet
    overrides = f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
    listed, rels = [], []
    parts: dict[str, bytes] = {}
    for n in range(1, sheets + 1):
        name = "data" if n == data_sheet else f"Sheet{n}"
        listed.append(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>')
        rels.append(f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>')
        parts[f"xl/worksheets/sheet{n}.xml"] = sheet if n == data_sheet else sheet_xml("")
    if shared is not None:
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = shared
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )
    base = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{"".join(listed)}</sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG_REL}">{"".join(rels)}</Relationships>'.encode(),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in {**base, **parts, **(extra or {})}.items():
            z.writestr(name, data)
    return buf.getvalue()


def shared_strings(strings: list[str]) -> bytes:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'.encode()


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: (name, deflated data, declared size, CRC-32, flag bits) per member.

    The declared sizes may lie, and one compressed stream may stand for many members: how zip bombs
    are made without spending the time to compress a gigabyte.
    """
    out, central = bytearray(), bytearray()
    for name, comp, size, crc, flags in members:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x21, crc, len(comp), size, len(n), 0)
        out += n + comp
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, 0, 0x21, crc, len(comp), size, len(n), 0, 0, 0, 0, 0,
            offset,
        )  # fmt: skip
        central += n
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + eocd)


CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from qala.catalog import load_catalog
    from qala.ingest.problems import ValidationFailed
    from qala.ingest.read import read_table
    from qala.ingest.validate import validate_table
    outcome = {"problems": None}
    try:
        validate_table(read_table(Path(sys.argv[1])), load_catalog(), "astana")
    except ValidationFailed as exc:
        outcome["problems"] = [str(p) for p in exc.problems[:5]]
    # VmHWM: this process's own peak (ru_maxrss would include the parent's size at fork)
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    outcome["peak_mb"] = int(hwm.split()[1]) / 1024
    print(json.dumps(outcome))
    """
)


def import_in_child(path: Path, cpu_seconds: int = 60, env: dict[str, str] | None = None) -> dict:
    """Read and validate a file in a fresh interpreter: its problems and its peak memory (MB); more than
    ``cpu_seconds`` of CPU time fails (a hang, whatever else runs on the machine)."""
    done = run_child(["-c", CHILD, str(path)], cpu_seconds=cpu_seconds, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
