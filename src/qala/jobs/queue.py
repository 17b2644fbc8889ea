"""The jobs table: admission within the bounds, state and progress, the outcome (shared by every web worker).

Admission is one locked transaction (``store.locks``), so parallel requests cannot all slip under the
bounds. A job with a ``cache_key`` (a report of the same city, language, format, day and data) is not
run twice: a finished one is handed back, a waiting or running one is shared.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import OperationalError

from qala.jobs.budget import JobSettings
from qala.jobs.pool import Failure
from qala.jobs.worker import Outcome
from qala.store.locks import locked
from qala.store.models import Job

ACTIVE = ("queued", "running")
KEEP = timedelta(days=1)  # finished jobs (and their files) are kept this long
RETRY_AFTER = 10


class QueueFull(Exception):
    def __init__(self, mine: bool, retry_after: int = RETRY_AFTER):
        super().__init__("too many jobs of yours are waiting" if mine else "too many jobs are waiting")
        self.mine = mine
        self.retry_after = retry_after


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Admitted:
    id: str
    reused: bool  # an existing job with the same cache key


def admit(
    engine: Engine,
    kind: str,
    owner: str,
    settings: JobSettings,
    cache_key: str | None = None,
    label: str | None = None,
) -> Admitted:
    """A new queued job, or the job already made for ``cache_key``; QueueFull past the bounds."""
    now = _now()
    lost_before = now - timedelta(seconds=settings.budget.seconds + 120)
    lost = json.dumps(
        {"code": 0, "body": _failure_body(Failure("lost", "the server running the job stopped; run it again"))}
    )
    with locked(engine, "jobs") as conn:
        # a job whose server went away (killed, restarted) is not waited for forever
        conn.execute(
            update(Job)
            .where(Job.state == "running", Job.started_at < lost_before)
            .values(state="failed", finished_at=now, result=lost)
        )
        conn.execute(
            update(Job)
            .where(Job.state == "queued", Job.created_at < now - KEEP)
            .values(state="failed", finished_at=now, result=lost)
        )
        conn.execute(delete(Job).where(Job.finished_at < now - KEEP))
        if cache_key is not None:
            found = conn.execute(
                select(Job.id)
                .where(Job.cache_key == cache_key, Job.state.in_((*ACTIVE, "done")))
                .order_by(Job.created_at.desc())
            ).first()
            if found is not None:
                return Admitted(found.id, True)
        active = conn.execute(select(func.count()).select_from(Job).where(Job.state.in_(ACTIVE))).scalar_one()
        if active >= settings.queue:
            raise QueueFull(mine=False)
        mine = conn.execute(
            select(func.count()).select_from(Job).where(Job.state.in_(ACTIVE), Job.owner == owner)
        ).scalar_one()
        if mine >= settings.per_owner:
            raise QueueFull(mine=True)
        job_id = secrets.token_urlsafe(18)
        conn.execute(
            insert(Job).values(
                id=job_id,
                kind=kind,
                owner=owner[:120],
                state="queued",
                progress=0.0,
                phase="queued",
                cache_key=cache_key,
                created_at=now,
                file_name=label,  # an import's file name until the job has a file of its own
            )
        )
    return Admitted(job_id, False)


def started(engine: Engine, job_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(state="running", started_at=_now(), phase="started"))


def progressed(engine: Engine, job_id: str, share: float, phase: str) -> None:
    """Best effort: a progress note is skipped while the database is busy (the job itself may be writing)."""
    with contextlib.suppress(OperationalError), engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id, Job.state == "running").values(progress=share, phase=phase))


def _failure_body(failure: Failure) -> dict[str, Any]:
    return {"status": "failed", "error": failure.kind, "message": failure.message}


def finished(engine: Engine, job_id: str, outcome: Outcome | Failure) -> None:
    now = _now()
    if isinstance(outcome, Failure):
        values: dict[str, Any] = {"state": "failed", "result": json.dumps({"code": 0, "body": _failure_body(outcome)})}
    else:
        values = {
            "state": "done",
            "progress": 1.0,
            "result": json.dumps({"code": outcome.status, "body": outcome.body}, ensure_ascii=False, default=str),
            "file": outcome.file,
            "media_type": outcome.media_type,
        }
        if outcome.file_name is not None:
            values["file_name"] = outcome.file_name
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(finished_at=now, phase=values["state"], **values))


def get(engine: Engine, job_id: str, *, with_file: bool = False) -> dict[str, Any] | None:
    columns = [c for c in Job.__table__.columns if with_file or c.name != "file"]
    with engine.connect() as conn:
        row = conn.execute(select(*columns).where(Job.id == job_id[:40])).first()
    if row is None:
        return None
    job = dict(row._mapping)
    for key in ("created_at", "started_at", "finished_at"):
        job[key] = _aware(job[key])
    result = json.loads(job.pop("result")) if job.get("result") else None
    job["code"] = result.get("code") if result else None
    job["body"] = result.get("body") if result else None
    return job
