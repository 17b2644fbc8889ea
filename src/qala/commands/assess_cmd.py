"""``qala assess``: ecological-state indicators with their ratings, co-benefits, and target alignment."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qala.cities import DEFAULT_CITY
from qala.commands.common import CityOpt, DatabaseOpt, TableOrJson, console, print_json
from qala.services.assessment import assess
from qala.store.seed import open_database
from qala.web import i18n, labels

COLOURS = {"green": "green", "amber": "yellow", "red": "red"}


def assess_command(
    city: CityOpt = DEFAULT_CITY,
    lang: Annotated[str, typer.Option("--lang", help="kk, ru or en.")] = "en",
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Ecological-state indicators rated against benchmarks; air-pollutant co-benefits; alignment with documents."""
    if lang not in ("kk", "ru", "en"):
        raise typer.BadParameter("kk, ru or en", param_hint="--lang")
    data = assess(open_database(database), city, lang)
    if fmt is TableOrJson.json:
        print_json(data)
        return
    _ = i18n.translations(lang).gettext
    ratings = {"green": _("good"), "amber": _("needs attention"), "red": _("poor"), "unknown": _("unknown")}
    ratings["not_rated"] = _("no sourced benchmark")
    themes = {"air": _("Air quality"), "climate_energy": _("Climate and energy"), "water": _("Water")}
    themes |= {"waste": _("Waste"), "land": _("Land and green space"), "transport": _("Transport")}
    t = Table(title=f"{_('Ecological state')} — {city}")
    for col in (_("Theme"), _("Indicator"), _("Value"), _("Year"), _("Rating"), _("Benchmark")):
        t.add_column(col, overflow="fold")
    notes = []
    for i in data["indicators"]:
        value = _("unknown") if i["value"] is None else f"{i['value_text']} {i['unit_label']}".strip()
        colour = COLOURS.get(i["rating"])
        rating = escape(ratings[i["rating"]])
        rating = f"[{colour}]{rating}[/{colour}]" if colour else rating
        b = i["benchmark"]
        bench = f"{ratings['green']}: {b['text']['green']}\n{ratings['red']}: {b['text']['red']}" if b else "—"
        if i["no_benchmark"]:
            notes.append(
                f"{i['name']}: {ratings['not_rated']}. {i['no_benchmark']['text']} {i['no_benchmark']['detail']}"
            )
        if i["missing"]:
            notes.append(f"{i['name']}: {_('What is missing')}: {i['missing']}")
        t.add_row(themes[i["theme"]], i["name"], value, str(i["year"] or "—"), rating, escape(bench))
    console.print(t)
    for note in notes:
        console.print(f"• {escape(note)}", highlight=False)
    console.print(" · ".join(f"{ratings[r]}: {n}" for r, n in data["rating_counts"].items()), highlight=False)
    inv = (data.get("cobenefits") or {}).get("inventory")
    if inv:
        totals = ", ".join(f"{p} {i18n.number(v, lang)}" for p, v in inv["totals"].items())
        console.print(f"{_('Air pollutants from the same activity data, t')}: {totals}", highlight=False)
    statuses = {"on_track": _("on track"), "off_track": _("off track"), "not_measurable": _("not measurable")}
    statuses["depends_on_scenario"] = _("depends on the scenario")
    titles = {d["code"]: d["title"] for d in data["documents"]}
    a = Table(title=_("Targets of strategic documents against the city's numbers"))
    for col in (_("Document"), _("Target"), _("Year"), _("Status"), _("Numbers")):
        a.add_column(col, overflow="fold")
    for row in data["alignment"]:
        runs = (row.get("scenarios") or {}).items()
        detail = row.get("why") or ", ".join(
            f"{labels.scenario(k, lang)}: {i18n.number(v['p50'], lang)}" for k, v in runs
        )
        if not detail and "current" in row:
            detail = f"{i18n.number(row['current'], lang, 1)} / {i18n.number(row['limit'], lang, 1)}"
        doc = titles.get(row["document"], row["document"])
        a.add_row(escape(doc), row["target"], str(row["target_year"]), statuses[row["status"]], escape(detail))
    console.print(a)
