"""Covenant of Mayors: the Baseline Emission Inventory (BEI) and the SECAP action table, labelled kk/ru/en.

The BEI follows the SEAP template of the JRC guidebook for Eastern Partnership and Central Asian cities
(EUR 25804, Part II): Table A final energy consumption [MWh] and Table B emissions [t CO2-eq] by sector x
energy carrier, the emission factor of each carrier [t/MWh], the factor of electricity not produced locally,
and Tables C/D local electricity and heat production. Emission factors: "standard" (IPCC principles), those the
inventory used (IPCC 2006 defaults, the national grid factor, the city's plants for district heat); the LCA
option is not offered (docs/reports-and-exports.md says why). Emissions are CO2-equivalent (CO2, CH4, N2O).

The crosswalk GPC -> BEI (derived, written out in :data:`BEI_SECTOR`): residential I.1; tertiary I.2 (the data
do not separate municipal buildings and public lighting: those rows say "included in tertiary"); industries
I.3 and I.4.1/I.4.2; I.5 and I.6 in a row "other buildings and facilities"; transport II.n.1/II.n.2 in
"private and commercial transport" (the data are not split by operator); waste III.1-III.3, wastewater III.4
(in-boundary cells); fugitive, IPPU, AFOLU "other non-energy related"; plants I.4.4 in Tables C/D. Scope-3
cells (T&D losses, transboundary trips, waste treated outside) have no BEI row.

The SECAP table lists the city model's measures: each one alone against BAU in the target year
(deterministic run) gives the final energy it saves [MWh/a] and the emissions it avoids [t CO2-eq/a] on the
BASIC basis (scope 1 and 2 of the city's own use, as the BEI counts electricity and heat by their factors).
Sector: the BEI row whose final energy the measure changes most (a measure that changes only the plants:
local heat/CHP); area of intervention: energy efficiency when it saves final energy, else low-carbon supply.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font

from qala.catalog import load_catalog
from qala.exports.cells import BIOGENIC
from qala.exports.safe import safe_workbook
from qala.exports.state import describe
from qala.inventory.result import Inventory

MWH_PER_TJ = 1 / 0.0036
LANGS = ("en", "ru", "kk")

# (code, en, ru, kk)
_LABELS = (
    ("municipal", "Municipal buildings, equipment/facilities", "Муниципальные здания, оборудование/объекты",
     "Муниципалдық ғимараттар, жабдықтар/объектілер"),
    ("tertiary", "Tertiary (non municipal) buildings, equipment/facilities",
     "Здания, оборудование/объекты третичного сектора (немуниципальные)",
     "Үшінші сектордың (муниципалдық емес) ғимараттары, жабдықтары/объектілері"),
    ("residential", "Residential buildings", "Жилые здания", "Тұрғын үйлер"),
    ("lighting", "Municipal public lighting", "Муниципальное уличное освещение", "Муниципалдық көше жарығы"),
    ("industry", "Industries (excluding members of an emission trading scheme)",
     "Промышленность (кроме участников системы торговли выбросами)",
     "Өнеркәсіп (шығарындылар саудасы жүйесінің қатысушыларынан басқа)"),
    ("other_buildings", "Other buildings and facilities (GPC I.5 agriculture, I.6 non-specified)",
     "Прочие здания и объекты (GPC I.5 сельское хозяйство, I.6 неуточнённые)",
     "Басқа ғимараттар мен объектілер (GPC I.5 ауыл шаруашылығы, I.6 нақтыланбаған)"),
    ("sub_buildings", "Subtotal buildings, equipment/facilities and industries",
     "Итого здания, оборудование/объекты и промышленность",
     "Ғимараттар, жабдықтар/объектілер және өнеркәсіп бойынша жиыны"),
    ("fleet", "Municipal fleet", "Муниципальный автопарк", "Муниципалдық көлік паркі"),
    ("public_transport", "Public transport", "Общественный транспорт", "Қоғамдық көлік"),
    ("private_transport", "Private and commercial transport", "Частный и коммерческий транспорт",
     "Жеке және коммерциялық көлік"),
    ("sub_transport", "Subtotal transport", "Итого транспорт", "Көлік бойынша жиыны"),
    ("waste", "Waste management", "Обращение с отходами", "Қалдықтарды басқару"),
    ("wastewater", "Waste water management", "Очистка сточных вод", "Сарқынды суларды тазарту"),
    ("non_energy", "Other non-energy related", "Прочие источники, не связанные с энергией",
     "Энергиямен байланысты емес басқа көздер"),
    ("total", "Total", "Всего", "Барлығы"),
    ("electricity", "Electricity", "Электроэнергия", "Электр энергиясы"),
    ("heat", "Heat/cold", "Тепло/холод", "Жылу/суық"),
    ("natural_gas", "Natural gas", "Природный газ", "Табиғи газ"),
    ("liquid_gas", "Liquid gas", "Сжиженный газ", "Сұйытылған газ"),
    ("heating_oil", "Heating oil", "Печное топливо", "Пеш отыны"),
    ("diesel", "Diesel", "Дизельное топливо", "Дизель отыны"),
    ("gasoline", "Gasoline", "Бензин", "Бензин"),
    ("lignite", "Lignite", "Бурый уголь", "Қоңыр көмір"),
    ("coal", "Coal", "Уголь", "Көмір"),
    ("other_fossil", "Other fossil fuels", "Прочее ископаемое топливо", "Басқа қазбалы отын"),
    ("plant_oil", "Plant oil", "Растительное масло", "Өсімдік майы"),
    ("biofuel", "Biofuel", "Биотопливо", "Биоотын"),
    ("other_biomass", "Other biomass", "Прочая биомасса", "Басқа биомасса"),
    ("solar_thermal", "Solar thermal", "Солнечная тепловая энергия", "Күн жылу энергиясы"),
    ("geothermal", "Geothermal", "Геотермальная энергия", "Геотермалдық энергия"),
    ("unknown_carrier", "Carrier not known (emissions given as mass of gas)",
     "Носитель неизвестен (выбросы заданы массой газа)",
     "Тасымалдаушы белгісіз (шығарындылар газ массасымен берілген)"),
    ("table_a", "A. Final energy consumption [MWh]", "A. Конечное потребление энергии [МВт·ч]",
     "A. Соңғы энергия тұтыну [МВт·сағ]"),
    ("table_b", "B. CO2-equivalent emissions [t]", "B. Выбросы в CO2-эквиваленте [т]",
     "B. CO2-баламасындағы шығарындылар [т]"),
    ("factor_row", "Corresponding emission factors [t CO2-eq/MWh]",
     "Соответствующие коэффициенты выбросов [т CO2-экв/МВт·ч]",
     "Тиісті шығарынды коэффициенттері [т CO2-бал/МВт·сағ]"),
    ("grid_factor", "CO2 emission factor for electricity not produced locally [t/MWh]",
     "Коэффициент выбросов CO2 для электроэнергии, произведённой не на месте [т/МВт·ч]",
     "Жергілікті өндірілмеген электр энергиясының CO2 шығарынды коэффициенті [т/МВт·сағ]"),
    ("sector", "Sector", "Сектор", "Сектор"),
    ("note", "Note", "Примечание", "Ескерту"),
    ("ie_tertiary", "included in tertiary buildings: the data do not separate it",
     "включено в третичный сектор: данные не выделяют его отдельно",
     "үшінші секторға енгізілген: деректер оны бөлмейді"),
    ("ie_transport", "included in private and commercial transport: the data are not split by operator",
     "включено в частный и коммерческий транспорт: данные не разделены по операторам",
     "жеке және коммерциялық көлікке енгізілген: деректер операторлар бойынша бөлінбеген"),
    ("inventory_year", "Inventory year", "Год инвентаризации", "Түгендеу жылы"),
    ("inhabitants", "Number of inhabitants in the inventory year", "Численность населения в год инвентаризации",
     "Түгендеу жылындағы тұрғындар саны"),
    ("ef_approach", "Emission factors", "Коэффициенты выбросов", "Шығарынды коэффициенттері"),
    ("ef_ipcc", "Standard emission factors in line with the IPCC principles",
     "Стандартные коэффициенты выбросов в соответствии с принципами МГЭИК",
     "МГЭИК қағидаттарына сәйкес стандартты шығарынды коэффициенттері"),
    ("unit", "Emission reporting unit", "Единица отчётности о выбросах", "Шығарындылар есептілігінің бірлігі"),
    ("co2eq", "CO2 equivalent emissions", "Выбросы в CO2-эквиваленте", "CO2-баламасындағы шығарындылар"),
    ("state", "Inventory state", "Состояние инвентаризации", "Түгендеудің күйі"),
    ("table_c", "C. Local electricity production and corresponding emissions",
     "C. Местное производство электроэнергии и соответствующие выбросы",
     "C. Электр энергиясын жергілікті өндіру және тиісті шығарындылар"),
    ("table_d", "D. Local heat/cold production and corresponding emissions",
     "D. Местное производство тепла/холода и соответствующие выбросы",
     "D. Жылу/суықты жергілікті өндіру және тиісті шығарындылар"),
    ("plant", "Plant", "Станция", "Станция"),
    ("chp", "Combined Heat and Power", "Комбинированное производство тепла и электроэнергии",
     "Жылу мен электр энергиясын бірлесіп өндіру"),
    ("dh_plant", "District heating plant(s)", "Котельные централизованного теплоснабжения",
     "Орталықтандырылған жылумен жабдықтау қазандықтары"),
    ("other", "Other", "Прочее", "Басқа"),
    ("produced_mwh", "Locally generated [MWh]", "Произведено на месте [МВт·ч]", "Жергілікті өндірілген [МВт·сағ]"),
    ("emissions_t", "Emissions [t CO2-eq]", "Выбросы [т CO2-экв]", "Шығарындылар [т CO2-бал]"),
    ("factor_t_mwh", "Emission factor [t CO2-eq/MWh]", "Коэффициент выбросов [т CO2-экв/МВт·ч]",
     "Шығарынды коэффициенті [т CO2-бал/МВт·сағ]"),
    ("action", "Action", "Мера", "Шара"),
    ("area", "Area of intervention", "Область воздействия", "Әсер ету саласы"),
    ("responsible", "Responsible body", "Ответственный орган", "Жауапты орган"),
    ("start", "Implementation start", "Начало реализации", "Іске асырудың басталуы"),
    ("end", "Implementation end", "Окончание реализации", "Іске асырудың аяқталуы"),
    ("cost", "Estimated implementation cost", "Оценочная стоимость реализации", "Іске асырудың бағалау құны"),
    ("currency", "Currency (price year)", "Валюта (год цен)", "Валюта (баға жылы)"),
    ("energy_saved", "Estimated energy savings [MWh/a]", "Оценка экономии энергии [МВт·ч/год]",
     "Энергияны үнемдеу бағасы [МВт·сағ/жыл]"),
    ("co2_reduced", "Estimated GHG emission reduction [t CO2-eq/a]", "Оценка сокращения выбросов ПГ [т CO2-экв/год]",
     "ПГ шығарындыларын азайту бағасы [т CO2-бал/жыл]"),
    ("target_year", "in the year", "в году", "жылы"),
    ("efficiency", "Energy efficiency", "Энергоэффективность", "Энергия тиімділігі"),
    ("supply", "Low-carbon energy supply (fuel switch, local production)",
     "Низкоуглеродное энергоснабжение (смена топлива, местное производство)",
     "Төмен көміртекті энергиямен жабдықтау (отынды ауыстыру, жергілікті өндіріс)"),
    ("local_heat", "Local district heating/cooling, CHPs", "Местное централизованное тепло-/холодоснабжение, ТЭЦ",
     "Жергілікті орталықтандырылған жылу/суықпен жабдықтау, ЖЭО"),
)  # fmt: skip
LABELS: dict[str, dict[str, str]] = {c: dict(zip(LANGS, names, strict=True)) for c, *names in _LABELS}

BUILDING_ROWS = ("municipal", "tertiary", "residential", "lighting", "industry", "other_buildings")
TRANSPORT_ROWS = ("fleet", "public_transport", "private_transport")
OTHER_ROWS = ("waste", "wastewater", "non_energy")
CARRIERS = (
    "electricity", "heat", "natural_gas", "liquid_gas", "heating_oil", "diesel", "gasoline", "lignite", "coal",
    "other_fossil", "plant_oil", "biofuel", "other_biomass", "solar_thermal", "geothermal", "unknown_carrier",
)  # fmt: skip
CARRIER_OF = {
    "grid_electricity": "electricity",
    "district_heat": "heat",
    "natural_gas": "natural_gas",
    "lpg": "liquid_gas",
    "motor_gasoline": "gasoline",
    "lignite": "lignite",
    "anthracite": "coal",
    "coking_coal": "coal",
    "other_bituminous_coal": "coal",
    "sub_bituminous_coal": "coal",
    "residual_fuel_oil": "other_fossil",
    "jet_kerosene": "other_fossil",
    "wood": "other_biomass",
    "charcoal": "other_biomass",
    "other_primary_solid_biomass": "other_biomass",
}
IE_ROWS = {"municipal": "ie_tertiary", "lighting": "ie_tertiary", "fleet": "ie_transport",
           "public_transport": "ie_transport"}  # fmt: skip


def bei_sector(ref: str) -> str | None:
    """The BEI row of a GPC cell; None for cells with no BEI row (scope 3, I.4.3, I.4.4 -> Tables C/D)."""
    parts = ref.split(".")
    sector, sub = parts[0], ".".join(parts[:2])
    last = parts[-1] if len(parts) == 3 else ""
    if sector == "I":
        if sub in ("I.7", "I.8"):
            return "non_energy"
        if last not in ("1", "2"):
            return None
        return {"I.1": "residential", "I.2": "tertiary", "I.3": "industry", "I.4": "industry"}.get(
            sub, "other_buildings"
        )
    if sector == "II":
        return "private_transport" if last in ("1", "2") else None
    if sector == "III":
        if last not in ("1", "3"):
            return None
        return "wastewater" if sub == "III.4" else "waste"
    if sector in ("IV", "V"):
        return "non_energy"
    return None


def carrier(activity: str, ref: str) -> str:
    if activity == "gas_diesel_oil":
        return "diesel" if ref.startswith("II.") else "heating_oil"
    return CARRIER_OF.get(activity, "unknown_carrier")


def bei(inv: Inventory) -> dict[str, Any]:
    """Tables A and B as {row: {carrier: value}}, with the factor row, Tables C and D and the grid factor."""
    rows = inv.rows.filter(pl.col("gpc_ref") != "I.4.4")
    energy: dict[str, dict[str, float]] = {}
    emissions: dict[str, dict[str, float]] = {}
    keys = ["gpc_ref", "activity", "facility", "activity_unit", "status", "method"]
    for (ref, act, *_), part in rows.group_by(keys, maintain_order=True):
        row = bei_sector(ref)
        if row is None:
            continue
        col = carrier(act, ref) if row not in OTHER_ROWS else "unknown_carrier"
        t = float(part.filter(pl.col("gas") != BIOGENIC)["tco2e"].sum())
        emissions.setdefault(row, {}).setdefault(col, 0.0)
        emissions[row][col] += t
        if col != "unknown_carrier" and part["canonical_unit"][0] == "TJ":
            energy.setdefault(row, {}).setdefault(col, 0.0)
            energy[row][col] += float(part["canonical_amount"][0]) * MWH_PER_TJ
    for table in (energy, emissions):
        for sub, members in (("sub_buildings", BUILDING_ROWS), ("sub_transport", TRANSPORT_ROWS)):
            table[sub] = _add([table.get(m, {}) for m in members])
        table["total"] = _add([table["sub_buildings"], table["sub_transport"], *(table.get(m, {}) for m in OTHER_ROWS)])
        for r in list(table):
            table[r]["total"] = sum(table[r].values())
    factors = {
        c: emissions["total"][c] / energy["total"][c]
        for c in CARRIERS
        if energy["total"].get(c) and c in emissions["total"]
    }
    grid = inv.methodology.get("grid_electricity_factor", {})
    grid_t_mwh = grid["value"] / 1000.0 if grid.get("unit") == "g/kWh" else None
    local = []
    if inv.chp is not None:
        for f in inv.chp.facilities:
            kind = "chp" if f.heat_tj > 0 and f.power_tj > 0 else ("other" if f.power_tj > 0 else "dh_plant")
            local.append(
                {
                    "facility": f.facility,
                    "kind": kind,
                    "power_mwh": f.power_tj * MWH_PER_TJ,
                    "heat_mwh": f.heat_tj * MWH_PER_TJ,
                    "power_t": f.emissions_tco2e * (1 - f.heat_share),
                    "heat_t": f.emissions_tco2e * f.heat_share,
                }
            )
    return {"energy": energy, "emissions": emissions, "factors": factors, "grid_t_per_mwh": grid_t_mwh, "local": local}


def _add(parts: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in parts:
        for k, v in p.items():
            if k != "total":
                out[k] = out.get(k, 0.0) + v
    return out


# --- SECAP actions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    code: str
    names: dict[str, str]
    sector: str
    area: str
    responsible: dict[str, str]
    start: int
    end: int
    capex: float | None
    currency: str
    energy_saved_mwh: float
    reduced_tco2e: float


def actions(engine: Any, city: str, target_year: int, gwp: str | None = None) -> list[Action]:
    """Each measure of the city's model alone against BAU in ``target_year`` (one deterministic draw)."""
    from qala.scenario.engine import prepare  # noqa: PLC0415 - the scenario engine is heavy; only here
    from qala.scenario.run import run_scenario  # noqa: PLC0415
    from qala.scenario.spec import ScenarioSpec  # noqa: PLC0415
    from qala.services import scenario as svc  # noqa: PLC0415

    model, _ = svc.resolve("", city, engine)
    if target_year not in model.years:
        raise ValueError(f"the model runs {model.years[0]}-{model.years[-1]}; {target_year} is outside")
    prep = prepare(model, load_catalog(), gwp)
    base = svc.base_year(engine, model, gwp)
    i = model.years.index(target_year)
    catalog = load_catalog()
    final = {
        n.name: n.flow.gpc_ref
        for n in model.flows
        if n.flow and n.flow.activity and n.flow.gpc_ref != "I.4.4"
        and catalog.activities.get(n.flow.activity) is not None
        and catalog.activities[n.flow.activity].kind in ("fuel", "grid_energy")
    }  # fmt: skip
    plants = {n.name for n in model.flows if n.flow and n.flow.gpc_ref == "I.4.4"}

    def run(measures: tuple[str, ...]) -> tuple[float, dict[str, float]]:
        spec = ScenarioSpec("_com", measures, {"en": "CoM", "ru": "CoM", "kk": "CoM"})
        p = replace(prep, model=replace(model, scenarios={**model.scenarios, "_com": spec}), checked=set(),
                    deterministic_inputs={}, masks={})  # fmt: skip
        res = run_scenario(p, "_com", base, draws=1, seed=1)
        amounts = {k: float(np.asarray(v)[i]) for k, v in res.amount_means.items()}
        basis = "basic" if "basic" in res.totals else model.basis  # BASIC: scope 1 and 2 within the city, as the BEI
        return float(np.asarray(res.totals[basis][0])[i]), amounts

    roadmap_owner = _owners(engine, city)
    bau_total, bau_amounts = run(())
    out = []
    for code, m in model.measures.items():
        total, amounts = run((code,))
        saved_by_sector: dict[str, float] = {}
        for name, ref in final.items():
            d = (bau_amounts.get(name, 0.0) - amounts.get(name, 0.0)) * MWH_PER_TJ
            sector = bei_sector(ref) or "other_buildings"
            saved_by_sector[sector] = saved_by_sector.get(sector, 0.0) + d
        saved = sum(saved_by_sector.values())
        plant_change = any(abs(bau_amounts.get(n, 0.0) - amounts.get(n, 0.0)) > 1e-9 for n in plants)
        if saved_by_sector and max(abs(v) for v in saved_by_sector.values()) > 1e-6:
            sector = max(saved_by_sector, key=lambda s: abs(saved_by_sector[s]))
        else:
            sector = "local_heat" if plant_change else "other"
        area = "efficiency" if saved > 1e-6 else "supply"
        cost = m.cost or {}
        out.append(
            Action(
                code=code,
                names=m.names,
                sector=sector,
                area=area,
                responsible=roadmap_owner.get(m.roadmap_activity or "", {}),
                start=m.start,
                end=m.full,
                capex=float(cost["capex"]) if "capex" in cost else None,
                currency=f"{cost.get('currency', '')} ({cost.get('price_year', '')})",
                energy_saved_mwh=saved,
                reduced_tco2e=bau_total - total,
            )
        )
    return out


def _owners(engine: Any, city: str) -> dict[str, dict[str, str]]:
    """Roadmap activity code -> the name of the organisation that owns it."""
    try:
        from qala.store.roadmap import load_roadmap  # noqa: PLC0415

        rm = load_roadmap(engine, city)
    except Exception:  # a city without a roadmap: no responsible body to name
        return {}
    orgs = {o.code: dict(o.name) for o in rm.organisations}
    return {a.code: orgs.get(a.owner, {}) for a in rm.activities if getattr(a, "owner", None)}


# --- workbook -----------------------------------------------------------------------------------
def to_xlsx(
    inv: Inventory,
    state: dict[str, Any],
    lang: str = "en",
    population: int | None = None,
    measures: list[Action] | None = None,
    target_year: int | None = None,
) -> bytes:
    """The BEI (sheet ``BEI``, Tables A-D) and the SECAP actions (sheet ``SECAP``) in ``lang``."""

    def lab(code: str) -> str:
        return LABELS[code][lang]

    data = bei(inv)
    wb = Workbook()
    ws = wb.active
    ws.title = "BEI"
    bold = Font(bold=True)
    ws.append([lab("inventory_year"), inv.year])
    ws.append([lab("inhabitants"), population])
    ws.append([lab("ef_approach"), lab("ef_ipcc")])
    ws.append([lab("unit"), lab("co2eq")])
    ws.append([lab("state"), describe(state)])
    for table, title in (("energy", "table_a"), ("emissions", "table_b")):
        ws.append([])
        ws.append([lab(title)])
        ws[ws.max_row][0].font = bold
        ws.append([lab("sector"), *(lab(c) for c in CARRIERS), lab("total"), lab("note")])
        order = [*BUILDING_ROWS, "sub_buildings", *TRANSPORT_ROWS, "sub_transport"]
        if table == "emissions":
            order += list(OTHER_ROWS)
        for row in [*order, "total"]:
            values = data[table].get(row, {})
            note = lab(IE_ROWS[row]) if row in IE_ROWS else ""
            ws.append([lab(row), *(values.get(c) for c in CARRIERS), values.get("total"), note])
        if table == "emissions":
            ws.append([lab("factor_row"), *(data["factors"].get(c) for c in CARRIERS)])
            ws.append([lab("grid_factor"), data["grid_t_per_mwh"]])
    for what, title in (("power", "table_c"), ("heat", "table_d")):
        ws.append([])
        ws.append([lab(title)])
        ws[ws.max_row][0].font = bold
        ws.append([lab("plant"), lab("sector"), lab("produced_mwh"), lab("emissions_t"), lab("factor_t_mwh")])
        for p in data["local"]:
            mwh, t = p[f"{what}_mwh"], p[f"{what}_t"]
            if mwh > 0:
                ws.append([p["facility"], lab(p["kind"]), mwh, t, t / mwh])
    ws.column_dimensions["A"].width = 52
    sec = wb.create_sheet("SECAP")
    head = [
        lab("action"), lab("sector"), lab("area"), lab("responsible"), lab("start"), lab("end"), lab("cost"),
        lab("currency"), f"{lab('energy_saved')} ({lab('target_year')} {target_year})",
        f"{lab('co2_reduced')} ({lab('target_year')} {target_year})",
    ]  # fmt: skip
    sec.append(head)
    for c in sec[1]:
        c.font = bold
    for a in measures or []:
        sector = lab(a.sector) if a.sector in LABELS else a.sector
        sec.append(
            [
                a.names.get(lang, a.code),
                sector,
                lab(a.area),
                a.responsible.get(lang, ""),
                a.start,
                a.end,
                a.capex,
                a.currency,
                a.energy_saved_mwh,
                a.reduced_tco2e,
            ]
        )
    sec.column_dimensions["A"].width = 52
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)
    return buf.getvalue()
