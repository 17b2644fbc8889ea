"""The roadmap in the store: seeded from the city's YAML, then changed only through checked edits."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from qala.roadmap.model import (
    Activity,
    Organisation,
    Person,
    Roadmap,
    RoadmapError,
    Section,
    check_change,
)
from qala.store.models import RoadmapActivityRecord, RoadmapEvent, RoadmapRecord
from qala.store.users import audit

A = RoadmapActivityRecord.__table__
STATIC = ("title", "description", "owner", "responsible", "partners", "deliverables", "links", "placeholder", "source")


def seed_roadmap(conn: Connection, roadmap: Roadmap, who: str) -> None:
    now = datetime.now(UTC)
    head = {
        "title": roadmap.title,
        "approving_act": roadmap.approving_act,
        "start": roadmap.start.isoformat(),
        "end": roadmap.end.isoformat(),
        "source": roadmap.source,
        "sections": [{"code": s.code, "title": s.title, "placeholder": s.placeholder} for s in roadmap.sections],
        "organisations": [asdict(o) for o in roadmap.organisations],
        "people": [asdict(p) for p in roadmap.people],
    }
    conn.execute(insert(RoadmapRecord).values(city_code=roadmap.city, data=json.dumps(head, ensure_ascii=False)))
    for i, a in enumerate(roadmap.activities):
        static = {k: getattr(a, k) for k in STATIC}
        conn.execute(
            insert(A).values(
                city_code=roadmap.city,
                code=a.code,
                section_code=a.section,
                position=i,
                data=json.dumps(static, ensure_ascii=False),
                start=a.start,
                due=a.due,
                status=a.status,
                progress=a.progress,
                updated_at=now,
                updated_by=who,
            )
        )


def load_roadmap(engine: Engine, city: str) -> Roadmap:
    with engine.connect() as conn:
        head_raw = conn.execute(select(RoadmapRecord.data).where(RoadmapRecord.city_code == city)).scalar()
        if head_raw is None:
            raise RoadmapError("roadmap.no_roadmap", 404, city=city)
        rows = conn.execute(select(A).where(A.c.city_code == city).order_by(A.c.position)).all()
    head = json.loads(head_raw)
    acts: dict[str, list[Activity]] = {}
    for r in rows:
        d = json.loads(r.data)
        acts.setdefault(r.section_code, []).append(
            Activity(
                code=r.code,
                section=r.section_code,
                title=d["title"],
                description=d["description"],
                owner=d["owner"],
                responsible=d["responsible"],
                partners=tuple(d["partners"]),
                start=r.start,
                due=r.due,
                status=r.status,
                progress=r.progress,
                deliverables=tuple(d["deliverables"]),
                links=d["links"],
                placeholder=d["placeholder"],
                source=d["source"],
            )
        )
    return Roadmap(
        city=city,
        title=head["title"],
        approving_act=head["approving_act"],
        start=date.fromisoformat(head["start"]),
        end=date.fromisoformat(head["end"]),
        source=head["source"],
        sections=tuple(
            Section(s["code"], s["title"], s["placeholder"], tuple(acts.get(s["code"], ()))) for s in head["sections"]
        ),
        organisations=tuple(Organisation(**o) for o in head["organisations"]),
        people=tuple(Person(**p) for p in head["people"]),
    )


def update_activity(
    engine: Engine,
    city: str,
    code: str,
    *,
    who: str,
    status: str | None = None,
    progress: float | None = None,
    start: date | None = None,
    due: date | None = None,
    comment: str | None = None,
) -> Activity:
    """Change an activity by the rules; the change, its reason and who made it are kept."""
    roadmap = load_roadmap(engine, city)
    act = roadmap.activity(code)
    if status is None and progress is None and start is None and due is None:
        raise RoadmapError("roadmap.nothing_to_change")
    new_status, new_progress, new_start, new_due = check_change(
        act, status=status, progress=progress, start=start, due=due
    )
    before = {
        "status": act.status,
        "progress": act.progress,
        "start": act.start.isoformat(),
        "due": act.due.isoformat(),
    }
    after = {"status": new_status, "progress": new_progress, "start": new_start.isoformat(), "due": new_due.isoformat()}
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            update(A)
            .where(A.c.city_code == city, A.c.code == code)
            .values(
                status=new_status, progress=new_progress, start=new_start, due=new_due, updated_at=now, updated_by=who
            )
        )
        conn.execute(
            insert(RoadmapEvent).values(
                city_code=city,
                activity_code=code,
                at=now,
                who=who,
                kind="change",
                before=json.dumps(before),
                after=json.dumps(after),
                comment=(comment or "").strip() or None,
            )
        )
        audit(conn, who, "update", "roadmap_activity", f"{city}:{code}", before, after)
    return load_roadmap(engine, city).activity(code)


def add_comment(engine: Engine, city: str, code: str, text: str, who: str) -> None:
    load_roadmap(engine, city).activity(code)  # unknown codes are refused
    body = text.strip()
    if not body:
        raise RoadmapError("roadmap.comment_empty")
    if len(body) > 5000:
        raise RoadmapError("roadmap.comment_too_long", max=5000)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(RoadmapEvent).values(
                city_code=city, activity_code=code, at=now, who=who, kind="comment", comment=body
            )
        )
        audit(conn, who, "comment", "roadmap_activity", f"{city}:{code}", None, {"comment": body})


def events(engine: Engine, city: str, code: str) -> list[dict[str, Any]]:
    """The activity's history and comments, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(RoadmapEvent)
            .where(RoadmapEvent.city_code == city, RoadmapEvent.activity_code == code)
            .order_by(RoadmapEvent.id)
        ).all()
    out = []
    for r in rows:
        out.append(
            {
                "at": r.at,
                "who": r.who,
                "kind": r.kind,
                "comment": r.comment,
                "before": json.loads(r.before) if r.before else None,
                "after": json.loads(r.after) if r.after else None,
            }
        )
    return out
