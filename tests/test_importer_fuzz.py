"""Malformed files never crash the importer: they import or they raise ValidationFailed."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from qala.catalog import load_catalog
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table

HEADER = ["year", "gpc_ref", "activity", "amount", "unit", "source", "facility", "ef_co2", "city"]
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "2022",
            "I.1.1",
            "I.4.4",
            "natural_gas",
            "coal",
            "heat_output",
            "TJ",
            "t",
            "Gcal",
            "thousand m3",
            "-1",
            "1e309",
            "nan",
            "inf",
            "1,5",
            "=1+1",
            "",
            " ",
            "astana",
            "ton",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes, name: str) -> None:
    problems = []
    try:
        validate_table(parse_bytes(data, name), load_catalog(), "astana")
    except ValidationFailed as exc:
        problems = exc.problems or [None]
    for p in problems:
        assert p is not None
        assert p.file == name
        assert p.expected


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_as_csv(data: bytes) -> None:
    check(data, "random.csv")


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_as_xlsx(data: bytes) -> None:
    check(b"PK\x03\x04" + data, "random.xlsx")


@SETTINGS
@given(st.lists(st.lists(cell, min_size=0, max_size=11), max_size=8), st.permutations(HEADER), st.booleans())
def test_random_rows_under_a_plausible_header(rows, header, quote) -> None:
    lines = [",".join(header)]
    for r in rows:
        lines.append(",".join((f'"{c}"' if quote else c.replace(",", ";").replace("\n", " ")) for c in r))
    check("\n".join(lines).encode("utf-8", errors="surrogatepass"), "rows.csv")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                cell.filter(lambda c: not any(ord(ch) < 32 for ch in c)),
                st.floats(allow_nan=True),
                st.none(),
                st.integers(min_value=-(10**15), max_value=10**15),
            ),
            max_size=10,
        ),
        max_size=6,
    )
)
def test_random_workbooks(rows) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append([c if not isinstance(c, str) or not c.startswith("=") else "'" + c for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    check(buf.getvalue(), "book.xlsx")
