"""The estimates on the web: coverage on the overview and the inventory, the editors' estimates page by role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qala.store.seed import add_city
from tests.test_web import CheckedClient, Web, csrf

POPULATION = "year,value,source\n2015,490000,BNS 1 January 2015\n2024,510000,BNS 1 January 2024\n"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = Web(f"sqlite:///{tmp_path / 'web.sqlite3'}")
    for role in ("provider", "expert", "editor", "admin"):
        w.add(role, role)
    yield w
    w.engine.dispose()


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_overview_shows_coverage_keys_and_the_trend(web: Web, lang: str) -> None:
    c = web.client()
    data = c.get(f"/?fmt=json&lang={lang}").json()
    inv = data["inventory"]
    assert inv["share_estimated"]["basic"] == pytest.approx(1.0)  # Astana's BASIC rests on estimates today
    assert inv["by_sector"]["IV"] is None and inv["sector_keys"]["IV"] == "NE"  # never 0 for unknown
    assert [t["year"] for t in data["trend"]] == list(range(2015, 2025))
    assert data["history"]["years"] == list(range(2015, 2025))
    page = c.get(f"/?lang={lang}").text
    assert 'id="history-chart"' in page and ">NE</abbr>" in page
    words = {"kk": "бағалаулар", "ru": "оценки", "en": "estimates"}[lang]
    assert words in page


def test_the_inventory_page_says_where_each_figure_comes_from(web: Web) -> None:
    c = web.client()
    page = c.get("/inventory?year=2024&lang=ru").text
    assert "Пересчёт национального кадастра на город" in page  # the method's name, not its code
    assert "оценка" in page and "NE: не оценивалось" in page
    data = c.get("/inventory?year=2024&fmt=json").json()["inventory"]
    assert data["cells"]["II.1.1"]["status"] == "estimated" and data["cells"]["IV.1"]["key"] == "NE"


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("provider", 403), ("expert", 200), ("editor", 200)])
def test_the_estimates_page_by_role(web: Web, role: str | None, status: int) -> None:
    c = web.signed_in(role) if role else web.client()
    r = c.get("/estimates?year=2024")
    assert r.status_code == status
    if status == 200:
        assert c.get("/estimates?fmt=json").json()["spec"]["origin"] == "stored"  # kept when Astana was loaded
        can_write = "Write these estimates" in c.get("/estimates?lang=en").text
        assert can_write == (role == "editor")
        data = c.get("/estimates?year=2017&fmt=json").json()
        assert data["year"] == 2017 and data["outcome"]["unchanged"] == 224 and data["outcome"]["written"] == 0


def test_an_expert_cannot_write_estimates(web: Web) -> None:
    c = web.signed_in("expert")
    r = c.post("/estimates", data={"csrf_token": csrf(c, "/estimates"), "action": "apply"})
    assert r.status_code == 403


def test_an_editor_gives_a_new_city_a_baseline_from_its_population(web: Web) -> None:
    add_city(web.engine, "kokshetau", {"en": "Kokshetau", "ru": "Кокшетау", "kk": "Көкшетау"}, "KZ")
    c: CheckedClient = web.signed_in("editor")
    c.get("/?city=kokshetau")
    page = c.get("/estimates?lang=en").text
    assert "has no estimation spec yet" in page
    bad = c.post(
        "/estimates", data={"csrf_token": csrf(c, "/estimates"), "population": "2015,-5,x\n", "action": "apply"}
    )
    assert bad.status_code == 422 and "a number of at least 0" in bad.text and "2015,-5,x" in bad.text
    assert c.get("/inventory?year=2020&fmt=json").status_code == 404  # nothing was written
    before = web.count()
    ok = c.post(
        "/estimates",
        data={"csrf_token": csrf(c, "/estimates"), "population": POPULATION, "action": "apply"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert web.count() > before
    inv = c.get("/inventory?year=2020&fmt=json").json()["inventory"]
    assert inv["share_estimated"]["basic"] == pytest.approx(1.0)
    assert inv["cells"]["II.1.1"]["status"] == "estimated"
    assert web.audit("estimate")
