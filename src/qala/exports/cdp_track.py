"""CDP-ICLEI Track: the city-wide emissions questions, as one long CSV in CDP's own row and column names.

Three blocks (``Question`` column), each row one answer cell as CDP's open data lays them out
(``Emissions Row Number``, ``Emissions Row Name``, ``Emissions Column Name``, ``Emissions Response Answer``):

1. ``Inventory details``: year covered, population, primary protocol, gases, boundary, GWP, methodology and
   the inventory state the figures come from.
2. ``GPC format``: the GPC-format breakdown by scope and sector (the 2019 question 4.6b row names), one
   column ``Emissions (metric tonnes CO2e)``, then the totals: scope 1 (territorial), 2, 3, BASIC, BASIC+.
3. ``CRF format``: the Common Reporting Framework table (question 3.1.3 since 2024), rows and the
   three emission columns with their notation-key columns and the comment column, exact labels.

The mapping (docs/reports-and-exports.md) is written out in :data:`GPC_ROWS` and :data:`CRF_ROWS`, one
reference number at a time, and tested one reference number at a time. It is right where the best-known open
tool is wrong: transport scope 3 is II.1.3-II.4.3 (never the stationary-energy I.n.3), I.4.4 is never added to
energy use, IPPU and AFOLU are in scope 1, tonnes are tonnes, and a cell the GPC does not have is left empty
rather than given a notation key ("NE" would say that emissions occur).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import polars as pl

from qala.exports.cells import BIOGENIC, MAIN_GASES
from qala.exports.safe import safe_row
from qala.exports.state import describe
from qala.inventory.result import Inventory

COLUMNS = (
    "Question",
    "Emissions Row Number",
    "Emissions Row Name",
    "Emissions Column Name",
    "Emissions Response Answer",
    "GPC reference numbers",
)
PROTOCOL = "Global Protocol for Community Greenhouse Gas Emissions Inventories (GPC)"
BOUNDARY = "Same – covers entire city and nothing else"
GPC_COLUMN = "Emissions (metric tonnes CO2e)"
DIRECT = "Direct emissions (metric tonnes CO2e)^"
DIRECT_KEY = "If you have no direct emissions to report, please select a notation key to explain why^"
INDIRECT = (
    "Indirect emissions from the use of grid-supplied electricity, heat, steam and/or cooling (metric tonnes CO2e)^"
)
INDIRECT_KEY = "If you have no indirect emissions to report, please select a notation key to explain why^"
OUTSIDE = (
    "Emissions occurring outside the jurisdiction boundary as a result of in-jurisdiction activities "
    "(metric tonnes CO2e)"
)
OUTSIDE_KEY = (
    "If you have no emissions to report that are occurring outside the jurisdiction boundary as a result of "
    "in-jurisdiction activities, please select a notation key to explain why"
)
COMMENT = (
    "Please explain any excluded sources, identify any emissions covered under an ETS and provide any other comments^"
)
CRF_COLUMNS = ((DIRECT, DIRECT_KEY), (INDIRECT, INDIRECT_KEY), (OUTSIDE, OUTSIDE_KEY))


def _refs(pattern: str, subs: range, last: int) -> tuple[str, ...]:
    return tuple(pattern.format(s, last) for s in subs)


# GPC-format rows (2019 question 4.6b, exact names): the reference numbers each row sums
GPC_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Stationary Energy: energy use – Scope 1 (I.X.1)", (*_refs("I.{}.{}", range(1, 9), 1),)),
    ("Stationary Energy: energy generation supplied to the grid – Scope 1 (I.4.4)", ("I.4.4",)),
    ("Stationary Energy: energy use – Scope 2 (I.X.2)", _refs("I.{}.{}", range(1, 7), 2)),
    ("Stationary Energy: energy use – Scope 3 (I.X.3)", _refs("I.{}.{}", range(1, 7), 3)),
    ("Transportation – Scope 1 (II.X.1)", _refs("II.{}.{}", range(1, 6), 1)),
    ("Transportation – Scope 2 (II.X.2)", _refs("II.{}.{}", range(1, 6), 2)),
    ("Transportation – Scope 3 (II.X.3)", _refs("II.{}.{}", range(1, 5), 3)),
    ("Waste: waste generated within the city boundary – Scope 1 (III.X.1)", _refs("III.{}.{}", range(1, 5), 1)),
    ("Waste: waste generated within the city boundary – Scope 3 (III.X.2)", _refs("III.{}.{}", range(1, 5), 2)),
    ("Waste: waste generated outside the city boundary – Scope 1 (III.X.3)", _refs("III.{}.{}", range(1, 5), 3)),
    ("Industrial Processes and Product Use – Scope 1 (IV)", ("IV.1", "IV.2")),
    ("Agriculture, Forestry and Land Use – Scope 1 (V)", ("V.1", "V.2", "V.3")),
)
GPC_TOTALS = (
    "TOTAL Scope 1 (Territorial) emissions",
    "TOTAL Scope 2 emissions",
    "TOTAL Scope 3 emissions",
    "TOTAL BASIC emissions",
    "TOTAL BASIC+ emissions",
)


@dataclass(frozen=True)
class CrfRow:
    name: str
    direct: tuple[str, ...] | None  # None: the GPC has no such cell (left empty, no notation key)
    indirect: tuple[str, ...] | None
    outside: tuple[str, ...] | None
    note: str = ""


def _three(sub: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    return (f"{sub}.1",), (f"{sub}.2",), (f"{sub}.3",)


CRF_ROWS: tuple[CrfRow, ...] = (
    CrfRow("Stationary energy > Residential buildings^^", *_three("I.1")),
    CrfRow("Stationary energy > Commercial buildings & facilities^^", *_three("I.2")),
    CrfRow(
        "Stationary energy > Institutional buildings & facilities^^",
        (),
        (),
        (),
        "IE: the GPC reports institutional buildings with commercial ones (I.2, row above)",
    ),
    CrfRow(
        "Stationary energy > Industrial buildings & facilities^^",
        ("I.3.1", "I.4.1", "I.6.1"),
        ("I.3.2", "I.4.2", "I.6.2"),
        ("I.3.3", "I.4.3", "I.6.3"),
        "includes energy industries' own use (I.4.1-I.4.3) and non-specified sources (I.6.x): the CRF has no "
        "row of its own for them",
    ),
    CrfRow("Stationary energy > Agriculture", *_three("I.5")),
    CrfRow("Stationary energy > Fugitive emissions^^", ("I.7.1", "I.8.1"), None, None),
    CrfRow("Transportation > On-road^^", *_three("II.1")),
    CrfRow("Transportation > Rail^^", *_three("II.2")),
    CrfRow("Transportation > Waterborne navigation^^", *_three("II.3")),
    CrfRow("Transportation > Aviation^^", *_three("II.4")),
    CrfRow("Transportation > Off-road^^", ("II.5.1",), ("II.5.2",), None),
    CrfRow(
        "Waste > Solid waste disposal^^",
        ("III.1.1", "III.1.3"),
        None,
        ("III.1.2",),
        "direct includes waste brought in from outside and treated in the city (III.1.3, in-boundary scope 1)",
    ),
    CrfRow("Waste > Biological treatment^^", ("III.2.1", "III.2.3"), None, ("III.2.2",)),
    CrfRow("Waste > Incineration and open burning^^", ("III.3.1", "III.3.3"), None, ("III.3.2",)),
    CrfRow("Waste > Wastewater^^", ("III.4.1", "III.4.3"), None, ("III.4.2",)),
    CrfRow("IPPU > Industrial process", ("IV.1",), None, None),
    CrfRow("IPPU > Product use", ("IV.2",), None, None),
    CrfRow("AFOLU > Livestock", ("V.1",), None, None),
    CrfRow("AFOLU > Land use", ("V.2",), None, None),
    CrfRow("AFOLU > Other AFOLU", ("V.3",), None, None),
)
CRF_TOTALS = {  # total row -> the CRF rows it sums (by position in CRF_ROWS)
    "Total Stationary Energy^": range(0, 6),
    "Total Transport^": range(6, 11),
    "Total Waste": range(11, 15),
    "Total IPPU": range(15, 17),
    "Total AFOLU": range(17, 20),
}
CRF_ORDER = (
    *(r.name for r in CRF_ROWS[0:6]),
    "Total Stationary Energy^",
    *(r.name for r in CRF_ROWS[6:11]),
    "Total Transport^",
    *(r.name for r in CRF_ROWS[11:15]),
    "Total Waste",
    *(r.name for r in CRF_ROWS[15:17]),
    "Total IPPU",
    *(r.name for r in CRF_ROWS[17:20]),
    "Total AFOLU",
)
GENERATION = (
    "Generation of grid-supplied energy > Electricity-only generation^^",
    "Generation of grid-supplied energy > CHP generation^^",
    "Generation of grid-supplied energy > Heat/cold generation^^",
    "Generation of grid-supplied energy > Local renewable generation",
)
GENERATION_TOTAL = "Total generation of grid-supplied energy"
GRAND_TOTAL = "Total Emissions (excluding generation of grid-supplied energy)"
KEY_ORDER = ("NE", "C", "IE", "NO")  # several keys in one answer cell: the least reassuring one


class _Cells:
    """t CO2e per reference number and the notation keys, from the inventory."""

    def __init__(self, inv: Inventory):
        rows = inv.rows.filter(pl.col("gas") != BIOGENIC)
        self.t = {r: float(v) for r, v in rows.group_by("gpc_ref").agg(pl.col("tco2e").sum()).iter_rows()}
        self.keys = {ref: nk.key for ref, nk in inv.notation_keys.items()}
        self.why = {ref: nk.explanation for ref, nk in inv.notation_keys.items()}

    def value(self, refs: tuple[str, ...]) -> float | None:
        """The sum of the refs that have figures; None when none has."""
        have = [self.t[r] for r in refs if r in self.t]
        return sum(have) if have else None

    def key(self, refs: tuple[str, ...]) -> str:
        keys = {self.keys[r] for r in refs if r in self.keys}
        if not refs or self.value(refs) is not None or not keys:
            return ""
        return next(k for k in KEY_ORDER if k in keys)

    def explain(self, refs: tuple[str, ...]) -> list[str]:
        return [f"{r} {self.keys[r]}: {self.why[r]}" for r in refs if r in self.keys and r in self.why]


def _details(inv: Inventory, info: dict[str, Any], state: dict[str, Any]) -> list[tuple[str, object]]:
    gwp = inv.methodology["gwp_set"]
    gases = [*MAIN_GASES, *(g for g in sorted(inv.rows["gas"].unique()) if g not in (*MAIN_GASES, BIOGENIC))]
    return [
        ("Year covered by main inventory", inv.year),
        ("Population in year covered by main inventory", info.get("population")),
        ("Primary protocol/framework used to compile main inventory", PROTOCOL),
        ("Gases included in main inventory", ", ".join(gases)),
        ("Boundary of main inventory relative to jurisdiction boundary", BOUNDARY),
        ("Global Warming Potential", f"{gwp['code']} ({gwp['name']})"),
        ("Methodology", inv.methodology.get("standard", "")),
        ("Inventory state", describe(state)),
    ]


def _generation(inv: Inventory) -> dict[str, float | None]:
    """I.4.4 split by plant type from the plants' outputs (both heat and power: CHP)."""
    out: dict[str, float | None] = dict.fromkeys(GENERATION)
    kinds = {}
    if inv.chp is not None:
        for f in inv.chp.facilities:
            if f.heat_tj > 0 and f.power_tj > 0:
                kinds[f.facility] = GENERATION[1]
            elif f.power_tj > 0:
                kinds[f.facility] = GENERATION[0]
            elif f.heat_tj > 0:
                kinds[f.facility] = GENERATION[2]
    plants = inv.rows.filter((pl.col("gpc_ref") == "I.4.4") & (pl.col("gas") != BIOGENIC))
    for fac, t in plants.group_by("facility").agg(pl.col("tco2e").sum()).iter_rows():
        row = kinds.get(fac)
        if row is not None:
            out[row] = (out[row] or 0.0) + float(t)
    return out


def table(inv: Inventory, state: dict[str, Any], info: dict[str, Any] | None = None) -> list[dict[str, object]]:
    """Every answer cell as a dictionary keyed by :data:`COLUMNS`."""
    info = info or {}
    cells = _Cells(inv)
    out: list[dict[str, object]] = []

    def put(question: str, n: int, row: str, column: str, answer: object, refs: tuple[str, ...] | str = ()) -> None:
        shown = refs if isinstance(refs, str) else ", ".join(refs)
        out.append(dict(zip(COLUMNS, (question, n, row, column, answer, shown), strict=True)))

    for n, (name, value) in enumerate(_details(inv, info, state), start=1):
        put("Inventory details", n, name, "Response", value)
    n = 0
    for n, (name, refs) in enumerate(GPC_ROWS, start=1):
        value = cells.value(refs)
        put("GPC format", n, name, GPC_COLUMN, value if value is not None else cells.key(refs), refs)
    totals = (
        (inv.totals["territorial"], "every scope-1 cell, I.4.4 and III.X.3 included"),
        (inv.by_scope["2"], "I.X.2 and II.X.2"),
        (inv.by_scope["3"] - (cells.value(("VI.1",)) or 0.0), "I.X.3, II.X.3 and III.X.2"),
        (inv.totals["basic"], "BASIC cells (GPC ch. 4)"),
        (inv.totals["basic_plus"], "BASIC and BASIC+ cells: the full BASIC+ total, not the increment"),
    )
    for k, (name, (value, rule)) in enumerate(zip(GPC_TOTALS, totals, strict=True), start=n + 1):
        put("GPC format", k, name, GPC_COLUMN, value, rule)

    sums: dict[str, list[float | None]] = {}
    by_name = {r.name: r for r in CRF_ROWS}
    for n, name in enumerate(CRF_ORDER, start=1):
        row = by_name.get(name)
        if row is not None:
            notes = [row.note] if row.note else []
            values = []
            for (col, key_col), refs in zip(CRF_COLUMNS, (row.direct, row.indirect, row.outside), strict=True):
                if refs is None:  # the GPC has no such cell
                    values.append(None)
                    put("CRF format", n, name, col, None, "no GPC cell")
                    put("CRF format", n, name, key_col, "", "no GPC cell")
                    continue
                value = cells.value(refs)
                key = "IE" if not refs and row.note.startswith("IE") else cells.key(refs)
                values.append(value)
                put("CRF format", n, name, col, value, refs)
                put("CRF format", n, name, key_col, key, refs)
                notes += cells.explain(refs)
            sums[name] = values
            put("CRF format", n, name, COMMENT, "; ".join(notes))
        else:
            parts = [sums[CRF_ROWS[i].name] for i in CRF_TOTALS[name]]
            for c, (col, _) in enumerate(CRF_COLUMNS):
                have = [p[c] for p in parts if p[c] is not None]
                put("CRF format", n, name, col, sum(have) if have else None, "sum of the rows above")
    n = len(CRF_ORDER)
    gen = _generation(inv)
    for k, name in enumerate(GENERATION, start=n + 1):
        put("CRF format", k, name, DIRECT, gen[name], "I.4.4 (plants by type of output)")
    plant_total = cells.value(("I.4.4",))
    unsplit = (plant_total or 0.0) - sum(v or 0.0 for v in gen.values())
    put("CRF format", n + 5, GENERATION_TOTAL, DIRECT, plant_total, "I.4.4")
    if plant_total is not None and abs(unsplit) > 1e-9 * max(1.0, abs(plant_total)):
        put(
            "CRF format", n + 5, GENERATION_TOTAL, COMMENT, f"{unsplit:.3f} t CO2e of I.4.4 from plants without outputs"
        )
    territorial_less_plants = inv.totals["territorial"] - (plant_total or 0.0)
    put("CRF format", n + 6, GRAND_TOTAL, DIRECT, territorial_less_plants, "all scope 1 except I.4.4")
    put("CRF format", n + 6, GRAND_TOTAL, INDIRECT, inv.by_scope["2"], "all scope 2")
    put("CRF format", n + 6, GRAND_TOTAL, OUTSIDE, totals[2][0], "I.X.3, II.X.3, III.X.2")
    return out


def to_csv(inv: Inventory, state: dict[str, Any], info: dict[str, Any] | None = None) -> str:
    """The answers as CSV text (UTF-8, header row); text cells through :func:`qala.exports.safe.safe`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in table(inv, state, info):
        w.writerow(safe_row(r[c] for c in COLUMNS))
    return buf.getvalue()
