"""Names of the codes that data carry (funding sources, facilities, indicators, units …) in kk, ru and en.

They live in data files next to the data they name, not in code: ``catalog/data/labels.csv`` (kind, code, en,
ru, kk) for codes shared by every city, ``cities/<city>/labels.csv`` (the same columns) for the parameters and
drivers of a city's model, and ``cities/<city>/texts.csv`` (en, ru, kk) for the sentences a city's
data write in English (notation-key explanations, observation notes and the like; ``catalog/data/texts.csv``
for the catalog's own, such as a grid factor's basis), translated where the city writes them. A code
or sentence without a name falls back to English, then to itself; ``tests/test_labels_data.py`` fails on a code
that the data use without a kk and ru name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from functools import cache
from importlib import resources

LANGS = ("en", "ru", "kk")
Names = Mapping[str, str]


@cache
def table() -> dict[str, dict[str, dict[str, str]]]:
    """kind -> code -> lang -> name, from ``catalog/data/labels.csv`` and every city's ``labels.csv`` (the names
    of its model's parameters and drivers)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    paths = [resources.files("qala.catalog").joinpath("data", "labels.csv")]
    paths += [city.joinpath("labels.csv") for city in resources.files("qala.cities").iterdir()]
    for path in paths:
        if not path.is_file():
            continue
        with io.TextIOWrapper(path.open("rb"), encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.setdefault(row["kind"], {}).setdefault(row["code"], {lang: row[lang] for lang in LANGS})
    return out


@cache
def texts() -> dict[str, dict[str, str]]:
    """English sentence -> lang -> translation, from ``catalog/data/texts.csv`` (the catalog's own sentences,
    such as the basis of a grid factor) and every city's ``texts.csv``."""
    out: dict[str, dict[str, str]] = {}
    paths = [resources.files("qala.catalog").joinpath("data", "texts.csv")]
    paths += [city.joinpath("texts.csv") for city in resources.files("qala.cities").iterdir()]
    for path in paths:
        if not path.is_file():
            continue
        with io.TextIOWrapper(path.open("rb"), encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out[row["en"].strip()] = {lang: row[lang] for lang in LANGS}
    return out


def has(kind: str, code: str) -> bool:
    names = table().get(kind, {}).get(code)
    return bool(names and names.get("ru") is not None and names.get("kk") is not None)


def name(kind: str, code: str | None, lang: str) -> str:
    """The name of ``code`` of ``kind`` in ``lang`` (English, then the code itself, when it has none)."""
    if code is None:
        return ""
    names = table().get(kind, {}).get(code)
    if names is None:
        return code
    value = names.get(lang)
    return value if value is not None and (value or code == "1") else (names.get("en") or code)


def text(sentence: str | None, lang: str) -> str:
    """A data sentence written in English, in ``lang`` where the city has translated it (else as written)."""
    if not sentence:
        return ""
    names = texts().get(sentence.strip())
    return (names or {}).get(lang) or sentence


def text_lang(sentence: str | None, lang: str) -> str:
    """The language ``text(sentence, lang)`` is written in (for the ``lang`` attribute of its element)."""
    if not sentence:
        return lang
    names = texts().get(sentence.strip())
    return lang if names and names.get(lang) else "en"
