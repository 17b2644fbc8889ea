"""The tables of the information-base data package: the city's records from the store, the reference catalog."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select

from qala.catalog.catalog import Catalog
from qala.ingest import columns as import_columns
from qala.store import blocks, db
from qala.store.models import ActivityRecord, ImportBatch, NotationKeyRecord
from qala.store.records import RECORD_COLUMNS

IPCC = {
    "title": "IPCC (2006) 2006 IPCC Guidelines for National Greenhouse Gas Inventories",
    "path": "https://www.ipcc-nggip.iges.or.jp/public/2006gl/",
}
GPC = {"title": "GPC v1.1 (WRI, C40, ICLEI 2021)", "path": "https://ghgprotocol.org/ghg-protocol-cities"}
CC0 = {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/", "title": "CC0 1.0"}
PROVIDERS = [{"title": "Data providers, as named in the source column of each row"}]
REC = ActivityRecord.__table__
BATCH = ImportBatch.__table__
KEYS = NotationKeyRecord.__table__


@dataclass
class Table:
    name: str
    frame: pl.DataFrame
    description: str
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    constraints: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[dict[str, str]] = field(default_factory=list)
    licenses: list[dict[str, str]] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # Table Schema types that the frame's dtypes do not say


def _fk(fields: str, resource: str, ref: str) -> dict[str, Any]:
    return {"fields": fields, "reference": {"resource": resource, "fields": ref}}


def _catalog_csv(name: str) -> pl.DataFrame:
    path = resources.files("qala.catalog").joinpath("data", name)
    return pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema_length=None)


def _cell(value: object) -> object:
    """Timestamps as ISO 8601 text (the schema types them as datetime)."""
    return value.isoformat() if isinstance(value, datetime) else value


def _query(conn: Connection, stmt: Any, schema: dict[str, Any]) -> pl.DataFrame:
    rows = [tuple(_cell(v) for v in r) for r in conn.execute(stmt)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def store_tables(engine: Engine, city: str) -> list[Table]:
    with db.snapshot(engine) as conn:  # every table read from one state of the store
        return _store_tables(conn, city)


def _store_tables(conn: Connection, city: str) -> list[Table]:
    ef = dict.fromkeys(import_columns.EF, pl.Float64)
    held = blocks.held(conn, city=city)  # figures kept as blocks: read as the rows they stand for
    current = _query(
        conn,
        select(*(REC.c[c] for c in ("year", "gpc_ref", "activity", "amount", "unit", "source", "data_quality")))
        .add_columns(*(REC.c[c] for c in (*import_columns.EF, "ncv")), REC.c.city_code, REC.c.facility, REC.c.note)
        .where(REC.c.city_code == city, REC.c.superseded_by.is_(None))
        .order_by(REC.c.year, REC.c.gpc_ref, REC.c.activity, REC.c.facility),
        {
            "year": pl.Int64,
            "gpc_ref": pl.String,
            "activity": pl.String,
            "amount": pl.Float64,
            "unit": pl.String,
            "source": pl.String,
            "data_quality": pl.String,
            **ef,
            "ncv": pl.String,
            "city": pl.String,
            "facility": pl.String,
            "note": pl.String,
        },
    )
    held = held.rename({"city_code": "city"})
    if not held.is_empty():  # in the query's order (its text columns compare byte by byte, as polars' do)
        current = pl.concat([current, held.select(current.columns).cast(current.schema)])
        current = current.sort("year", "gpc_ref", "activity", "facility")
    record_cols = (
        "id",
        *(c for c in RECORD_COLUMNS if c != "source_row"),
        "batch_id",
        "source_row",
        "superseded_by",
        "superseded_at",
    )
    records = _query(
        conn,
        select(*(REC.c[c] for c in record_cols)).where(REC.c.city_code == city).order_by(REC.c.id),
        {
            c: (
                pl.Int64
                if c in ("id", "year", "batch_id", "source_row", "superseded_by")
                else pl.Float64
                if c in ("amount", *import_columns.EF)
                else pl.String
            )
            for c in record_cols
        },
    ).rename({"id": "record_id", "city_code": "city"})
    if not held.is_empty():
        kept = held.rename({"id": "record_id"}).select(records.columns).cast(records.schema)
        records = pl.concat([records, kept]).sort("record_id")
    batch_cols = (
        "id",
        "file_name",
        "sha256",
        "imported_by",
        "imported_at",
        "rows_read",
        "rows_new",
        "rows_superseding",
        "rows_duplicate",
    )
    batches = _query(
        conn,
        select(*(BATCH.c[c] for c in batch_cols))
        .where(BATCH.c.id.in_(records["batch_id"].unique().sort().to_list()))
        .order_by(BATCH.c.id),
        {
            c: (pl.String if c in ("file_name", "sha256", "imported_by", "imported_at") else pl.Int64)
            for c in batch_cols
        },
    ).rename({"id": "batch_id"})
    keys = _query(
        conn,
        select(KEYS.c.city_code, KEYS.c.year, KEYS.c.gpc_ref, KEYS.c.key, KEYS.c.explanation, KEYS.c.source_file)
        .where(KEYS.c.city_code == city)
        .order_by(KEYS.c.year, KEYS.c.gpc_ref),
        {
            "city": pl.String,
            "year": pl.Int64,
            "gpc_ref": pl.String,
            "key": pl.String,
            "explanation": pl.String,
            "source_file": pl.String,
        },
    )
    year = {"required": True, "minimum": import_columns.YEAR_MIN, "maximum": import_columns.YEAR_MAX}
    activity_keys = [_fk("gpc_ref", "gpc_cells", "ref"), _fk("activity", "activities", "code")]
    return [
        Table(
            "activity",
            current,
            "The city's current activity figures in Qala's import format (qala import FILE takes this file back); "
            "each figure's provenance is its row in activity_records.",
            [],
            activity_keys,
            {
                "year": year,
                "gpc_ref": {"required": True},
                "activity": {"required": True},
                "amount": {"required": True, "minimum": 0},
                "unit": {"required": True},
                "data_quality": {"enum": list(dict.fromkeys(import_columns.QUALITY.values()))},
            },
            PROVIDERS,
        ),
        Table(
            "activity_records",
            records,
            "Every activity figure imported for the city, superseded ones too, with its provenance: "
            "the import batch (file, SHA-256, who, when), the row in that file and the record that superseded it.",
            ["record_id"],
            [
                *activity_keys,
                _fk("batch_id", "import_batches", "batch_id"),
                _fk("superseded_by", "", "record_id"),  # "" = this resource (Table Schema)
            ],
            {"year": year, "amount": {"required": True, "minimum": 0}},
            PROVIDERS,
            types={"superseded_at": "datetime"},
        ),
        Table(
            "import_batches",
            batches,
            "One row per imported file.",
            ["batch_id"],
            [],
            {"sha256": {"required": True, "pattern": "[0-9a-f]{64}"}},
            types={"imported_at": "datetime"},
        ),
        Table(
            "notation_keys",
            keys,
            "The city's declared notation keys (NO, IE, NE, C) with their reasons; a GPC cell with "
            "neither data nor a declared key is reported NE.",
            ["city", "year", "gpc_ref"],
            [_fk("gpc_ref", "gpc_cells", "ref")],
            {"key": {"required": True, "enum": ["NO", "IE", "NE", "C"]}},
        ),
    ]


def _units() -> pl.DataFrame:
    text = resources.files("qala.catalog").joinpath("data", "units.txt").read_text(encoding="utf-8")
    header = " ".join(line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#"))
    defs = [line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = [{"unit": n.strip(), "kind": "definition", "definition": d.strip(), "note": header} for n, d in defs]
    aliases = _catalog_csv("unit_aliases.csv")
    rows += [{"unit": a, "kind": "alias", "definition": p, "note": n or ""} for a, p, n in aliases.iter_rows()]
    return pl.DataFrame(rows)


def _gwp(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"gwp_set": s.code, "gas": gas, "gwp_100": value, "default": s.default, "name": s.name, "source": s.source}
            for s in catalog.gwp_sets.values()
            for gas, value in s.values.items()
        ]
    )


def catalog_tables(catalog: Catalog) -> list[Table]:
    act = _fk("activity", "activities", "code")
    return [
        Table(
            "emission_factors",
            _catalog_csv("emission_factors.csv"),
            "Emission factors by activity, IPCC category and gas, each with its source.",
            ["id"],
            [act],
            {"value": {"required": True, "minimum": 0}},
            [IPCC],
        ),
        Table(
            "ncv",
            _catalog_csv("ncv.csv"),
            "Net calorific values of fuels in mass or volume units.",
            ["activity", "basis"],
            [act],
            {"value": {"required": True, "minimum": 0}},
            [IPCC],
        ),
        Table(
            "gwp_sets",
            _gwp(catalog),
            "GWP-100 values per gas of each IPCC assessment report set.",
            ["gwp_set", "gas"],
            [],
            {"gwp_100": {"required": True, "minimum": 0}},
            [
                {
                    "title": "Python package globalwarmingpotentials (openclimatedata)",
                    "path": "https://github.com/openclimatedata/globalwarmingpotentials",
                }
            ],
            [CC0],
        ),
        Table(
            "units",
            _units(),
            "Units added to pint's defaults (definitions) and accepted spellings (aliases).",
            ["unit"],
            [],
        ),
        Table(
            "activities",
            _catalog_csv("activities.csv"),
            "Activity (fuel and other) codes, kinds and names in en/ru/kk.",
            ["code"],
            [],
        ),
        Table(
            "gpc_cells",
            _catalog_csv("gpc_cells.csv"),
            "The GPC tree: every cell with scope, level (B, B+, T, O) and IPCC category.",
            ["ref"],
            [],
            {"scope": {"required": True, "enum": [1, 2, 3]}},
            [GPC],
        ),
        Table(
            "grid_factors",
            _catalog_csv("grid_factors.csv"),
            "Grid-electricity emission factors with basis and source.",
            ["id"],
            [],
        ),
    ]
