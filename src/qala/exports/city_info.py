"""The city-information fields of the reporting formats (population, area, boundary ...) from the city's data.

Each value comes from the city's bundled ``city.csv`` (every figure with its source); a field the data do
not hold is left empty, never filled with a guess. Population: the mid-year figure of the inventory year
(1 June or "mid"), else the first figure of that year. Area: the newest area in km2 not after the year.
"""

from __future__ import annotations

import csv
from typing import Any

from qala.cities import BUNDLED, bundled


def _rows(city: str) -> list[dict[str, str]]:
    if city not in BUNDLED:
        return []
    path = bundled(city).folder.joinpath("city.csv")
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def city_info(city: str, year: int, name: str | None = None) -> dict[str, Any]:
    """The fields the formats ask for, as far as the city's data hold them, with ``sources``."""
    info: dict[str, Any] = {"name": name or city, "sources": []}
    if city in BUNDLED:
        pkg = bundled(city)
        info["name"] = name or pkg.names["en"]
        info["country"] = pkg.country
        info["boundary"] = f"Administrative boundary of {info['name']} (city akimat territory)"
    rows = _rows(city)
    people = [r for r in rows if r["id"].startswith("pop_") and r["unit"] == "persons" and r["year"] == str(year)]
    people.sort(key=lambda r: (0 if ("06_01" in r["id"] or "mid" in r["id"]) else 1, r["id"]))
    if people and _number(people[0]["value"]) is not None:
        info["population"] = int(float(people[0]["value"]))
        info["sources"].append(("population", f"{people[0]['parameter']}: {people[0]['source']}"))
    areas = [
        r
        for r in rows
        if r["id"].startswith("area") and r["unit"] == "km2" and r["year"].isdigit() and int(r["year"]) <= year
    ]
    if areas:
        best = max(areas, key=lambda r: int(r["year"]))
        info["area_km2"] = _number(best["value"])
        info["sources"].append(("land area", f"{best['parameter']}: {best['source']}"))
    gdp = [r for r in rows if r["id"].startswith(("gdp", "grp")) and r["year"] == str(year) and "US" in r["unit"]]
    if gdp:
        info["gdp_usd"] = _number(gdp[0]["value"])
        info["sources"].append(("GDP", f"{gdp[0]['parameter']}: {gdp[0]['source']}"))
    return info
