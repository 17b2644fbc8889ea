"""Progress rolled up by section and for the whole roadmap (pure arithmetic).

Each activity weighs by its planned duration in days; cancelled activities drop out. An activity's
progress is its reported percentage (done = 100 %).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from qala.roadmap.model import Activity, Roadmap


def weighted_progress(activities: list[Activity]) -> float:
    live = [a for a in activities if a.status != "cancelled"]
    total = sum(a.days for a in live)
    return sum(a.progress * a.days for a in live) / total if total else 0.0


def rollup(roadmap: Roadmap, today: date) -> dict[str, object]:
    sections = {s.code: weighted_progress(list(s.activities)) for s in roadmap.sections}
    counts = Counter(a.shown_status(today) for a in roadmap.activities)
    return {
        "progress": weighted_progress(roadmap.activities),
        "sections": sections,
        "status_counts": dict(counts),
        "as_of": today.isoformat(),
    }
