"""Funding needs of a portfolio by year and by potential source.

A measure's capital cost is spread evenly over its adoption years (start to full) and, where it names
several potential financing sources, evenly between them — an explicit assumption, shown with the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ASSUMPTION = (
    "capital spread evenly over the adoption years and between the potential financing sources a "
    "measure names; 'unassigned' where it names none"
)


def funding_needs(items: Iterable[tuple[str, float, int, int, tuple[str, ...]]]) -> dict[str, Any]:
    """``items``: (measure, capex at the chosen level, start year, full year, sources)."""
    table: dict[str, dict[int, float]] = {}
    for _code, capex, start, full, sources in items:
        years = list(range(start, max(full, start) + 1))
        names = sources or ("unassigned",)
        share = capex / len(years) / len(names)
        for source in names:
            row = table.setdefault(source, {})
            for y in years:
                row[y] = row.get(y, 0.0) + share
    all_years = sorted({y for row in table.values() for y in row})
    by_year = {y: sum(row.get(y, 0.0) for row in table.values()) for y in all_years}
    return {
        "years": all_years,
        "by_source": {s: [row.get(y, 0.0) for y in all_years] for s, row in sorted(table.items())},
        "total_by_year": [by_year[y] for y in all_years],
        "assumption": ASSUMPTION,
    }
