"""Names of codes that Python hands to the templates (roles, scenarios, methods, units), in kk, ru and en.

The gettext catalogs translate the fixed UI text; these tables translate the *values* that arrive
as codes (``user.role``, a scenario key, the CHP method), so a page is never half in English. The
templates reach them through the ``labels`` global, e.g. ``labels.role(user.role, lang)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

from markupsafe import Markup

from qala.catalog import labels as data_labels
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
    return "/".join(_unit_part(part.strip(), lang) for part in code.split("/"))


def _unit_part(part: str, lang: str) -> str:
    if data_labels.has("unit", part):
        return data_labels.name("unit", part, lang)
    return pick(UNITS, part, lang)


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


RECORD_METHODS: dict[str, Names] = {  # methods of records that are not estimation methods of the catalog
    "imported_inventory": {
        "en": "imported inventory",
        "ru": "импортированная инвентаризация",
        "kk": "импортталған түгендеу",
    },
}


def method(code: str | None, lang: str) -> str:
    """An estimation method's name from the catalog (the code when it is not there)."""
    from qala.catalog.estimation import load_estimation_reference  # noqa: PLC0415

    if code in RECORD_METHODS:
        return pick(RECORD_METHODS, code, lang)
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


# The fate of a submission and of each of its rows, and why the review flags a row (issue 14).
SUBMISSION_STATUSES: dict[str, Names] = {
    "pending": {"en": "pending", "ru": "на рассмотрении", "kk": "қаралуда"},
    "accepted": {"en": "accepted", "ru": "принято", "kk": "қабылданды"},
    "rejected": {"en": "rejected", "ru": "отклонено", "kk": "қабылданбады"},
    "partial": {"en": "partly accepted", "ru": "принято частично", "kk": "ішінара қабылданды"},
}
REVIEW_FLAGS: dict[str, Names] = {
    "new": {"en": "new figure", "ru": "новый показатель", "kk": "жаңа көрсеткіш"},
    "unit": {"en": "other unit", "ru": "другая единица", "kk": "басқа өлшем бірлігі"},
    "change": {"en": "large change", "ru": "большое изменение", "kk": "үлкен өзгеріс"},
}


def submission_status(code: str | None, lang: str) -> str:
    return pick(SUBMISSION_STATUSES, code, lang)


def review_flag(code: str | None, lang: str) -> str:
    return pick(REVIEW_FLAGS, code, lang)


# ---- names of the codes that data carry (catalog/data/labels.csv) and the city's translated sentences ----


def funding(code: str | None, lang: str) -> str:
    """A funding source (``city_budget``, ``adb`` …)."""
    return data_labels.name("funding", code, lang)


def facility(code: str | None, lang: str) -> str:
    """A facility of the activity data (``tets1_tets2`` …)."""
    return data_labels.name("facility", code, lang)


def indicator(code: str | None, lang: str) -> str:
    """An indicator that strategic documents set targets on (``ghg_total`` …)."""
    return data_labels.name("indicator", code, lang)


def text(sentence: str | None, lang: str) -> str:
    """A sentence the data write in English, translated where the city has translated it."""
    return data_labels.text(sentence, lang)


def text_lang(sentence: str | None, lang: str) -> str:
    """The language ``text`` returns the sentence in (for the element's ``lang`` attribute)."""
    return data_labels.text_lang(sentence, lang)


def measure(code: str | None, lang: str, names: Mapping[str, Names] | None = None) -> str:
    """A measure's name from the city's model (``names``: code -> en/ru/kk, as the page's context carries it)."""
    if not code:
        return ""
    if names is None:
        names = measure_names()
    return pick(names, code, lang)


def measure_names(city: str = "astana", engine: object = None) -> dict[str, Names]:
    """code -> names of every measure of a city's model (an empty table when the city has no model)."""
    from qala.scenario.spec import ModelError  # noqa: PLC0415
    from qala.services import scenario as scenario_svc  # noqa: PLC0415

    try:
        model, _ = scenario_svc.resolve("bau", city, engine)  # type: ignore[arg-type]
    except ModelError:
        return {}
    return {m.code: m.names for m in model.measures.values()}


def partner(code: str | None, lang: str, organisations: Mapping[str, Names] | None = None) -> str:
    """A roadmap partner's name (``organisations``: code -> en/ru/kk from the roadmap)."""
    return pick(organisations or {}, code, lang)


def quantity(value: float | None, lang: str) -> str:
    """A measured value with the digits it needs: 94 600, 35,2, 1,14, 0,0042 (never 35.199999999999996)."""
    from qala.web import i18n  # noqa: PLC0415

    return i18n.smart(value, lang)


def input_name(name: str | None, lang: str) -> str:
    """An estimate's input as the arithmetic names it: ``coal_ncv``, ``population 2024``, ``landfill.docf``,
    ``national 1.A.3.b CO2 2019 (…)``, ``types[0].share``; the known part is named, the rest is kept."""
    import re  # noqa: PLC0415

    if not name:
        return ""
    head, _sep, rest = name.partition(" ")
    base = re.sub(r"^.*[.\]]", "", head)  # landfill.docf -> docf, types[0].share -> share
    if data_labels.has("input", base):
        words = [input_name(w, lang) if data_labels.has("input", w) else w for w in rest.split(" ")] if rest else []
        return " ".join([data_labels.name("input", base, lang), *words])
    return name


def target_text(t: Mapping[str, object] | object, lang: str) -> str:
    """A document's target in words: "Greenhouse gas emissions: 15 % below 1990", "… ≥ 50 %"."""
    from qala.web import i18n  # noqa: PLC0415

    get = t.get if isinstance(t, Mapping) else lambda k, d=None: getattr(t, k, d)
    name = indicator(get("indicator"), lang)  # type: ignore[arg-type]
    value, unit, metric = get("value"), get("unit") or "", get("metric")
    if value is None or math.isnan(float(value)):  # type: ignore[arg-type]  # a target without a number
        missing = i18n.translations(lang).gettext("value not yet in the registry")
        return f"{name}: {missing}"
    if unit == "fraction":
        amount = i18n.percent(float(value), lang)  # type: ignore[arg-type]
    else:
        shown = "" if unit in ("", "1") else " " + ("%" if unit == "%" else globals()["unit"](str(unit), lang))
        amount = i18n.smart(value, lang) + shown.replace(" %", "\u00a0%")  # type: ignore[arg-type]
    if metric == "reduction":
        below = i18n.translations(lang).gettext("%(amount)s below %(year)s")
        words = below % {"amount": amount, "year": get("base_year")}
    elif metric == "max":
        words = "≤ " + amount
    elif metric == "min":
        words = "≥ " + amount
    else:
        words = amount
    return f"{name}: {words}"


def chp_parameter(code: str | None, lang: str) -> str:
    """A parameter of a CHP allocation method (``reference_heat_efficiency`` …)."""
    return data_labels.name("chp_parameter", code, lang)


# What the audit log records, as the administrators' page shows it (the codes stay in the JSON twin).
AUDIT_ACTIONS: dict[str, Names] = {
    "accept": {"en": "accepted", "ru": "принято", "kk": "қабылданды"},
    "activate": {"en": "activated", "ru": "включено", "kk": "қосылды"},
    "comment": {"en": "comment", "ru": "комментарий", "kk": "түсініктеме"},
    "create": {"en": "created", "ru": "создано", "kk": "құрылды"},
    "deactivate": {"en": "deactivated", "ru": "отключено", "kk": "ажыратылды"},
    "display_name": {"en": "display name", "ru": "отображаемое имя", "kk": "көрсетілетін аты"},
    "estimate": {"en": "estimate", "ru": "оценка", "kk": "бағалау"},
    "import": {"en": "import", "ru": "импорт", "kk": "импорт"},
    "login": {"en": "sign-in", "ru": "вход", "kk": "кіру"},
    "logout": {"en": "sign-out", "ru": "выход", "kk": "шығу"},
    "password": {"en": "password", "ru": "пароль", "kk": "құпиясөз"},
    "password_reset": {"en": "password reset", "ru": "сброс пароля", "kk": "құпиясөзді қалпына келтіру"},
    "publish": {"en": "published", "ru": "опубликовано", "kk": "жарияланды"},
    "reject": {"en": "rejected", "ru": "отклонено", "kk": "қабылданбады"},
    "reset_link": {"en": "reset link", "ru": "ссылка для сброса", "kk": "қалпына келтіру сілтемесі"},
    "revert": {"en": "reverted", "ru": "откат", "kk": "кері қайтарылды"},
    "revoke": {"en": "revoked", "ru": "отозвано", "kk": "кері шақырылды"},
    "role": {"en": "role", "ru": "роль", "kk": "рөл"},
    "submit": {"en": "submitted", "ru": "представлено", "kk": "ұсынылды"},
    "update": {"en": "updated", "ru": "изменено", "kk": "өзгертілді"},
    "withdraw": {"en": "withdrawn", "ru": "отозвано", "kk": "кері шақырылды"},
}
AUDIT_OBJECTS: dict[str, Names] = {
    "api_token": {"en": "API token", "ru": "токен API", "kk": "API токені"},
    "document_text": {"en": "document", "ru": "документ", "kk": "құжат"},
    "import_batch": {"en": "import batch", "ru": "пакет импорта", "kk": "импорт топтамасы"},
    "publication": {"en": "publication", "ru": "публикация", "kk": "жарияланым"},
    "roadmap_activity": {
        "en": "roadmap activity",
        "ru": "мероприятие дорожной карты",
        "kk": "жол картасының іс-шарасы",
    },
    "session": {"en": "session", "ru": "сеанс", "kk": "сеанс"},
    "submission": {"en": "submission", "ru": "поступившие данные", "kk": "ұсынылған деректер"},
    "user": {"en": "person", "ru": "пользователь", "kk": "пайдаланушы"},
}


def audit_action(code: str | None, lang: str) -> str:
    return pick(AUDIT_ACTIONS, code, lang)


def audit_object(code: str | None, lang: str) -> str:
    return pick(AUDIT_OBJECTS, code, lang)


BASELINE_NOTE: Names = {
    "en": "bundled baseline",
    "ru": "встроенные базовые данные",
    "kk": "кірістірілген базалық деректер",
}


def publication_note(note: str | None, lang: str) -> str:
    """A version's note; the seed's own note ("bundled baseline") in ``lang``, a person's note as written."""
    from qala.store.seed import BASELINE_NOTE as SEED_NOTE  # noqa: PLC0415

    return BASELINE_NOTE.get(lang, note or "") if note == SEED_NOTE else (note or "")


def actor(who: str | None, lang: str) -> str:
    """Who acted, as the department's pages show it: a user name, or the bundled seed in ``lang``."""
    from qala.store.seed import SEEDED_BY  # noqa: PLC0415

    return pick(AUTHORS, "bundled", lang) if who == SEEDED_BY else (who or "")


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


def parameter(code: str | None, lang: str) -> str:
    """A model parameter's or driver's name (``cities/<city>/labels.csv``; the code when it has none)."""
    if data_labels.has("parameter", code or ""):
        return data_labels.name("parameter", code, lang)
    return data_labels.name("driver", code, lang)


def parameter_unit(code: str | None, lang: str) -> str:
    """A model parameter's unit as the model writes it (pint: ``dimensionless``, ``tonne``, ``m**2``) in ``lang``."""
    if not code or code in ("1", "dimensionless"):
        return ""
    return unit(code.replace("tonne", "t").replace(" ", ""), lang)


def source_parts(source: str | None, lang: str) -> list[tuple[str, str]]:
    """A cited source as (text, language) parts: a data sentence it opens with (the basis of the grid factor,
    say) in ``lang`` where translated, the citation itself as written (English)."""
    if not source:
        return []
    for sentence in _longest_first():
        if source.startswith(sentence) and data_labels.text_lang(sentence, lang) == lang and lang != "en":
            rest = source[len(sentence) :]
            return [(data_labels.text(sentence, lang), lang)] + ([(rest, "en")] if rest else [])
    return [(source, "en")]


@cache
def _longest_first() -> tuple[str, ...]:
    return tuple(sorted(data_labels.texts(), key=len, reverse=True))


def cited(source: str | None, lang: str) -> Markup:
    """``source_parts`` as a ``<small>`` element whose parts carry their language."""
    parts = source_parts(source, lang)
    if len(parts) == 1 and parts[0][1] == "en":
        return Markup('<small lang="en">{}</small>').format(parts[0][0])
    inner = Markup("").join(Markup('<span lang="{}">{}</span>').format(pl, text) for text, pl in parts)
    return Markup("<small>{}</small>").format(inner)


def cited_text(source: str | None, lang: str) -> str:
    """``source_parts`` as plain text (a workbook cell)."""
    return "".join(text for text, _ in source_parts(source, lang))
