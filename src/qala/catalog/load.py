"""Load and check the reference catalog shipped as package data (``qala/catalog/data``)."""

from __future__ import annotations

import csv
import hashlib
import tomllib
from collections.abc import Iterator
from importlib import resources

import globalwarmingpotentials

from qala.catalog.model import (
    ACTIVITY_KINDS,
    CATEGORIES,
    GASES,
    LEVELS,
    Activity,
    CalorificValue,
    EmissionFactor,
    GpcCell,
    GridFactor,
    GwpSet,
    Parameter,
)

LANGS = ("en", "ru", "kk")


class CatalogError(ValueError):
    """The shipped catalog is inconsistent (a packaging bug, never a user error)."""


def _data(name: str):
    return resources.files("qala.catalog").joinpath("data", name)


def read_rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    with _data(name).open(encoding="utf-8", newline="") as fh:
        yield from enumerate(csv.DictReader(fh), start=2)


def _need(name: str, lineno: int, row: dict[str, str], *cols: str) -> None:
    for col in cols:
        if not (row.get(col) or "").strip():
            raise CatalogError(f"{name} line {lineno}: column '{col}' is empty")


def _float(name: str, lineno: int, row: dict[str, str], col: str) -> float:
    try:
        return float(row[col])
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"{name} line {lineno}: '{col}' is not a number: {row.get(col)!r}") from exc


def load_activities() -> dict[str, Activity]:
    out: dict[str, Activity] = {}
    for n, r in read_rows("activities.csv"):
        _need("activities.csv", n, r, "code", "kind", "name_en", "name_ru", "name_kk")
        if r["kind"] not in ACTIVITY_KINDS:
            raise CatalogError(f"activities.csv line {n}: unknown kind {r['kind']!r}")
        aliases = tuple(a for a in (r.get("aliases") or "").split(";") if a)
        out[r["code"]] = Activity(
            code=r["code"],
            kind=r["kind"],
            canonical_unit=r["canonical_unit"],
            biogenic=r["biogenic"] == "true",
            aliases=aliases,
            names={lang: r[f"name_{lang}"] for lang in LANGS},
            note=r.get("note", ""),
        )
    return out


def load_factors(activities: dict[str, Activity]) -> dict[tuple[str, str, str], EmissionFactor]:
    out: dict[tuple[str, str, str], EmissionFactor] = {}
    for n, r in read_rows("emission_factors.csv"):
        _need("emission_factors.csv", n, r, "id", "activity", "category", "gas", "value", "unit", "source")
        if r["activity"] not in activities or r["category"] not in CATEGORIES or r["gas"] not in GASES:
            raise CatalogError(f"emission_factors.csv line {n}: unknown activity, category or gas")
        key = (r["activity"], r["category"], r["gas"])
        if key in out:
            raise CatalogError(f"emission_factors.csv line {n}: duplicate factor {key}")
        out[key] = EmissionFactor(
            id=r["id"],
            activity=r["activity"],
            category=r["category"],
            gas=r["gas"],
            value=_float("emission_factors.csv", n, r, "value"),
            unit=r["unit"],
            source=r["source"],
            confidence=r["confidence"],
            note=r.get("note", ""),
        )
    return out


def load_ncv(activities: dict[str, Activity]) -> dict[tuple[str, str], CalorificValue]:
    out: dict[tuple[str, str], CalorificValue] = {}
    for n, r in read_rows("ncv.csv"):
        _need("ncv.csv", n, r, "activity", "basis", "value", "unit", "source")
        if r["activity"] not in activities or r["basis"] not in ("mass", "volume"):
            raise CatalogError(f"ncv.csv line {n}: unknown activity or basis")
        out[(r["activity"], r["basis"])] = CalorificValue(
            activity=r["activity"],
            basis=r["basis"],
            value=_float("ncv.csv", n, r, "value"),
            unit=r["unit"],
            source=r["source"],
            confidence=r["confidence"],
            note=r.get("note", ""),
        )
    return out


def load_cells() -> dict[str, GpcCell]:
    out: dict[str, GpcCell] = {}
    for n, r in read_rows("gpc_cells.csv"):
        _need("gpc_cells.csv", n, r, "ref", "sector", "subsector", "scope", "level", "source")
        if r["level"] not in LEVELS or r["scope"] not in ("1", "2", "3"):
            raise CatalogError(f"gpc_cells.csv line {n}: bad level or scope")
        cat = r.get("combustion_category") or ""
        if cat and cat not in CATEGORIES:
            raise CatalogError(f"gpc_cells.csv line {n}: unknown category {cat!r}")
        out[r["ref"]] = GpcCell(
            ref=r["ref"],
            sector=r["sector"],
            subsector=r["subsector"],
            scope=int(r["scope"]),
            level=r["level"],
            combustion_category=cat,
            meaning=r["meaning"],
            subsector_names={lang: r[f"subsector_{lang}"] for lang in LANGS},
            source=r["source"],
            note=r.get("note", ""),
        )
    return out


def load_sectors() -> dict[str, dict[str, str]]:
    return {r["code"]: {lang: r[f"name_{lang}"] for lang in LANGS} for _, r in read_rows("gpc_sectors.csv")}


def load_gwp_sets() -> dict[str, GwpSet]:
    out: dict[str, GwpSet] = {}
    for n, r in read_rows("gwp_sets.csv"):
        _need("gwp_sets.csv", n, r, "code", "package_key", "source")
        table = globalwarmingpotentials.data.get(r["package_key"])
        if table is None:
            raise CatalogError(f"gwp_sets.csv line {n}: the package has no column {r['package_key']}")
        # CO2 is the reference gas (GWP 1 by definition); the package lists only the others.
        values = {"CO2": 1.0, **{gas: float(v) for gas, v in table.items()}}
        out[r["code"]] = GwpSet(
            code=r["code"],
            package_key=r["package_key"],
            default=r["default"] == "true",
            name=r["name"],
            source=r["source"],
            note=r.get("note", ""),
            values=values,
        )
    if sum(s.default for s in out.values()) != 1:
        raise CatalogError("gwp_sets.csv: exactly one set must be the default")
    return out


def load_grid_factors() -> dict[str, GridFactor]:
    out: dict[str, GridFactor] = {}
    for n, r in read_rows("grid_factors.csv"):
        _need("grid_factors.csv", n, r, "id", "country", "year", "value", "unit", "gas", "source")
        out[r["id"]] = GridFactor(
            id=r["id"],
            country=r["country"],
            year=int(r["year"]),
            value=_float("grid_factors.csv", n, r, "value"),
            unit=r["unit"],
            gas=r["gas"],
            basis=r["basis"],
            default=r["default"] == "true",
            source=r["source"],
            confidence=r["confidence"],
            note=r.get("note", ""),
        )
    return out


def load_parameters(name: str, key: str = "parameter") -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for n, r in read_rows(name):
        _need(name, n, r, key, "source")
        if not (r.get("value") or "").strip():
            continue
        pname = f"{r['method']}.{r[key]}" if "method" in r else r[key]
        out[pname] = Parameter(
            name=pname,
            value=_float(name, n, r, "value"),
            unit=r.get("unit", ""),
            source=r["source"],
            confidence=r.get("confidence", ""),
            note=r.get("note", ""),
        )
    return out


def catalog_version() -> tuple[str, str]:
    """The declared catalog version and a SHA-256 over every data file (for reproducibility stamps)."""
    declared = tomllib.loads(_data("VERSION.toml").read_text(encoding="utf-8"))["catalog_version"]
    digest = hashlib.sha256()
    for name, entry in _data_files(resources.files("qala.catalog").joinpath("data"), ""):
        digest.update(name.encode())
        digest.update(entry.read_bytes())
    return declared, digest.hexdigest()


def _data_files(folder, prefix: str):
    """Every data file below ``folder`` (sub-folders included), in a stable order, with its relative name."""
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.is_file():
            yield prefix + entry.name, entry
        elif entry.is_dir() and not entry.name.startswith(("_", ".")):
            yield from _data_files(entry, f"{prefix}{entry.name}/")
