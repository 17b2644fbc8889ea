"""Languages: gettext catalogs (Babel) for kk (default), ru and en; numbers and dates per locale."""

from __future__ import annotations

import io
import re
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LANGS = ("kk", "ru", "en")
DEFAULT = "kk"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@cache
def locale(lang: str) -> Locale:
    """The Babel locale of a language, parsed once (a report formats about a thousand numbers)."""
    return Locale.parse(lang)


@cache
def translations(lang: str) -> Translations:
    """The compiled catalog of a language (read from its .po file, compiled in memory)."""
    path = resources.files("qala").joinpath("locale", lang, "LC_MESSAGES", "messages.po")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang= first, then the remembered cookie, then the browser's Accept-Language, else Kazakh."""
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    if accept_language:
        ranked = []
        for part in accept_language.split(","):
            code, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((weight, code.split("-")[0].lower()))
        for _, code in sorted(ranked, key=lambda x: -x[0]):
            if code in LANGS:
                return code
    return DEFAULT


def number(value: float | None, lang: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=locale(lang))


def parse_number(text: str | None, lang: str) -> float | None:
    """A number as a person types it in ``lang``: "5 576 311", "5576311,5", "5,576,311.5" (en), "12 %".

    None for an empty field; ValueError for anything else that is not a finite number.
    """
    import math  # noqa: PLC0415
    import re  # noqa: PLC0415

    raw = re.sub(r"[\s\u00a0\u202f'’]", "", text or "").rstrip("%")
    if not raw:
        return None
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in raw:
        thousands = lang == "en" and re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", raw)
        raw = raw.replace(",", "") if thousands else raw.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", raw):
        raise ValueError(f"not a number: {text!r}")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def smart(value: float | str | None, lang: str) -> str:
    """A measured value with the digits it needs for the locale: 94 600, 35,2, 1,14, 0,0042 (not 35.199999999999996).

    Whole numbers from 100 up lose their decimals; smaller ones keep up to three significant digits after the point.
    A value that is not a number (a text the data carry) is returned as it is.
    """
    if value is None or value == "":
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    a = abs(v)
    if a >= 100 or v == int(v):
        fmt = "#,##0"
    elif a >= 1:
        fmt = "#,##0.##"
    else:
        fmt = "#,##0.####"
    return format_decimal(v, format=fmt, locale=locale(lang))


def when(value: Any, lang: str, seconds: bool = False) -> str:
    """A date or a time for the locale, to the minute (to the second with ``seconds``, as an audit log wants;
    never an ISO string with microseconds)."""
    from datetime import date, datetime  # noqa: PLC0415

    from babel.dates import format_date, format_datetime  # noqa: PLC0415

    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}", value):  # a year alone (a document adopted "in 2018")
            return value
        if re.fullmatch(r"\d{4}-\d{2}", value):  # a year and a month: "02.2023"
            return format_date(date.fromisoformat(value + "-01"), "MM.yyyy", locale=locale(lang))
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return format_datetime(value, "dd.MM.yyyy HH:mm:ss" if seconds else "dd.MM.yyyy HH:mm", locale=locale(lang))
    if isinstance(value, date):
        return format_date(value, "dd.MM.yyyy", locale=locale(lang))
    return str(value)


def percent(value: float, lang: str) -> str:
    return format_percent(value, locale=locale(lang))


def template_helpers(lang: str) -> dict[str, Any]:
    """What every template of a language needs: its translations and its number formats."""
    tr = translations(lang)
    return {
        "lang": lang,
        "_": tr.gettext,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        "num": lambda v, d=0: number(v, lang, d),
        "pct": lambda v: percent(v, lang),
        "qty": lambda v: smart(v, lang),
        "when": lambda v, seconds=False: when(v, lang, seconds),
    }
