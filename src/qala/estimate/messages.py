"""Message codes of the estimates' input a person types on the page (the pasted population series), kk/ru/en.

The English text is the sentence ``qala estimate`` prints; the problem's place (the series' name) comes first.
"""

from __future__ import annotations

ESTIMATES: dict[str, dict[str, str]] = {
    "estimate.utf8": {
        "en": "UTF-8 text",
        "ru": "нужен текст в кодировке UTF-8",
        "kk": "UTF-8 кодтауындағы мәтін керек",
    },
    "estimate.columns": {
        "en": "columns year, value and source (missing: {missing})",
        "ru": "нужны столбцы year, value и source (нет: {missing})",
        "kk": "year, value және source бағандары керек (жоқ: {missing})",
    },
    "estimate.row_year": {
        "en": "row {row}, column year: a calendar year, not {value}",
        "ru": "строка {row}, столбец year: нужен календарный год, а не {value}",
        "kk": "{row}-жол, year бағаны: күнтізбелік жыл керек, {value} емес",
    },
    "estimate.row_value": {
        "en": "row {row}, column value: a number, not {value}",
        "ru": "строка {row}, столбец value: нужно число, а не {value}",
        "kk": "{row}-жол, value бағаны: сан керек, {value} емес",
    },
    "estimate.row_negative": {
        "en": "row {row}, column value: a number of at least 0, not {value}",
        "ru": "строка {row}, столбец value: нужно число не меньше 0, а не {value}",
        "kk": "{row}-жол, value бағаны: 0-ден кем емес сан керек, {value} емес",
    },
    "estimate.row_source": {
        "en": "row {row}, column source: where the figure comes from",
        "ru": "строка {row}, столбец source: укажите, откуда взята цифра",
        "kk": "{row}-жол, source бағаны: сан қайдан алынғанын көрсетіңіз",
    },
    "estimate.no_rows": {
        "en": "no rows",
        "ru": "нет ни одной строки",
        "kk": "бірде-бір жол жоқ",
    },
    "estimate.city_unknown": {
        "en": "unknown city '{city}'; known cities: {cities}",
        "ru": "неизвестный город «{city}»; известные города: {cities}",
        "kk": "«{city}» қаласы белгісіз; белгілі қалалар: {cities}",
    },
}
