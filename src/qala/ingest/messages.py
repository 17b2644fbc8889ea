# ruff: noqa: E501 - a table of translated sentences
"""Message codes of the importer's problems, with their text in kk, ru and en.

Every problem the importer reports keeps its English ``expected`` text (the CLI prints it, scripts may
match it) and gets a ``code`` and ``params``: the code is found by matching the English text against
the patterns below (one place, next to the translations), so the validators stay as they are. A text
no pattern matches gets the code ``invalid`` and keeps its English detail. ``tests/test_messages.py``
walks every code and checks that kk, ru and en are there with the same placeholders.
"""

from __future__ import annotations

import re
from typing import Any

# code: (pattern of the English text, {lang: text with {placeholders} named as the pattern's groups})
CODES: dict[str, tuple[str, dict[str, str]]] = {
    "column.repeated": (
        r"each column once \(this column is repeated\)",
        {
            "en": "each column once (this column is repeated)",
            "ru": "каждый столбец один раз (этот столбец повторяется)",
            "kk": "әр баған бір рет (бұл баған қайталанады)",
        },
    ),
    "column.unknown": (
        r"a known column(?P<hint>.*?): one of .*",
        {"en": "a known column{hint}", "ru": "известный столбец{hint}", "kk": "белгілі баған{hint}"},
    ),
    "column.missing": (
        r"a column '(?P<column>[^']+)' \(.*\)",
        {"en": "a column '{column}'", "ru": "столбец «{column}»", "kk": "«{column}» бағаны"},
    ),
    "file.no_rows": (
        r"(at least one data row \(found only the header\)|a header row and at least one data row.*)",
        {
            "en": "a header row and at least one data row",
            "ru": "строка заголовков и хотя бы одна строка данных",
            "kk": "тақырып жолы және кемінде бір деректер жолы",
        },
    ),
    "row.conflict": (
        r"one figure per year, gpc_ref, activity and facility: row (?P<row>\d+) gives .*",
        {
            "en": "one figure per year, GPC reference, activity and facility: row {row} gives another figure for the same key",
            "ru": "один показатель на год, код GPC, вид деятельности и объект: строка {row} даёт другой показатель для того же ключа",
            "kk": "жыл, GPC коды, қызмет түрі және нысан бойынша бір көрсеткіш: {row}-жол сол кілт үшін басқа көрсеткіш береді",
        },
    ),
    "rule.more": (
        r"(?P<n>\d+) more rows with the same problem",
        {
            "en": "{n} more rows with the same problem",
            "ru": "ещё {n} строк с той же ошибкой",
            "kk": "дәл осындай қатесі бар тағы {n} жол",
        },
    ),
    "year.empty": (
        r"a calendar year \(the cell is empty\)",
        {
            "en": "a calendar year (the cell is empty)",
            "ru": "календарный год (ячейка пуста)",
            "kk": "күнтізбелік жыл (ұяшық бос)",
        },
    ),
    "year.invalid": (
        r"a (calendar|whole) year such as 2022",
        {
            "en": "a whole year such as 2022",
            "ru": "год целым числом, например 2022",
            "kk": "жыл бүтін санмен, мысалы 2022",
        },
    ),
    "year.range": (
        r"a year between (?P<min>\d+) and (?P<max>\d+)",
        {
            "en": "a year between {min} and {max}",
            "ru": "год от {min} до {max}",
            "kk": "{min} және {max} аралығындағы жыл",
        },
    ),
    "year.future": (
        r"a year no later than (?P<year>\d+) .*",
        {
            "en": "a year no later than {year} (a later year is a projection: begin its note with 'PROJECTION:')",
            "ru": "год не позднее {year} (более поздний год — это прогноз: начните примечание с «PROJECTION:»)",
            "kk": "{year} жылдан кеш емес жыл (кейінгі жыл — болжам: ескертпені «PROJECTION:» деп бастаңыз)",
        },
    ),
    "number.empty": (
        r"a number >= 0 \(the cell is empty\)",
        {
            "en": "a number of at least 0 (the cell is empty)",
            "ru": "число не меньше 0 (ячейка пуста)",
            "kk": "0-ден кем емес сан (ұяшық бос)",
        },
    ),
    "number.comma": (
        r"a number with a point as the decimal separator.*",
        {
            "en": "a number such as 1234.5 or 1234,5 (1,234 could be either 1.234 or 1234)",
            "ru": "число вида 1234,5 или 1234.5 (1,234 может означать и 1,234, и 1234)",
            "kk": "1234,5 немесе 1234.5 түріндегі сан (1,234 — 1,234 те, 1234 те болуы мүмкін)",
        },
    ),
    "number.invalid": (
        r"a number >= 0",
        {"en": "a number of at least 0", "ru": "число не меньше 0", "kk": "0-ден кем емес сан"},
    ),
    "number.negative": (
        r"a number >= 0 \(it is negative\)",
        {
            "en": "a number of at least 0 (it is negative)",
            "ru": "число не меньше 0 (оно отрицательное)",
            "kk": "0-ден кем емес сан (ол теріс)",
        },
    ),
    "number.too_large": (
        r"a number of at most (?P<max>\S+) in the row's unit.*",
        {
            "en": "a number of at most {max} in the row's unit (a larger one is a typo or a unit mistake)",
            "ru": "число не больше {max} в единице строки (большее — опечатка или ошибка единицы)",
            "kk": "жолдың өлшем бірлігінде {max}-дан аспайтын сан (үлкені — қате не бірлік қатесі)",
        },
    ),
    "city.empty": (
        r"a city code in this column or the --city option",
        {"en": "a city code in this column", "ru": "код города в этом столбце", "kk": "осы бағандағы қала коды"},
    ),
    "city.invalid": (
        r"a city code of lowercase letters, digits, _ or -",
        {
            "en": "a city code of lowercase Latin letters, digits, _ or -",
            "ru": "код города из строчных латинских букв, цифр, _ или -",
            "kk": "кіші латын әріптерінен, цифрлардан, _ немесе - таңбасынан тұратын қала коды",
        },
    ),
    "city.unknown": (
        r"a known city \((?P<cities>.*)\)",
        {"en": "a known city ({cities})", "ru": "известный город ({cities})", "kk": "белгілі қала ({cities})"},
    ),
    "gpc.empty": (
        r"a GPC reference with scope, e\.g\. I\.1\.1 \(the cell is empty\)",
        {
            "en": "a GPC reference such as I.1.1 (the cell is empty)",
            "ru": "код GPC, например I.1.1 (ячейка пуста)",
            "kk": "GPC коды, мысалы I.1.1 (ұяшық бос)",
        },
    ),
    "gpc.unknown": (
        r"a GPC reference with scope, e\.g\. I\.1\.1 or II\.1\.1 \(unknown reference(?:; nearest: (?P<nearest>.*))?\)",
        {
            "en": "a known GPC reference such as I.1.1 or II.1.1 (nearest: {nearest})",
            "ru": "известный код GPC, например I.1.1 или II.1.1 (ближайшие: {nearest})",
            "kk": "белгілі GPC коды, мысалы I.1.1 немесе II.1.1 (ең жақыны: {nearest})",
        },
    ),
    "activity.unknown": (
        r"a known activity code(?: \(nearest: (?P<nearest>.*)\))?",
        {
            "en": "a known activity code (nearest: {nearest})",
            "ru": "известный код вида деятельности (ближайшие: {nearest})",
            "kk": "белгілі қызмет түрінің коды (ең жақыны: {nearest})",
        },
    ),
    "activity.empty": (
        r"an activity code, e\.g\. natural_gas \(the cell is empty\)",
        {
            "en": "an activity code such as natural_gas (the cell is empty)",
            "ru": "код вида деятельности, например natural_gas (ячейка пуста)",
            "kk": "қызмет түрінің коды, мысалы natural_gas (ұяшық бос)",
        },
    ),
    "quality.invalid": (
        r"high, medium or low",
        {
            "en": "high, medium or low",
            "ru": "high, medium или low (высокое, среднее, низкое)",
            "kk": "high, medium немесе low (жоғары, орташа, төмен)",
        },
    ),
    "unit.empty": (
        r"a unit such as .* \(the cell is empty\)",
        {
            "en": "a unit such as t, TJ, Gcal, MWh or thousand m3 (the cell is empty)",
            "ru": "единица, например т, ТДж, Гкал, МВт·ч или тыс. м3 (ячейка пуста)",
            "kk": "өлшем бірлігі, мысалы т, ТДж, Гкал, МВт·сағ немесе мың м3 (ұяшық бос)",
        },
    ),
    "unit.unknown": (
        r".*unknown unit.*",
        {
            "en": "a unit Qala knows (t, TJ, Gcal, MWh, thousand m3, ...)",
            "ru": "единица, известная Qala (т, ТДж, Гкал, МВт·ч, тыс. м3 ...)",
            "kk": "Qala білетін өлшем бірлігі (т, ТДж, Гкал, МВт·сағ, мың м3 ...)",
        },
    ),
    "unit.needs_mass": (
        r"unit '(?P<unit>[^']+)' is an? [a-z ]+; (?P<activity>\S+) needs a mass \(e\.g\. t, kt\)",
        {
            "en": "a mass (e.g. t, kt) for {activity}; '{unit}' is not one",
            "ru": "масса (например, т, тыс. т) для {activity}; «{unit}» ею не является",
            "kk": "{activity} үшін масса (мысалы, т, мың т); «{unit}» масса емес",
        },
    ),
    "unit.kind": (
        r"unit '(?P<unit>[^']+)' is an? [a-z ]+[;,] .*",
        {
            "en": "a unit this activity is measured in: energy (TJ, GJ, Gcal, MWh), or the mass or volume of a fuel whose calorific value the catalog holds; '{unit}' cannot be used here",
            "ru": "единица, в которой измеряется этот вид деятельности: энергия (ТДж, ГДж, Гкал, МВт·ч) или масса либо объём топлива, теплотворная способность которого есть в каталоге; «{unit}» здесь не подходит",
            "kk": "осы қызмет түрі өлшенетін бірлік: энергия (ТДж, ГДж, Гкал, МВт·сағ) немесе жылу бергіштігі каталогта бар отынның массасы не көлемі; «{unit}» бұл жерде жарамайды",
        },
    ),
    "ncv.fuel_only": (
        r"a calorific value applies to fuels only, not to (?P<activity>\S+)",
        {
            "en": "no calorific value: it applies to fuels only, not to {activity}",
            "ru": "пустая ячейка: теплотворная способность указывается только для топлива, не для {activity}",
            "kk": "бос ұяшық: жылу бергіштік тек отынға беріледі, {activity} үшін емес",
        },
    ),
    "ncv.amount_unit": (
        r"a calorific value applies to an amount in mass or volume units, not '(?P<unit>[^']+)'",
        {
            "en": "an amount in mass or volume units when a calorific value is given, not '{unit}'",
            "ru": "количество в единицах массы или объёма, когда указана теплотворная способность, а не «{unit}»",
            "kk": "жылу бергіштік берілгенде масса не көлем бірлігіндегі мөлшер, «{unit}» емес",
        },
    ),
    "ncv.per_mass": (
        r"a calorific value per unit of mass, e\.g\. .*'(?P<unit>[^']+)'",
        {
            "en": "a calorific value per unit of mass, e.g. 18.4 GJ/t, to match the amount's unit '{unit}'",
            "ru": "теплотворная способность на единицу массы, например 18.4 GJ/t, под единицу количества «{unit}»",
            "kk": "масса бірлігіне шаққандағы жылу бергіштік, мысалы 18.4 GJ/t, мөлшер бірлігіне («{unit}») сай",
        },
    ),
    "ncv.per_volume": (
        r"a calorific value per unit of volume, e\.g\. .*'(?P<unit>[^']+)'",
        {
            "en": "a calorific value per unit of volume, e.g. 33.5 MJ/m3, to match the amount's unit '{unit}'",
            "ru": "теплотворная способность на единицу объёма, например 33.5 MJ/m3, под единицу количества «{unit}»",
            "kk": "көлем бірлігіне шаққандағы жылу бергіштік, мысалы 33.5 MJ/m3, мөлшер бірлігіне («{unit}») сай",
        },
    ),
    "ncv.positive": (
        r"a calorific value greater than 0",
        {
            "en": "a calorific value greater than 0",
            "ru": "теплотворная способность больше 0",
            "kk": "0-ден үлкен жылу бергіштік",
        },
    ),
    "ncv.quantity": (
        r"(a quantity such as '18\.4 GJ/t' \(value, unit per unit\)|a number before the unit in|a finite number in),? (not )?'(?P<text>.*)'",
        {
            "en": "a quantity such as 18.4 GJ/t (a number, then a unit per unit), not '{text}'",
            "ru": "величина вида 18.4 GJ/t (число, затем единица на единицу), а не «{text}»",
            "kk": "18.4 GJ/t сияқты шама (алдымен сан, сосын бірлікке шаққандағы бірлік), «{text}» емес",
        },
    ),
    "row.fields": (
        r"(?P<n>[\d,]+) fields as in the header, found (?P<found>[\d,]+)",
        {
            "en": "{n} fields as in the header, found {found}",
            "ru": "{n} полей, как в строке заголовков; найдено {found}",
            "kk": "тақырып жолындағыдай {n} өріс; табылғаны {found}",
        },
    ),
    "unit.conversion": (
        r".*(cannot convert|no conversion|net calorific|NCV|ncv|dimension).*",
        {
            "en": "a unit that can be converted for this activity (or an NCV in the ncv column)",
            "ru": "единица, которую можно пересчитать для этого вида деятельности (или теплотворная способность в столбце ncv)",
            "kk": "осы қызмет түрі үшін қайта есептелетін өлшем бірлігі (немесе ncv бағанындағы жылу бергіштік)",
        },
    ),
    "figure.foreign": (
        r"a figure for a key no other account holds.*",
        {
            "en": "a figure for a key no other account holds (only an editor can replace another account's figure)",
            "ru": "показатель для ключа, который не занят другой учётной записью (заменить чужой показатель может только редактор)",
            "kk": "басқа есептік жазбаға тиесілі емес кілттің көрсеткіші (бөтен көрсеткішті тек редактор ауыстыра алады)",
        },
    ),
    "file.too_large": (
        r"a file of at most (?P<mib>\d+) MiB",
        {
            "en": "a file of at most {mib} MiB",
            "ru": "файл не больше {mib} МиБ",
            "kk": "көлемі {mib} МиБ-тан аспайтын файл",
        },
    ),
    "file.type": (
        r"(a \.csv or \.xlsx file in the activity format|an Excel workbook \(\.xlsx\); this file is not one)",
        {
            "en": "a .csv or .xlsx file in the activity format",
            "ru": "файл .csv или .xlsx в формате данных о деятельности",
            "kk": "қызмет деректері форматындағы .csv немесе .xlsx файлы",
        },
    ),
    "file.encoding": (
        r"UTF-8 text.*",
        {
            "en": "UTF-8 text (save the file as 'CSV UTF-8')",
            "ru": "текст в UTF-8 (сохраните файл как «CSV UTF-8»)",
            "kk": "UTF-8 мәтіні (файлды «CSV UTF-8» ретінде сақтаңыз)",
        },
    ),
    "job.budget": (
        r"a file that can be read and checked within the (?P<what>time|memory) a job may.*",
        {
            "en": "a smaller file: this one takes more {what} than a job may use; split it",
            "ru": "файл поменьше: этот требует больше ресурсов ({what}), чем разрешено задаче; разделите его",
            "kk": "кішірек файл: бұл файлға тапсырмаға рұқсат етілгеннен көп ресурс ({what}) қажет; оны бөліңіз",
        },
    ),
    # the review, publication and revert forms (store/submissions.py, publications.py, revert.py)
    "form.reason_required": (
        r"a reason.*",
        {
            "en": "a reason (it is kept, and the provider reads it)",
            "ru": "причина (она сохраняется, и поставщик её видит)",
            "kk": "себебі (ол сақталады және жеткізуші оны көреді)",
        },
    ),
    "form.note_required": (
        r"a note that says what this version is",
        {
            "en": "a note that says what this version is",
            "ru": "примечание о том, что это за версия",
            "kk": "бұл қандай нұсқа екенін көрсететін ескертпе",
        },
    ),
    "form.not_pending": (
        r"rows not pending in this submission: (?P<rows>.*)",
        {
            "en": "rows still pending in this submission (these are decided already: {rows})",
            "ru": "строки, ещё ожидающие решения (по этим решение уже принято: {rows})",
            "kk": "әлі шешім күтіп тұрған жолдар (мыналар бойынша шешім қабылданған: {rows})",
        },
    ),
    "form.nothing_pending": (
        r"nothing pending in this submission",
        {
            "en": "a submission with rows still pending (nothing is pending here)",
            "ru": "поступившие данные со строками на рассмотрении (здесь таких нет)",
            "kk": "қаралуда жолдары бар деректер (мұнда ондай жоқ)",
        },
    ),
    "form.own_submission": (
        r"a submission is decided by someone other than its author",
        {
            "en": "someone other than the author decides a submission",
            "ru": "решение по данным принимает не тот, кто их представил",
            "kk": "деректер бойынша шешімді оларды ұсынған адам емес, басқа адам қабылдайды",
        },
    ),
    "form.already_withdrawn": (
        r"this version is already withdrawn",
        {
            "en": "a version that is not withdrawn yet",
            "ru": "версия, которая ещё не отозвана",
            "kk": "әлі кері шақырылмаған нұсқа",
        },
    ),
    "form.no_data": (
        r"no activity data for (?P<city>\S+) in (?P<year>\d+)",
        {
            "en": "a year with activity data ({year} has none)",
            "ru": "год, по которому есть данные ({year} — нет данных)",
            "kk": "деректері бар жыл ({year} жылы деректер жоқ)",
        },
    ),
    "form.nothing_current": (
        r"nothing of this batch is current any more",
        {
            "en": "a batch with figures still current (a later import or revert replaced them all)",
            "ru": "пакет с ещё действующими показателями (все они уже заменены)",
            "kk": "әлі қолданыстағы көрсеткіштері бар топтама (олардың бәрі ауыстырылған)",
        },
    ),
    "form.not_found": (
        r"no such (submission|publication|import batch)",
        {"en": "an existing number", "ru": "существующий номер", "kk": "бар нөмір"},
    ),
    "invalid": (
        r".*",
        {"en": "{detail}", "ru": "неверное значение: {detail}", "kk": "қате мән: {detail}"},
    ),
}
_COMPILED = [(code, re.compile(pattern + r"\Z", re.S)) for code, (pattern, _) in CODES.items()]
WHERE = {
    "en": ("{file}", ", row {row}", ", column '{column}'", ": got '{value}'"),
    "ru": ("{file}", ", строка {row}", ", столбец «{column}»", ": указано «{value}»"),
    "kk": ("{file}", ", {row}-жол", ", «{column}» бағаны", ": көрсетілгені «{value}»"),
}
EXPECTED = {"en": "expected", "ru": "ожидается", "kk": "күтілгені"}


def classify(expected: str) -> tuple[str, dict[str, str]]:
    """The code of an English problem text and the values of its placeholders."""
    for code, rx in _COMPILED:
        m = rx.match(expected)
        if m:
            params = {k: v for k, v in m.groupdict().items() if v is not None}
            return code, ({"detail": expected} if code == "invalid" else params)
    return "invalid", {"detail": expected}  # unreachable: "invalid" matches everything


def text(code: str, params: dict[str, Any], lang: str) -> str:
    """What is expected, in ``lang`` (English when the language is not kk or ru)."""
    names = CODES.get(code, CODES["invalid"])[1]
    template = names.get(lang) or names["en"]
    values = dict.fromkeys(re.findall(r"\{(\w+)\}", template), "")
    values.update({k: str(v) for k, v in params.items()})
    out = template.format(**values)
    return out.replace(" (nearest: )", "").replace(" (ближайшие: )", "").replace(" (ең жақыны: )", "")


def form_error(english: str, lang: str) -> str:
    """A form's refusal (an English sentence of the store) in ``lang``."""
    code, params = classify(english)
    return text(code, params, lang)


def message(problem: dict[str, Any], lang: str) -> str:
    """A problem (``Problem.to_dict()``) as one sentence in ``lang``: where, what was found, what is expected."""
    lang = lang if lang in WHERE else "en"
    file_, row, column, value = WHERE[lang]
    out = file_.format(file=problem.get("file") or "")
    if problem.get("row") is not None:
        out += row.format(row=problem["row"])
    if problem.get("column"):
        out += column.format(column=problem["column"])
    if problem.get("value") is not None:
        out += value.format(value=problem["value"])
    code = problem.get("code") or classify(problem.get("expected") or "")[0]
    params = problem.get("params") or classify(problem.get("expected") or "")[1]
    return f"{out} — {EXPECTED[lang]}: {text(code, params, lang)}"


def localize(body: dict[str, Any], lang: str) -> dict[str, Any]:
    """An upload's outcome with ``code``, ``params`` and a ``message`` in ``lang`` on each problem."""
    problems = body.get("problems")
    if not problems:
        return body
    out = []
    for p in problems:
        code, params = (p["code"], p.get("params") or {}) if p.get("code") else classify(p.get("expected") or "")
        q = {**p, "code": code, "params": params}
        q["message"] = message(q, lang)
        out.append(q)
    return {**body, "problems": out}
