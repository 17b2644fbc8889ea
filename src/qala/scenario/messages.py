"""Message codes of the scenario variants, the model reader and the distributions, in kk, ru and en.

The English text is the sentence the CLI and older scripts have always seen (``str()`` of the problem); the
placeholders hold values already shown as the sentence shows them (a quoted name, a year as written).
``PLACES`` names the parts of a problem's place (``variant: changes[0].path``) in the page's language.
"""

from __future__ import annotations

import re

VARIANT: dict[str, dict[str, str]] = {
    "variant.scenario_unknown": {
        "en": "unknown scenario {scenario}: one of {scenarios}",
        "ru": "неизвестный сценарий {scenario}: выберите один из {scenarios}",
        "kk": "{scenario} сценарийі белгісіз: мыналардың бірін таңдаңыз: {scenarios}",
    },
    "variant.too_many_changes": {
        "en": "a list of at most {max} changes",
        "ru": "список не более чем из {max} изменений",
        "kk": "{max} өзгерістен аспайтын тізім",
    },
    "variant.change_mapping": {
        "en": "a mapping with 'parameter' or 'measure'",
        "ru": "изменение задаёт «parameter» или «measure»",
        "kk": "өзгеріс «parameter» немесе «measure» көрсетеді",
    },
    "variant.change_kind": {
        "en": "a change names a 'parameter' or a 'measure'",
        "ru": "изменение должно называть параметр или меру",
        "kk": "өзгеріс параметрді немесе шараны атауы керек",
    },
    "variant.parameter_unknown": {
        "en": "unknown parameter {name}",
        "ru": "неизвестный параметр {name}",
        "kk": "{name} параметрі белгісіз",
    },
    "variant.parameter_keys": {
        "en": "unknown key(s) {keys}: a parameter change takes {allowed}",
        "ru": "неизвестные поля {keys}: изменение параметра принимает {allowed}",
        "kk": "белгісіз өрістер {keys}: параметр өзгерісі мыналарды қабылдайды: {allowed}",
    },
    "variant.parameter_empty": {
        "en": "a parameter change sets one of {allowed}",
        "ru": "изменение параметра задаёт одно из полей: {allowed}",
        "kk": "параметр өзгерісі мына өрістердің бірін береді: {allowed}",
    },
    "variant.dist_on_path": {
        "en": "'dist' draws a constant value; for a path use 'uncertainty' (a multiplier)",
        "ru": "распределение задаёт постоянное значение; для траектории укажите неопределённость (множитель)",
        "kk": "үлестірім тұрақты мән береді; траектория үшін белгісіздікті (көбейткішті) көрсетіңіз",
    },
    "variant.measure_unknown": {
        "en": "unknown measure {code}",
        "ru": "неизвестная мера {code}",
        "kk": "{code} шарасы белгісіз",
    },
    "variant.measure_keys": {
        "en": "unknown key(s) {keys}: a measure change takes {allowed}",
        "ru": "неизвестные поля {keys}: изменение меры принимает {allowed}",
        "kk": "белгісіз өрістер {keys}: шара өзгерісі мыналарды қабылдайды: {allowed}",
    },
    "variant.full_before_start": {
        "en": "full adoption cannot come before the start",
        "ru": "полное внедрение не может наступить раньше начала",
        "kk": "толық енгізу басталуынан ерте бола алмайды",
    },
    "variant.share": {
        "en": "a share between 0 and 1",
        "ru": "доля от 0 до 1",
        "kk": "0 мен 1 аралығындағы үлес",
    },
    "variant.bool": {
        "en": "true or false",
        "ru": "да (true) или нет (false)",
        "kk": "иә (true) немесе жоқ (false)",
    },
    "variant.path_form": {
        "en": "YEAR:VALUE, YEAR:VALUE or one value, not {value}",
        "ru": "ГОД:ЗНАЧЕНИЕ, ГОД:ЗНАЧЕНИЕ или одно значение, а не {value}",
        "kk": "ЖЫЛ:МӘН, ЖЫЛ:МӘН немесе бір мән, {value} емес",
    },
    "variant.year_form": {
        "en": "a whole year, not {value}",
        "ru": "год целым числом, а не {value}",
        "kk": "жыл бүтін санмен, {value} емес",
    },
    "variant.number_form": {
        "en": "a number, not {value}",
        "ru": "число, а не {value}",
        "kk": "сан, {value} емес",
    },
    "variant.basis": {
        "en": "one of {bases}, not {value}",
        "ru": "одна из основ: {bases}, а не {value}",
        "kk": "мына негіздердің бірі: {bases}, {value} емес",
    },
    "variant.name": {
        "en": "1-60 lowercase letters, digits, '-' or '_'",
        "ru": "от 1 до 60 строчных латинских букв, цифр, «-» или «_»",
        "kk": "1–60 кіші латын әрпі, цифр, «-» немесе «_»",
    },
    "variant.name_is_scenario": {
        "en": "{name} is a scenario of the model",
        "ru": "{name} — это сценарий модели",
        "kk": "{name} — модельдің сценарийі",
    },
    "variant.comment_required": {
        "en": "say what the variant changes and why",
        "ru": "напишите, что меняет вариант и почему",
        "kk": "нұсқа нені және не үшін өзгертетінін жазыңыз",
    },
    "variant.comment_long": {
        "en": "at most {max} characters",
        "ru": "не более {max} символов",
        "kk": "{max} таңбадан аспайды",
    },
    "variant.comment_text": {
        "en": "text is required",
        "ru": "нужен текст",
        "kk": "мәтін қажет",
    },
    "variant.comment_target": {
        "en": "'parameter:NAME' or 'measure:CODE' of the model, not {target}",
        "ru": "параметр или мера модели («parameter:ИМЯ» или «measure:КОД»), а не {target}",
        "kk": "модельдің параметрі немесе шарасы («parameter:АТЫ» немесе «measure:КОДЫ»), {target} емес",
    },
    "variant.compare_empty": {
        "en": "at least one variant",
        "ru": "хотя бы один вариант",
        "kk": "кемінде бір нұсқа",
    },
    "model.number": {
        "en": "a number, got {value}",
        "ru": "нужно число, указано {value}",
        "kk": "сан керек, көрсетілгені {value}",
    },
    "model.positive": {
        "en": "a number greater than 0",
        "ru": "число больше 0",
        "kk": "0-ден үлкен сан",
    },
    "model.year": {
        "en": "a whole year, got {value}",
        "ru": "нужен год целым числом, указано {value}",
        "kk": "жыл бүтін санмен керек, көрсетілгені {value}",
    },
    "model.horizon": {
        "en": "a year within the horizon {lo}-{hi}, got {value}",
        "ru": "год в горизонте {lo}–{hi}, указано {value}",
        "kk": "{lo}–{hi} көкжиегіндегі жыл, көрсетілгені {value}",
    },
    "model.mapping": {
        "en": "a mapping (key: value) is expected",
        "ru": "нужен словарь (ключ: значение)",
        "kk": "сөздік (кілт: мән) керек",
    },
    "model.path": {
        "en": "a path {{year: value, ...}} with at least one year",
        "ru": "траектория {{год: значение, ...}} хотя бы с одним годом",
        "kk": "кемінде бір жылы бар траектория {{жыл: мән, ...}}",
    },
    "dist.mapping": {
        "en": "a mapping such as {{type: normal, mean: 1, sd: 0.1}}",
        "ru": "распределение вида {{type: normal, mean: 1, sd: 0.1}}",
        "kk": "{{type: normal, mean: 1, sd: 0.1}} түріндегі үлестірім",
    },
    "dist.type": {
        "en": "type must be one of {kinds}, not {kind}",
        "ru": "вид распределения — один из {kinds}, а не {kind}",
        "kk": "үлестірім түрі мыналардың бірі болуы керек: {kinds}, {kind} емес",
    },
    "dist.keys": {
        "en": "{kind} takes {need}; unknown key(s): {keys}",
        "ru": "распределение {kind} принимает {need}; неизвестные поля: {keys}",
        "kk": "{kind} үлестірімі мыналарды қабылдайды: {need}; белгісіз өрістер: {keys}",
    },
    "dist.number": {
        "en": "{kind} needs a finite number for '{key}', got {value}",
        "ru": "распределению {kind} нужно конечное число в «{key}», указано {value}",
        "kk": "{kind} үлестіріміне «{key}» өрісінде шекті сан керек, көрсетілгені {value}",
    },
    "dist.normal_sd": {
        "en": "normal: sd must be greater than 0",
        "ru": "нормальное распределение: стандартное отклонение (sd) должно быть больше 0",
        "kk": "қалыпты үлестірім: стандартты ауытқу (sd) 0-ден үлкен болуы керек",
    },
    "dist.lognormal": {
        "en": "lognormal: median and sigma must be greater than 0",
        "ru": "логнормальное распределение: медиана и sigma должны быть больше 0",
        "kk": "логқалыпты үлестірім: медиана мен sigma 0-ден үлкен болуы керек",
    },
    "dist.triangular": {
        "en": "triangular: needs low <= mode <= high and low < high",
        "ru": "треугольное распределение: нужно low ≤ mode ≤ high и low < high",
        "kk": "үшбұрышты үлестірім: low ≤ mode ≤ high және low < high болуы керек",
    },
    "dist.uniform": {
        "en": "uniform: needs low < high",
        "ru": "равномерное распределение: нужно low < high",
        "kk": "біркелкі үлестірім: low < high болуы керек",
    },
}

# the parts of a problem's place, ``variant: changes[0].path.2075``, in kk and ru (English keeps the key)
PLACES: dict[str, dict[str, str]] = {
    "variant": {"ru": "вариант", "kk": "нұсқа"},
    "compare": {"ru": "сравнение", "kk": "салыстыру"},
    "comment": {"ru": "комментарий", "kk": "түсініктеме"},
    "scenario": {"ru": "сценарий", "kk": "сценарий"},
    "changes": {"ru": "изменения", "kk": "өзгерістер"},
    "change": {"ru": "изменение {n}", "kk": "{n}-өзгеріс"},
    "parameter": {"ru": "параметр", "kk": "параметр"},
    "measure": {"ru": "мера", "kk": "шара"},
    "path": {"ru": "траектория", "kk": "траектория"},
    "value": {"ru": "значение", "kk": "мән"},
    "dist": {"ru": "распределение", "kk": "үлестірім"},
    "uncertainty": {"ru": "неопределённость", "kk": "белгісіздік"},
    "start": {"ru": "начало", "kk": "басталуы"},
    "full": {"ru": "полное внедрение", "kk": "толық енгізу"},
    "max_effect": {"ru": "наибольший эффект", "kk": "ең үлкен әсер"},
    "capex": {"ru": "капитальные затраты", "kk": "күрделі шығындар"},
    "opex_per_year": {"ru": "эксплуатационные затраты в год", "kk": "жылдық пайдалану шығындары"},
    "lifetime": {"ru": "срок службы", "kk": "қызмет мерзімі"},
    "in_scenario": {"ru": "в сценарии", "kk": "сценарийде"},
    "name": {"ru": "название", "kk": "атауы"},
    "target": {"ru": "предмет", "kk": "нысанасы"},
    "basis": {"ru": "основа учёта", "kk": "есеп негізі"},
    "population": {"ru": "численность населения", "kk": "халық саны"},
}


def place(where: str, lang: str) -> str:
    """``variant: changes[0].path.2075`` as ``вариант, изменение 1, траектория, 2075`` (English as it is)."""
    if lang not in ("kk", "ru"):
        return where
    out: list[str] = []
    for part in re.split(r": |\.", where):
        m = re.fullmatch(r"changes\[(\d+)\]", part)
        if m:
            out.append(PLACES["change"][lang].format(n=int(m.group(1)) + 1))
        else:
            out.append(PLACES.get(part, {}).get(lang, part))
    return ", ".join(out)
