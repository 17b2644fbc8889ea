"""Storing an existing inventory (sector level) as reported emissions with provenance, all-or-nothing.

Each cell and gas becomes one record: activity ``emissions_<gas>`` (the mass of the gas, t = t CO2e / GWP of
the set the file states, ``--gwp``), status ``reported``, method ``imported_inventory``, the row's source,
a note with the tonnes CO2e as given and the GWP used, the batch (file, SHA-256, who, when) and the row, and the
facility mark ``imported-inventory`` (its own key: nothing of Qala's own is superseded or retired). A new import
of a year replaces that year's earlier imported figures (kept in the history). Notation keys of the file are
written for cells that have no declared key yet; declared keys are kept. Which figures the inventory then uses
is decided by :mod:`qala.inventory.layers`; ``qala reconcile`` shows both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

import polars as pl
from sqlalchemy import Engine, insert, select, update

from qala.catalog import load_catalog
from qala.ingest.inventory_file import InventoryFile
from qala.ingest.problems import Problem, ValidationFailed
from qala.inventory.layers import IMPORTED, MARK
from qala.store import blocks
from qala.store.models import ActivityRecord, ImportBatch, NotationKeyRecord
from qala.store.records import REPORTED, T, known_cities


@dataclass
class ImportedOutcome:
    file: str
    sha256: str
    city: str
    gwp: str
    dry_run: bool
    figures: int = 0
    keys_written: list[str] = field(default_factory=list)
    keys_kept: list[str] = field(default_factory=list)
    replaced: int = 0  # earlier imported or estimated figures superseded
    batch_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "city": self.city,
            "gwp": self.gwp,
            "dry_run": self.dry_run,
            "figures": self.figures,
            "notation_keys_written": self.keys_written,
            "notation_keys_kept": self.keys_kept,
            "replaced": self.replaced,
            "batch_id": self.batch_id,
        }


def import_inventory(
    engine: Engine,
    data: InventoryFile,
    city: str,
    *,
    who: str,
    gwp: str = "AR5",
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportedOutcome:
    now = now or datetime.now(UTC)
    gwp_set = load_catalog().gwp_set(gwp)
    factor = {g: gwp_set.gwp(g) for g in ("CO2", "CH4", "N2O")}
    out = ImportedOutcome(data.file, data.sha256, city, gwp_set.code, dry_run)
    figures = [f for f in data.figures if f.gas]
    keys = [f for f in data.figures if f.key]
    years = sorted({f.year for f in data.figures})
    with engine.begin() as conn:
        if not dry_run:
            blocks.lock(conn)
        if city not in known_cities(conn):
            raise ValidationFailed([Problem(data.file, None, None, city, "a known city (--city)")])
        current = conn.execute(
            select(T.c.id, T.c.year, T.c.gpc_ref, T.c.activity, T.c.status, T.c.method).where(
                T.c.city_code == city, T.c.year.in_(years), T.c.facility == MARK, T.c.superseded_by.is_(None)
            )
        ).all()
        kept = blocks.held(conn, city=city, years=years).filter(pl.col("facility") == MARK)
        named = kept.select("id", "year", "gpc_ref", "activity", "status", "method").to_dicts()
        current = [*current, *(SimpleNamespace(**r) for r in named)]  # figures held in a block, as rows
        by_key = {(r.year, r.gpc_ref, r.activity): r for r in current}
        declared = {
            (y, r)
            for y, r in conn.execute(
                select(NotationKeyRecord.year, NotationKeyRecord.gpc_ref).where(
                    NotationKeyRecord.city_code == city, NotationKeyRecord.year.in_(years)
                )
            )
        }
        new_keys = [k for k in keys if (k.year, k.gpc_ref) not in declared]
        out.keys_written = [f"{k.year} {k.gpc_ref} {k.key}" for k in new_keys]
        out.keys_kept = [f"{k.year} {k.gpc_ref}" for k in keys if (k.year, k.gpc_ref) in declared]
        out.figures = len(figures)
        written = {(f.year, f.gpc_ref, f"emissions_{f.gas.lower()}") for f in figures}
        replaced = [r for k, r in by_key.items() if k in written]  # the earlier import's figures of the same keys
        stale = [r for k, r in by_key.items() if r.method == IMPORTED and k not in written]
        out.replaced = len(replaced) + len(stale)
        if dry_run:
            return out
        batch_id = conn.execute(
            insert(ImportBatch)
            .values(
                file_name=data.file,
                sha256=data.sha256,
                imported_by=who,
                imported_at=now,
                rows_read=len(data.figures),
                rows_new=len(figures) - len(replaced),
                rows_superseding=len(replaced),
                rows_duplicate=0,
            )
            .returning(ImportBatch.id)
        ).scalar_one()
        out.batch_id = batch_id
        old_ids = [r.id for r in replaced]
        if old_ids:  # one current figure per key: retire the old ones first, point them at successors after
            blocks.materialise(conn, old_ids)
            conn.execute(update(T).where(T.c.id.in_(old_ids)).values(superseded_by=T.c.id, superseded_at=now))
        rows = []
        for n, f in enumerate(figures, start=1):
            gas = f.gas or "CO2"
            inputs = {"tco2e": f.tco2e, "gas": gas, "gwp_set": gwp_set.code, "gwp": factor[gas], "row": f.row}
            rows.append(
                {
                    "city_code": city,
                    "year": f.year,
                    "gpc_ref": f.gpc_ref,
                    "activity": f"emissions_{gas.lower()}",
                    "activity_as_written": f"{gas} (t CO2e)",
                    "facility": MARK,
                    "amount": (f.tco2e or 0.0) / factor[gas],
                    "unit": "t",
                    "source": f.source or f"imported inventory {data.file}",
                    "data_quality": None,
                    "note": f"imported inventory: {f.tco2e:g} t CO2e of {gas} / GWP {factor[gas]:g} ({gwp_set.code})",
                    "source_row": n,
                    "status": REPORTED,
                    "method": IMPORTED,
                    "inputs": json.dumps(inputs),
                    "batch_id": batch_id,
                }
            )
        if rows:
            conn.execute(insert(ActivityRecord), rows)
        ids = dict(conn.execute(select(T.c.source_row, T.c.id).where(T.c.batch_id == batch_id)).all())
        successor = {
            (f.year, f.gpc_ref, f"emissions_{(f.gas or '').lower()}"): ids[n] for n, f in enumerate(figures, 1)
        }
        for r in replaced:
            conn.execute(
                update(T).where(T.c.id == r.id).values(superseded_by=successor[(r.year, r.gpc_ref, r.activity)])
            )
        for r in stale:  # the earlier import's figures the new file no longer has
            conn.execute(
                update(T).where(T.c.id == r.id).values(superseded_by=next(iter(ids.values()), r.id), superseded_at=now)
            )
        for k in new_keys:
            conn.execute(
                insert(NotationKeyRecord).values(
                    city_code=city,
                    year=k.year,
                    gpc_ref=k.gpc_ref,
                    key=k.key,
                    explanation=k.explanation or f"as given in {data.file}",
                    source_file=data.file,
                )
            )
        from qala.store.users import audit  # noqa: PLC0415

        audit(conn, who, "import_inventory", "import_batch", str(batch_id), None, out.to_dict())
    return out
