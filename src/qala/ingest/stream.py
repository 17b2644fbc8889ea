"""A large CSV file read in chunks of lines, so that importing it needs memory for one chunk, not the file.

Only a plain CSV streams (no quote character, no NUL byte, no lone CR: then a record is a line and a chunk
boundary can never cut a record); any other file is read whole (``read.read_table``). Each chunk is the
header line plus whole lines, read as a small file by the same readers (``read.fast_csv``, else the
record-by-record reader), with its rows renumbered to the file's own line numbers; so a chunk's cells,
problems and row numbers are those the whole file would give.

``QALA_IMPORT_STREAM_MB`` (the size from which a file streams) and ``QALA_IMPORT_CHUNK_MB`` (the size of a
chunk) take MiB, fractions allowed: the fault tests stream a file of a few hundred kB in many chunks.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from qala.ingest.limits import ImportLimits
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import ROW, RawTable, _read_csv, _too_many_rows, fast_csv

STREAM_BYTES = 64 * 2**20  # `qala import` streams a plain CSV file larger than this
CHUNK_BYTES = 12 * 2**20  # about 125,000 lines of the activity format per chunk
READ_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Chunk:
    table: RawTable | None  # None when the chunk could not be read: see problems
    problems: tuple[Problem, ...] = ()


def stream_bytes() -> int:
    """A plain CSV file larger than this streams: ``QALA_IMPORT_STREAM_MB``, else STREAM_BYTES."""
    return _mib("QALA_IMPORT_STREAM_MB") or STREAM_BYTES


def chunk_bytes() -> int:
    """Bytes read for one chunk (then cut at the last line end): ``QALA_IMPORT_CHUNK_MB``, else CHUNK_BYTES."""
    return _mib("QALA_IMPORT_CHUNK_MB") or CHUNK_BYTES


def _mib(name: str) -> int | None:
    try:
        mib = float(os.environ.get(name, "").strip().replace("_", ""))
    except ValueError:
        return None
    return max(1, int(mib * 2**20)) if 0 < mib < 2**20 else None


def streamable(path: Path, limits: ImportLimits | None = None) -> str | None:
    """The file's SHA-256 when it is a plain CSV file larger than ``stream_bytes()`` (and within the size
    limit), else None (read it whole). Reads the file once, in blocks."""
    limits = limits or ImportLimits.from_env()
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size <= stream_bytes() or size > limits.max_file_bytes or path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    digest = hashlib.sha256()
    last, crs, crlfs = b"", 0, 0
    with path.open("rb") as f:
        while block := f.read(READ_BYTES):
            digest.update(block)
            if b'"' in block or b"\x00" in block:
                return None
            crs += block.count(b"\r")
            crlfs += block.count(b"\r\n") + (last == b"\r" and block.startswith(b"\n"))  # a CR LF across blocks
            last = block[-1:]
    if crs != crlfs:
        return None  # a lone CR ends a record for the csv module, not a line
    return digest.hexdigest()


def csv_chunks(path: Path, name: str, sha256: str, limits: ImportLimits | None = None) -> Iterator[Chunk]:
    """The file's chunks in order; a chunk's cells are numbered with the file's line numbers."""
    limits = limits or ImportLimits.from_env()
    size = chunk_bytes()
    with path.open("rb") as f:
        head = f.readline()
        header_line = head.removeprefix(b"\xef\xbb\xbf")
        if not header_line.endswith(b"\n"):
            header_line += b"\n"
        lines_before = 1  # lines of the file before the chunk (the header's)
        rows = 0
        carry = b""
        while True:
            block = f.read(size)
            end = not block
            data = carry + block
            del block
            if end:
                body, carry = data, b""
            else:
                cut = data.rfind(b"\n") + 1
                body, carry = data[:cut], data[cut:]
            del data
            if body:
                lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
                text = header_line + body
                del body
                chunk = _chunk(text, name, sha256, lines_before - 1, limits)
                del text
                lines_before += lines
                if chunk.table is not None:
                    if rows + chunk.table.height > limits.max_rows:
                        over = chunk.table.cells[ROW][limits.max_rows - rows]
                        yield Chunk(None, (_too_many_rows(name, over, limits),))
                        return
                    rows += chunk.table.height
                held = [chunk]  # yielded from a list, so that this frame keeps no reference while it
                del chunk  # waits: the consumer frees one chunk before the next is read
                yield held.pop()
            if end:
                return


def _chunk(data: bytes, name: str, sha256: str, shift: int, limits: ImportLimits) -> Chunk:
    """``data`` (the header, then the chunk's lines) read as a file; rows moved down by ``shift`` lines."""
    unlimited = replace(limits, max_rows=2**62)  # the file's limit is counted over all its chunks
    fast = fast_csv(data, unlimited)
    if fast is not None:
        header, cells = fast
        return Chunk(RawTable(name, sha256, header, cells.with_columns(pl.col(ROW) + shift)))
    try:
        header, rows, numbers = _read_csv(data, name, unlimited)
    except ValidationFailed as exc:
        return Chunk(None, tuple(_moved(p, shift) for p in exc.problems))
    return Chunk(RawTable.of_rows(name, sha256, header, rows, [n + shift for n in numbers]))


def _moved(problem: Problem, shift: int) -> Problem:
    if problem.row is None or problem.row < 2:
        return problem
    return replace(problem, row=problem.row + shift)
