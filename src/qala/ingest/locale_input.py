"""The forms a provider types in Kazakh or Russian: "5 576 311", "12,5", and the unit labels Qala prints.

* Digits grouped by threes with a space, a no-break space (U+00A0), a narrow no-break space (U+202F) or
  a thin space (U+2009) are read without the spaces: "5 576 311" is 5576311.
* A comma is the decimal separator when it is the only separator and is not followed by exactly three
  digits: "12,5" is 12.5 and "5 576,25" is 5576.25; "1,234" stays refused (1.234 or 1234?), with the
  message that asks for a point.
* A unit written as Qala prints it in kk or ru (``мың м3``, ``тыс. м3``, ``Гкал``, ``МВт·ч``, ``т у.т.``,
  ``кг/ТДж``) is read as its canonical symbol (``thousand m3``, ``Gcal``, ``MWh``, ``tce``, ``kg/TJ``).
"""

from __future__ import annotations

from functools import cache

import polars as pl

SPACES = "\u0020\u00a0\u202f\u2009"
GROUPED = rf"^[+-]?[0-9]{{1,3}}([{SPACES}][0-9]{{3}})+([.,][0-9]+)?$"
DECIMAL_COMMA = r"^[+-]?[0-9]+,[0-9]+$"
AMBIGUOUS = r"^[+-]?[0-9]{1,3},[0-9]{3}$"


def number_text(col: pl.Expr) -> pl.Expr:
    """A number cell's text with locale grouping removed and a decimal comma turned into a point."""
    ungrouped = pl.when(col.str.contains(GROUPED)).then(col.str.replace_all(f"[{SPACES}]", "")).otherwise(col)
    comma = ungrouped.str.contains(DECIMAL_COMMA) & ~ungrouped.str.contains(AMBIGUOUS)
    return pl.when(comma).then(ungrouped.str.replace(",", ".", literal=True)).otherwise(ungrouped)


@cache
def unit_labels() -> dict[str, str]:
    """Every kk/ru (and en) label of a unit, lower-cased and without spaces around, -> the canonical symbol."""
    from qala.web.labels import UNITS  # noqa: PLC0415 - the labels the pages print are the source

    out: dict[str, str] = {}
    for code, names in UNITS.items():
        for text in names.values():
            out.setdefault(_key(text), code)
    return out


def _key(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()).lower()


def canonical_unit(text: str) -> str:
    """``мың м3`` -> ``thousand m3``; ``кг/ТДж`` -> ``kg/TJ``; anything else unchanged."""
    labels = unit_labels()
    parts = text.split("/")
    mapped = [labels.get(_key(p)) for p in parts]
    if all(m is not None for m in mapped) and any(m != p for m, p in zip(mapped, parts, strict=True)):
        return "/".join(m for m in mapped if m is not None)
    return text


def unit_text(frame: pl.DataFrame, column: str = "unit") -> pl.Expr:
    """The unit column with kk/ru labels replaced by canonical symbols (only the distinct values are looked at)."""
    mapping = {u: canonical_unit(u) for u in frame[column].unique().to_list() if u}
    mapping = {k: v for k, v in mapping.items() if k != v}
    col = pl.col(column)
    return col.replace(mapping) if mapping else col
