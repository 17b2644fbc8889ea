"""The technical information base as a Frictionless data package (Data Package v1 descriptor + CSV files).

Resources: ``activity`` (the current figures of a city in the import format, so that ``qala import`` takes
the file back), ``activity_records`` (every figure ever imported, superseded ones too, with its provenance:
batch, file row, successor), ``import_batches`` (file name, SHA-256, who, when), ``notation_keys`` (the
city's declared keys), and the reference catalog the inventory uses: ``emission_factors``, ``ncv``,
``gwp_sets``, ``units``, ``activities``, ``gpc_cells``, ``grid_factors``. Each table has a schema with
types, the constraints the importer or the catalog loader enforces, primary keys, and foreign keys where the
store or the catalog guarantees them; each resource names its sources, and a licence where one is known.
Written as a directory, or as a zip file when the path ends in ``.zip``. Text cells go through
:func:`qala.exports.safe.safe`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

from qala import __version__
from qala.catalog.catalog import Catalog
from qala.exports.package_tables import GPC, IPCC, Table, catalog_tables, store_tables
from qala.exports.safe import safe_row
from qala.exports.state import inventory_state
from qala.store import records

TYPES: dict[Any, str] = {pl.Int64: "integer", pl.Int32: "integer", pl.Float64: "number", pl.Boolean: "boolean"}


def _schema(t: Table) -> dict[str, Any]:
    fields = []
    for name, dtype in t.frame.schema.items():
        f: dict[str, Any] = {"name": name, "type": t.types.get(name) or TYPES.get(dtype, "string")}
        if name in t.constraints or name in t.primary_key:
            f["constraints"] = {**({"required": True} if name in t.primary_key else {}), **t.constraints.get(name, {})}
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields}
    if t.primary_key:
        schema["primaryKey"] = t.primary_key
    if t.foreign_keys:
        schema["foreignKeys"] = t.foreign_keys
    return schema


def _csv(frame: pl.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(frame.columns)
    for row in frame.iter_rows():
        w.writerow(safe_row(row))
    return buf.getvalue().encode("utf-8")


def build(engine: Engine, city: str, catalog: Catalog) -> dict[str, bytes]:
    """File name -> bytes: ``datapackage.json`` and one CSV per resource under ``data/``."""
    tables = [*store_tables(engine, city), *catalog_tables(catalog)]
    files: dict[str, bytes] = {}
    descriptor_resources = []
    for t in tables:
        path = f"data/{t.name}.csv"
        files[path] = _csv(t.frame)
        res: dict[str, Any] = {
            "name": t.name,
            "path": path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": t.description,
            "schema": _schema(t),
        }
        if t.sources:
            res["sources"] = t.sources
        if t.licenses:
            res["licenses"] = t.licenses
        descriptor_resources.append(res)
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"qala-{city}-information-base",
        "title": f"Qala technical information base: {city}",
        "description": "Activity data with provenance and the reference catalog (emission factors, NCVs, GWP sets, "
        "units, GPC cells) used by Qala's GPC inventory. Licences: each resource names its sources; a resource "
        "without a licence carries no stated licence: ask its source.",
        "version": catalog.version,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "contributors": [{"title": f"Qala {__version__}", "role": "publisher"}],
        "sources": [IPCC, GPC],
        "resources": descriptor_resources,
        # which state of each year's inventory the data are (qala.exports.state; a custom property)
        "qala_inventory_states": [inventory_state(engine, city, y) for y in records.years_with_data(engine, city)],
    }
    files["datapackage.json"] = (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


def write(files: dict[str, bytes], output: Path) -> None:
    """A directory, or a zip file when ``output`` ends in ``.zip``."""
    if output.suffix.lower() == ".zip":
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return
    for name, data in files.items():
        path = output / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
