"""Charts as vector graphics (matplotlib SVG, no browser): text stays text, output is deterministic.

``svg.fonttype = none`` keeps labels as ``<text>`` (searchable, and the PDF embeds its own font for them);
``svg.hashsalt`` fixes the ids; the date is left out of the metadata. rcParams are global, so drawing is
serialised with a lock (the web serves requests from a thread pool).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "qala-report",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLOURS = {"bau": "#b23a48", "low-carbon": "#2e7d32", "other": "#1f5f8b"}
SECTOR_COLOURS = {"I": "#1f5f8b", "II": "#e09f3e", "III": "#6a994e", "IV": "#9e2a2b", "V": "#7b6d8d", "VI": "#888888"}
_LOCK = threading.Lock()
Fmt = Callable[[float], str]


def to_svg(fig: Figure, prefix: str) -> str:
    """The figure as an inline ``<svg>`` element; ids are prefixed so that several charts share one page."""
    buf = io.StringIO()
    with _LOCK, mpl.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', svg)


def _figure(width: float = 6.6, height: float = 3.2) -> Figure:
    with _LOCK, mpl.rc_context(RC):
        return Figure(figsize=(width, height))


def _axes(fig: Figure) -> Any:
    with _LOCK, mpl.rc_context(RC):
        return fig.add_subplot()


def inventory_bars(
    by_basis_sector: dict[str, dict[str, float]], bases: dict[str, str], sectors: dict[str, str], unit: str, fmt: Fmt
) -> str:
    """Horizontal bars, one per basis (BASIC, BASIC+, territorial), stacked by GPC sector."""
    fig = _figure(6.6, 2.6)
    ax = _axes(fig)
    names = list(bases)
    left = [0.0] * len(names)
    for sector, label in sectors.items():
        values = [by_basis_sector[b].get(sector, 0.0) / 1e3 for b in names]
        if any(values):
            ax.barh([bases[b] for b in names], values, left=left, label=label, color=SECTOR_COLOURS.get(sector))
            left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        ax.annotate(fmt(total), (total, y), xytext=(4, 0), textcoords="offset points", va="center")
    ax.invert_yaxis()
    ax.set_xlabel(unit)
    ax.set_xlim(0, max([*left, 1.0]) * 1.2)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, frameon=False)
    return to_svg(fig, "inv")


def fan_chart(
    scenarios: dict[str, dict[str, Any]], names: dict[str, str], unit: str, band: str, targets: str, fmt: Fmt
) -> str:
    """Median paths with their 5-95 % bands, and the targets' limits as points."""
    fig = _figure()
    ax = _axes(fig)
    for code, s in scenarios.items():
        colour = COLOURS.get(code, COLOURS["other"])
        years = s["years"]
        total = s["total"]
        ax.fill_between(
            years, [v / 1e3 for v in total["p05"]], [v / 1e3 for v in total["p95"]], color=colour, alpha=0.18
        )
        ax.plot(years, [v / 1e3 for v in total["p50"]], color=colour, label=names.get(code, code))
    first = next(iter(scenarios.values()), None)
    if first and first["targets"]:
        ax.scatter(
            [t["year"] for t in first["targets"]],
            [t["limit_tco2e"] / 1e3 for t in first["targets"]],
            marker="v",
            color="black",
            zorder=3,
            label=targets,
        )
    ax.fill_between([], [], [], color="grey", alpha=0.18, label=band)
    ax.set_ylabel(unit)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(lambda v, _: fmt(v))
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return to_svg(fig, "fan")


def macc_chart(steps: Sequence[dict[str, Any]], xlabel: str, ylabel: str, fmt: Fmt, top: float | None = None) -> str:
    """The MACC: bar width = abatement, height = cost per tonne, numbered as in the table.

    ``top``: where the cost axis stops (``qala.services.economics.macc_axis``); dearer steps are drawn up to
    it, hatched (the caption lists their values)."""
    fig = _figure()
    ax = _axes(fig)
    x = 0.0
    for i, s in enumerate(steps, start=1):
        width = max(s["abatement_tco2e"], 0.0) / 1e3
        height = s["cost_per_tco2e"] if s["cost_per_tco2e"] is not None else 0.0
        if width <= 0:
            continue
        colour = "#2e7d32" if height < 0 else "#1f5f8b"
        cut = top is not None and height > top
        height = top if cut and top is not None else height
        ax.bar(
            x,
            height,
            width=width,
            align="edge",
            color=colour,
            edgecolor="white",
            linewidth=0.5,
            hatch="///" if cut else None,
        )
        if not cut:  # the cut steps are named with their values in the caption
            ax.annotate(str(i), (x + width / 2, height), ha="center", va="bottom" if height >= 0 else "top", fontsize=7)
        x += width
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(lambda v, _: fmt(v))
    ax.xaxis.set_major_formatter(lambda v, _: fmt(v))
    return to_svg(fig, "macc")


def progress_bars(sections: Sequence[tuple[str, float]], xlabel: str) -> str:
    """Progress of each roadmap section, 0-100 %."""
    fig = _figure(6.6, 0.5 + 0.35 * max(len(sections), 1))
    ax = _axes(fig)
    labels = [code for code, _ in sections]
    values = [p for _, p in sections]
    ax.barh(labels, [100] * len(values), color="#e6e6e6")
    ax.barh(labels, values, color="#1f5f8b")
    for y, v in enumerate(values):
        ax.annotate(f"{v:.0f} %", (v, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel(xlabel)
    return to_svg(fig, "rm")
