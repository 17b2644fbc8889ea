"""Paragraphs, their normalised form (for duplicates) and their stems (for full-text search).

The same functions stem the stored paragraphs and the queries, so that SQLite FTS5 and PostgreSQL's
``simple`` text search, which only split on spaces and lower-case, see identical tokens on both sides.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

LANGS = ("kk", "ru", "en")
MIN_STEM = 3  # letters a Kazakh stem keeps at least

_WORD = re.compile(r"[^\W_]+")  # letters and digits; everything else separates words
_BLANK_LINE = re.compile(r"\n[ \t\f\v\u00a0]*\n")
_SPACE = re.compile(r"\s+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_KAZAKH_LETTERS = re.compile(r"[әғқңөұүһі]")  # letters of Kazakh that Russian does not have

# Kazakh case, plural and possessive endings (and their usual combinations), stripped longest first.
_PLURAL = ("лар", "лер", "дар", "дер", "тар", "тер")
_POSSESSIVE = ("ы", "і", "сы", "сі", "ым", "ім", "ың", "ің", "ымыз", "іміз", "ыңыз", "іңіз", "сымыз", "сіміз")
_CASE = (
    # genitive, dative, accusative, locative, ablative, instrumental, and "-дағы" (the one in)
    *("ның", "нің", "дың", "дің", "тың", "тің"),
    *("ға", "ге", "қа", "ке"),
    *("ны", "ні", "ды", "ді", "ты", "ті"),
    *("да", "де", "та", "те"),
    *("дан", "ден", "тан", "тен", "нан", "нен"),
    *("мен", "бен", "пен"),
    *("дағы", "дегі", "тағы", "тегі"),
)
# after a possessive (third person) the case endings take an n: -сының, -сына, -сын, -сында, -сынан
_AFTER_POSSESSIVE = ("ның", "нің", "на", "не", "н", "нда", "нде", "нан", "нен", "мен", "ндағы", "ндегі")


def _kazakh_endings() -> tuple[str, ...]:
    endings: set[str] = set(_PLURAL) | set(_POSSESSIVE) | set(_CASE)
    for poss in ("ы", "і", "сы", "сі"):
        endings.update(poss + case for case in _AFTER_POSSESSIVE)
    for plural in _PLURAL:
        endings.update(plural + case for case in _CASE)
        endings.update(plural + poss for poss in ("ы", "і"))
        endings.update(plural + poss + case for poss in ("ы", "і") for case in _AFTER_POSSESSIVE)
    return tuple(sorted(endings, key=len, reverse=True))


KAZAKH_ENDINGS = _kazakh_endings()


def stem_kazakh(word: str) -> str:
    """Strip the longest Kazakh ending that leaves at least three letters; repeat until none does.

    Repeating makes a lemma and its inflected forms meet even when the lemma itself ends like an ending
    (карта -> кар, картасы -> карта -> кар).
    """
    for _ in range(4):
        for ending in KAZAKH_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                word = word[: -len(ending)]
                break
        else:
            return word
    return word


@lru_cache(maxsize=4)
def _snowball(language: str):
    return snowballstemmer.stemmer(language)


def stem_word(word: str, lang: str) -> str:
    """Stem one lower-case word: Latin words in English, Cyrillic ones in Kazakh or Russian by ``lang``."""
    if _LATIN.search(word):
        return _snowball("english").stemWord(word)
    if _CYRILLIC.search(word):
        if lang == "kk" or (lang != "ru" and _KAZAKH_LETTERS.search(word)):
            return stem_kazakh(word)
        return _snowball("russian").stemWord(word)
    return word  # numbers and other scripts as they are


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation removed (``ё`` read as ``е``)."""
    folded = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return _WORD.findall(folded)


def stems(text: str, lang: str) -> str:
    """The text as space-separated stems: what the database's full-text index holds."""
    return " ".join(stem_word(w, lang) for w in words(text))


def normalise(text: str) -> str:
    """Whitespace collapsed, Unicode NFC: how a paragraph is stored and shown."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def duplicate_key(text: str) -> str:
    """SHA-256 of the paragraph after whitespace and case normalisation: equal keys = verbatim repeats."""
    return hashlib.sha256(normalise(text).casefold().encode("utf-8")).hexdigest()


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text, whitespace normalised, empty ones dropped.

    Blank lines separate paragraphs and the lines of one block are joined (hard-wrapped text). A text
    with no blank line at all holds one paragraph per line, the usual form of texts copied from the web.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLANK_LINE.split(text)
    if len(blocks) == 1:
        blocks = text.split("\n")
    return [p for p in (normalise(b) for b in blocks) if p]


def query_languages(query: str, lang: str | None) -> tuple[str, ...]:
    """The languages to stem a query in: ``lang`` if given, else what its letters tell.

    Cyrillic without a Kazakh-only letter may be Kazakh or Russian (``стратегия``): both are tried.
    """
    if lang:
        return (lang,)
    folded = query.casefold()
    if _KAZAKH_LETTERS.search(folded):
        return ("kk",)
    if _CYRILLIC.search(folded):
        return ("kk", "ru")
    return ("en",)


def query_terms(query: str, lang: str | None) -> list[tuple[str, ...]]:
    """Each query word as the set of its possible stems (alternatives OR-ed, words AND-ed)."""
    langs = query_languages(query, lang)
    terms: list[tuple[str, ...]] = []
    for w in words(query):
        alternatives = tuple(dict.fromkeys(stem_word(w, lg) for lg in langs))
        if alternatives not in terms:
            terms.append(alternatives)
    return terms
