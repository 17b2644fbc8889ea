"""The report as one self-contained HTML document (styles and SVG charts inline), in kk, ru or en."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from qala import __version__
from qala.report import charts
from qala.report.context import ReportContext
from qala.services.economics import macc_axis
from qala.web import i18n, labels

PATHWAY_YEARS = (2030, 2035, 2040, 2050, 2060)
TEMPLATES = resources.files("qala.report").joinpath("templates")


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def stylesheet() -> str:
    return TEMPLATES.joinpath("report.css").read_text(encoding="utf-8")


def draw(ctx: ReportContext, gettext: Any) -> dict[str, Markup]:
    """The charts, labelled in the report's language."""
    _ = gettext
    lang = ctx.lang

    def kilo(v: float) -> str:
        return i18n.number(v, lang)

    out: dict[str, Markup] = {}
    bases = {"basic": _("BASIC"), "basic_plus": _("BASIC+"), "territorial": _("Territorial (scope 1)")}
    sectors = {code: f"{code} {names[lang]}" for code, names in ctx.sectors.items()}
    out["inventory"] = Markup(charts.inventory_bars(ctx.by_basis_sector, bases, sectors, _("thousand t CO2e"), kilo))
    if ctx.scenarios:
        names = {code: labels.scenario(code, lang) for code in ctx.scenarios}
        out["fan"] = Markup(
            charts.fan_chart(ctx.scenarios, names, _("thousand t CO2e"), _("5–95 % range"), _("Targets"), kilo)
        )
    if ctx.macc and ctx.macc["steps"]:
        axis = macc_axis(ctx.macc["steps"])
        out["macc"] = Markup(
            charts.macc_chart(
                ctx.macc["steps"], _("Abatement, thousand t CO2e"), _("KZT per t CO2e"), kilo, axis and axis["top"]
            )
        )
    if ctx.roadmap:
        sections = [(s["code"], s["progress"]) for s in ctx.roadmap["sections"]]
        out["roadmap"] = Markup(charts.progress_bars(sections, _("Progress, %")))
    return out


def pathway_years(ctx: ReportContext) -> list[int]:
    first = next(iter(ctx.scenarios.values()), None)
    if not first:
        return []
    return [first["base_year"], *(y for y in PATHWAY_YEARS if y in first["years"] and y != first["base_year"])]


def render_html(ctx: ReportContext, *, for_print: bool = False) -> str:
    lang = ctx.lang
    tr = i18n.translations(lang)
    env = environment()
    template = env.get_template("report.html")
    first = next(iter(ctx.scenarios.values()), None)
    variables: dict[str, Any] = {
        "r": ctx,
        **i18n.template_helpers(lang),
        "version": __version__,
        "labels": labels,
        "charts": draw(ctx, tr.gettext),
        "css": Markup(stylesheet()),
        "for_print": for_print,
        "pathway_years": pathway_years(ctx),
        "year_index": first["years"].index if first else None,
        "measure_names": {m["code"]: m["names"].get(lang, m["code"]) for m in ctx.measures},
        "documents": {d["code"]: d for d in ctx.assessment.get("documents", [])},
        "factors": factor_rows(ctx.inventory["rows"]),
        "macc_axis": macc_axis(ctx.macc["steps"]) if ctx.macc else None,
    }
    return template.render(variables)


def factor_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct factors used by the inventory (activity, cell's category, gas), each with its source."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = (r["activity"], r["gas"], r["factor"], r["factor_unit"], r["factor_source"])
        if key not in seen:
            seen[key] = {k: r[k] for k in ("gpc_ref", "activity", "gas", "factor", "factor_unit", "factor_source")}
    return list(seen.values())
