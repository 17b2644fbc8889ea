"""Names of codes that Python hands to the templates (roles, scenarios, methods, units), in kk, ru and en.

The gettext catalogs translate the fixed UI text; these tables translate the *values* that arrive
as codes (``user.role``, a scenario key, the CHP method), so a page is never half in English. The
templates reach them through the ``labels`` global, e.g. ``labels.role(user.role, lang)``.
"""

from __future__ import annotations

from collections.abc import Mapping

from qala.catalog import load_catalog
from qala.ingest.template import PROVIDERS

Names = Mapping[str, str]  # lang -> text

ROLES: dict[str, Names] = {
    "admin": {"en": "Administrator", "ru": "Администратор", "kk": "Әкімші"},
    "editor": {
        "en": "Environment department",
        "ru": "Управление охраны окружающей среды",
        "kk": "Қоршаған ортаны қорғау басқармасы",
    },
    "expert": {"en": "Expert group member", "ru": "Член экспертной группы", "kk": "Сараптау тобының мүшесі"},
    "provider": {"en": "Data provider", "ru": "Поставщик данных", "kk": "Деректер жеткізуші"},
}

# who made a change, as public pages show it when the person chose no display name (never a user name)
AUTHORS: dict[str, Names] = {
    "cli": {"en": "Command line", "ru": "Командная строка", "kk": "Пәрмен жолы"},
    "bundled": {"en": "Qala (bundled data)", "ru": "Qala (встроенные данные)", "kk": "Qala (кірістірілген деректер)"},
}

SCENARIOS: dict[str, Names] = {
    "bau": {"en": "Business as usual (BAU)", "ru": "Инерционный сценарий (BAU)", "kk": "Базалық сценарий (BAU)"},
    "low-carbon": {"en": "Low-carbon", "ru": "Низкоуглеродный сценарий", "kk": "Төменкөміртекті сценарий"},
    "custom": {"en": "Chosen measures", "ru": "Выбранные меры", "kk": "Таңдалған шаралар"},
}

CHP_METHODS: dict[str, Names] = {
    "efficiency": {
        "en": "efficiency method",
        "ru": "метод эффективности (по КПД)",
        "kk": "тиімділік әдісі (ПӘК бойынша)",
    },
    "energy_content": {"en": "energy-content method", "ru": "метод энергосодержания", "kk": "энергия мөлшері әдісі"},
}

# unit symbols as written in the activity data and the factor catalog; "a/b" is translated part by part
UNITS: dict[str, Names] = {
    "t": {"en": "t", "ru": "т", "kk": "т"},
    "kt": {"en": "kt", "ru": "тыс. т", "kk": "мың т"},
    "kg": {"en": "kg", "ru": "кг", "kk": "кг"},
    "TJ": {"en": "TJ", "ru": "ТДж", "kk": "ТДж"},
    "GJ": {"en": "GJ", "ru": "ГДж", "kk": "ГДж"},
    "Gcal": {"en": "Gcal", "ru": "Гкал", "kk": "Гкал"},
    "kWh": {"en": "kWh", "ru": "кВт·ч", "kk": "кВт·сағ"},
    "MWh": {"en": "MWh", "ru": "МВт·ч", "kk": "МВт·сағ"},
    "GWh": {"en": "GWh", "ru": "ГВт·ч", "kk": "ГВт·сағ"},
    "m3": {"en": "m3", "ru": "м3", "kk": "м3"},
    "thousand m3": {"en": "thousand m3", "ru": "тыс. м3", "kk": "мың м3"},
    "million m3": {"en": "million m3", "ru": "млн м3", "kk": "млн м3"},
    "tce": {"en": "tce", "ru": "т у.т.", "kk": "ш.о.т."},
    "km": {"en": "km", "ru": "км", "kk": "км"},
}


def pick(table: Mapping[str, Names], code: str | None, lang: str) -> str:
    """The name of ``code`` in ``lang`` (English, then the code itself, when a name is missing)."""
    if code is None:
        return ""
    names = table.get(code)
    if not names:
        return code
    return names.get(lang) or names.get("en") or code


def role(code: str | None, lang: str) -> str:
    return pick(ROLES, code, lang)


def scenario(code: str | None, lang: str) -> str:
    return pick(SCENARIOS, code, lang)


def chp_method(code: str | None, lang: str) -> str:
    return pick(CHP_METHODS, code, lang)


def unit(code: str | None, lang: str) -> str:
    """A unit symbol in ``lang``; ``kg/TJ`` becomes ``кг/ТДж``; unknown parts are kept as they are."""
    if not code:
        return ""
    return "/".join(pick(UNITS, part, lang) for part in code.split("/"))


def activity(code: str | None, lang: str) -> str:
    """An activity's name from the catalog (the code when it is not in the catalog)."""
    act = load_catalog().activities.get(code or "")
    return pick({act.code: act.names}, code, lang) if act else (code or "")


def provider(code: str | None, lang: str) -> str:
    """A data provider's name (the importer's template specs carry en/ru/kk names)."""
    spec = PROVIDERS.get(code or "")
    return pick({spec.code: spec.names}, code, lang) if spec else (code or "")


# Where a figure comes from, and the notation keys of the GPC for a cell without one.
STATUSES: dict[str, Names] = {
    "reported": {"en": "reported", "ru": "отчётные данные", "kk": "есептік деректер"},
    "estimated": {"en": "estimate", "ru": "оценка", "kk": "бағалау"},
    "mixed": {"en": "reported and estimated", "ru": "отчётные данные и оценки", "kk": "есептік деректер мен бағалау"},
    "NE": {"en": "NE: not estimated", "ru": "NE: не оценивалось", "kk": "NE: бағаланбаған"},
    "NO": {"en": "NO: not occurring", "ru": "NO: не происходит", "kk": "NO: орын алмайды"},
    "IE": {"en": "IE: included elsewhere", "ru": "IE: учтено в другом месте", "kk": "IE: басқа жерде ескерілген"},
    "C": {"en": "C: confidential", "ru": "C: конфиденциально", "kk": "C: құпия"},
}


def status(code: str | None, lang: str) -> str:
    """``reported``, ``estimated``, ``mixed`` or a notation key, in ``lang``."""
    return pick(STATUSES, code, lang)


def method(code: str | None, lang: str) -> str:
    """An estimation method's name from the catalog (the code when it is not there)."""
    from qala.catalog.estimation import load_estimation_reference  # noqa: PLC0415

    m = load_estimation_reference().methods.get(code or "")
    return pick({m.code: m.names}, code, lang) if m else (code or "")


def author(who: str, accounts: Mapping[str, tuple[str | None, str]], lang: str) -> str:
    """What a public page shows for ``who``: the display name the person chose, else their role, never a user name.

    ``accounts`` maps user names to (display name or None, role) (``store.users.public_names``). A name that is no
    account was written by the command line (``QALA_USER`` or the login name) or by the bundled seed.
    """
    from qala.store.seed import SEEDED_BY  # noqa: PLC0415

    if who in accounts:
        display, role_code = accounts[who]
        return display or role(role_code, lang)
    return pick(AUTHORS, "bundled" if who == SEEDED_BY else "cli", lang)


# issue 16: the net-zero pathway and the bases a user chooses (additive)
SCENARIOS["net-zero-2060"] = {
    "en": "Net zero by 2060",
    "ru": "Углеродная нейтральность к 2060 году",
    "kk": "2060 жылға қарай көміртегі бейтараптығы",
}
SCENARIOS["variant"] = {"en": "Variant", "ru": "Вариант", "kk": "Нұсқа"}
BASES_NAMES: dict[str, Names] = {
    "territorial": {"en": "Territorial (scope 1)", "ru": "Территориальный (охват 1)", "kk": "Аумақтық (1-қамту)"},
    "basic": {"en": "BASIC", "ru": "BASIC", "kk": "BASIC"},
    "basic_plus": {"en": "BASIC+", "ru": "BASIC+", "kk": "BASIC+"},
}


def basis(code: str | None, lang: str) -> str:
    return pick(BASES_NAMES, code, lang)


# issue 16: the model parameters an expert can change in a variant (Astana's model); others show their code
PARAMETERS: dict[str, Names] = {
    "heat_per_m2": {"en": "District heat per m2", "ru": "Тепло на 1 м2", "kk": "1 м2-ге жылу"},
    "dh_floor_share": {
        "en": "Floor area on district heat",
        "ru": "Доля площади на центральном отоплении",
        "kk": "Орталық жылытудағы аудан үлесі",
    },
    "residential_heat_share": {
        "en": "Households' share of district heat",
        "ru": "Доля населения в потреблении тепла",
        "kk": "Халықтың жылу тұтынудағы үлесі",
    },
    "heat_loss_factor": {
        "en": "Heat supplied per heat delivered (losses)",
        "ru": "Отпуск тепла на единицу полезного (потери)",
        "kk": "Пайдалы жылуға шаққандағы берілген жылу (шығындар)",
    },
    "retrofit_saving": {
        "en": "Saving from thermal retrofit",
        "ru": "Экономия от утепления зданий",
        "kk": "Ғимараттарды жылытудан үнем",
    },
    "control_saving": {
        "en": "Saving from heat substations",
        "ru": "Экономия от тепловых пунктов",
        "kk": "Жылу пункттерінен үнем",
    },
    "gas_station_share": {
        "en": "Gas heat stations' share",
        "ru": "Доля газовых тепловых станций",
        "kk": "Газ жылу станцияларының үлесі",
    },
    "chp_heat_cap": {
        "en": "Coal CHPs' heat capacity",
        "ru": "Тепловая мощность угольных ТЭЦ",
        "kk": "Көмір ЖЭО-ларының жылу қуаты",
    },
    "chp_gas_share": {
        "en": "Gas in TETs-1/2 fuel",
        "ru": "Доля газа в топливе ТЭЦ-1/2",
        "kk": "ЖЭО-1/2 отынындағы газ үлесі",
    },
    "chp_heat_retired": {
        "en": "Coal CHP heat retired",
        "ru": "Выведенная мощность угольных ТЭЦ",
        "kk": "Пайдаланудан шығарылған көмір ЖЭО қуаты",
    },
    "hp_heat_share": {
        "en": "Heat pumps' share of district heat",
        "ru": "Доля тепловых насосов",
        "kk": "Жылу сорғыларының үлесі",
    },
    "eboiler_heat_share": {
        "en": "Electric boilers' share of district heat",
        "ru": "Доля электрокотлов",
        "kk": "Электр қазандықтарының үлесі",
    },
    "hp_cop": {
        "en": "Heat-pump COP",
        "ru": "Коэффициент преобразования тепловых насосов",
        "kk": "Жылу сорғыларының түрлендіру коэффициенті",
    },
    "plant_capture": {
        "en": "Gas plants' CO2 emitted (1 = no capture)",
        "ru": "Выброс CO2 газовых станций (1 = без улавливания)",
        "kk": "Газ станцияларының CO2 шығарындысы (1 = ұстаусыз)",
    },
    "grid_ef": {
        "en": "National grid emission factor",
        "ru": "Коэффициент выбросов энергосистемы",
        "kk": "Энергожүйенің шығарынды коэффициенті",
    },
    "grid_ef_spread": {
        "en": "Uncertainty of the grid factor",
        "ru": "Неопределённость коэффициента сети",
        "kk": "Желі коэффициентінің белгісіздігі",
    },
    "elec_res_per_m2": {
        "en": "Household electricity per m2",
        "ru": "Электроэнергия населения на 1 м2",
        "kk": "Халықтың 1 м2-ге электр энергиясы",
    },
    "elec_com_per_capita": {
        "en": "Commercial electricity per resident",
        "ru": "Электроэнергия коммерческих зданий на жителя",
        "kk": "Коммерциялық ғимараттардың бір тұрғынға электр энергиясы",
    },
    "appliance_saving": {
        "en": "Saving from efficient appliances",
        "ru": "Экономия от эффективных приборов",
        "kk": "Үнемді құрылғылардан үнем",
    },
    "pv_share": {
        "en": "Rooftop solar share",
        "ru": "Доля солнечных панелей на крышах",
        "kk": "Шатырдағы күн панельдерінің үлесі",
    },
    "buses_per_capita": {
        "en": "City buses per resident",
        "ru": "Городские автобусы на жителя",
        "kk": "Бір тұрғынға қалалық автобустар",
    },
    "ebus_share": {"en": "Electric buses' share", "ru": "Доля электробусов", "kk": "Электробустардың үлесі"},
    "cng_bus_share": {"en": "Gas (CNG) buses' share", "ru": "Доля газовых автобусов", "kk": "Газ автобустарының үлесі"},
    "ev_share_added": {
        "en": "Electric cars added since 2024",
        "ru": "Доля новых электромобилей с 2024 года",
        "kk": "2024 жылдан бергі жаңа электромобильдер үлесі",
    },
    "car_km": {"en": "Kilometres per car a year", "ru": "Пробег автомобиля в год", "kk": "Автокөліктің жылдық жүрісі"},
    "car_vkm_index": {
        "en": "Car kilometres (modal shift)",
        "ru": "Пробег автомобилей (смена вида транспорта)",
        "kk": "Автокөлік жүрісі (көлік түрін ауыстыру)",
    },
    "heavy_electric_share": {
        "en": "Electric trucks' share",
        "ru": "Доля электрогрузовиков",
        "kk": "Электр жүк көліктерінің үлесі",
    },
    "lrt_operation": {"en": "LRT in service", "ru": "Работа LRT", "kk": "LRT жұмысы"},
    "recycling_share": {
        "en": "Waste recycled",
        "ru": "Доля переработки отходов",
        "kk": "Қалдықтарды қайта өңдеу үлесі",
    },
    "landfill_ch4_factor": {
        "en": "Landfill methane emitted (1 = no capture)",
        "ru": "Выброс метана полигона (1 = без сбора)",
        "kk": "Полигон метанының шығарындысы (1 = жинаусыз)",
    },
    "new_forest_area": {"en": "New forest area", "ru": "Площадь новых лесов", "kk": "Жаңа орман алаңы"},
    "forest_seq_rate": {
        "en": "CO2 taken up per hectare",
        "ru": "Поглощение CO2 на гектар",
        "kk": "Бір гектарға CO2 сіңіру",
    },
}


def parameter(code: str | None, lang: str) -> str:
    return pick(PARAMETERS, code, lang)
