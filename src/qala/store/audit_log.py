"""Reading the audit log: filtered by person, object (entity and id), action and dates, newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select

from qala.store.models import AuditEntry

A = AuditEntry.__table__
MAX_ROWS = 1000


def entries(
    engine: Engine,
    *,
    who: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Audit entries matching every given filter (``until`` includes its whole day), at most ``limit``."""
    stmt = select(A).order_by(A.c.id.desc()).limit(max(1, min(limit, MAX_ROWS)))
    if who:
        stmt = stmt.where(A.c.who == who)
    if entity:
        stmt = stmt.where(A.c.entity == entity)
    if entity_id:
        stmt = stmt.where(A.c.entity_id == entity_id)
    if action:
        stmt = stmt.where(A.c.action == action)
    if since:
        stmt = stmt.where(A.c.at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        stmt = stmt.where(A.c.at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def facets(engine: Engine) -> dict[str, list[str]]:
    """The people, objects and actions the log holds (for the filter's choices)."""
    with engine.connect() as conn:
        return {
            name: sorted(x for x in conn.execute(select(col).distinct()).scalars() if x)
            for name, col in (("who", A.c.who), ("entity", A.c.entity), ("action", A.c.action))
        }
