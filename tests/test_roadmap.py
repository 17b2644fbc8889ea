"""The roadmap: roll-up by hand, overdue on fixed dates, rules for changes, history, exports, Astana's counts."""

import json
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from qala.roadmap.load import load_yaml
from qala.roadmap.model import RoadmapError, check_change
from qala.roadmap.rollup import rollup
from qala.store import roadmap as store
from qala.store.seed import open_database

SMALL = Path(__file__).parent / "data" / "roadmap_small.yaml"


def small():
    return load_yaml(SMALL.read_text(encoding="utf-8"), "roadmap_small.yaml")


def test_rollup_by_hand() -> None:
    rm = small()
    days = {
        "1.1": (date(2024, 4, 10) - date(2024, 1, 1)).days,
        "1.2": (date(2024, 10, 27) - date(2024, 1, 1)).days,
        "2.1": (date(2025, 7, 20) - date(2025, 1, 1)).days,
    }
    assert days == {"1.1": 100, "1.2": 300, "2.1": 200}
    r = rollup(rm, date(2025, 6, 1))
    # section 1: (100 x 100 % + 300 x 50 %) / 400 = 62.5 %; section 2: 2.1 at 0 %, 2.2 cancelled -> 0 %
    assert r["sections"] == {"1": pytest.approx(62.5), "2": pytest.approx(0.0)}
    # roadmap: (100 x 100 + 300 x 50 + 200 x 0) / 600 = 41.67 %
    assert r["progress"] == pytest.approx(25_000 / 600)


def test_overdue_on_fixed_dates() -> None:
    rm = small()
    a12, a21 = rm.activity("1.2"), rm.activity("2.1")
    assert a12.shown_status(date(2024, 10, 27)) == "in_progress"  # due today: not yet overdue
    assert a12.shown_status(date(2024, 10, 28)) == "overdue"
    assert a21.shown_status(date(2025, 7, 21)) == "overdue"  # planned and past due
    assert rm.activity("1.1").shown_status(date(2030, 1, 1)) == "done"
    assert rm.activity("2.2").shown_status(date(2030, 1, 1)) == "cancelled"
    assert rollup(rm, date(2025, 8, 1))["status_counts"] == {"done": 1, "overdue": 2, "cancelled": 1}


@pytest.mark.parametrize(
    ("code", "change", "message"),
    [
        ("2.1", {"status": "done"}, "can become in_progress, cancelled, not done"),  # skips in_progress
        ("1.2", {"progress": 120.0}, "between 0 and 100"),
        ("1.2", {"progress": -1.0}, "between 0 and 100"),
        ("1.2", {"status": "overdue"}, "computed from the due date"),
        ("1.2", {"due": date(2023, 12, 31)}, "before the start"),
        ("1.2", {"status": "done", "progress": 90.0}, "done activity has progress 100"),
    ],
)
def test_changes_that_break_the_rules(code, change, message) -> None:
    act = small().activity(code)
    with pytest.raises(RoadmapError, match=message):
        check_change(act, status=change.get("status"), progress=change.get("progress"), due=change.get("due"))


def seeded(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}", seed=False)
    from qala.store.seed import seed_city

    seed_city(engine, "astana")
    with engine.begin() as conn:
        store.seed_roadmap(conn, small(), "test")
    return engine


def test_history_kept_across_changes(tmp_path) -> None:
    engine = seeded(tmp_path)
    store.update_activity(
        engine, "astana", "2.1", who="editor1", status="in_progress", progress=20, comment="kick-off with ADB"
    )
    store.update_activity(engine, "astana", "2.1", who="editor2", progress=60, comment="draft ready")
    store.add_comment(engine, "astana", "2.1", "Please add the heat data.", who="expert1")
    ev = store.events(engine, "astana", "2.1")
    assert [e["kind"] for e in ev] == ["change", "change", "comment"]
    assert ev[0]["before"]["status"] == "planned" and ev[0]["after"] == {
        "status": "in_progress",
        "progress": 20.0,
        "start": "2025-01-01",
        "due": "2025-07-20",
    }
    assert ev[1]["before"]["progress"] == 20.0 and ev[1]["after"]["progress"] == 60.0
    assert [e["who"] for e in ev] == ["editor1", "editor2", "expert1"]
    assert ev[0]["comment"] == "kick-off with ADB"
    assert store.load_roadmap(engine, "astana").activity("2.1").progress == 60.0
    with pytest.raises(RoadmapError):
        store.update_activity(engine, "astana", "9.9", who="x", progress=1)
    with pytest.raises(RoadmapError):  # nothing changed by a refused edit
        store.update_activity(engine, "astana", "2.1", who="x", progress=101)
    assert store.load_roadmap(engine, "astana").activity("2.1").progress == 60.0


def test_exports(tmp_path) -> None:
    from qala.roadmap import export

    rm = small()
    data = export.to_dict(rm, date(2025, 6, 1), "kk")
    assert data["sections"][1]["title"] == "Екі" and data["progress"] == pytest.approx(25_000 / 600)
    assert data["sections"][0]["activities"][1]["status"] == "overdue"
    for key in ("city", "title", "sections", "expert_group", "partners"):
        assert key in data
    wb = load_workbook(__import__("io").BytesIO(export.to_xlsx(rm, date(2025, 6, 1))))
    assert wb.sheetnames == ["Activities", "Sections", "Expert group", "Partners"]
    assert wb["Activities"].max_row == 5
    cal = Calendar.from_ical(export.to_ics(rm, date(2025, 6, 1)))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 4
    assert {str(e["uid"]) for e in events} == {f"astana-roadmap-{c}@qala" for c in ("1.1", "1.2", "2.1", "2.2")}
    assert json.dumps(data, ensure_ascii=False)


def test_cli_show_update_and_bad_input(run_cli, tmp_path) -> None:
    code, out, err = run_cli("roadmap", "show", "--format", "json", "--as-of", "2025-01-31")
    assert code == 0, err
    data = json.loads(out)
    assert len(data["sections"]) == 5
    assert sum(len(s["activities"]) for s in data["sections"]) == 21
    assert len(data["expert_group"]) == 13
    assert {"adb", "ebrd", "aifc", "undp"} <= {p["code"] for p in data["partners"]}
    act = next(a for s in data["sections"] for a in s["activities"] if a["stored_status"] == "in_progress")
    code, _, err = run_cli("roadmap", "update", act["code"], "--progress", "150")
    assert code == 2 and "between 0 and 100" in err
    code, _, err = run_cli("roadmap", "update", "99.9", "--progress", "10")
    assert code == 2 and "unknown activity code '99.9'" in err
    code, out, err = run_cli("roadmap", "update", act["code"], "--progress", "55", "--comment", "checked")
    assert code == 0, err
    xlsx, ics = tmp_path / "r.xlsx", tmp_path / "r.ics"
    assert run_cli("roadmap", "export", "--output", str(xlsx))[0] == 0
    assert run_cli("roadmap", "export", "--output", str(ics), "--lang", "kk")[0] == 0
    assert xlsx.stat().st_size > 0 and b"BEGIN:VCALENDAR" in ics.read_bytes()
