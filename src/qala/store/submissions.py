"""Submissions: a data provider's upload waits for an editor, who accepts or rejects it (whole or by row).

A submission is validated when it arrives (as any import) and its rows are kept as JSON with their
provenance; it is no part of any inventory. Accepted rows go into the records through the import path
(``records.import_into``), so a figure that replaces another supersedes it and the old one stays in the
history. Every decision names who, when and why, and is audited.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, insert, select, update

from qala.ingest.validate import RECORD_SCHEMA, ValidatedTable
from qala.store import blocks
from qala.store.models import ActivityRecord, Submission, SubmissionRow
from qala.store.records import import_into

PENDING, ACCEPTED, REJECTED, PARTIAL = "pending", "accepted", "rejected", "partial"
DEFAULT_THRESHOLD = 20.0  # percent; QALA_REVIEW_THRESHOLD
S, R, A = Submission.__table__, SubmissionRow.__table__, ActivityRecord.__table__


class SubmissionError(ValueError):
    """A decision that cannot be made (unknown submission, row already decided, no reason given)."""

    def __init__(self, message: str, status: int = 409, code: str | None = None, **params: Any):
        super().__init__(message)  # the English sentence (the CLI prints it); code and params for the pages
        self.status, self.code, self.params = status, code, params


def review_threshold() -> float:
    """The share (percent) by which a figure may move before the review flags it (QALA_REVIEW_THRESHOLD)."""
    try:
        return max(0.0, float(os.environ.get("QALA_REVIEW_THRESHOLD", DEFAULT_THRESHOLD)))
    except ValueError:
        return DEFAULT_THRESHOLD


def create(conn: Connection, city: str, table: ValidatedTable, report: dict[str, Any], who: str, now=None) -> int:
    """Keep a validated table as a pending submission; returns its id."""
    now = now or datetime.now(UTC)
    sid = conn.execute(
        insert(S)
        .values(
            city_code=city,
            file_name=table.file,
            sha256=table.sha256,
            submitted_by=who,
            submitted_at=now,
            status=PENDING,
            rows=table.records.height,
            report=json.dumps(report, ensure_ascii=False, sort_keys=True, default=str),
        )
        .returning(S.c.id)
    ).scalar_one()
    rows = [
        {"submission_id": sid, "source_row": rec["source_row"], "data": _dump(rec), "status": PENDING}
        for rec in table.records.iter_rows(named=True)
    ]
    if rows:
        conn.execute(insert(R), rows)
    from qala.store.users import audit  # noqa: PLC0415

    audit(conn, who, "submit", "submission", str(sid), None, {"file": table.file, "rows": len(rows), "city": city})
    return sid


def _dump(rec: dict[str, Any]) -> str:
    return json.dumps(rec, ensure_ascii=False, sort_keys=True)


def listing(engine: Engine, *, submitted_by: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Submissions, newest first; ``submitted_by`` limits them to one account's (a provider sees only its own)."""
    stmt = select(
        S.c.id,
        S.c.city_code,
        S.c.file_name,
        S.c.sha256,
        S.c.submitted_by,
        S.c.submitted_at,
        S.c.status,
        S.c.rows,
        S.c.decided_by,
        S.c.decided_at,
        S.c.reason,
    ).order_by(S.c.id.desc())
    if submitted_by is not None:
        stmt = stmt.where(S.c.submitted_by == submitted_by)
    if status is not None:
        stmt = stmt.where(S.c.status == status)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def get(engine: Engine, sid: int, threshold: float | None = None) -> dict[str, Any] | None:
    """A submission with its rows, each beside the current figure of its key (difference, % change, flag)."""
    threshold = review_threshold() if threshold is None else threshold
    with engine.connect() as conn:
        head = conn.execute(select(S).where(S.c.id == sid)).first()
        if head is None:
            return None
        out = dict(head._mapping)
        out["report"] = json.loads(out["report"]) if out["report"] else None
        rows, pending = [], []
        for r in conn.execute(select(R).where(R.c.submission_id == sid).order_by(R.c.source_row)):
            row = dict(r._mapping)
            data = json.loads(row.pop("data"))
            if row["status"] == PENDING:
                pending.append(data)
            row.update(
                {
                    k: data.get(k)
                    for k in (
                        "city",
                        "year",
                        "gpc_ref",
                        "activity",
                        "facility",
                        "amount",
                        "unit",
                        "source",
                        "data_quality",
                        "note",
                    )
                }
            )
            row.update(compare(conn, data, threshold))
            rows.append(row)
    out["rows_detail"] = rows
    out["threshold_percent"] = threshold
    from qala.store.review_cells import cell_changes  # noqa: PLC0415

    # what the pending rows do to each inventory cell (GPC reference and gas), flagged past the threshold
    out["cells"] = cell_changes(engine, out["city_code"], pending, threshold)
    return out


def compare(conn: Connection, data: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The current figure of a row's key and how much the row would move it."""
    cur = conn.execute(
        select(A.c.id, A.c.amount, A.c.unit, A.c.status).where(
            A.c.city_code == data["city"],
            A.c.year == data["year"],
            A.c.gpc_ref == data["gpc_ref"],
            A.c.activity == data["activity"],
            A.c.facility == (data.get("facility") or ""),
            A.c.superseded_by.is_(None),
        )
    ).first()
    if cur is None:  # or held in a block
        key = {c: [data[c]] for c in ("gpc_ref", "activity")} | {"facility": [data.get("facility") or ""]}
        kept = blocks.held(conn, city=data["city"], years=[data["year"]], keys=pl.DataFrame(key))
        cur = next((SimpleNamespace(**r) for r in kept.select("id", "amount", "unit", "status").to_dicts()), None)
    if cur is None:
        return {
            "current": None,
            "current_unit": None,
            "difference": None,
            "change_percent": None,
            "flagged": True,
            "flag": "new",
        }
    if cur.unit != data["unit"]:
        return {
            "current": cur.amount,
            "current_unit": cur.unit,
            "difference": None,
            "change_percent": None,
            "flagged": True,
            "flag": "unit",
        }
    diff = data["amount"] - cur.amount
    pct = None if cur.amount == 0 else 100.0 * diff / abs(cur.amount)
    flagged = (pct is None and diff != 0) or (pct is not None and abs(pct) > threshold)
    return {
        "current": cur.amount,
        "current_unit": cur.unit,
        "difference": diff,
        "change_percent": pct,
        "flagged": flagged,
        "flag": "change" if flagged else None,
    }


@dataclass(frozen=True)
class Decision:
    submission: int
    action: str
    rows: list[int]
    status: str
    batch_id: int | None
    report: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "action": self.action,
            "rows": self.rows,
            "status": self.status,
            "batch_id": self.batch_id,
            "import": self.report,
        }


def decide(
    engine: Engine, sid: int, action: str, *, who: str, reason: str, rows: list[int] | None = None, now=None
) -> Decision:
    """Accept or reject a submission's pending rows (all, or those of ``rows``: their source-row numbers)."""
    if action not in ("accept", "reject"):
        raise SubmissionError(f"unknown action '{action}'", 400)
    reason = (reason or "").strip()
    if action == "reject" and not reason:
        raise SubmissionError("a reason the provider will read", 422, code="form.reason_required")
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        head = conn.execute(select(S).where(S.c.id == sid).with_for_update()).first()
        if head is None:
            raise SubmissionError("no such submission", 404, code="form.not_found")
        if head.submitted_by == who:
            raise SubmissionError(
                "a submission is decided by someone other than its author", 403, code="form.own_submission"
            )
        stmt = select(R.c.id, R.c.source_row, R.c.data).where(R.c.submission_id == sid, R.c.status == PENDING)
        pending = {row.source_row: row for row in conn.execute(stmt.order_by(R.c.source_row))}
        chosen = sorted(pending) if rows is None else sorted(set(rows))
        unknown = [r for r in chosen if r not in pending]
        if unknown:
            rows = ", ".join(map(str, unknown))
            raise SubmissionError(
                f"rows not pending in this submission: {rows}", 409, code="form.not_pending", rows=rows
            )
        if not chosen:
            raise SubmissionError("nothing pending in this submission", 409, code="form.nothing_pending")
        batch_id, report = None, None
        if action == "accept":
            frame = pl.DataFrame([json.loads(pending[r].data) for r in chosen], schema=RECORD_SCHEMA, orient="row")
            name = f"{head.file_name} (submission #{sid})"
            table = ValidatedTable(name, head.sha256, frame, ())
            result = import_into(conn, [table], who=head.submitted_by, now=now, audit_as=who)
            report = result.to_dict()
            batch_id = result.files[0].batch_id
        status = ACCEPTED if action == "accept" else REJECTED
        ids = [pending[r].id for r in chosen]
        conn.execute(
            update(R)
            .where(R.c.id.in_(ids))
            .values(status=status, reason=reason or None, decided_by=who, decided_at=now, batch_id=batch_id)
        )
        fates = set(conn.execute(select(R.c.status).where(R.c.submission_id == sid)).scalars())
        overall = PENDING if PENDING in fates else (fates.pop() if len(fates) == 1 else PARTIAL)
        conn.execute(
            update(S).where(S.c.id == sid).values(status=overall, decided_by=who, decided_at=now, reason=reason or None)
        )
        from qala.store.users import audit  # noqa: PLC0415

        audit(
            conn,
            who,
            action,
            "submission",
            str(sid),
            {"status": head.status},
            {"status": overall, "rows": chosen, "reason": reason, "batch_id": batch_id},
        )
    return Decision(sid, action, chosen, overall, batch_id, report)
