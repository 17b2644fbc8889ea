"""Revert an import batch in one action: its figures step aside and the ones they replaced come back.

Nothing is deleted. A reverted record is superseded by a copy of the figure it had replaced (a new
record in a new batch, "revert of batch #N"), or, where it had replaced nothing, retired (it points at
itself: superseded, with no successor). Estimates that had stepped aside for it come back the same way.
Records of the batch that a later import already replaced are left as they are (and counted).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from qala.store import blocks
from qala.store.models import ActivityRecord, ImportBatch

T, B = ActivityRecord.__table__, ImportBatch.__table__
KEY = ("city_code", "year", "gpc_ref", "activity", "facility")
COPIED = [c.name for c in T.columns if c.name not in ("id", "batch_id", "superseded_by", "superseded_at")]


class RevertError(ValueError):
    def __init__(self, message: str, status: int = 409, code: str | None = None, **params: Any):
        super().__init__(message)  # the English sentence (the CLI prints it); code and params for the pages
        self.status, self.code, self.params = status, code, params


def revert_batch(engine: Engine, batch_id: int, who: str, reason: str, now: datetime | None = None) -> dict[str, Any]:
    """Revert the current records of ``batch_id``; audited. Returns what was done."""
    reason = (reason or "").strip()
    if not reason:
        raise RevertError("a reason for reverting this batch", 422, code="form.reason_required")
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        blocks.lock(conn)
        head = conn.execute(select(B).where(B.c.id == batch_id)).first()
        if head is None:
            raise RevertError("no such import batch", 404, code="form.not_found")
        kept = blocks.held(conn, batch_id=batch_id)["id"].to_list()
        blocks.materialise(conn, kept)  # the batch's figures held in a block are retired as rows
        live = (
            conn.execute(select(T.c.id).where(T.c.batch_id == batch_id, T.c.superseded_by.is_(None)).order_by(T.c.id))
            .scalars()
            .all()
        )
        already = (
            conn.execute(select(T.c.id).where(T.c.batch_id == batch_id, T.c.superseded_by.is_not(None))).scalars().all()
        )
        if not live:
            raise RevertError("nothing of this batch is current any more", 409, code="form.nothing_current")
        # retire first (pointing at themselves), so the figures they replaced may be current again
        conn.execute(update(T).where(T.c.id.in_(live)).values(superseded_by=T.c.id, superseded_at=now))
        predecessors = conn.execute(
            select(T).where(T.c.superseded_by.in_(live), T.c.id.not_in(live)).order_by(T.c.id)
        ).all()
        restore = []
        for p in predecessors:
            m = p._mapping
            taken = conn.execute(
                select(T.c.id).where(*(T.c[k] == m[k] for k in KEY), T.c.superseded_by.is_(None))
            ).first()
            if taken is None:
                restore.append(m)
        new_batch = conn.execute(
            insert(B)
            .values(
                file_name=f"revert of batch #{batch_id}",
                sha256=hashlib.sha256(f"revert {batch_id} {reason}".encode()).hexdigest(),
                imported_by=who,
                imported_at=now,
                rows_read=len(restore),
                rows_new=0,
                rows_superseding=len(restore),
                rows_duplicate=0,
            )
            .returning(B.c.id)
        ).scalar_one()
        for m in restore:
            new_id = conn.execute(
                insert(T).values(**{c: m[c] for c in COPIED}, batch_id=new_batch).returning(T.c.id)
            ).scalar_one()
            conn.execute(update(T).where(T.c.id == m["superseded_by"]).values(superseded_by=new_id))
        result = {
            "batch": batch_id,
            "revert_batch": new_batch,
            "reverted": len(live),
            "restored": len(restore),
            "retired": len(live) - len({m["superseded_by"] for m in restore}),
            "already_replaced": len(already),
            "reason": reason,
        }
        from qala.store.users import audit  # noqa: PLC0415

        audit(conn, who, "revert", "import_batch", str(batch_id), {"file": head.file_name}, result)
    return result
