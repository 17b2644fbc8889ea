"""The web platform through its HTTP interface: roles, uploads, CSRF, sign-in limits, setup, API, JSON twins."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from qala.store import users
from qala.store.models import ActivityRecord, AuditEntry, ImportBatch
from qala.store.seed import SEEDED_BY, open_database
from qala.web import i18n
from qala.web.app import create_app
from qala.web.settings import WebSettings

PASSWORD = "correct horse battery"
ROLES = ("provider", "expert", "editor", "admin")
HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"
GOOD = HEADER + "2023,II.1.1,diesel,100,t,transport department,fleet-a\n"
BAD = HEADER + "2023,II.1.1,diesel,-100,t,transport department,fleet-a\n"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class CheckedClient(TestClient):
    """A test client that fails the test on any server error or stack trace in any response."""

    def request(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        response = super().request(*args, **kwargs)
        assert "Traceback" not in response.text, response.text[:2000]
        assert response.status_code < 500, response.text[:2000]
        return response


class Web:
    def __init__(self, url: str, max_upload_bytes: int = 2**20):
        self.engine: Engine = open_database(url)
        self.settings = WebSettings(
            secret_key="x" * 40,
            cookie_secure=True,
            max_upload_bytes=max_upload_bytes,
            default_city="astana",
            database_url=None,
        )
        self.app = create_app(self.engine, self.settings)

    def client(self) -> CheckedClient:
        return CheckedClient(self.app, base_url="https://testserver", raise_server_exceptions=False)

    def add(self, username: str, role: str) -> None:
        users.add_user(self.engine, username, PASSWORD, role)

    def signed_in(self, username: str, password: str = PASSWORD) -> CheckedClient:
        c = self.client()
        r = login(c, username, password)
        assert r.status_code == 303, r.text
        return c

    def token(self, username: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + users.new_token(self.engine, username, "tests")}

    def count(self, model: Any = ActivityRecord) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()

    def audit(self, action: str, entity: str | None = None) -> list[Any]:
        """Audit entries of an action, leaving out the bundled city's own seeding."""
        stmt = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.who != SEEDED_BY)
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        with self.engine.connect() as conn:
            return list(conn.execute(stmt))


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ROLES:
        w.add(role, role)
    yield w
    w.engine.dispose()


def csrf(client: TestClient, path: str = "/login") -> str:
    r = client.get(path)
    m = CSRF_RE.search(r.text)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login(client: TestClient, username: str, password: str) -> Any:
    token = csrf(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )


def upload_form(client: TestClient, name: str, body: str | bytes, token: str | None = "auto") -> Any:
    if token == "auto":
        token = csrf(client, "/data") if client.get("/data").status_code == 200 else csrf(client, "/login")
    data = {} if token is None else {"csrf_token": token}
    return client.post("/data/upload", data=data, files={"file": (name, body, "text/csv")})


def text(response: Any) -> str:
    return html.unescape(response.text)


# --- roles ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, *ROLES])
def test_public_pages_for_everyone(web: Web, role: str | None) -> None:
    c = web.client() if role is None else web.signed_in(role)
    for path in ("/", "/inventory", "/scenarios"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert '<html lang="kk">' in r.text
    r = c.get("/data")
    assert r.status_code == (401 if role is None else 200)


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("provider", 200), ("expert", 403), ("editor", 200), ("admin", 200)]
)
def test_upload_through_the_form_by_role(web: Web, role: str | None, status: int) -> None:
    c = web.client() if role is None else web.signed_in(role)
    before = web.count()
    r = upload_form(c, f"good-{role}.csv", GOOD)
    assert r.status_code == status, r.text[:500]
    # a provider's upload is a submission for review (tests/test_workflow.py), the department's is imported
    assert web.count() == before + (1 if status == 200 and role != "provider" else 0)
    if status == 200:
        assert 'id="upload-ok"' in r.text
        assert f"good-{role}.csv" in r.text


def test_providers_see_only_their_own_submissions(web: Web) -> None:
    web.add("heat-co", "provider")
    web.add("power-co", "provider")
    a, b, ed = web.token("heat-co"), web.token("power-co"), web.token("editor")
    body_a = HEADER + "2023,I.1.2,district_heat,500,Gcal,heat network,net-a\n"
    body_b = HEADER + "2023,I.1.2,grid_electricity,700,MWh,power utility,grid-b\n"
    for token, name, body in ((a, "a.csv", body_a), (b, "b.csv", body_b)):
        r = web.client().post("/api/v1/imports", headers=token, files={"file": (name, body)})
        assert r.status_code == 202 and r.json()["status"] == "pending"
        sid = r.json()["submission"]
        assert web.client().post(f"/api/v1/submissions/{sid}/accept", headers=ed, json={}).status_code == 200

    rows_a = web.client().get("/api/v1/records", headers=a).json()
    rows_b = web.client().get("/api/v1/records", headers=b).json()
    assert [(r["file_name"][:5], r["imported_by"]) for r in rows_a] == [("a.csv", "heat-co")]
    assert [(r["file_name"][:5], r["imported_by"]) for r in rows_b] == [("b.csv", "power-co")]
    everyone = {r["imported_by"] for r in web.client().get("/api/v1/records", headers=ed).json()}
    assert {"heat-co", "power-co"} <= everyone and len(everyone) >= 3  # and the bundled data
    assert web.client().get("/api/v1/records").status_code == 401

    # the records page of a provider (and its JSON twin) lists only its own file
    page = web.signed_in("heat-co").get("/data")
    assert "a.csv" in page.text and "b.csv" not in page.text
    twin = web.signed_in("power-co").get("/data?fmt=json").json()
    assert {r["file_name"][:5] for r in twin["records"]} == {"b.csv"}


# --- the API -------------------------------------------------------------------------------------------------


def test_api_import_with_a_token(web: Web) -> None:
    c = web.client()
    before = web.count()
    r = c.post("/api/v1/imports", headers=web.token("editor"), files={"file": ("plant.csv", GOOD)})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["status"] == "imported" and report["dry_run"] is False
    assert report["files"][0]["file"] == "plant.csv"
    assert report["files"][0]["new"] == 1 and report["files"][0]["rows_read"] == 1
    assert web.count() == before + 1
    # a dry run validates and writes nothing
    r = c.post("/api/v1/imports?dry_run=true", headers=web.token("admin"), files={"file": ("p2.csv", GOOD)})
    assert r.status_code == 200 and r.json()["status"] == "validated"
    assert web.count() == before + 1


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 401), ({"Authorization": "Bearer qala_not-a-token"}, 401), ("expert", 403)]
)
def test_api_import_refused_without_the_right_token(web: Web, headers: Any, status: int) -> None:
    if isinstance(headers, str):
        headers = web.token(headers)
    before = (web.count(), web.count(ImportBatch))
    r = web.client().post("/api/v1/imports", headers=headers, files={"file": ("plant.csv", GOOD)})
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert (web.count(), web.count(ImportBatch)) == before
    # refused before the body matters: the same without any file
    assert web.client().post("/api/v1/imports", headers=headers).status_code == status


def test_a_browser_session_cannot_write_through_the_api(web: Web) -> None:
    c = web.signed_in("editor")
    assert c.post("/api/v1/imports", files={"file": ("plant.csv", GOOD)}).status_code == 401


def test_api_malformed_upload_names_file_row_and_column(web: Web) -> None:
    before = (web.count(), web.count(ImportBatch))
    r = web.client().post("/api/v1/imports", headers=web.token("editor"), files={"file": ("bad.csv", BAD)})
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == "refused"
    [problem] = body["problems"]
    assert (problem["file"], problem["row"], problem["column"], problem["value"]) == ("bad.csv", 2, "amount", "-100")
    assert "bad.csv, row 2, column 'amount'" in body["messages"][0]
    assert (web.count(), web.count(ImportBatch)) == before


def test_api_all_or_nothing(web: Web) -> None:
    """One bad row among good ones: nothing of the file is stored."""
    body = GOOD + "2023,II.1.1,motor_gasoline,abc,t,transport department,fleet-b\n"
    before = web.count()
    r = web.client().post("/api/v1/imports", headers=web.token("editor"), files={"file": ("mixed.csv", body)})
    assert r.status_code == 422
    assert [(p["row"], p["column"]) for p in r.json()["problems"]] == [(3, "amount")]
    assert web.count() == before


@pytest.mark.parametrize(
    ("name", "body", "status", "expected"),
    [
        ("notes.txt", GOOD, 415, ".csv or .xlsx"),
        ("huge.csv", GOOD + "x" * (2**20 + 10), 413, "at most 1 MiB"),
    ],
)
def test_api_wrong_type_and_too_large(web: Web, name: str, body: str, status: int, expected: str) -> None:
    before = web.count(ImportBatch)
    r = web.client().post("/api/v1/imports", headers=web.token("editor"), files={"file": (name, body)})
    assert r.status_code == status
    assert r.json()["problems"][0]["file"] == name
    assert expected in r.json()["problems"][0]["expected"]
    assert web.count(ImportBatch) == before


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(web: Web) -> None:
    huge = "x" * (5 * 2**20)
    before = (web.count(), web.count(ImportBatch))
    for headers in ({}, web.token("editor")):
        r = web.client().post("/api/v1/imports", headers=headers, files={"file": ("huge.csv", huge)})
        assert r.status_code == 413
        assert r.json()["problems"][0]["expected"] == "a file of at most 1 MiB"
    r = upload_form(web.signed_in("editor"), "huge.csv", huge)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "a file of at most 1 MiB" in r.text
    assert (web.count(), web.count(ImportBatch)) == before


@pytest.mark.parametrize(
    ("name", "body", "status", "expected"),
    [
        ("bad.csv", BAD, 422, "bad.csv, row 2, column 'amount'"),
        ("notes.txt", GOOD, 415, "notes.txt — expected: a .csv or .xlsx file"),  # in the page's language
        ("huge.csv", GOOD + "x" * (2**20 + 10), 413, "huge.csv — expected: a file of at most 1 MiB"),
    ],
)
def test_form_bad_uploads_named_on_the_page(web: Web, name: str, body: str, status: int, expected: str) -> None:
    c = web.signed_in("editor")
    c.get("/?lang=en")  # the importer's messages are compared in English
    before = (web.count(), web.count(ImportBatch))
    r = upload_form(c, name, body)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="upload-errors"' in r.text
    assert expected in text(r)
    assert (web.count(), web.count(ImportBatch)) == before


def test_api_inventory_json_follows_the_design(web: Web) -> None:
    r = web.client().get("/api/v1/inventory", params={"city": "astana", "year": 2024})
    assert r.status_code == 200
    inv = r.json()
    for key in ("city", "year", "gwp", "unit", "totals", "by_sector", "by_scope", "by_gas", "rows", "notation_keys"):
        assert key in inv, key
    assert (inv["city"], inv["year"], inv["gwp"], inv["unit"]) == ("astana", 2024, "AR5", "t CO2e")
    assert set(inv["totals"]) >= {"basic", "basic_plus", "territorial"}
    assert set(inv["by_scope"]) <= {"1", "2", "3"}
    assert set(inv["by_gas"]) <= {"CO2", "CH4", "N2O"}
    assert inv["rows"]
    for row in inv["rows"]:
        assert {"gpc_ref", "activity", "gas", "mass_t", "tco2e", "factor", "factor_unit", "factor_source"} <= set(row)
    assert sum(inv["by_gas"].values()) == pytest.approx(sum(r["tco2e"] for r in inv["rows"]), rel=1e-9)
    assert all(isinstance(k, str) and v in {"NO", "NE", "IE", "C"} for k, v in inv["notation_keys"].items())
    # the same year with another GWP set; a year without data is a JSON 404
    assert web.client().get("/api/v1/inventory?year=2024&gwp=AR6").json()["gwp"] == "AR6"
    r = web.client().get("/api/v1/inventory?year=1999")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert web.client().get("/api/v1/inventory?gwp=AR9").status_code == 422


# --- forms: CSRF, sign-in, setup -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_csrf_refused_and_nothing_changes(web: Web, token: str | None) -> None:
    c = web.signed_in("editor")
    before = (web.count(), web.count(ImportBatch))
    r = upload_form(c, "good.csv", GOOD, token=token)
    assert r.status_code == 403
    assert (web.count(), web.count(ImportBatch)) == before
    # sign-out without a valid token does not sign out
    data = {} if token is None else {"csrf_token": token}
    assert c.post("/logout", data=data, follow_redirects=False).status_code == 403
    assert c.get("/data").status_code == 200
    # nor does a sign-in or a setup form go through
    fresh = web.client()
    fresh.get("/")
    r = fresh.post("/login", data={"username": "editor", "password": PASSWORD, **data}, follow_redirects=False)
    assert r.status_code == 403
    assert fresh.get("/data").status_code == 401
    setup = users.issue_setup_token(web.engine)
    r = fresh.post("/setup", data={"token": setup, "username": "root1", "password": PASSWORD, **data})
    assert r.status_code == 403
    assert "root1" not in {u["username"] for u in users.list_users(web.engine)}


def test_a_token_of_another_session_is_refused(web: Web) -> None:
    a, b = web.signed_in("editor"), web.signed_in("admin")
    r = upload_form(a, "good.csv", GOOD, token=csrf(b, "/data"))
    assert r.status_code == 403


def test_sign_in_wrong_password_then_delay(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three free failures, then a delay (429 with Retry-After) that holds even for the right password."""
    from qala.store import throttle

    monkeypatch.setattr(throttle, "UNIT", 3600.0)  # a delay that outlasts the test however busy the machine is
    c = web.client()
    r = login(c, "editor", "wrong password!!")
    assert r.status_code == 401
    assert '<html lang="kk">' in r.text and 'role="alert"' in r.text
    for _ in range(2):
        assert login(c, "editor", "wrong password!!").status_code == 401
    r = login(c, "editor", PASSWORD)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert c.get("/data").status_code == 401
    # another user name from the same address is not held back by this one's delay
    assert login(web.client(), "admin", PASSWORD).status_code == 303
    assert [e.entity_id for e in web.audit("login")] == ["admin"]


def test_sign_in_and_out(web: Web) -> None:
    c = web.client()
    r = login(c, "editor", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    page = c.get("/data")
    assert page.status_code == 200 and 'id="logout"' in page.text
    token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
    replay = web.client()  # a copy of the cookie, taken while signed in
    for cookie in c.cookies.jar:
        replay.cookies.jar.set_cookie(cookie)
    assert replay.get("/data").status_code == 200
    r = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/data").status_code == 401
    assert 'id="login-link"' in c.get("/").text
    assert replay.get("/data").status_code == 401  # no longer signs anyone in
    assert [e.entity_id for e in web.audit("logout")] == ["editor"]
    # signing in again works
    assert web.signed_in("editor").get("/data").status_code == 200


def test_password_change_ends_sessions(web: Web) -> None:
    c = web.signed_in("editor")
    users.set_password(web.engine, "editor", "another long password", who="tests")
    assert c.get("/data").status_code == 401


def test_setup_token_creates_the_first_admin_once(tmp_path: Path) -> None:
    w = Web(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert not users.has_admin(w.engine)
    setup = users.issue_setup_token(w.engine)
    c = w.client()
    page = c.get(f"/setup?token={setup}")
    assert page.status_code == 200 and setup in page.text
    token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
    r = c.post(
        "/setup",
        data={"token": setup, "username": "root", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert users.has_admin(w.engine)
    r = c.post("/setup", data={"token": setup, "username": "root2", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 400
    assert "бұл баптау сілтемесі жарамсыз" in r.text  # the page's language (kk by default), not English
    assert [u["username"] for u in users.list_users(w.engine)] == ["root"]
    # a fresh token does not work either once an admin exists, nor does a wrong one
    again = users.issue_setup_token(w.engine)
    r = c.post("/setup", data={"token": again, "username": "root3", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 400
    assert w.signed_in("root").get("/data").status_code == 200
    w.engine.dispose()


def test_setup_token_wrong_or_weak_password(tmp_path: Path) -> None:
    w = Web(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    setup = users.issue_setup_token(w.engine)
    c = w.client()
    token = csrf(c, "/setup")
    r = c.post("/setup", data={"token": "guess", "username": "root", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 400
    r = c.post("/setup", data={"token": setup, "username": "root", "password": "short", "csrf_token": token})
    assert r.status_code == 400
    assert not users.has_admin(w.engine)
    w.engine.dispose()


# --- languages, errors ---------------------------------------------------------------------------------------


def test_unknown_page_is_a_localised_404(web: Web) -> None:
    r = web.client().get("/no/such/page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="kk">' in r.text
    kk = i18n.translations("kk").gettext
    assert html.escape(kk("Page not found")) in r.text
    assert html.escape(kk("There is no page at this address.")) in r.text
    # in Russian when asked, remembered by the cookie
    c = web.client()
    r = c.get("/no/such/page?lang=ru")
    assert '<html lang="ru">' in r.text
    assert html.escape(i18n.translations("ru").gettext("Page not found")) in r.text
    assert '<html lang="ru">' in c.get("/").text
    # a browser that prefers English gets English on a first visit
    r = web.client().get("/missing", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert r.status_code == 404 and '<html lang="en">' in r.text and "Page not found" in r.text
    # the API's unknown addresses answer in JSON
    r = web.client().get("/api/v1/nothing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"


def test_wrong_method_and_bad_query_are_not_crashes(web: Web) -> None:
    c = web.client()
    assert c.delete("/").status_code == 405
    assert c.get("/inventory?year=abc").status_code == 422
    assert c.get("/inventory?year=1990").status_code == 404
    assert c.get("/?fmt=xml").status_code == 422
    assert c.get("/api/v1/inventory?year=abc").status_code == 422
    assert c.get("/api/v1/scenarios/nope").status_code == 404


def test_kazakh_numbers_use_babel(web: Web) -> None:
    twin = web.client().get("/?fmt=json").json()
    basic = twin["inventory"]["totals"]["basic"]
    assert basic > 1000
    page = web.client().get("/").text
    assert i18n.number(basic, "kk") in page
    assert "\u00a0" in i18n.number(basic, "kk")  # grouped with a no-break space


# --- JSON twins of the pages ---------------------------------------------------------------------------------


def test_overview_twin_matches_the_page(web: Web) -> None:
    c = web.client()
    page, twin = c.get("/?lang=en").text, c.get("/?fmt=json").json()
    inv = twin["inventory"]
    assert inv["year"] == max(t["year"] for t in twin["trend"])
    assert f"{inv['year']}" in page
    for key in ("basic", "basic_plus", "territorial"):
        assert i18n.number(inv["totals"][key], "en") in page, key
    for code, value in inv["by_sector"].items():
        assert i18n.number(value, "en") in page, code
    assert set(twin["scenarios"]) == {"bau", "low-carbon"}
    assert 'id="trend-chart"' in page and "/static/vendor/plotly-basic.min.js?v=" in page


def test_inventory_twin_matches_the_page_and_the_api(web: Web) -> None:
    c = web.client()
    page, twin = c.get("/inventory?year=2024").text, c.get("/inventory?year=2024&fmt=json").json()
    api = c.get("/api/v1/inventory?year=2024").json()
    assert twin["inventory"]["totals"] == api["totals"]
    assert 2024 in twin["years"]
    for key in ("basic", "basic_plus", "territorial"):
        assert i18n.number(twin["inventory"]["totals"][key], "kk") in page
    for ref in twin["inventory"]["notation_keys"]:
        assert f"<td>{ref}</td>" in page


def test_scenarios_twin_matches_the_page(web: Web) -> None:
    c = web.client()
    page, twin = c.get("/scenarios").text, c.get("/scenarios?fmt=json").json()
    assert set(twin["results"]) >= {"bau", "low-carbon"}
    for name in twin["results"]:
        assert name in page
    for m in twin["measures"]:
        assert f'value="{m["code"]}"' in page


def test_data_twin_matches_the_page(web: Web) -> None:
    c = web.signed_in("editor")
    upload_form(c, "plant.csv", GOOD)
    page, twin = c.get("/data").text, c.get("/data?fmt=json").json()
    assert twin["records"]
    for r in twin["records"]:
        assert f"<td>{r['id']}</td>" in page
    assert "plant.csv" in {r["file_name"] for r in twin["records"]}


def test_static_assets_and_plotly_from_the_package(web: Web) -> None:
    c = web.client()
    r = c.get("/static-plotly/plotly.min.js")
    assert r.status_code == 200 and len(r.content) > 1_000_000
    assert c.get("/static/charts.js").status_code == 200
    # the pages' partial bundle: compressed, and cached for a year under its content hash
    from qala.web import assets

    url = assets.url("vendor/plotly-basic.min.js")
    r = c.get(url, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert "immutable" in r.headers["cache-control"] and "max-age=31536000" in r.headers["cache-control"]
    assert r.num_bytes_downloaded < 500_000 < len(r.content)  # 1.2 MB sent as under 0.5 MB
    assert "immutable" not in c.get("/static/charts.js").headers["cache-control"]
    assert c.get("/openapi.json").json()["paths"]["/api/v1/imports"]["post"]


# --- the audit log -------------------------------------------------------------------------------------------


def test_audit_log_records_sign_in_import_and_user_creation(web: Web) -> None:
    assert {e.entity_id for e in web.audit("create", "user")} >= set(ROLES)
    c = web.signed_in("editor")
    [entry] = web.audit("login")
    assert (entry.who, entry.entity_id) == ("editor", "editor")
    upload_form(c, "plant.csv", GOOD)
    web.client().post(
        "/api/v1/imports", headers=web.token("provider"), files={"file": ("p.csv", GOOD.replace("fleet-a", "fleet-p"))}
    )
    imports = web.audit("import")
    assert [e.who for e in imports] == ["editor"]  # the provider's upload is a submission, waiting for review
    assert [e.who for e in web.audit("submit")] == ["provider"]
    assert '"file": "plant.csv"' in imports[0].after
    assert all(e.at is not None for e in imports)
    # a refused upload writes no audit entry
    upload_form(c, "bad.csv", BAD)
    assert len(web.audit("import")) == 1
    setup = users.issue_setup_token(web.engine)  # an admin exists: refused, no new user
    fresh = web.client()
    fresh.post("/setup", data={"token": setup, "username": "late", "password": PASSWORD, "csrf_token": csrf(fresh)})
    assert "late" not in {e.entity_id for e in web.audit("create", "user")}


# --- PostgreSQL ----------------------------------------------------------------------------------------------


def test_api_import_then_inventory_on_each_backend(store_url: str) -> None:
    w = Web(store_url)
    w.add("editor", "editor")
    body = HEADER + "2023,II.1.1,diesel,1000,t,transport department,fleet-z\n"
    c = w.client()
    r = c.post("/api/v1/imports", headers=w.token("editor"), files={"file": ("pg.csv", body)})
    assert r.status_code == 201, r.text
    # the public sees the published 2023 until the department publishes again (tests/test_workflow.py)
    assert c.get("/api/v1/inventory?year=2023").json()["version"]["stale"] is True
    r = c.post("/api/v1/publications", headers=w.token("editor"), json={"city": "astana", "year": 2023, "note": "pg"})
    assert r.status_code == 201, r.text
    inv = c.get("/api/v1/inventory?year=2023").json()
    assert inv["version"]["number"] == 2
    diesel = [row for row in inv["rows"] if row.get("facility") == "fleet-z" or row["activity"] == "gas_diesel_oil"]
    assert {row["gas"] for row in diesel} == {"CO2", "CH4", "N2O"}
    assert inv["by_sector"]["II"] > 0
    assert c.get("/").status_code == 200
    assert [e.who for e in w.audit("import")] == ["editor"]
    w.engine.dispose()


def test_two_apps_on_two_databases_do_not_share_results(tmp_path: Path) -> None:
    """Results are cached per app and data version: another app's version 2 is not this one's."""
    apps = [Web(f"sqlite:///{tmp_path / f'{n}.sqlite3'}") for n in ("a", "b")]
    for w, amount in zip(apps, (100, 900), strict=True):
        w.add("editor", "editor")
        body = HEADER + f"2025,II.1.1,diesel,{amount},t,transport department,fleet\n"
        assert (
            w.client().post("/api/v1/imports", headers=w.token("editor"), files={"file": ("f.csv", body)}).status_code
            == 201
        )
    a, b = (w.signed_in("editor").get("/?fmt=json&state=working").json()["inventory"] for w in apps)
    assert a["year"] == b["year"] == 2025
    assert b["by_sector"]["II"] == pytest.approx(9 * a["by_sector"]["II"], rel=1e-9)
    a, b = (w.client().get("/api/v1/inventory?year=2025&state=working", headers=w.token("editor")).json() for w in apps)
    assert b["by_sector"]["II"] == pytest.approx(9 * a["by_sector"]["II"], rel=1e-9)
    # and a new import shows at once in the working state
    w = apps[0]
    more = HEADER + "2025,II.1.1,motor_gasoline,50,t,transport department,fleet\n"
    w.client().post("/api/v1/imports", headers=w.token("editor"), files={"file": ("g.csv", more)})
    after = w.client().get("/api/v1/inventory?year=2025&state=working", headers=w.token("editor")).json()
    assert after["by_sector"]["II"] > a["by_sector"]["II"]
    for w in apps:
        w.engine.dispose()


def test_names_and_values_from_uploads_are_escaped(web: Web) -> None:
    c = web.signed_in("editor")
    name = "<img src=x onerror=alert(1)>.csv"
    evil = HEADER + "2023,II.1.1,<script>alert(1)</script>,1,t,x,y\n"
    r = upload_form(c, name, evil)
    assert r.status_code == 422
    assert "<img src=x" not in r.text and "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text or "&#39;&lt;script&gt;" in r.text


@pytest.mark.slow
def test_load_benchmark_runs(tmp_path: Path) -> None:
    """benchmarks/web_load.py still starts the server and reads wrk's numbers (no timing asserted)."""
    import json

    from tests import needs

    needs.program("wrk", "wrk", "the web load benchmark")
    from benchmarks.web_load import main

    out = tmp_path / "web.json"
    assert main(["--duration", "1", "--connections", "4", "--warmup", "2", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [t["path"] for t in data["targets"]] == ["/", "/api/v1/inventory"]
    assert all(t["requests"] > 0 and t["non_2xx_3xx"] == 0 and t["p95_ms"] > 0 for t in data["targets"])


def test_api_scenario_json_follows_the_design(web: Web) -> None:
    r = web.client().get("/api/v1/scenarios/low-carbon?draws=100&seed=3")
    assert r.status_code == 200
    s = r.json()
    assert (s["scenario"], s["city"], s["unit"], s["draws"], s["seed"]) == ("low-carbon", "astana", "t CO2e", 100, 3)
    n = len(s["years"])
    assert all(len(s["total"][k]) == n for k in ("mean", "p05", "p50", "p95"))
    assert s["by_sector"] and s["targets"]
    assert {"name", "year", "limit_tco2e", "p_met", "gap_p50_tco2e"} <= set(s["targets"][0])
    assert web.client().get("/api/v1/scenarios/low-carbon?draws=100&seed=3").json()["total"] == s["total"]
    r = web.client().get("/api/v1/scenarios/nothing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"


def test_one_answer_everywhere_for_the_same_scenario_draws_and_seed(web: Web) -> None:
    """The overview, the scenarios page, the API, the report and the CLI's default give the same BAU 2030 median:
    all go through ``services.scenario.standard`` with the standard draws and seed (the web used 200 and 500
    draws and the report 500, so their medians differed)."""
    from qala.report.context import build_context
    from qala.services import scenario as svc

    c = web.client()
    i = 2030 - 2024
    api = c.get("/api/v1/scenarios/bau").json()
    assert api["draws"] == svc.STANDARD_DRAWS and api["seed"] == svc.STANDARD_SEED
    page = c.get("/scenarios?fmt=json").json()["results"]["bau"]
    overview = c.get("/?fmt=json").json()["scenarios"]["bau"]
    report = build_context(web.engine, "astana", "en").scenarios["bau"]
    model, _ = svc.resolve("bau", "astana")
    cli = svc.run(web.engine, model, "bau", draws=1000, seed=1).to_dict()  # `qala scenario run` defaults
    medians = {
        "api": api["total"]["p50"][i],
        "page": page["total"]["p50"][i],
        "overview": overview["total"]["p50"][i],
        "report": report["total"]["p50"][i],
        "cli": cli["total"]["p50"][i],
    }
    assert len(set(medians.values())) == 1, medians


def test_the_scenarios_page_says_which_totals_are_net_of_removals(web: Web) -> None:
    """net-zero-2060's neutrality_removals sets removals_secured to 7.0e5 t at full adoption in 2060 (model.yaml),
    so its total on a basis that counts sector V is net of -700,000 t that year; BASIC does not count the sector."""
    c = web.client()
    row = re.compile(r'<tr class="removals"><th scope="row">([^<]+)</th>(.*?)</tr>', re.S)
    page = c.get("/scenarios?lang=ru&basis=territorial").text
    rows = row.findall(page)
    assert len(rows) == 1  # only the pathway that secures removals: not BAU, not the low-carbon one
    label, cells = rows[0]
    assert label == "в т. ч. поглощения и компенсации (среднее)"
    assert cells.endswith(f'<td class="num">{i18n.number(-700000, "ru")}</td>')  # 2060, the last column shown
    assert "цель углеродной нейтральности их учитывает" in page
    assert not row.findall(c.get("/scenarios?lang=kk&basis=basic").text)
    assert "оның ішінде сіңірулер мен өтемдер (орташа)" in c.get("/scenarios?lang=kk&basis=basic_plus").text
