"""Read a roadmap YAML (the shipped seed) into records, checking every field."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from qala.roadmap.model import (
    STATUSES,
    Activity,
    Organisation,
    Person,
    Roadmap,
    RoadmapError,
    Section,
    check_change,
    check_date,
)

LANGS = ("en", "ru", "kk")


def _names(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or any(not str(value.get(lang, "")).strip() for lang in LANGS):
        raise RoadmapError("roadmap.names", field=where)
    return {lang: str(value[lang]) for lang in LANGS}


def _date(where: str, value: Any) -> date:
    if isinstance(value, date):
        return check_date(where, value)
    try:
        return check_date(where, date.fromisoformat(str(value)))
    except ValueError as exc:
        if isinstance(exc, RoadmapError):
            raise
        raise RoadmapError("roadmap.date_invalid", field=where, value=repr(value)) from exc


def parse_roadmap(data: dict[str, Any], where: str = "roadmap") -> Roadmap:
    rm = data.get("roadmap") or {}
    orgs = tuple(
        Organisation(
            o["code"],
            o.get("kind", ""),
            _names(f"{where}: organisation {o.get('code')}", o["name"]),
            str(o.get("source", "")),
        )
        for o in data.get("organisations") or []
    )
    org_codes = {o.code for o in orgs}
    people = tuple(
        Person(
            p["id"],
            _names(f"{where}: person {p.get('id')}", p["name"]),
            p.get("organisation"),
            _names(f"{where}: person {p.get('id')} role", p.get("role")),
            _names(f"{where}: person {p.get('id')} field", p.get("field")),
            bool(p.get("placeholder")),
        )
        for p in data.get("people") or []
    )
    person_ids = {p.id for p in people}
    sections = []
    for s in data.get("sections") or []:
        acts = []
        for a in s.get("activities") or []:
            w = f"{where}: activity {a.get('code')}"
            status = a.get("status", "planned")
            if status not in STATUSES:
                raise RoadmapError("roadmap.seed_status", field=w, allowed=STATUSES)
            if a.get("owner") not in org_codes:
                raise RoadmapError("roadmap.owner", field=w)
            for p in a.get("partners") or []:
                if p not in org_codes:
                    raise RoadmapError("roadmap.partner", field=w, partner=p)
            if a.get("responsible") and a["responsible"] not in person_ids:
                raise RoadmapError("roadmap.responsible", field=w, person=a["responsible"])
            act = Activity(
                code=str(a["code"]),
                section=str(s["code"]),
                title=_names(f"{w} title", a.get("title")),
                description=_names(f"{w} description", a.get("description")),
                owner=a["owner"],
                responsible=a.get("responsible"),
                partners=tuple(a.get("partners") or ()),
                start=_date(f"{w} start", a.get("start")),
                due=_date(f"{w} due", a.get("due")),
                status=status,
                progress=float(a.get("progress", 0)),
                deliverables=tuple(_names(f"{w} deliverable", d) for d in a.get("deliverables") or ()),
                links={k: list(v or []) for k, v in (a.get("links") or {}).items()},
                placeholder=bool(a.get("placeholder")),
                source=str(a.get("source", "")),
            )
            check_change(act, status=None, progress=None)  # the seed obeys the same rules as an edit
            acts.append(act)
        sections.append(
            Section(
                str(s["code"]),
                _names(f"{where}: section {s.get('code')}", s.get("title")),
                bool(s.get("placeholder")),
                tuple(acts),
            )
        )
    return Roadmap(
        city=str(rm.get("city", "")),
        title=_names(f"{where}: title", rm.get("title")),
        approving_act={k: str(v) for k, v in (rm.get("approving_act") or {}).items()},
        start=_date(f"{where}: start", rm.get("start")),
        end=_date(f"{where}: end", rm.get("end")),
        source=str(rm.get("source", "")),
        sections=tuple(sections),
        organisations=orgs,
        people=people,
    )


def load_yaml(text: str, where: str) -> Roadmap:
    """A roadmap file (bundled with a city): libyaml's parser when PyYAML has it, ten times faster, same data."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_roadmap(yaml.load(text, Loader=loader) or {}, where)
