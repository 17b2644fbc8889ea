"""Estimates in the technical information base: written as records with status ``estimated``, and stepping
aside, with their history kept, whenever a reported figure arrives.

The rule, the same wherever a figure enters:
- a reported figure supersedes the estimate of the same key (year, GPC reference, activity, facility);
- a figure that is a mass of gas (``emissions_*``: a downscaled category, a first-order-decay landfill, a
  wastewater estimate, an existing inventory's emissions) covers its whole cell: an estimate steps aside when
  a reported figure of any activity arrives in that cell, and any estimate of the cell steps aside when reported
  emissions arrive for it;
- an estimate is never written over a reported figure: ``apply_estimates`` skips it and says why.
So an estimate never adds to a reported figure in the same cell.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Connection, Engine, case, func, insert, literal_column, select, update

from qala.catalog import load_catalog
from qala.estimate.model import Estimate
from qala.store import blocks
from qala.store.models import ActivityRecord, ImportBatch
from qala.store.records import ESTIMATED, REPORTED, T


def _emission_codes() -> frozenset[str]:
    return frozenset(a.code for a in load_catalog().activities.values() if a.kind == "emission")


def estimates_step_aside(
    conn: Connection,
    batch_id: int,
    now: datetime,
    years: Iterable[tuple[str, int]],
    retired_ids: list[int] | None = None,
) -> int:
    """After reported figures of ``batch_id`` are written: retire the estimates of whole cells they fill.

    ``years``: the (city, year) pairs the batch wrote. The current estimates of those years are found first
    (usually none: then nothing else is read); only the cells that hold one are looked at, through the index
    of current figures, never the whole batch.
    Returns how many estimates stepped aside (same-key estimates are superseded by the import itself); their
    ids are added to ``retired_ids`` when given."""
    pairs = sorted(set(years))
    estimates: dict[tuple[str, int, str], list[tuple[int, str]]] = {}
    for city, year in pairs:
        for rid, ref, act in conn.execute(
            select(T.c.id, T.c.gpc_ref, T.c.activity).where(
                # written as the partial index ix_activity_estimates is, so that the planner uses it
                T.c.city_code == city,
                T.c.year == year,
                T.c.status == literal_column(f"'{ESTIMATED}'"),
                T.c.superseded_by.is_(None),
            )
        ):
            estimates.setdefault((city, year, ref), []).append((rid, act))
    if not estimates:
        return 0
    emission = _emission_codes()
    is_emission = case((T.c.activity.in_(sorted(emission)), 1), else_=0)
    filled: dict[tuple[str, int, str], tuple[int, int]] = {}  # a cell's first reported figure, any emissions
    for city, year in sorted({(city, year) for city, year, _ in estimates}):
        refs = sorted(ref for c, y, ref in estimates if (c, y) == (city, year))
        # One pass over the batch's figures of the year (no index leads with gpc_ref: migration 0010).
        for ref, successor, reported_emissions in conn.execute(
            select(T.c.gpc_ref, func.min(T.c.id), func.max(is_emission))
            .where(
                T.c.batch_id == batch_id,
                T.c.city_code == city,
                T.c.year == year,
                T.c.gpc_ref.in_(refs),
                T.c.superseded_by.is_(None),
                T.c.status == REPORTED,
            )
            .group_by(T.c.gpc_ref)
        ):
            filled[(city, year, ref)] = (successor, reported_emissions)
        # the batch's figures kept as blocks, a block at a time and only the columns needed
        for part in blocks.parts(conn, city=city, years=[year], batch_id=batch_id, columns=("gpc_ref", "activity")):
            found = part.filter(pl.col("gpc_ref").is_in(refs)).group_by("gpc_ref")
            for ref, successor, reported_emissions in found.agg(
                pl.col("id").min(), pl.col("activity").is_in(sorted(emission)).max().cast(pl.Int64)
            ).iter_rows():
                first, emissions = filled.get((city, year, ref), (successor, 0))
                filled[(city, year, ref)] = (min(first, successor), max(emissions, reported_emissions))
    retired = 0
    for (city, year, ref), held in sorted(estimates.items()):
        if (city, year, ref) not in filled:
            continue
        successor, reported_emissions = filled[(city, year, ref)]
        ids = [rid for rid, act in held if act in emission or reported_emissions]
        if ids:
            blocks.materialise(conn, [successor])  # the figure an estimate points at is a row
            conn.execute(update(T).where(T.c.id.in_(ids)).values(superseded_by=successor, superseded_at=now))
            retired += len(ids)
            if retired_ids is not None:
                retired_ids.extend(ids)
    return retired


@dataclass
class Skipped:
    estimate: Estimate
    reason: str

    def to_dict(self) -> dict[str, object]:
        e = self.estimate
        return {
            "year": e.year,
            "gpc_ref": e.gpc_ref,
            "activity": e.activity,
            "facility": e.facility,
            "reason": self.reason,
        }


@dataclass
class ApplyOutcome:
    city: str
    dry_run: bool
    new: list[Estimate] = field(default_factory=list)
    replacing: list[tuple[Estimate, int]] = field(default_factory=list)  # (estimate, id of the older estimate)
    unchanged: list[Estimate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)  # older estimates of the same cells no longer produced
    batch_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "city": self.city,
            "dry_run": self.dry_run,
            "written": len(self.new) + len(self.replacing),
            "new": len(self.new),
            "replacing_older_estimates": len(self.replacing),
            "unchanged": len(self.unchanged),
            "skipped": [s.to_dict() for s in self.skipped],
            "retired_older_estimates": self.retired,
            "batch_id": self.batch_id,
        }


def _current(conn: Connection, city: str, years: list[int]) -> list[dict]:
    stmt = select(
        T.c.id,
        T.c.year,
        T.c.gpc_ref,
        T.c.activity,
        T.c.facility,
        T.c.amount,
        T.c.unit,
        T.c.status,
        T.c.method,
        T.c.inputs,
    ).where(T.c.city_code == city, T.c.year.in_(years), T.c.superseded_by.is_(None))
    found = [dict(r._mapping) for r in conn.execute(stmt)]
    kept = blocks.held(conn, city=city, years=years)
    return found + kept.select(*(c.name for c in stmt.selected_columns)).to_dicts()


def _source_text(e: Estimate) -> str:
    sources: list[str] = []
    for i in e.inputs:
        if i.source not in sources:
            sources.append(i.source)
    return f"ESTIMATE ({e.method}); inputs from: " + " | ".join(sources)


def apply_estimates(
    conn: Connection,
    city: str,
    estimates: list[Estimate],
    *,
    who: str,
    label: str,
    now: datetime | None = None,
    dry_run: bool = False,
) -> ApplyOutcome:
    """Write a run's estimates for ``city`` in the caller's transaction (nothing on a dry run)."""
    now = now or datetime.now(UTC)
    emission = _emission_codes()
    out = ApplyOutcome(city, dry_run)
    years = sorted({e.year for e in estimates})
    if not dry_run:
        blocks.lock(conn)
    current = _current(conn, city, years)
    by_key = {(r["year"], r["gpc_ref"], r["activity"], r["facility"] or ""): r for r in current}
    reported_cells: dict[tuple[int, str], list[dict]] = {}
    for r in current:
        if r["status"] == REPORTED:
            reported_cells.setdefault((r["year"], r["gpc_ref"]), []).append(r)
    produced: set[tuple] = set()
    for e in estimates:
        produced.add(e.key)
        old = by_key.get(e.key)
        cell = reported_cells.get((e.year, e.gpc_ref), [])
        if old is not None and old["status"] == REPORTED:
            out.skipped.append(Skipped(e, f"a reported figure exists for this key (record #{old['id']})"))
        elif cell and e.activity in emission:
            out.skipped.append(
                Skipped(
                    e,
                    f"the cell has reported figures (record #{cell[0]['id']}); "
                    "an estimate of the whole cell would add to them",
                )
            )
        elif any(r["activity"] in emission for r in cell):
            out.skipped.append(Skipped(e, "the cell has reported emissions, which cover the whole cell"))
        elif old is not None and _same(old, e):
            out.unchanged.append(e)
        elif old is not None:
            out.replacing.append((e, old["id"]))
        else:
            out.new.append(e)
    run_cells = {(e.year, e.gpc_ref) for e in estimates}
    stale = [
        r
        for r in current
        if r["status"] == ESTIMATED
        and (r["year"], r["gpc_ref"]) in run_cells
        and (r["year"], r["gpc_ref"], r["activity"], r["facility"] or "") not in produced
    ]
    out.retired = [r["id"] for r in stale]
    if dry_run or not (out.new or out.replacing or out.retired):
        return out
    written = out.new + [e for e, _ in out.replacing]
    sha = hashlib.sha256("\n".join(sorted(e.inputs_json() + repr(e.key) + repr(e.amount) for e in written)).encode())
    batch_id = conn.execute(
        insert(ImportBatch)
        .values(
            file_name=label,
            sha256=sha.hexdigest(),
            imported_by=who,
            imported_at=now,
            rows_read=len(estimates),
            rows_new=len(out.new),
            rows_superseding=len(out.replacing),
            rows_duplicate=len(out.unchanged),
        )
        .returning(ImportBatch.id)
    ).scalar_one()
    out.batch_id = batch_id
    old_ids = [old for _, old in out.replacing]
    if old_ids:  # retire the older estimates first (the partial unique index allows one current per key)
        conn.execute(update(T).where(T.c.id.in_(old_ids)).values(superseded_by=T.c.id, superseded_at=now))
    rows = [
        {
            "city_code": city,
            "year": e.year,
            "gpc_ref": e.gpc_ref,
            "activity": e.activity,
            "activity_as_written": e.activity,
            "facility": e.facility or "",
            "amount": e.amount,
            "unit": e.unit,
            "ncv": e.ncv,
            "source": _source_text(e),
            "data_quality": e.data_quality,
            "note": e.arithmetic + (f" — {e.note}" if e.note else ""),
            "source_row": n,
            "status": ESTIMATED,
            "method": e.method,
            "inputs": e.inputs_json(),
            "batch_id": batch_id,
        }
        for n, e in enumerate(written, start=1)
    ]
    conn.execute(insert(ActivityRecord), rows)
    ids = dict(conn.execute(select(T.c.source_row, T.c.id).where(T.c.batch_id == batch_id)).all())
    key_to_id = {e.key: ids[n] for n, e in enumerate(written, start=1)}
    for e, old in out.replacing:
        conn.execute(update(T).where(T.c.id == old).values(superseded_by=key_to_id[e.key]))
    cell_successor = {}
    for e in written:
        cell_successor.setdefault((e.year, e.gpc_ref), key_to_id[e.key])
    for r in stale:
        successor = cell_successor.get((r["year"], r["gpc_ref"]))
        if successor is None:  # every estimate of that cell was unchanged: point at one of them
            successor = next(
                by_key[u.key]["id"] for u in out.unchanged if (u.year, u.gpc_ref) == (r["year"], r["gpc_ref"])
            )
        conn.execute(update(T).where(T.c.id == r["id"]).values(superseded_by=successor, superseded_at=now))
    from qala.store.users import audit  # noqa: PLC0415

    audit(conn, who, "estimate", "import_batch", str(batch_id), None, out.to_dict())
    return out


def _same(old: dict, e: Estimate) -> bool:
    return (
        old["status"] == ESTIMATED
        and old["amount"] == e.amount
        and old["unit"] == e.unit
        and old["method"] == e.method
        and (old["inputs"] or "") == e.inputs_json()
    )


def estimates_frame(engine: Engine, city: str) -> pl.DataFrame:
    """Current estimates of a city (for pages and the CLI)."""
    stmt = select(T.c.id, T.c.year, T.c.gpc_ref, T.c.activity, T.c.facility, T.c.amount, T.c.unit, T.c.method).where(
        T.c.city_code == city, T.c.status == ESTIMATED, T.c.superseded_by.is_(None)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(T.c.year, T.c.gpc_ref, T.c.activity)).all()
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "year": pl.Int64,
            "gpc_ref": pl.String,
            "activity": pl.String,
            "facility": pl.String,
            "amount": pl.Float64,
            "unit": pl.String,
            "method": pl.String,
        },
        orient="row",
    )
