"""Roadmap pages: everyone reads; editors change status and progress; experts comment; the rules hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from qala.store import roadmap as store

from .test_web import CSRF_RE, Web


@pytest.fixture
def web(tmp_path: Path) -> Web:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ("admin", "editor", "expert", "provider"):
        w.add(role, role)
    return w


def in_progress_code(w: Web) -> str:
    rm = store.load_roadmap(w.engine, "astana")
    return next(a.code for a in rm.activities if a.status == "in_progress")


def test_everyone_reads_the_roadmap(web: Web) -> None:
    c = web.client()
    r = c.get("/roadmap")
    assert r.status_code == 200
    assert "<svg" in r.text and "Жол картасы" in r.text  # Gantt drawn without script; Kazakh by default
    data = c.get("/roadmap?fmt=json").json()
    assert len(data["sections"]) == 5 and sum(len(s["activities"]) for s in data["sections"]) == 21
    assert c.get("/roadmap/experts?fmt=json").json()["expert_group"].__len__() == 13
    assert {"adb", "ebrd", "aifc", "undp"} <= {
        p["code"] for p in c.get("/roadmap/partners?fmt=json").json()["partners"]
    }
    assert c.get("/roadmap/99.9").status_code == 404


def post_form(client, path: str, data: dict[str, str]):
    found = CSRF_RE.search(client.get(path).text) or CSRF_RE.search(client.get("/login").text)
    token = found.group(1)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_editor_changes_and_the_history_keeps_it(web: Web) -> None:
    code = in_progress_code(web)
    ed = web.signed_in("editor")
    r = post_form(ed, f"/roadmap/{code}", {"progress": "70", "comment": "checked on site"})
    assert r.status_code == 303
    assert store.load_roadmap(web.engine, "astana").activity(code).progress == 70.0
    ev = store.events(web.engine, "astana", code)
    assert ev[-1]["who"] == "editor" and ev[-1]["after"]["progress"] == 70.0 and ev[-1]["comment"] == "checked on site"
    # a broken rule: a clear message and nothing changed
    r = post_form(ed, f"/roadmap/{code}", {"progress": "150", "comment": "typo"})
    assert r.status_code == 400 and "0 мен 100 % аралығында" in r.text and "roadmap.progress_range" in r.text
    assert 'value="150"' in r.text and ">typo</textarea>" in r.text  # what was typed stays in the form
    assert store.load_roadmap(web.engine, "astana").activity(code).progress == 70.0


def test_a_change_needs_its_reason_and_says_saved(web: Web) -> None:
    code = in_progress_code(web)
    ed = web.signed_in("editor")
    before = len(store.events(web.engine, "astana", code))
    r = post_form(ed, f"/roadmap/{code}", {"progress": "75,5", "comment": "  "})
    assert r.status_code == 400 and 'id="change-error"' in r.text and 'value="75,5"' in r.text
    assert len(store.events(web.engine, "astana", code)) == before
    r = post_form(ed, f"/roadmap/{code}", {"progress": "75,5", "comment": "measured"})
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=1")
    assert store.load_roadmap(web.engine, "astana").activity(code).progress == 75.5
    page = ed.get(r.headers["location"])
    assert 'id="saved"' in page.text
    assert 'id="progress" name="progress" inputmode="decimal" size="6" value="75,5"' in page.text  # pre-filled


def test_experts_comment_but_do_not_edit(web: Web) -> None:
    code = in_progress_code(web)
    ex = web.signed_in("expert")
    assert post_form(ex, f"/roadmap/{code}/comments", {"text": "Add the heat data"}).status_code == 303
    assert store.events(web.engine, "astana", code)[-1]["comment"] == "Add the heat data"
    before = store.load_roadmap(web.engine, "astana").activity(code).progress
    assert post_form(ex, f"/roadmap/{code}", {"progress": "99"}).status_code == 403
    assert store.load_roadmap(web.engine, "astana").activity(code).progress == before


@pytest.mark.parametrize("who", ["provider", None])
def test_providers_and_the_public_neither_edit_nor_comment(web: Web, who: str | None) -> None:
    code = in_progress_code(web)
    c = web.signed_in(who) if who else web.client()
    expected = 403 if who else 401
    assert post_form(c, f"/roadmap/{code}", {"progress": "99"}).status_code == expected
    assert post_form(c, f"/roadmap/{code}/comments", {"text": "x"}).status_code == expected


def test_csrf_is_required(web: Web) -> None:
    code = in_progress_code(web)
    ed = web.signed_in("editor")
    r = ed.post(f"/roadmap/{code}", data={"progress": "10"}, follow_redirects=False)
    assert r.status_code == 403


def test_assessment_and_documents_pages(web: Web) -> None:
    c = web.client()
    r = c.get("/assessment")
    assert r.status_code == 200 and "Экологиялық" in r.text
    data = c.get("/assessment?fmt=json").json()
    assert len(data["indicators"]) >= 12 and data["alignment"]
    r = c.get("/documents?q=стратегиясы")
    assert r.status_code == 200 and "Стратегиялық құжаттар" in r.text
    docs = c.get("/documents?q=стратегия&fmt=json").json()
    assert docs["hits"] and len(docs["duplicates"]) == 3 and docs["registry"]


def test_economics_page_and_macc_export(web: Web) -> None:
    c = web.client()
    impossible = c.get("/economics?year=2030&limit=1&fmt=json").json()["portfolio"]
    reachable = round(impossible["bau_tco2e"] - impossible["max_abatement_tco2e"] / 2)  # half-way: feasible
    r = c.get(f"/economics?year=2030&limit={reachable}")
    assert r.status_code == 200 and "Экономика" in r.text
    data = c.get(f"/economics?year=2030&limit={reachable}&fmt=json").json()
    assert data["macc"]["steps"] and data["portfolio"]["status"] == "optimal"
    # the prices that value the savings are shown with their sources
    assert "Үнемдеуді бағалайтын энергия бағалары" in r.text
    assert "9,000.00 KZT/t (2019)" in r.text and "baq.kz" in r.text
    assert c.get("/economics?year=2030&limit=1&fmt=json").json()["portfolio"]["status"] == "infeasible"
    csv_text = c.get("/economics/macc.csv?year=2030").text
    assert csv_text.startswith("code,abatement_tco2e")
    assert c.get("/economics?year=2200").status_code in (400, 422)
