"""Validation problems: every one names the file, the row, the column, the value and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int | None  # row number as a spreadsheet shows it (header = 1); None for whole-file problems
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        got = "" if self.value is None else f": got {self.value!r}"
        return f"{where}{got} - {self.expected}"

    def to_dict(self) -> dict[str, object]:
        from qala.ingest.messages import classify  # noqa: PLC0415

        code, params = classify(self.expected)  # a message code and its values (kk/ru/en in ingest/messages.py)
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
            "code": code,
            "params": params,
        }


class ValidationFailed(Exception):
    """Input that cannot be imported; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.expected))
        super().__init__(f"{len(self.problems)} problem(s) in the input")
