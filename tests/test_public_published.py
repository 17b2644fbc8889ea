"""Issue 14: every public figure reads the published version; a provider's accepted data change none of them (the
pathway chart's first point, the scenarios, the assessment's co-benefits, the reconciliation) until publish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web import HEADER, ROLES, Web
from tests.test_workflow import submit

# the seed's 2024 natural gas of I.1.1 (5,989.7232 TJ, no facility) corrected to 3,500 TJ more: a key of the model
GAS_2024 = HEADER + "2024,I.1.1,natural_gas,9489.7232,TJ,gas utility,\n"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ROLES:
        w.add(role, role)
    yield w
    w.engine.dispose()


def figures(web: Web, headers: dict[str, str] | None = None, state: str = "") -> dict[str, Any]:
    """What the public reads: the overview's twin (inventory and the pathway chart's data), a scenario in the API."""
    c = web.client()
    q = f"&state={state}" if state else ""
    overview = c.get(f"/?fmt=json{q}", headers=headers or {}).json()
    bau = c.get("/api/v1/scenarios/bau").json()
    return {
        "inventory": overview["inventory"]["totals"],
        "chart": overview["scenarios"],
        "first_point": {name: s["total"]["mean"][0] for name, s in overview["scenarios"].items()},
        "api_first_point": bau["total"]["mean"][0],
        "api_base": bau.get("base_year"),
    }


def test_no_public_figure_moves_until_the_base_year_is_published(web: Web) -> None:
    before = figures(web)
    assert before["first_point"]["bau"] == pytest.approx(before["api_first_point"])
    ed = web.token("editor")
    sid = submit(web, "provider", GAS_2024)  # 3,500 TJ of gas more in 2024, the model's base year
    assert web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).status_code == 200
    accepted = figures(web)
    assert accepted == before  # the inventory, the chart (its first point too) and the API: all unchanged
    # the editor asks for the working state: the chart starts from the accepted data
    editor_page = web.signed_in("editor")
    working = editor_page.get("/?fmt=json&state=working").json()
    moved = working["scenarios"]["bau"]["total"]["mean"][0] - before["first_point"]["bau"]
    # 3,500 TJ of natural gas at 56,100 kg CO2/TJ (+ CH4, N2O): about 196,000 t CO2e more in the base year
    assert 190_000 < moved < 200_000
    assert working["inventory"]["totals"]["basic"] - before["inventory"]["basic"] == pytest.approx(moved, rel=0.01)
    r = web.client().post("/api/v1/publications", headers=ed, json={"city": "astana", "year": 2024, "note": "gas"})
    assert r.status_code == 201, r.text
    published = figures(web)
    assert published["first_point"]["bau"] == pytest.approx(working["scenarios"]["bau"]["total"]["mean"][0])
    assert published["api_first_point"] == pytest.approx(published["first_point"]["bau"])
    assert published["inventory"] == working["inventory"]["totals"]


def test_the_assessment_and_the_scenario_base_read_the_published_version(web: Web) -> None:
    from qala.services import scenario as svc
    from qala.services.assessment import assess

    model, _ = svc.resolve("bau", "astana", web.engine)
    base = svc.base_year(web.engine, model, None)
    cobenefits = assess(web.engine, "astana", draws=20)["cobenefits"]
    ed = web.token("editor")
    sid = submit(web, "provider", GAS_2024)
    assert web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).status_code == 200
    assert svc.base_year(web.engine, model, None) == base
    assert svc.base_year(web.engine, model, None, working=True) != base
    assert assess(web.engine, "astana", draws=20)["cobenefits"] == cobenefits
