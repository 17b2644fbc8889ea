"""Published versions: a frozen, numbered copy of a city's inventory year, which is what the public sees.

A version keeps the records and notation keys it was computed from (canonical JSON), the inventory as
published (canonical JSON), the catalog version and GWP set, who, when and a note, and a SHA-256 over both
texts. The public pages and API serve the stored text, so a version reads the same byte for byte later
(after new data, a backup and restore, on PostgreSQL). A version is never changed: it can be withdrawn
with a reason (kept), and the next publication of the year gets the next number.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, insert, select, update

from qala.catalog import load_catalog
from qala.catalog.load import catalog_version
from qala.inventory.engine import InventoryOptions, compute_inventory
from qala.inventory.result import Inventory, NotationKey
from qala.store import records
from qala.store.models import Publication

P = Publication.__table__
DEFAULT_GWP = "AR5"
RECORD_SCHEMA = records.ACTIVITY_SCHEMA


class PublicationError(ValueError):
    def __init__(self, message: str, status: int = 409, code: str | None = None, **params: Any):
        super().__init__(message)  # the English sentence (the CLI prints it); code and params for the pages
        self.status, self.code, self.params = status, code, params


def canonical(data: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 kept (the same on every database)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def frozen_records(engine: Engine, city: str, year: int) -> str:
    """The working records and notation keys of a year as canonical JSON (what a version freezes)."""
    frame = records.activity_frame(engine, city, year)
    keys = records.notation_keys(engine, city, year)
    return canonical(
        {
            "city": city,
            "year": year,
            "records": frame.to_dicts(),
            "notation_keys": [[ref, nk.key, nk.explanation] for ref, nk in sorted(keys.items())],
        }
    )


def inventory_of(frozen: str, gwp: str | None = DEFAULT_GWP) -> Inventory:
    """The inventory computed from frozen records (the report and exports of a published version)."""
    data = json.loads(frozen)
    frame = pl.DataFrame(data["records"], schema=RECORD_SCHEMA, orient="row") if data["records"] else None
    if frame is None:
        frame = pl.DataFrame(schema=RECORD_SCHEMA)
    keys = {ref: NotationKey(key, why) for ref, key, why in data["notation_keys"]}
    return compute_inventory(
        frame,
        load_catalog(),
        city=data["city"],
        year=data["year"],
        options=InventoryOptions(gwp=gwp),
        notation_keys=keys,
    )


def _digest(records_json: str, inventory_json: str) -> str:
    return hashlib.sha256((records_json + "\n" + inventory_json).encode("utf-8")).hexdigest()


def publish(
    engine: Engine, city: str, year: int, note: str, who: str, *, gwp: str = DEFAULT_GWP, now: datetime | None = None
) -> dict[str, Any]:
    """Freeze the working state of ``city``'s ``year`` as its next version; audited."""
    note = (note or "").strip()
    if not note:
        raise PublicationError("a note that says what this version is", 422, code="form.note_required")
    if year not in records.years_with_data(engine, city):
        raise PublicationError(
            f"no activity data for {city} in {year}", 404, code="form.no_data", city=city, year=str(year)
        )
    now = now or datetime.now(UTC)
    frozen = frozen_records(engine, city, year)
    inventory_json = canonical(inventory_of(frozen, gwp).to_dict())
    with engine.begin() as conn:
        last = conn.execute(select(func.max(P.c.version)).where(P.c.city_code == city, P.c.year == year)).scalar()
        row = {
            "city_code": city,
            "year": year,
            "version": int(last or 0) + 1,
            "note": note,
            "published_by": who,
            "published_at": now,
            "catalog_version": catalog_version()[0],
            "gwp": gwp,
            "records_json": frozen,
            "inventory_json": inventory_json,
            "sha256": _digest(frozen, inventory_json),
        }
        pid = conn.execute(insert(P).values(**row).returning(P.c.id)).scalar_one()
        from qala.store.users import audit  # noqa: PLC0415

        summary = {k: row[k] for k in ("city_code", "year", "version", "note", "catalog_version", "gwp", "sha256")}
        audit(conn, who, "publish", "publication", str(pid), None, summary)
    return get(engine, pid) or {}


def withdraw(engine: Engine, pid: int, who: str, reason: str, now: datetime | None = None) -> dict[str, Any]:
    """Withdraw a version (it stays, with who, when and why); the public sees the previous one again."""
    reason = (reason or "").strip()
    if not reason:
        raise PublicationError("a reason for withdrawing this version", 422, code="form.reason_required")
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        head = conn.execute(select(P.c.id, P.c.withdrawn_at).where(P.c.id == pid)).first()
        if head is None:
            raise PublicationError("no such publication", 404, code="form.not_found")
        if head.withdrawn_at is not None:
            raise PublicationError("this version is already withdrawn", 409, code="form.already_withdrawn")
        conn.execute(update(P).where(P.c.id == pid).values(withdrawn_at=now, withdrawn_by=who, withdrawn_reason=reason))
        from qala.store.users import audit  # noqa: PLC0415

        audit(
            conn, who, "withdraw", "publication", str(pid), {"withdrawn": False}, {"withdrawn": True, "reason": reason}
        )
    return get(engine, pid) or {}


SUMMARY = (
    "id",
    "city_code",
    "year",
    "version",
    "note",
    "published_by",
    "published_at",
    "catalog_version",
    "gwp",
    "sha256",
    "withdrawn_at",
    "withdrawn_by",
    "withdrawn_reason",
)


def listing(engine: Engine, city: str | None = None) -> list[dict[str, Any]]:
    """Every version (withdrawn ones too), newest first."""
    stmt = select(*(P.c[c] for c in SUMMARY)).order_by(P.c.year.desc(), P.c.version.desc())
    if city is not None:
        stmt = stmt.where(P.c.city_code == city)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def get(engine: Engine, pid: int, *, full: bool = False) -> dict[str, Any] | None:
    cols = [P.c[c] for c in SUMMARY] + ([P.c.records_json, P.c.inventory_json] if full else [])
    with engine.connect() as conn:
        row = conn.execute(select(*cols).where(P.c.id == pid)).first()
    return None if row is None else dict(row._mapping)


def current(engine: Engine, city: str, year: int | None = None) -> dict[str, Any] | None:
    """The version the public sees: the newest one not withdrawn of ``year`` (default: the latest published year
    that is not in the future), with its texts."""
    with engine.connect() as conn:
        live = select(P.c.year).where(P.c.city_code == city, P.c.withdrawn_at.is_(None)).distinct()
        years = sorted(conn.execute(live).scalars())
        if year is None:
            past = [y for y in years if y <= date.today().year]
            year = past[-1] if past else (years[0] if years else None)
        if year is None or year not in years:
            return None
        pid = conn.execute(
            select(P.c.id)
            .where(P.c.city_code == city, P.c.year == year, P.c.withdrawn_at.is_(None))
            .order_by(P.c.version.desc())
            .limit(1)
        ).scalar_one()
    return get(engine, pid, full=True)


def published_years(engine: Engine, city: str) -> list[int]:
    with engine.connect() as conn:
        stmt = select(P.c.year).where(P.c.city_code == city, P.c.withdrawn_at.is_(None)).distinct()
        return sorted(conn.execute(stmt).scalars())


def stale(engine: Engine, pub: dict[str, Any]) -> bool:
    """Newer accepted data exist: the year's working records differ from the frozen ones, or a later year has data."""
    city, year = pub["city_code"], pub["year"]
    later = [y for y in records.years_with_data(engine, city) if year < y <= date.today().year]
    if later:
        return True
    return frozen_records(engine, city, year) != pub["records_json"]


def version_info(engine: Engine, pub: dict[str, Any] | None) -> dict[str, Any]:
    """What a page or the API says about the version it shows."""
    if pub is None:
        return {"state": "working", "number": None}
    return {
        "state": "published",
        "id": pub["id"],
        "number": pub["version"],
        "year": pub["year"],
        "published_at": pub["published_at"].isoformat() if pub["published_at"] else None,
        "note": pub["note"],
        "catalog_version": pub["catalog_version"],
        "gwp": pub["gwp"],
        "sha256": pub["sha256"],
        "stale": stale(engine, pub),
    }


def marker(engine: Engine) -> int:
    """A number that changes with every publication or withdrawal (part of the web cache's key)."""
    with engine.connect() as conn:
        n = conn.execute(select(func.count(P.c.id), func.count(P.c.withdrawn_at))).first()
    return 0 if n is None else int(n[0]) * 100003 + int(n[1])


@dataclass(frozen=True)
class Verified:
    ok: bool
    sha256: str


def verify(pub: dict[str, Any]) -> Verified:
    """The stored texts still give the stored SHA-256."""
    digest = _digest(pub["records_json"], pub["inventory_json"])
    return Verified(digest == pub["sha256"], digest)
