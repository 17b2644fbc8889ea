# ruff: noqa: E501 - translated instructions and column notes, one sentence a line
"""Data-collection workbooks (XLSX) for one kind of data provider, ready for ``qala import``.

The ``data`` sheet has exactly the activity-data columns of DESIGN.md §5, drop-downs fed from the
hidden ``lists`` sheet and no pre-filled rows; ``instructions`` explains, in English, Russian and
Kazakh, what to fill, with example rows and the meaning of every code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qala.catalog import Catalog
from qala.exports.safe import safe_workbook
from qala.ingest import columns as cols

LANGS = ("en", "ru", "kk")
INPUT_ROWS = 200
QUALITY_NAMES = {
    "high": ("high", "высокое", "жоғары"),
    "medium": ("medium", "среднее", "орташа"),
    "low": ("low", "низкое", "төмен"),
}
LIST_COLUMNS = ("gpc_ref", "activity", "unit", "data_quality")


class ProviderError(ValueError):
    """An unknown provider kind."""


@dataclass(frozen=True)
class ExampleRow:
    gpc_ref: str
    activity: str
    amount: float
    unit: str
    source: str
    facility: str = ""
    data_quality: str = "high"

    def as_row(self, year: int) -> dict[str, object]:
        """The example as cells of the ``data`` sheet, keyed by column name (blank cells left out)."""
        fields = ("gpc_ref", "activity", "amount", "unit", "source", "facility", "data_quality")
        return {"year": year, **{k: v for k in fields if (v := getattr(self, k)) != ""}}


@dataclass(frozen=True)
class ProviderSpec:
    code: str
    names: Mapping[str, str]  # en, ru, kk
    cells: Mapping[str, tuple[str, ...]]  # gpc_ref -> the activities this provider reports there
    units: tuple[str, ...]  # suggested units
    examples: tuple[ExampleRow, ...] = field(default=())

    @property
    def gpc_refs(self) -> tuple[str, ...]:
        return tuple(self.cells)

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for acts in self.cells.values() for a in acts))

    def pairs(self) -> list[tuple[str, str]]:
        return [(ref, act) for ref, acts in self.cells.items() for act in acts]


def _spec(code: str, names: str, cells: dict[str, tuple[str, ...]], units: str, *examples: ExampleRow) -> ProviderSpec:
    """``names`` is "en | ru | kk"; ``units`` is separated by commas."""
    en, ru, kk = (n.strip() for n in names.split("|"))
    return ProviderSpec(
        code, {"en": en, "ru": ru, "kk": kk}, cells, tuple(u.strip() for u in units.split(",")), examples
    )


COALS = ("other_bituminous_coal", "sub_bituminous_coal", "lignite", "anthracite")
PLANT_FUELS = (*COALS, "natural_gas", "residual_fuel_oil")
HEAT_USE = ("I.1", "I.2", "I.3", "I.5", "I.6")
DH, EL, NG, DO = ("district_heat",), ("grid_electricity",), ("natural_gas",), ("gas_diesel_oil",)
E = ExampleRow
BAL, SALES, LOSS = "plant fuel and energy balance", "metered sales", "network loss balance"

PROVIDERS: dict[str, ProviderSpec] = {
    p.code: p
    for p in (
        _spec(
            "chp_plant",
            "Combined heat and power plant (CHP) | Теплоэлектроцентраль (ТЭЦ) | Жылу электр орталығы (ЖЭО)",
            {"I.4.4": (*PLANT_FUELS, "heat_output", "electricity_output"), "I.4.1": PLANT_FUELS},
            "t, kt, thousand m3, TJ, GJ, Gcal, MWh, GWh, tce",
            E("I.4.4", "other_bituminous_coal", 2500, "kt", BAL, "chp_2"),
            E("I.4.4", "natural_gas", 15000, "thousand m3", BAL, "chp_2"),
            E("I.4.4", "heat_output", 5200000, "Gcal", BAL, "chp_2"),
            E("I.4.4", "electricity_output", 2400000, "MWh", BAL, "chp_2"),
            E("I.4.1", "residual_fuel_oil", 800, "t", BAL, "chp_2", "medium"),
        ),
        _spec(
            "heat_network",
            "District heating network and boiler houses | Тепловые сети и котельные | Жылу желілері және қазандықтар",
            {**{f"{s}.{n}": DH for s in HEAT_USE for n in (2, 3)}, "I.4.4": (*PLANT_FUELS, "heat_output")},
            "Gcal, TJ, GJ, MWh, t, kt, thousand m3, tce",
            E("I.1.2", "district_heat", 3100000, "Gcal", "heat sales by consumer group"),
            E("I.2.2", "district_heat", 1200000, "Gcal", "heat sales by consumer group"),
            E("I.1.3", "district_heat", 450000, "Gcal", LOSS, data_quality="medium"),
            E("I.4.4", "natural_gas", 42000, "thousand m3", "boiler-house fuel log", "boiler_1"),
            E("I.4.4", "heat_output", 280000, "Gcal", "boiler-house heat meter", "boiler_1"),
        ),
        _spec(
            "power_utility",
            "Electricity distribution company | Энергоснабжающая организация | Электрмен жабдықтаушы ұйым",
            {**{f"I.{s}.{n}": EL for s in range(1, 7) for n in (2, 3)}, "II.1.2": EL, "II.2.2": EL},
            "MWh, GWh, kWh, TJ",
            E("I.1.2", "grid_electricity", 1450, "GWh", SALES),
            E("I.2.2", "grid_electricity", 2100, "GWh", SALES),
            E("I.1.3", "grid_electricity", 160, "GWh", LOSS, data_quality="medium"),
            E("II.1.2", "grid_electricity", 35, "GWh", "traction substations"),
        ),
        _spec(
            "gas_utility",
            "Gas distribution company | Газоснабжающая организация | Газбен жабдықтаушы ұйым",
            dict.fromkeys(("I.1.1", "I.2.1", "I.3.1", "I.4.4", "I.5.1", "I.6.1", "II.1.1"), NG),
            "thousand m3, million m3, TJ, GJ, t",
            E("I.1.1", "natural_gas", 180000, "thousand m3", SALES),
            E("I.2.1", "natural_gas", 95000, "thousand m3", SALES),
            E("I.4.4", "natural_gas", 42000, "thousand m3", SALES, "boiler_1"),
            E("II.1.1", "natural_gas", 12000, "thousand m3", "CNG filling stations"),
        ),
        _spec(
            "transport_department",
            "Transport department | Управление транспорта | Көлік басқармасы",
            {"II.1.1": ("motor_gasoline", *DO, "lpg", *NG), "II.2.1": DO, "II.4.1": ("jet_kerosene",)}
            | {"II.1.2": EL, "II.2.2": EL},
            "t, kt, thousand m3, TJ, GJ, MWh, GWh",
            E("II.1.1", "motor_gasoline", 310, "kt", "fuel sales in the city"),
            E("II.1.1", "gas_diesel_oil", 240, "kt", "fuel sales in the city"),
            E("II.2.1", "gas_diesel_oil", 18, "kt", "railway operator", data_quality="medium"),
            E("II.4.1", "jet_kerosene", 60, "kt", "airport fuel supplier"),
            E("II.1.2", "grid_electricity", 35, "GWh", "trolleybus and e-bus depots"),
        ),
        _spec(
            "waste_operator",
            "Waste management operator (landfill) | Оператор по обращению с отходами (полигон) | "
            "Қалдықтарды басқару операторы (полигон)",
            dict.fromkeys(("III.1.1", "III.1.2", "III.1.3"), ("msw_landfilled",)),
            "t, kt",
            E("III.1.1", "msw_landfilled", 380000, "t", "landfill weighbridge"),
        ),
    )
}

# Instructions, one item a line; {year} and {city} are filled in.
_TEXT = {
    "en": (
        "English",
        """\
Fill the 'data' sheet, one figure per row, for {year}: year, gpc_ref, activity, amount, unit are required.
Pick gpc_ref, activity, unit and data_quality from the drop-down lists; the codes are explained below.
Enter amount as a number of at least 0, without units: 1234.5 or 1234,5; thousands may be split by spaces (5 576 311).
Blank rows are ignored. Leave 'city' blank: the city ({city}) is set when the file is uploaded.
heat_output and electricity_output need the plant code in the 'facility' column.
ef_co2, ef_ch4, ef_n2o: only your own factors, in kg per one unit of the row; else leave them blank.
For an estimate write 'ESTIMATE: how it was derived' in the 'note' column.""",
    ),
    "ru": (
        "Русский",
        """\
Заполните лист 'data', одна строка — один показатель за {year} год; year, gpc_ref, activity, amount, unit обязательны.
Выбирайте gpc_ref, activity, unit и data_quality из раскрывающихся списков; коды пояснены ниже.
Количество (amount) вводите числом не меньше 0, без единиц измерения: 1234,5 или 1234.5; тысячи можно отделять пробелом (5 576 311).
Пустые строки игнорируются. Столбец 'city' оставьте пустым: город ({city}) задаётся при загрузке файла.
Для heat_output и electricity_output укажите код станции в столбце 'facility'.
ef_co2, ef_ch4, ef_n2o — только собственные коэффициенты, кг на единицу строки; иначе оставьте пустыми.
Для оценки напишите в столбце 'note': 'ESTIMATE: как получено'.""",
    ),
    "kk": (
        "Қазақша",
        """\
'data' парағын толтырыңыз, бір жолға {year} жылғы бір көрсеткіш; year, gpc_ref, activity, amount, unit міндетті.
gpc_ref, activity, unit және data_quality мәндерін ашылмалы тізімнен таңдаңыз; кодтар төменде түсіндірілген.
Мөлшерді (amount) 0-ден кем емес сан түрінде, өлшем бірлігінсіз енгізіңіз: 1234,5 немесе 1234.5; мыңдықтарды бос орынмен бөлуге болады (5 576 311).
Бос жолдар ескерілмейді. 'city' бағанын бос қалдырыңыз: қала ({city}) файл жүктелгенде беріледі.
heat_output және electricity_output үшін 'facility' бағанында станция кодын көрсетіңіз.
ef_co2, ef_ch4, ef_n2o — тек өз коэффициенттеріңіз, жолдың бір бірлігіне кг; әйтпесе бос қалдырыңыз.
Мән бағалау болса, 'note' бағанына 'ESTIMATE: қалай есептелді' деп жазыңыз.""",
    ),
}
_HEADINGS = {
    "title": ("Data-collection template", "Шаблон для сбора данных", "Деректер жинау үлгісі"),
    "examples": ("Example rows", "Примеры строк", "Мысал жолдар"),
    "codes": ("Codes", "Коды", "Кодтар"),
}
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def get_provider(provider: str) -> ProviderSpec:
    """The spec of a provider kind, or ProviderError naming the known ones."""
    spec = PROVIDERS.get(provider.strip().lower())
    if spec is None:
        raise ProviderError(f"unknown provider '{provider}'; expected one of: {', '.join(PROVIDERS)}")
    return spec


def write_template(
    provider: str,
    path: Path,
    *,
    catalog: Catalog,
    city: str = "astana",
    year: int | None = None,
    lang: str = "en",
) -> None:
    """Write the data-collection workbook of ``provider`` to ``path`` (sheets data, instructions, lists)."""
    spec = get_provider(provider)
    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}'; expected one of: {', '.join(LANGS)}")
    year = year if year is not None else dt.date.today().year - 1
    wb = Workbook()
    data = wb.active
    assert data is not None
    data.title = "data"
    _data_sheet(data, _lists_sheet(wb.create_sheet("lists"), spec), lang)
    _instructions(wb.create_sheet("instructions", 1), spec, catalog, city, year, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_workbook(wb).save(path)


def _lists_sheet(ws: Worksheet, spec: ProviderSpec) -> dict[str, str]:
    """Write the allowed values, one column each; return column name -> absolute range reference."""
    values = {
        "gpc_ref": spec.gpc_refs,
        "activity": spec.activities,
        "unit": spec.units,
        "data_quality": tuple(QUALITY_NAMES),
    }
    refs = {}
    for j, name in enumerate(LIST_COLUMNS, start=1):
        ws.cell(1, j, name).font = BOLD
        for i, value in enumerate(values[name], start=2):
            ws.cell(i, j, value)
        letter = get_column_letter(j)
        refs[name] = f"lists!${letter}$2:${letter}${len(values[name]) + 1}"
    ws.sheet_state = "hidden"
    return refs


# the data sheet's notes and input messages in the provider's language (the column names stay the codes)
SHEET_TEXT: dict[str, dict[str, str]] = {
    "required": {"en": "required", "ru": "обязательно", "kk": "міндетті"},
    "optional": {"en": "optional", "ru": "необязательно", "kk": "міндетті емес"},
    "choose": {
        "en": "Choose {name} from the list",
        "ru": "Выберите {name} из списка",
        "kk": "{name} тізімнен таңдаңыз",
    },
    "unit": {
        "en": "Not a suggested unit; keep it only if the importer knows it",
        "ru": "Единица не из списка; оставьте её, только если импорт её знает",
        "kk": "Тізімде жоқ өлшем бірлігі; импорт оны білсе ғана қалдырыңыз",
    },
    "year": {
        "en": "A whole year between {min} and {max}",
        "ru": "Год целым числом от {min} до {max}",
        "kk": "{min} мен {max} аралығындағы бүтін жыл",
    },
    "number": {
        "en": "A number of at least 0 (1234.5 or 1234,5)",
        "ru": "Число не меньше 0 (1234,5 или 1234.5)",
        "kk": "0-ден кем емес сан (1234,5 немесе 1234.5)",
    },
}


# what each column holds, in the provider's language (cols.DESCRIPTIONS is the CLI's English, with its options)
COLUMN_NOTES: dict[str, dict[str, str]] = {
    "year": {
        "en": "calendar year of the activity",
        "ru": "календарный год деятельности",
        "kk": "қызметтің күнтізбелік жылы",
    },
    "gpc_ref": {
        "en": "GPC reference with scope, e.g. I.1.1, I.4.4, II.1.1",
        "ru": "код GPC с охватом, например I.1.1, I.4.4, II.1.1",
        "kk": "аумағы көрсетілген GPC коды, мысалы I.1.1, I.4.4, II.1.1",
    },
    "activity": {
        "en": "fuel or activity code, e.g. natural_gas, other_bituminous_coal, district_heat",
        "ru": "код топлива или вида деятельности, например natural_gas, other_bituminous_coal, district_heat",
        "kk": "отын немесе қызмет түрінің коды, мысалы natural_gas, other_bituminous_coal, district_heat",
    },
    "amount": {
        "en": "a number of at least 0 (1234.5, 1234,5 or 5 576 311)",
        "ru": "число не меньше 0 (1234,5, 1234.5 или 5 576 311)",
        "kk": "0-ден кем емес сан (1234,5, 1234.5 немесе 5 576 311)",
    },
    "unit": {
        "en": "a unit: t, kt, TJ, GJ, Gcal, MWh, tce, toe, thousand m3 ...",
        "ru": "единица: т, тыс. т, ТДж, ГДж, Гкал, МВт·ч, т у.т., тыс. м3 ...",
        "kk": "өлшем бірлігі: т, мың т, ТДж, ГДж, Гкал, МВт·сағ, т ш.о., мың м3 ...",
    },
    "source": {"en": "where the figure came from", "ru": "откуда взят показатель", "kk": "көрсеткіш қайдан алынды"},
    "data_quality": {
        "en": "high, medium or low",
        "ru": "high, medium или low (высокое, среднее, низкое)",
        "kk": "high, medium немесе low (жоғары, орташа, төмен)",
    },
    "ef_co2": {
        "en": "own CO2 factor, kg per one unit of the row (blank = catalog factors)",
        "ru": "собственный коэффициент CO2, кг на единицу строки (пусто — коэффициенты каталога)",
        "kk": "өз CO2 коэффициенті, жолдың бір бірлігіне кг (бос — каталог коэффициенттері)",
    },
    "ef_ch4": {
        "en": "own CH4 factor, kg per one unit of the row",
        "ru": "собственный коэффициент CH4, кг на единицу строки",
        "kk": "өз CH4 коэффициенті, жолдың бір бірлігіне кг",
    },
    "ef_n2o": {
        "en": "own N2O factor, kg per one unit of the row",
        "ru": "собственный коэффициент N2O, кг на единицу строки",
        "kk": "өз N2O коэффициенті, жолдың бір бірлігіне кг",
    },
    "ncv": {
        "en": "own net calorific value of a fuel given in mass or volume, e.g. 18.4 GJ/t (blank = catalog NCV)",
        "ru": "собственная низшая теплота сгорания топлива в единицах массы или объёма, например 18.4 GJ/t (пусто — из каталога)",
        "kk": "массамен не көлеммен берілген отынның өз төменгі жану жылуы, мысалы 18.4 GJ/t (бос — каталогтағы мән)",
    },
    "city": {
        "en": "leave blank: the city is set when the file is uploaded",
        "ru": "оставьте пустым: город задаётся при загрузке файла",
        "kk": "бос қалдырыңыз: қала файл жүктелгенде беріледі",
    },
    "facility": {
        "en": "plant or site code (required for a plant's heat_output / electricity_output)",
        "ru": "код станции или объекта (обязателен для heat_output / electricity_output станции)",
        "kk": "станция немесе нысан коды (станцияның heat_output / electricity_output үшін міндетті)",
    },
    "note": {
        "en": "derivation, caveats; write ESTIMATE: ... for an estimate, PROJECTION: ... for a figure of a future year",
        "ru": "как получено, оговорки; для оценки пишите ESTIMATE: ..., для будущего года — PROJECTION: ...",
        "kk": "қалай алынды, ескертулер; бағалау үшін ESTIMATE: ..., болашақ жыл үшін PROJECTION: ... деп жазыңыз",
    },
}


def _data_sheet(ws: Worksheet, refs: dict[str, str], lang: str = "en") -> None:
    def say(key: str, **values: object) -> str:
        return SHEET_TEXT[key][lang].format(**values)

    last = INPUT_ROWS + 1
    for j, name in enumerate(cols.ALL, start=1):
        cell = ws.cell(1, j, name)
        cell.font, cell.fill = BOLD, HEADER_FILL
        required = say("required") if name in cols.REQUIRED else say("optional")
        cell.comment = Comment(f"{name} ({required}): {COLUMN_NOTES[name][lang]}", "Qala", width=260, height=90)
        ws.column_dimensions[get_column_letter(j)].width = max(12, len(name) + 4)
    ws.freeze_panes = "A2"

    def add(column: str, dv: DataValidation) -> None:
        letter = get_column_letter(cols.ALL.index(column) + 1)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)

    for name, ref in refs.items():
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
        dv.errorTitle, dv.error = name, say("choose", name=name)
        if name == "unit":  # other units pint parses are accepted by the importer
            dv.errorStyle, dv.error = "warning", say("unit")
        add(name, dv)
    year = DataValidation(
        type="whole",
        operator="between",
        formula1=str(cols.YEAR_MIN),
        formula2=str(cols.YEAR_MAX),
        allow_blank=True,
        showErrorMessage=True,
    )
    year.error = say("year", min=cols.YEAR_MIN, max=cols.YEAR_MAX)
    add("year", year)
    for name in ("amount", *cols.EF):
        dv = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True
        )
        dv.error = say("number")
        add(name, dv)


def _instructions(ws: Worksheet, spec: ProviderSpec, catalog: Catalog, city: str, year: int, lang: str) -> None:
    order = [lang, *(x for x in LANGS if x != lang)]
    idx = {x: LANGS.index(x) for x in LANGS}
    rows: list[list[object]] = [[f"Qala — {_HEADINGS['title'][idx[lang]]}: {spec.names[lang]} ({spec.code})"]]
    bold_rows = [1]
    for x in order:
        heading, block = _TEXT[x]
        rows += [[], [f"{heading}: {spec.names[x]}"]]
        bold_rows.append(len(rows))
        rows += [[f"{n}. {line.format(year=year, city=city)}"] for n, line in enumerate(block.splitlines(), start=1)]
    rows += [[], [" / ".join(_HEADINGS["examples"][idx[x]] for x in order)], list(cols.ALL)]
    bold_rows += [len(rows) - 1, len(rows)]
    for ex in spec.examples:
        cells = ex.as_row(year)
        rows.append([cells.get(c) for c in cols.ALL])
    rows += [[], [" / ".join(_HEADINGS["codes"][idx[x]] for x in order)], ["code", *order, "activities"]]
    bold_rows += [len(rows) - 1, len(rows)]
    for ref, acts in spec.cells.items():
        cell = catalog.cells[ref]
        names = {x: f"{cell.subsector_names[x]}, {_scope(cell.scope, x)}" for x in LANGS}
        names["en"] += f": {cell.meaning}"
        rows.append([ref, *(names[x] for x in order), ", ".join(acts)])
    for act in spec.activities:
        rows.append([act, *(catalog.activities[act].names[x] for x in order)])
    for q, qnames in QUALITY_NAMES.items():
        rows.append([q, *(qnames[idx[x]] for x in order)])
    for row in rows:
        ws.append(row)
    for r in bold_rows:
        for c in ws[r]:
            c.font = BOLD
    for j, width in enumerate((18, 60, 45, 45, 40), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for row in ws.iter_rows(min_row=2, max_col=5):
        for c in row:
            c.alignment = Alignment(vertical="top")


def _scope(scope: int, lang: str) -> str:
    return {"en": f"scope {scope}", "ru": f"охват {scope}", "kk": f"{scope}-аумақ"}[lang]
