"""The roadmap as JSON (DESIGN.md §5), as an XLSX workbook and as an iCalendar file of deadlines."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.styles import Font

from qala.exports.safe import safe_workbook
from qala.roadmap.model import Roadmap
from qala.roadmap.rollup import rollup


def to_dict(roadmap: Roadmap, today: date, lang: str = "en") -> dict[str, Any]:
    people = {p.id: p for p in roadmap.people}
    orgs = {o.code: o for o in roadmap.organisations}
    roll = rollup(roadmap, today)
    return {
        "city": roadmap.city,
        "title": roadmap.title[lang],
        "titles": roadmap.title,
        "approving_act": roadmap.approving_act,
        "start": roadmap.start.isoformat(),
        "end": roadmap.end.isoformat(),
        "as_of": today.isoformat(),
        "progress": roll["progress"],
        "status_counts": roll["status_counts"],
        "sections": [
            {
                "code": s.code,
                "title": s.title[lang],
                "titles": s.title,
                "placeholder": s.placeholder,
                "progress": roll["sections"][s.code],  # type: ignore[index]
                "activities": [
                    {
                        "code": a.code,
                        "title": a.title[lang],
                        "titles": a.title,
                        "owner": orgs[a.owner].name[lang] if a.owner in orgs else a.owner,
                        "owner_code": a.owner,
                        "responsible": people[a.responsible].name[lang] if a.responsible in people else None,
                        "partners": list(a.partners),
                        "start": a.start.isoformat(),
                        "due": a.due.isoformat(),
                        "status": a.shown_status(today),
                        "stored_status": a.status,
                        "progress": a.progress,
                        "deliverables": [d[lang] for d in a.deliverables],
                        "links": a.links,
                        "placeholder": a.placeholder,
                        "source": a.source,
                    }
                    for a in s.activities
                ],
            }
            for s in roadmap.sections
        ],
        "expert_group": [
            {
                "name": p.name[lang],
                "organisation": orgs[p.organisation].name[lang] if p.organisation in orgs else None,
                "role": p.role[lang],
                "field": p.field[lang],
                "placeholder": p.placeholder,
            }
            for p in roadmap.people
        ],
        "partners": [
            {"code": o.code, "name": o.name[lang], "kind": o.kind, "source": o.source} for o in roadmap.organisations
        ],
    }


def to_xlsx(roadmap: Roadmap, today: date, lang: str = "en") -> bytes:
    data = to_dict(roadmap, today, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = "Activities"
    head = [
        "section",
        "code",
        "title",
        "owner",
        "responsible",
        "partners",
        "start",
        "due",
        "status",
        "progress %",
        "deliverables",
        "placeholder",
        "source",
    ]
    ws.append(head)
    for s in data["sections"]:
        for a in s["activities"]:
            ws.append(
                [
                    s["code"],
                    a["code"],
                    a["title"],
                    a["owner"],
                    a["responsible"],
                    ", ".join(a["partners"]),
                    date.fromisoformat(a["start"]),
                    date.fromisoformat(a["due"]),
                    a["status"],
                    a["progress"],
                    "; ".join(a["deliverables"]),
                    "yes" if a["placeholder"] else "",
                    a["source"],
                ]
            )
    sec = wb.create_sheet("Sections")
    sec.append(["code", "title", "progress %", "placeholder"])
    for s in data["sections"]:
        sec.append([s["code"], s["title"], s["progress"], "yes" if s["placeholder"] else ""])
    sec.append(["", "Roadmap", data["progress"], ""])
    ppl = wb.create_sheet("Expert group")
    ppl.append(["name", "organisation", "role", "field", "placeholder"])
    for p in data["expert_group"]:
        ppl.append([p["name"], p["organisation"], p["role"], p["field"], "yes" if p["placeholder"] else ""])
    part = wb.create_sheet("Partners")
    part.append(["code", "name", "kind", "source"])
    for o in data["partners"]:
        part.append([o["code"], o["name"], o["kind"], o["source"]])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)
    return buf.getvalue()


def to_ics(roadmap: Roadmap, today: date, lang: str = "en") -> bytes:
    """One all-day event per activity on its due date (UIDs stable across exports)."""
    cal = Calendar()
    cal.add("prodid", "-//Qala//roadmap//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", roadmap.title[lang])
    for a in roadmap.activities:
        ev = Event()
        ev.add("uid", f"{roadmap.city}-roadmap-{a.code}@qala")
        ev.add("summary", f"{a.code} {a.title[lang]}")
        ev.add("dtstart", a.due)
        ev.add("dtend", a.due + timedelta(days=1))
        ev.add("dtstamp", date(today.year, today.month, today.day))
        ev.add("description", f"{a.description[lang]} — {a.shown_status(today)}, {a.progress:g} %")
        ev.add("status", "CANCELLED" if a.status == "cancelled" else "CONFIRMED")
        cal.add_component(ev)
    return cal.to_ical()
