"""The reproducibility stamp: what the report was computed from, so that anyone can tell two reports apart."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import Engine

from qala import __version__
from qala.catalog import load_catalog
from qala.store import records

# a canonical order that does not depend on the database's ids or the order of imports
ORDER = ("year", "gpc_ref", "activity", "facility", "unit", "amount", "source")


@dataclass(frozen=True)
class Stamp:
    city: str
    data_sha256: str  # the city's current activity records and notation keys, canonical order
    n_records: int
    model_sha256: str | None  # the city's scenario model (drivers, measures, targets)
    catalog_version: str
    catalog_sha256: str
    qala_version: str
    generated: str  # ISO date
    draws: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def data_digest(engine: Engine, city: str) -> tuple[str, int]:
    """SHA-256 over the current activity records (without database ids) and the declared notation keys."""
    frame = records.activity_frame(engine, city).drop("id")
    frame = frame.sort(list(ORDER), nulls_last=True)
    h = hashlib.sha256()
    h.update(json.dumps(frame.columns).encode())
    for row in frame.iter_rows():
        h.update(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8") + b"\n")
    for year in records.years_with_data(engine, city):
        for ref, nk in sorted(records.notation_keys(engine, city, year).items()):
            h.update(json.dumps([year, ref, nk.key, nk.explanation], ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest(), frame.height


def model_digest(city: str, engine: Engine | None = None) -> str | None:
    """SHA-256 of the city's model file; for a derived (synthetic) city, of its source model and scale."""
    path = resources.files("qala.cities").joinpath(city, "model.yaml")
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if engine is None:
        return None
    from qala.scale.synth import derivation  # noqa: PLC0415

    how = derivation(engine, city)
    if how is None:
        return None
    source = resources.files("qala.cities").joinpath(str(how["from"]), "model.yaml")
    h = hashlib.sha256(source.read_bytes())
    h.update(f"\nscaled by {float(how['scale'])!r}".encode())  # type: ignore[arg-type]
    return h.hexdigest()


def make_stamp(engine: Engine, city: str, today: date, draws: int, seed: int) -> Stamp:
    digest, n = data_digest(engine, city)
    cat = load_catalog()
    return Stamp(
        city=city,
        data_sha256=digest,
        n_records=n,
        model_sha256=model_digest(city, engine),
        catalog_version=cat.version,
        catalog_sha256=cat.digest,
        qala_version=__version__,
        generated=today.isoformat(),
        draws=draws,
        seed=seed,
    )
