"""Issue 14: providers' uploads are submissions an editor accepts or rejects; published versions; the audit page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web import HEADER, ROLES, Web, csrf, upload_form

HEAT = HEADER + "2023,I.1.2,district_heat,500,Gcal,heat network,net-a\n"
TWO = HEAT + "2023,I.1.2,district_heat,800,Gcal,heat network,net-b\n"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ROLES:
        w.add(role, role)
    yield w
    w.engine.dispose()


def submit(web: Web, who: str, body: str = TWO, name: str = "heat.csv") -> int:
    r = web.client().post("/api/v1/imports", headers=web.token(who), files={"file": (name, body)})
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["status"] == "pending" and isinstance(out["submission"], int)
    return out["submission"]


def records_of(web: Web, who: str) -> list[dict[str, Any]]:
    return web.client().get("/api/v1/records", headers=web.token(who)).json()


def test_a_provider_upload_waits_for_review_and_changes_nothing(web: Web) -> None:
    before = web.count()
    sid = submit(web, "provider")
    assert web.count() == before  # no record until an editor accepts
    assert [s["id"] for s in web.client().get("/api/v1/submissions", headers=web.token("provider")).json()] == [sid]
    detail = web.client().get(f"/api/v1/submissions/{sid}", headers=web.token("editor")).json()
    assert detail["status"] == "pending" and [r["source_row"] for r in detail["rows_detail"]] == [2, 3]
    assert all(r["flag"] == "new" and r["current"] is None for r in detail["rows_detail"])


def test_editor_accepts_one_row_and_rejects_the_other_with_a_reason(web: Web) -> None:
    sid = submit(web, "provider")
    ed = web.token("editor")
    before = web.count()
    r = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={"reason": "checked", "rows": [2]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["batch_id"] is not None
    assert web.count() == before + 1
    r = web.client().post(f"/api/v1/submissions/{sid}/reject", headers=ed, json={"reason": "net-b is not ours"})
    assert r.status_code == 200 and r.json()["rows"] == [3] and r.json()["status"] == "partial"
    assert web.count() == before + 1
    mine = web.client().get(f"/api/v1/submissions/{sid}", headers=web.token("provider")).json()
    fates = {row["source_row"]: (row["status"], row["reason"]) for row in mine["rows_detail"]}
    assert fates == {2: ("accepted", "checked"), 3: ("rejected", "net-b is not ours")}
    # the accepted figure is the provider's, in the records, with its provenance
    [rec] = [x for x in records_of(web, "provider") if x["facility"] == "net-a"]
    assert rec["imported_by"] == "provider" and rec["file_name"] == f"heat.csv (submission #{sid})"
    # a rejection needs a reason; a decided row cannot be decided again
    assert web.client().post(f"/api/v1/submissions/{sid}/reject", headers=ed, json={}).status_code == 422
    r = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={"rows": [3]})
    assert r.status_code == 409
    actions = [(e.who, e.action, e.entity_id) for e in web.audit("accept") + web.audit("reject")]
    assert actions == [("editor", "accept", str(sid)), ("editor", "reject", str(sid))]


def test_a_correction_through_review_keeps_the_history(web: Web) -> None:
    sid = submit(web, "provider", HEAT)
    ed = web.token("editor")
    assert web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).status_code == 200
    sid2 = submit(web, "provider", HEAT.replace(",500,", ",650,"), "heat2.csv")
    [row] = web.client().get(f"/api/v1/submissions/{sid2}", headers=ed).json()["rows_detail"]
    # 500 -> 650: +150, +30 % (over the default 20 % threshold)
    assert (row["current"], row["difference"], row["change_percent"], row["flagged"]) == (500, 150, 30.0, True)
    assert web.client().post(f"/api/v1/submissions/{sid2}/accept", headers=ed, json={}).status_code == 200
    rows = web.client().get("/api/v1/records?year=2023", headers=ed).json()
    assert [r["amount"] for r in rows if r["facility"] == "net-a"] == [650]
    with web.engine.connect() as conn:
        amounts = [
            a for (a,) in conn.exec_driver_sql("SELECT amount FROM activity_records WHERE facility='net-a' ORDER BY id")
        ]
    assert amounts == [500, 650]


def test_a_provider_cannot_accept_its_own_nor_see_another(web: Web) -> None:
    web.add("other", "provider")
    sid = submit(web, "provider")
    for who in ("provider", "other", "expert"):
        r = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=web.token(who), json={"reason": "x"})
        assert r.status_code == 403, who
    assert web.client().get(f"/api/v1/submissions/{sid}", headers=web.token("other")).status_code == 404
    assert web.client().get("/api/v1/submissions", headers=web.token("other")).json() == []
    assert web.signed_in("other").get(f"/submissions/{sid}").status_code == 404
    # an editor's own upload is imported at once (the department's data), so no editor decides its own


@pytest.mark.parametrize(
    ("role", "listing", "accept"),
    [(None, 401, 401), ("provider", 200, 403), ("expert", 200, 403), ("editor", 200, 200), ("admin", 200, 200)],
)
def test_role_matrix_of_the_review_routes(web: Web, role: str | None, listing: int, accept: int) -> None:
    web.add("supplier", "provider")
    sid = submit(web, "supplier")
    headers = {} if role is None else web.token(role)
    assert web.client().get("/api/v1/submissions", headers=headers).status_code == listing
    own = 404 if role == "provider" else listing  # another provider's submission does not exist for a provider
    assert web.client().get(f"/api/v1/submissions/{sid}", headers=headers).status_code == own
    r = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=headers, json={"reason": "ok"})
    assert r.status_code == accept
    page = web.client() if role is None else web.signed_in(role)
    assert page.get("/submissions").status_code == listing
    assert page.get(f"/submissions/{sid}").status_code == own


def test_the_review_page_accepts_with_a_form(web: Web) -> None:
    sid = submit(web, "provider")
    c = web.signed_in("editor")
    page = c.get(f"/submissions/{sid}")
    assert page.status_code == 200 and 'id="accept"' in page.text
    token = csrf(c, f"/submissions/{sid}")
    r = c.post(
        f"/submissions/{sid}/reject",
        data={"csrf_token": token, "reason": "wrong year", "rows": ["3"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = c.post(f"/submissions/{sid}/accept", data={"csrf_token": token, "reason": ""}, follow_redirects=False)
    assert r.status_code == 303
    mine = web.signed_in("provider").get("/submissions?fmt=json").json()["submissions"]
    assert [(s["id"], s["status"]) for s in mine] == [(sid, "partial")]
    assert "wrong year" in web.signed_in("provider").get(f"/submissions/{sid}").text
    # a forged form is refused
    assert c.post(f"/submissions/{sid}/accept", data={"csrf_token": "x"}).status_code == 403


def test_the_form_upload_of_a_provider_is_a_submission(web: Web) -> None:
    c = web.signed_in("provider")
    before = web.count()
    r = upload_form(c, "form.csv", HEAT)
    assert r.status_code == 200 and 'id="upload-ok"' in r.text and "/submissions/" in r.text
    assert web.count() == before


# --- published versions --------------------------------------------------------------------------------------
GAS_2024 = (
    HEADER + "2024,I.1.1,natural_gas,2500,TJ,gas utility,house-1\n2024,I.1.1,natural_gas,1000,TJ,gas utility,house-2\n"
)


def public(web: Web) -> dict[str, Any]:
    r = web.client().get("/api/v1/inventory")
    assert r.status_code == 200, r.text
    return r.json()


def test_public_figures_change_only_when_published(web: Web) -> None:
    first = public(web)
    assert first["year"] == 2024 and first["version"]["number"] == 1 and first["version"]["note"] == "bundled baseline"
    assert first["version"]["stale"] is False
    ed = web.token("editor")
    sid = submit(web, "provider", GAS_2024)
    assert public(web) == first  # a pending submission changes nothing
    assert web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).status_code == 200
    after = public(web)
    assert after["totals"] == first["totals"] and after["version"]["number"] == 1
    assert after["version"]["stale"] is True  # newer accepted data exist
    working = web.client().get("/api/v1/inventory?state=working", headers=ed).json()
    assert working["version"]["state"] == "working" and working["totals"] != first["totals"]
    # the working state is the editors' only
    assert web.client().get("/api/v1/inventory?state=working").status_code == 401
    assert web.client().get("/api/v1/inventory?state=working", headers=web.token("provider")).status_code == 403
    assert web.client().get("/api/v1/inventory?state=working", headers=web.token("expert")).status_code == 403
    assert web.client().get("/?state=working").status_code == 401
    r = web.client().post("/api/v1/publications", headers=ed, json={"city": "astana", "year": 2024, "note": "gas"})
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert (v2["year"], v2["version"], v2["published_by"]) == (2024, 2, "editor")
    now = public(web)
    assert now["version"]["number"] == 2 and now["totals"] == working["totals"] and now["version"]["stale"] is False
    # the overview page says which version it shows
    page = web.client().get("/?lang=en")
    assert 'id="version-notice"' in page.text and "Published version 2 of 2024" in page.text
    # withdrawn with a reason: the public sees version 1 again; the withdrawn version stays listed
    r = web.client().post(f"/api/v1/publications/{v2['id']}/withdraw", headers=ed, json={"reason": "wrong meter"})
    assert r.status_code == 200 and r.json()["withdrawn_reason"] == "wrong meter"
    assert public(web)["version"]["number"] == 1 and public(web)["totals"] == first["totals"]
    listed = web.client().get("/api/v1/publications?city=astana").json()
    assert [(p["year"], p["version"], p["withdrawn_reason"]) for p in listed[:2]] == [
        (2024, 2, "wrong meter"),
        (2024, 1, None),
    ]
    assert [e.who for e in web.audit("publish")] == ["editor"]
    assert [e.entity_id for e in web.audit("withdraw")] == [str(v2["id"])]


def test_a_future_year_never_becomes_the_public_year(web: Web) -> None:
    body = "year,gpc_ref,activity,amount,unit,source,facility,note\n2100,I.1.1,natural_gas,1,TJ,gas,h-1,PROJECTION: x\n"
    sid = submit(web, "provider", body)
    ed = web.token("editor")
    assert web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).status_code == 200
    r = web.client().post("/api/v1/publications", headers=ed, json={"city": "astana", "year": 2100, "note": "x"})
    assert r.status_code == 201
    assert public(web)["year"] == 2024  # the latest published year that is not in the future


def test_revert_a_batch_in_one_action_keeps_the_history(web: Web) -> None:
    ed = web.token("editor")
    sid = submit(web, "provider", HEAT)
    batch = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).json()["batch_id"]
    sid = submit(web, "provider", HEAT.replace(",500,", ",900,"), "fix.csv")
    batch2 = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).json()["batch_id"]
    total = web.count()
    r = web.client().post(f"/api/v1/batches/{batch2}/revert", headers=ed, json={"reason": "meter misread"})
    assert r.status_code == 200, r.text
    assert (r.json()["reverted"], r.json()["restored"]) == (1, 1)
    current = [x["amount"] for x in web.client().get("/api/v1/records", headers=ed).json() if x["facility"] == "net-a"]
    assert current == [500]  # the figure the batch had replaced is back
    assert web.count() == total + 1  # nothing deleted: one record more (the restored copy)
    # the first batch too: its figure had replaced nothing, so it is retired
    r = web.client().post(f"/api/v1/batches/{batch}/revert", headers=ed, json={"reason": "not ours"})
    assert r.status_code == 409  # nothing of it is current any more (the restored copy belongs to the revert)
    assert web.client().post(f"/api/v1/batches/{batch2}/revert", headers=ed, json={"reason": "x"}).status_code == 409
    for who in ("provider", "expert"):
        r = web.client().post(f"/api/v1/batches/{batch2}/revert", headers=web.token(who), json={"reason": "x"})
        assert r.status_code == 403
    assert [e.entity_id for e in web.audit("revert")] == [str(batch2)]


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("provider", 403), ("expert", 403), ("editor", 201), ("admin", 201)]
)
def test_role_matrix_of_publishing(web: Web, role: str | None, status: int) -> None:
    headers = {} if role is None else web.token(role)
    r = web.client().post("/api/v1/publications", headers=headers, json={"city": "astana", "year": 2023, "note": "n"})
    assert r.status_code == status
    c = web.client() if role is None else web.signed_in(role)
    assert c.get("/publications").status_code == (200 if status == 201 else status)
    assert c.get("/admin/audit").status_code == (200 if role == "admin" else 401 if role is None else 403)
    assert web.client().get("/api/v1/publications").status_code == 200  # the list of versions is public


def test_the_publications_page_publishes_and_the_audit_page_filters(web: Web) -> None:
    c = web.signed_in("editor")
    token = csrf(c, "/publications")
    r = c.post("/publications", data={"csrf_token": token, "year": "2023", "note": "annual"}, follow_redirects=False)
    assert r.status_code == 303
    assert "annual" in c.get("/publications").text
    admin = web.signed_in("admin")
    entries = admin.get("/admin/audit?fmt=json&action=publish&who=editor").json()["entries"]
    assert [(e["who"], e["action"], e["entity"]) for e in entries] == [("editor", "publish", "publication")]
    assert admin.get("/admin/audit?fmt=json&who=nobody").json()["entries"] == []
    today = entries[0]["at"][:10]
    assert len(admin.get(f"/admin/audit?fmt=json&action=publish&since={today}&until={today}").json()["entries"]) >= 1
    assert admin.get("/admin/audit?fmt=json&action=publish&until=2000-01-01").json()["entries"] == []


def test_a_published_version_reads_the_same_after_backup_restore_and_on_each_backend(
    store_url: str, tmp_path: Path, run_cli
) -> None:
    from qala.store import publications
    from qala.store.seed import open_database

    engine = open_database(store_url)
    pub = publications.current(engine, "astana", 2023)
    assert pub is not None and pub["note"] == "bundled baseline"
    assert publications.verify(pub).ok
    # recomputed from its frozen records, the inventory is the published text, byte for byte
    again = publications.canonical(publications.inventory_of(pub["records_json"], pub["gwp"]).to_dict())
    assert again == pub["inventory_json"]
    # the same version on SQLite as on this backend
    reference = open_database(f"sqlite:///{tmp_path / 'ref.sqlite3'}")
    ref = publications.current(reference, "astana", 2023)
    assert (ref["records_json"], ref["inventory_json"], ref["sha256"]) == (
        pub["records_json"],
        pub["inventory_json"],
        pub["sha256"],
    )
    # new data do not touch it; a backup restored elsewhere holds it unchanged
    publications.publish(engine, "astana", 2023, "second", "editor")
    archive = tmp_path / "b.zip"
    assert run_cli("backup", "--output", str(archive), "--database", store_url)[0] == 0
    restored_url = f"sqlite:///{tmp_path / 'restored' / 'r.sqlite3'}"
    code, _out, err = run_cli("restore", str(archive), "--database", restored_url)
    assert code == 0, err
    restored = open_database(restored_url)
    for engine_ in (engine, restored):
        versions = {(p["year"], p["version"]): p for p in publications.listing(engine_, "astana")}
        first = publications.get(engine_, versions[(2023, 1)]["id"], full=True)
        assert (first["inventory_json"], first["sha256"]) == (pub["inventory_json"], pub["sha256"])
        assert publications.current(engine_, "astana", 2023)["version"] == 2
    for e in (engine, reference, restored):
        e.dispose()


def test_problems_come_in_the_providers_language_on_pages_and_in_the_api(web: Web) -> None:
    bad = HEADER + "2023,I.1.2,district_heat,-5,Gcal,heat network,net-a\n"
    r = web.client().post("/api/v1/imports?lang=ru", headers=web.token("provider"), files={"file": ("b.csv", bad)})
    assert r.status_code == 422
    [p] = r.json()["problems"]
    assert p["code"] == "number.negative" and "число не меньше 0 (оно отрицательное)" in p["message"]
    assert r.json()["messages"][0].endswith("a number >= 0 (it is negative)")  # the English text stays for scripts
    page = upload_form(web.signed_in("provider"), "b.csv", bad)
    assert page.status_code == 422 and "0-ден кем емес сан (ол теріс)" in page.text  # the kk page
    # and the kk forms of numbers and units are read
    ok = HEADER + '2023,I.1.2,district_heat,"1 234,5",Гкал,heat network,net-a\n'
    sid = submit(web, "provider", ok)
    [row] = web.client().get(f"/api/v1/submissions/{sid}", headers=web.token("editor")).json()["rows_detail"]
    assert (row["amount"], row["unit"]) == (1234.5, "Gcal")
