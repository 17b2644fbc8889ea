"""The backup archive's row format: one canonical JSON line per row, the same from every engine.

Values are written by the column's kind, so that SQLite and PostgreSQL give byte-identical lines:
datetimes in UTC ISO 8601 with their offset (Qala stores UTC; a naive value read from SQLite is UTC),
dates ISO, floats exactly (JSON numbers are ``repr``; ``nan``/``inf`` as strings), bytes as base64,
JSON columns as JSON. Everything else is an integer, a boolean or a string.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric, String
from sqlalchemy.types import TypeEngine

KINDS = ("int", "bool", "float", "decimal", "str", "datetime", "date", "bytes", "json")
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class FormatError(ValueError):
    """A value or column type that the backup format cannot hold."""


def kind_of(sql_type: TypeEngine) -> str:
    """The backup kind of a column type (order matters: Boolean and DateTime before their bases)."""
    for cls, kind in (
        (Boolean, "bool"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Integer, "int"),
        (Float, "float"),
        (Numeric, "decimal"),
        (LargeBinary, "bytes"),
        (JSON, "json"),
        (String, "str"),
    ):
        if isinstance(sql_type, cls):
            return kind
    raise FormatError(f"column type {sql_type!r} has no backup form")


def encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "float":
        value = float(value)
        return value if math.isfinite(value) else repr(value)
    if kind == "decimal":
        return str(value)
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    return value


def decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "float":
        return NON_FINITE[value] if isinstance(value, str) else float(value)
    if kind == "decimal":
        from decimal import Decimal  # noqa: PLC0415

        return Decimal(value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    return value


def line(kinds: list[str], row: tuple) -> bytes:
    """One row as a canonical JSON line (compact, UTF-8, newline-terminated)."""
    values = [encode(k, v) for k, v in zip(kinds, row, strict=True)]
    return (json.dumps(values, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def parse(kinds: list[str], raw: bytes) -> list[Any]:
    values = json.loads(raw)
    if not isinstance(values, list) or len(values) != len(kinds):
        raise FormatError(f"a row of {len(kinds)} values expected, got {raw[:80]!r}")
    return [decode(k, v) for k, v in zip(kinds, values, strict=True)]
