"""Hostile document files: corrupt and cyclic PDFs, decompression bombs, endless page lists, broken text.

Every one is a DocumentError that names the file and says why, in bounded time and memory; the bomb
runs in a child process so that a regression fails instead of eating the machine.
"""

from __future__ import annotations

import textwrap
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qala.documents.read import MAX_DOCUMENT_BYTES, DocumentError, extract
from tests.bounded import run_child

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 12 Tf 72 712 Td (Hello world.) Tj ET\n"


def pdf(content: bytes = TEXT, kids: bytes = b"[3 0 R]", count: int = 1) -> bytes:
    """A one-font PDF written by hand: catalog, page tree, page(s), content stream, font."""
    comp = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids %s /Count %d >>" % (kids, count),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(comp) + comp + b"\nendstream",
        FONT,
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def refusal(data: bytes, name: str = "doc.pdf") -> str:
    with pytest.raises(DocumentError) as info:
        extract(data, name)
    assert str(info.value).startswith(f"{name}: ")
    return str(info.value)


def test_the_hand_built_pdf_reads() -> None:
    assert extract(pdf(), "doc.pdf").paragraphs == ["Hello world."]


CHILD = textwrap.dedent(
    """
    import sys
    from qala.documents.read import DocumentError, extract
    try:
        extract(open(sys.argv[1], "rb").read(), "bomb.pdf")
        print("read")
    except DocumentError as exc:
        print(exc)
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(int(hwm.split()[1]) // 1024)
    """
)


@pytest.mark.slow
def test_a_pdf_decompression_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf(TEXT + b" " * (512 * 2**20)))  # 512 MiB of content stream in a file of 500 kB
    assert path.stat().st_size < 2**20
    done = run_child(["-c", CHILD, str(path)], cpu_seconds=60)
    assert done.returncode == 0, done.stderr[-2000:]
    message, peak_mb = done.stdout.strip().splitlines()
    assert (
        message == "bomb.pdf: no extractable text (a stream of the PDF unpacks past the limit: a decompression bomb?)"
    )
    assert int(peak_mb) < 300  # pypdf stops inflating at 75 MB


def test_cyclic_and_endless_page_trees_are_refused() -> None:
    assert "cannot be read" in refusal(pdf(kids=b"[2 0 R 3 0 R]"))
    many = b"[" + b"3 0 R " * 5001 + b"]"
    assert refusal(pdf(kids=many, count=5001)) == "doc.pdf: a PDF of at most 5,000 pages (this one has 5,001)"


def test_a_document_past_the_size_limit_is_refused_unread() -> None:
    assert refusal(b" " * (MAX_DOCUMENT_BYTES + 1), "big.txt") == "big.txt: a file of at most 100 MiB"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.4\n" + b"\x00" * 500, "no extractable text"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "no extract"),
        (pdf()[:200], "no extractable text"),
        (b"not a pdf at all", "no extractable text"),
    ],
    ids=["zeros", "self-referencing-catalog", "truncated", "text"],
)
def test_corrupt_pdfs_are_refused(data: bytes, expected: str) -> None:
    assert expected in refusal(data)


VALID = pdf()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_pdf_with_damaged_bytes_is_read_or_refused(flips) -> None:
    data = bytearray(VALID)
    for at, byte in flips:
        data[at] = byte
    try:
        paragraphs = extract(bytes(data), "damaged.pdf").paragraphs
    except DocumentError as exc:
        paragraphs = [str(exc)]
        assert paragraphs[0].startswith("damaged.pdf: ")
    assert all(isinstance(p, str) for p in paragraphs)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["t.txt", "p.html", "d.pdf"]))
def test_random_bytes_under_any_document_name_never_crash(data: bytes, name: str) -> None:
    try:
        extract(data, name)
    except DocumentError as exc:
        assert str(exc).startswith(f"{name}: ")  # noqa: PT017 - a refusal is one allowed outcome of two
