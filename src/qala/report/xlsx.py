"""The report as a workbook: one sheet per section, the same numbers as the HTML and PDF (stored as numbers)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from qala.exports.safe import safe_workbook
from qala.report.context import ReportContext
from qala.report.html import factor_rows, pathway_years
from qala.web import i18n, labels

NUMBER_FORMAT = "#,##0"
BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
MAX_TITLE = 31
DANGLING = {"және", "мен", "и", "с", "and", "of", "the", "with"}  # words a cut title must not end with


def sheet_title(title: str) -> str:
    """At most 31 characters, none that Excel refuses, cut at a word boundary."""
    title = " ".join(BAD_TITLE.sub(" ", title).split())
    if len(title) <= MAX_TITLE:
        return title
    head = title[: MAX_TITLE + 1]
    if " " not in head:
        return title[:MAX_TITLE]
    words = head.rsplit(" ", 1)[0].split()
    while len(words) > 1 and words[-1] in DANGLING:
        words.pop()
    return " ".join(words).rstrip(",;-–") or title[:MAX_TITLE]


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Worksheet:
    ws = wb.create_sheet(sheet_title(title))
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for col in ws.iter_cols(min_row=2):
        for cell in col:
            if isinstance(cell.value, float):
                cell.number_format = NUMBER_FORMAT if abs(cell.value) >= 100 else "0.00##"
    for i, _ in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 18
    return ws


def _ecology(ctx: ReportContext, _: Any) -> tuple[list[str], list[list[Any]]]:
    """The indicators with their rating, the benchmark's thresholds in the reader's words, and why not rated."""
    ratings = {"green": _("good"), "amber": _("needs attention"), "red": _("poor"), "unknown": _("unknown")}
    ratings["not_rated"] = _("no sourced benchmark")
    themes = {"air": _("Air quality"), "climate_energy": _("Climate and energy"), "water": _("Water")}
    themes |= {"waste": _("Waste"), "land": _("Land and green space"), "transport": _("Transport")}
    levels = {"high": _("high"), "medium": _("medium"), "low": _("low"), None: None}
    header = [_("Theme"), _("Indicator"), _("Value"), _("Unit"), _("Year"), _("confidence"), _("Rating")]
    header += [ratings["green"], ratings["red"], _("Benchmark"), _("Confidence of the benchmark")]
    header += [_("Source of the benchmark"), _("Why not rated, or what is missing"), _("Source of the value")]
    rows = []
    for i in ctx.assessment.get("indicators", []):
        b = i.get("benchmark")
        why = [i["no_benchmark"]["text"], i["no_benchmark"]["detail"]] if i.get("no_benchmark") else []
        why += [f"{_('What is missing')}: {i['missing']}"] if i.get("missing") else []
        why += [i["comparability"]] if i.get("comparability") and b and i["value"] is not None else []
        rows.append(
            [
                themes.get(i["theme"], i["theme"]),
                i["name"],
                i["value"],
                i["unit_label"],
                i["year"],
                levels.get(i.get("confidence")),
                ratings.get(i["rating"], i["rating"]),
                b["text"]["green"] if b else None,
                b["text"]["red"] if b else None,
                b["name"] if b else None,
                levels[b["confidence"]] if b else None,
                b["source"] if b else None,
                " ".join(why) or None,
                " ".join(x for x in (i["source"], i.get("derived") or "") if x) or None,
            ]
        )
    return header, rows


def workbook(ctx: ReportContext) -> bytes:
    lang = ctx.lang
    _ = i18n.translations(lang).gettext
    inv = ctx.inventory
    bases = {"basic": _("BASIC"), "basic_plus": _("BASIC+"), "territorial": _("Territorial (scope 1)")}
    statuses = {"on_track": _("on track"), "off_track": _("off track"), "not_measurable": _("not measurable")}
    statuses["depends_on_scenario"] = _("depends on the scenario")
    progress = {"planned": _("planned"), "in_progress": _("in progress"), "done": _("done"), "overdue": _("overdue")}
    progress["cancelled"] = _("cancelled")
    wb = Workbook()
    wb.remove(wb.active)

    summary = [[f"{name}, {inv['year']}, {_('t CO2e')}", inv["totals"][code]] for code, name in bases.items()]
    summary += [[f"{_('Gas')} {gas}, {_('t CO2e')}", v] for gas, v in inv["by_gas"].items()]
    for code, s in ctx.scenarios.items():
        for y in pathway_years(ctx):
            summary.append(
                [f"{labels.scenario(code, lang)}, {y}, {_('median')}", s["total"]["p50"][s["years"].index(y)]]
            )
    if ctx.roadmap:
        summary.append([f"{_('Progress of the whole roadmap')}, %", ctx.roadmap["progress"]])
    summary.append([_("Share of BASIC from estimates"), inv["share_estimated"]["basic"]])
    summary.append([_("GPC cells not estimated (NE)"), len(ctx.gaps["not_estimated"])])
    _sheet(wb, _("Executive summary"), [_("Indicator"), _("Value")], summary)

    _sheet(
        wb,
        _("City profile"),
        [_("Fact"), _("Value"), _("Unit"), _("Year"), _("Source")],
        ([f["id"], f["value"], f["unit"], f["year"], f["source"]] for f in ctx.profile),
    )
    _sheet(wb, _("Ecological state"), *_ecology(ctx, _))
    _sheet(
        wb,
        _("Baseline greenhouse gas inventory"),
        [_("GPC"), _("Sub-sector"), _("Scope"), _("Level"), _("t CO2e"), _("Data"), _("Key"), _("Explanation")],
        (
            [
                c["ref"],
                c["names"][lang],
                c["scope"],
                c["level"],
                c["tco2e"],
                ", ".join([labels.status(c["status"], lang), *(labels.method(m, lang) for m in c["methods"])])
                if c["status"]
                else None,
                c["key"],
                labels.text(c["explanation"], lang) or None,
            ]
            for c in ctx.cells
        ),
    )
    _sheet(
        wb,
        _("Emissions by activity and gas"),
        [
            _("GPC"),
            _("Scope"),
            _("Activity"),
            _("Gas"),
            _("Amount"),
            _("Unit"),
            _("Factor"),
            _("Unit"),
            "t",
            _("t CO2e"),
            _("Data"),
        ],
        (
            [
                r["gpc_ref"],
                r["scope"],
                _activity(r, lang),
                r["gas"],
                r["activity_amount"],
                labels.unit(r["activity_unit"], lang),
                r["factor"],
                labels.unit(r["factor_unit"], lang),
                r["mass_t"],
                r["tco2e"],
                labels.status(r["status"], lang) + (f": {labels.method(r['method'], lang)}" if r["method"] else ""),
            ]
            for r in inv["rows"]
        ),
    )
    pathways = []
    for code, s in ctx.scenarios.items():
        for i, y in enumerate(s["years"]):
            pathways.append(
                [code, y, s["total"]["p05"][i], s["total"]["p50"][i], s["total"]["p95"][i], s["total"]["mean"][i]]
            )
    _sheet(
        wb,
        _("Scenarios: business as usual and low-carbon"),
        [_("Scenario"), _("Year"), _("5th percentile"), _("Median"), _("95th percentile"), _("Mean")],
        pathways,
    )
    names = {m["code"]: m["names"].get(lang, m["code"]) for m in ctx.measures}
    _sheet(
        wb,
        _("Measures and their costs"),
        [
            _("No."),
            _("Measure"),
            f"{_('Abatement, t CO2e')} ({bases.get((ctx.macc or {}).get('basis'), '—')})",
            _("KZT per t CO2e"),
            _("KZT per year"),
            _("Capital cost, KZT"),
            _("Lifetime, years"),
            _("Financing"),
        ],
        (
            [
                n,
                names.get(s["code"], s["code"]),
                s["abatement_tco2e"],
                s["cost_per_tco2e"],
                s["cost_per_year"],
                s["capex"],
                s["lifetime"],
                "; ".join(labels.funding(f, lang) for f in s["financing"]),
            ]
            for n, s in enumerate((ctx.macc or {}).get("steps", []), start=1)
        ),
    )
    targets = [
        [labels.scenario(code, lang), t["label"][lang], t["year"], t["limit_tco2e"], t["p_met"], t["gap_p50_tco2e"]]
        for code, s in ctx.scenarios.items()
        for t in s["targets"]
    ]
    docs = {d["code"]: d["title"] for d in ctx.assessment.get("documents", [])}
    targets += [
        [
            docs.get(a["document"], a["document"]),
            a["target"],
            a["target_year"],
            a.get("limit"),
            None,
            statuses.get(a["status"], a["status"]),
        ]
        for a in ctx.assessment.get("alignment", [])
    ]
    _sheet(
        wb,
        _("Targets and alignment with strategic documents"),
        [
            _("Scenario") + " / " + _("Document"),
            _("Target"),
            _("Year"),
            _("Limit, t CO2e"),
            _("Probability met"),
            _("Median gap, t CO2e") + " / " + _("Status"),
        ],
        targets,
    )
    rm = ctx.roadmap or {"sections": []}
    _sheet(
        wb,
        _("Status of the roadmap"),
        [_("Code"), _("Activity"), _("Owner"), _("Start"), _("Due"), _("Status"), _("Progress, %"), _("Placeholder")],
        (
            [
                a["code"],
                a["title"],
                a["owner"],
                a["start"],
                a["due"],
                progress.get(a["status"], a["status"]),
                a["progress"],
                a["placeholder"],
            ]
            for s in rm["sections"]
            for a in s["activities"]
        ),
    )
    g = ctx.gaps
    _sheet(
        wb,
        _("Missing data and placeholders"),
        [_("Item"), _("Value")],
        [
            [_("GPC cells not estimated (NE)"), ", ".join(g["not_estimated"])],
            [_("GPC cells with a declared key (NO, IE, C)"), ", ".join(g["declared_keys"])],
            [_("roadmap entries that are placeholders"), f"{g['placeholder_activities']} / {g['activities']}"],
            [_("Indicators without a value"), "; ".join(g["unknown_indicators"])],
            [_("Indicators with a value but no sourced benchmark"), "; ".join(g["unrated_indicators"])],
            [_("No sourced price yet for"), ", ".join(g["unpriced"])],
            *([_("Warnings of the inventory"), w] for w in g["warnings"]),
        ],
    )
    _sheet(
        wb,
        _("Methodology annex"),
        [_("Activity"), _("GPC"), _("Gas"), _("Factor"), _("Unit"), _("Source")],
        (
            [
                labels.activity(f["activity"], lang),
                f["gpc_ref"],
                f["gas"],
                f["factor"],
                labels.unit(f["factor_unit"], lang),
                labels.cited_text(f["factor_source"], lang),
            ]
            for f in factor_rows(inv["rows"])
        ),
    )
    stamp = ctx.stamp.to_dict()
    _sheet(wb, _("Reproducibility stamp"), [_("Item"), _("Value")], ([k, v] for k, v in stamp.items()))
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)  # spreadsheet formula injection (qala.exports.safe)
    return buf.getvalue()


def _activity(row: dict[str, Any], lang: str) -> str:
    """An inventory row's activity by name, with its facility's name when it has one."""
    name = labels.activity(row["activity"], lang)
    return f"{name} ({labels.facility(row['facility'], lang)})" if row.get("facility") else name
