"""Estimates for a city: which spec applies (stored, bundled or built from a population series), what it gives,
and writing it (shared by ``qala estimate``, the editors' page and the first load of a bundled city)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import yaml
from sqlalchemy import Engine, insert, select, update

from qala.catalog import load_catalog
from qala.catalog.estimation import load_estimation_reference
from qala.cities import BUNDLED, bundled
from qala.estimate.model import Estimate, EstimateError
from qala.estimate.run import run_spec
from qala.estimate.spec import Spec, load_spec, parse_spec
from qala.messages import Problem
from qala.store.estimates import ApplyOutcome, apply_estimates
from qala.store.models import EstimateSpec
from qala.store.records import known_cities

GENERIC_YEARS = "2015-2024"


@dataclass(frozen=True)
class SpecSource:
    text: bytes
    origin: str  # "stored", "bundled", "given", "generic"
    name: str


def stored_spec(engine: Engine, city: str) -> SpecSource | None:
    with engine.connect() as conn:
        row = conn.execute(select(EstimateSpec.spec).where(EstimateSpec.city_code == city)).first()
    return None if row is None else SpecSource(row[0].encode("utf-8"), "stored", f"{city} (stored spec)")


def bundled_spec(city: str) -> SpecSource | None:
    if city not in BUNDLED:
        return None
    path = bundled(city).estimates_file
    return SpecSource(path.read_bytes(), "bundled", f"qala/cities/{city}/estimates.yaml") if path.is_file() else None


def spec_for(engine: Engine, city: str) -> SpecSource:
    found = stored_spec(engine, city) or bundled_spec(city)
    if found is None:
        raise EstimateError(
            [
                f"there is no estimation spec for '{city}' yet: give its population series "
                "(qala estimate --population FILE.csv, columns year,value,source) or a spec file (--spec FILE.yaml)"
            ]
        )
    return found


def compute(source: SpecSource, city: str) -> tuple[Spec, list[Estimate]]:
    spec = load_spec(source.text, source.name)
    if spec.city != city:
        raise EstimateError([f"{source.name}: the spec is for '{spec.city}', not '{city}'"])
    return spec, run_spec(spec, load_estimation_reference(), load_catalog())


def estimate(engine: Engine, city: str, source: SpecSource | None = None) -> tuple[SpecSource, list[Estimate]]:
    with engine.connect() as conn:
        cities = known_cities(conn)
    if city not in cities:
        raise EstimateError([Problem("", "estimate.city_unknown", city=city, cities=", ".join(cities) or "none")])
    source = source or spec_for(engine, city)
    return source, compute(source, city)[1]


def preview_or_apply(
    engine: Engine, city: str, source: SpecSource, estimates: list[Estimate], *, who: str, apply: bool
) -> ApplyOutcome:
    """What writing the estimates would do (``apply=False``), or write them and keep the spec with them."""
    label = f"qala estimate ({source.name})"
    with engine.begin() as conn:
        outcome = apply_estimates(conn, city, estimates, who=who, label=label, dry_run=not apply)
        if apply:
            keep_spec(conn, city, source, who)
    return outcome


def keep_spec(conn, city: str, source: SpecSource, who: str) -> None:
    text = source.text.decode("utf-8")
    sha = hashlib.sha256(source.text).hexdigest()
    now = datetime.now(UTC)
    row = conn.execute(select(EstimateSpec.sha256).where(EstimateSpec.city_code == city)).first()
    values = {"spec": text, "sha256": sha, "updated_by": who, "updated_at": now}
    if row is None:
        conn.execute(insert(EstimateSpec).values(city_code=city, **values))
    elif row[0] != sha:
        conn.execute(update(EstimateSpec).where(EstimateSpec.city_code == city).values(**values))


# --- any city: a complete rough baseline from its population (and cars when known) ----------------------------
def read_points(data: bytes, name: str, unit: str) -> dict:
    """A series from CSV text with columns year, value, source (and optional confidence, note)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EstimateError([Problem(name, "estimate.utf8")]) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("year", "value", "source") if c not in (reader.fieldnames or [])]
    if missing:
        raise EstimateError([Problem(name, "estimate.columns", missing=", ".join(missing))])
    points, problems = [], []
    for n, row in enumerate(reader, start=2):
        try:
            year = int(str(row["year"]).strip())
        except ValueError:
            problems.append(Problem(name, "estimate.row_year", ", ", row=str(n), value=repr(row["year"])))
            continue
        try:
            value = float(str(row["value"]).strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
        except ValueError:
            problems.append(Problem(name, "estimate.row_value", ", ", row=str(n), value=repr(row["value"])))
            continue
        if value < 0:
            problems.append(Problem(name, "estimate.row_negative", ", ", row=str(n), value=f"{value:g}"))
            continue
        if not (row.get("source") or "").strip():
            problems.append(Problem(name, "estimate.row_source", ", ", row=str(n)))
            continue
        point = {"year": year, "value": value, "source": row["source"].strip()}
        for extra in ("confidence", "note"):
            if (row.get(extra) or "").strip():
                point[extra] = row[extra].strip()
        points.append(point)
    if problems:
        raise EstimateError(problems)
    if not points:
        raise EstimateError([Problem(name, "estimate.no_rows")])
    return {"unit": unit, "fill": "linear", "points": points}


def generic_spec(city: str, population: dict, cars: dict | None = None, years: str = GENERIC_YEARS) -> SpecSource:
    """A spec that fills every BASIC cell of any Kazakh city from national data and its population (road transport
    from its passenger cars when they are given): a first, rough baseline, to be replaced by providers' data."""
    road_proxy = "passenger_cars" if cars else "population"
    entries = [
        {
            "id": "residential_fuel",
            "cell": "I.1.1",
            "method": "downscale",
            "category": "1.A.4.b",
            "proxy": "population",
        },
        {"id": "commercial_fuel", "cell": "I.2.1", "method": "downscale", "category": "1.A.4.a", "proxy": "population"},
        {
            "id": "industry_fuel",
            "cell": "I.3.1",
            "method": "downscale",
            "category": "1.A.2",
            "proxy": "population",
            "carry": "parent_trend",
            "parent": "1.A.2",
        },
        {
            "id": "grid_electricity",
            "cell": "I.6.2",
            "method": "derive",
            "activity": "grid_electricity",
            "unit": "MWh",
            "formula": "consumption_kz * population / population_kz",
            "inputs": {
                "consumption_kz": "national:electricity_consumption",
                "population": "population",
                "population_kz": "national:population",
            },
        },
        {
            "id": "road",
            "cell": "II.1.1",
            "method": "downscale",
            "category": "1.A.3.b",
            "proxy": road_proxy,
            "carry": "parent_trend",
            "parent": "1.A.3",
        },
        {
            "id": "rail",
            "cell": "II.2.1",
            "method": "downscale",
            "category": "1.A.3.c",
            "proxy": "population",
            "carry": "parent_trend",
            "parent": "1.A.3",
        },
        {
            "id": "landfill",
            "cell": "III.1.1",
            "method": "downscale",
            "category": "5.A",
            "proxy": "population",
            "carry": "parent_trend",
            "parent": "5.A",
        },
        {
            "id": "wastewater",
            "cell": "III.4.1",
            "method": "downscale",
            "category": "5.D.1",
            "proxy": "population",
            "carry": "parent_trend",
            "parent": "5.D",
        },
    ]
    series = {"population": population}
    if cars:
        series["passenger_cars"] = cars
    raw = {
        "city": city,
        "years": years,
        "note": "Generic first baseline: national inventory per person (per car for road transport when given).",
        "series": series,
        "estimates": entries,
    }
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False).encode("utf-8")
    parse_spec(raw, f"{city} (generic spec)")  # named problems now, not at apply time
    return SpecSource(text, "generic", f"{city} (generic spec)")
