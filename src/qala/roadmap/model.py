"""Roadmap records (frozen) and the rules for changing an activity: status, progress, dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from qala.messages import CodedError

STATUSES = ("planned", "in_progress", "done", "cancelled")  # stored; "overdue" is computed from the dates
SHOWN_STATUSES = (*STATUSES, "overdue")
# allowed changes: work starts before it is done; a cancelled activity is reinstated as planned
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("in_progress", "cancelled"),
    "in_progress": ("done", "planned", "cancelled"),
    "done": ("in_progress",),
    "cancelled": ("planned",),
}
Names = dict[str, str]
# dates a roadmap may hold: a strategy's horizon with room on both sides (9999-12-31 broke the calendar export)
DATE_MIN, DATE_MAX = date(1990, 1, 1), date(2100, 12, 31)


def check_date(where: str, value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise RoadmapError("roadmap.date_range", field=where, min=str(DATE_MIN), max=str(DATE_MAX), value=str(value))
    return value


class RoadmapError(CodedError):
    """A change that breaks the roadmap's rules; nothing is changed. A code with its parameters
    (``roadmap/messages.py``); ``str()`` is the English sentence."""


@dataclass(frozen=True)
class Activity:
    code: str
    section: str
    title: Names
    description: Names
    owner: str
    responsible: str | None
    partners: tuple[str, ...]
    start: date
    due: date
    status: str
    progress: float
    deliverables: tuple[Names, ...]
    links: dict[str, list[str]]
    placeholder: bool
    source: str

    def shown_status(self, today: date) -> str:
        """The status as shown: 'overdue' when the due date has passed and the work is not finished."""
        if self.status in ("planned", "in_progress") and self.due < today:
            return "overdue"
        return self.status

    @property
    def days(self) -> int:
        return max((self.due - self.start).days, 1)


@dataclass(frozen=True)
class Section:
    code: str
    title: Names
    placeholder: bool
    activities: tuple[Activity, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Organisation:
    code: str
    kind: str
    name: Names
    source: str


@dataclass(frozen=True)
class Person:
    id: str
    name: Names
    organisation: str | None
    role: Names
    field: Names
    placeholder: bool


@dataclass(frozen=True)
class Roadmap:
    city: str
    title: Names
    approving_act: dict[str, str]
    start: date
    end: date
    source: str
    sections: tuple[Section, ...]
    organisations: tuple[Organisation, ...]
    people: tuple[Person, ...]

    @property
    def activities(self) -> list[Activity]:
        return [a for s in self.sections for a in s.activities]

    def activity(self, code: str) -> Activity:
        for a in self.activities:
            if a.code == code:
                return a
        known = ", ".join(a.code for a in self.activities)
        raise RoadmapError("roadmap.unknown_activity", 404, activity=code, known=known)


def check_change(
    activity: Activity,
    *,
    status: str | None,
    progress: float | None,
    start: date | None = None,
    due: date | None = None,
) -> tuple[str, float, date, date]:
    """The activity's new (status, progress, start, due), or RoadmapError saying which rule is broken."""
    new_status = activity.status if status is None else status
    if new_status not in STATUSES:
        which = "roadmap.status_overdue" if new_status == "overdue" else "roadmap.status_unknown"
        raise RoadmapError(which, allowed=STATUSES, status=new_status)
    if new_status != activity.status and new_status not in TRANSITIONS[activity.status]:
        allowed = TRANSITIONS[activity.status]
        raise RoadmapError("roadmap.transition", **{"from": activity.status, "allowed": allowed, "to": new_status})
    new_progress = activity.progress if progress is None else float(progress)
    if not 0 <= new_progress <= 100:  # nan and infinities fail this too
        raise RoadmapError("roadmap.progress_range", value=new_progress)
    if status == "done" and progress is None:
        new_progress = 100.0
    if status == "planned" and progress is None:
        new_progress = 0.0
    if new_status == "done" and new_progress != 100:
        raise RoadmapError("roadmap.done_progress")
    if new_status == "planned" and new_progress != 0:
        raise RoadmapError("roadmap.planned_progress")
    new_start = check_date("start", start or activity.start)
    new_due = check_date("due", due or activity.due)
    if new_due < new_start:
        raise RoadmapError("roadmap.due_before_start", due=str(new_due), start=str(new_start))
    return new_status, new_progress, new_start, new_due
