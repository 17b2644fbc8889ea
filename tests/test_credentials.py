"""Sign-in delays that parallel guesses cannot beat, the one-time setup link, public names, credential life cycle."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from qala.store import throttle, users
from qala.store.models import ApiToken
from tests.test_web import GOOD, PASSWORD, Web, csrf, login, upload_form, web  # noqa: F401 (the fixture)


def test_parallel_wrong_passwords_are_not_all_checked(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(throttle, "UNIT", 3600.0)  # no delay runs out during the burst, however busy the machine

    def guess(i: int) -> str:
        try:
            return (
                "checked" if users.authenticate(web.engine, "editor", f"wrong guess {i}", "10.0.0.9") is None else "in"
            )
        except users.Throttled:
            return "delayed"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(guess, range(20)))
    # three free attempts per user name; every other parallel guess waits for a delay, unchecked
    assert outcomes.count("checked") == throttle.POLICIES["user"].free
    assert outcomes.count("delayed") == 20 - throttle.POLICIES["user"].free


def test_the_delay_grows_and_is_forgotten(web: Web) -> None:  # noqa: F811
    policy = throttle.POLICIES["user"]
    assert [policy.delay(n) for n in range(1, 8)] == [0, 0, 1, 2, 4, 8, 16]
    assert policy.delay(40) == policy.ceiling  # a ceiling, never a lockout


def test_an_outsider_cannot_lock_the_owner_out(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(throttle, "UNIT", 3600.0)  # delays that outlast the test however busy the machine is
    owner = web.client()
    assert login(owner, "editor", PASSWORD).status_code == 303  # this browser now has a device cookie
    owner.post("/logout", data={"csrf_token": csrf(owner, "/data")})
    outsider = web.client()
    for _ in range(3):
        login(outsider, "editor", "wrong password!!")
    assert login(outsider, "editor", PASSWORD).status_code == 429  # the user name is delayed for outsiders
    assert login(owner, "editor", PASSWORD).status_code == 303  # not for the owner's own browser


def test_parallel_setup_links_create_one_admin(tmp_path: Path) -> None:
    w = Web(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    token = users.issue_setup_token(w.engine)

    def attempt(i: int) -> bool:
        try:
            users.use_setup_token(w.engine, token, f"root{i}", PASSWORD)
        except users.UserError:
            return False
        return True

    with ThreadPoolExecutor(12) as pool:
        created = list(pool.map(attempt, range(12)))
    assert created.count(True) == 1
    assert [u["role"] for u in users.list_users(w.engine)] == ["admin"]
    w.engine.dispose()


def test_public_pages_show_no_user_names(web: Web) -> None:  # noqa: F811
    editor = web.signed_in("editor")
    token = csrf(editor, "/roadmap/1.1")
    r = editor.post("/roadmap/1.1/comments", data={"csrf_token": token, "text": "started"}, follow_redirects=False)
    assert r.status_code == 303
    history = web.client().get("/roadmap/1.1?fmt=json&lang=en").json()["history"]
    assert [e["who"] for e in history] == ["Environment department"]
    users.set_display_name(web.engine, "editor", "Aigerim S.", who="editor")
    history = web.client().get("/roadmap/1.1?fmt=json").json()["history"]
    assert [e["who"] for e in history] == ["Aigerim S."]
    assert "editor" not in web.client().get("/roadmap/1.1?lang=en").text.replace("Environment", "")


# --- credentials: tokens, accounts -------------------------------------------------------------------------------
def test_token_scopes_expiry_and_revocation(web: Web) -> None:  # noqa: F811
    c = web.client()
    read_only = users.new_token(web.engine, "editor", "reader", scopes=("read",))
    r = c.post("/api/v1/imports", headers={"Authorization": f"Bearer {read_only}"}, files={"file": ("a.csv", GOOD)})
    assert r.status_code == 403 and "import" in r.json()["detail"]
    assert c.get("/api/v1/records", headers={"Authorization": f"Bearer {read_only}"}).status_code == 200
    importer = users.new_token(web.engine, "editor", "importer", scopes=("import",))
    assert c.get("/api/v1/records", headers={"Authorization": f"Bearer {importer}"}).status_code == 403
    [listed] = [t for t in users.list_tokens(web.engine, "editor") if t["name"] == "reader"]
    users.revoke_token(web.engine, listed["id"], who="admin")
    assert c.get("/api/v1/records", headers={"Authorization": f"Bearer {read_only}"}).status_code == 401
    with web.engine.begin() as conn:
        conn.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert c.get("/api/v1/records", headers={"Authorization": f"Bearer {importer}"}).status_code == 401
    assert {t["state"] for t in users.list_tokens(web.engine, "editor")} == {"revoked", "expired"}
    assert [e.entity for e in web.audit("revoke")] == ["api_token"]


def test_an_api_token_is_no_way_into_a_form(web: Web) -> None:  # noqa: F811
    token = users.new_token(web.engine, "editor", "script")
    c = web.client()
    c.headers["Authorization"] = f"Bearer {token}"
    assert c.get("/data").status_code == 401
    assert upload_form(c, "good.csv", GOOD).status_code in (401, 403)


def test_deactivate_role_reset_and_sign_out_everywhere(web: Web) -> None:  # noqa: F811
    session = web.signed_in("expert")
    token = users.new_token(web.engine, "expert", "script")
    users.set_active(web.engine, "expert", False, who="admin")
    assert session.get("/data").status_code == 401
    assert web.client().get("/api/v1/records", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(web.client(), "expert", PASSWORD).status_code == 401
    users.set_active(web.engine, "expert", True, who="admin")
    users.set_role(web.engine, "expert", "editor", who="admin")
    assert web.signed_in("expert").get("/data?fmt=json").status_code == 200
    with pytest.raises(users.UserError, match="last active administrator"):
        users.set_role(web.engine, "admin", "editor", who="admin")
    # a reset link works once
    link = users.issue_reset(web.engine, "provider", who="admin")
    c = web.client()
    assert c.get(f"/reset?token={link}").status_code == 200
    form = {"token": link, "password": "a brand new password", "csrf_token": csrf(c, f"/reset?token={link}")}
    assert c.post("/reset", data=form, follow_redirects=False).status_code == 303
    assert c.post("/reset", data=form).status_code == 400
    assert login(web.client(), "provider", "a brand new password").status_code == 303
    actions = {(e.action, e.entity_id) for e in web.audit("deactivate")} | {
        (e.action, e.entity_id) for e in web.audit("role")
    }
    assert actions == {("deactivate", "expert"), ("role", "expert")}
    assert [e.entity_id for e in web.audit("password_reset")] == ["provider"]


def test_the_admin_pages_run_the_whole_life_cycle(web: Web) -> None:  # noqa: F811
    import html
    import re

    assert web.signed_in("editor").get("/admin/users").status_code == 403
    admin = web.signed_in("admin")
    token = csrf(admin, "/admin/users")
    page = admin.post(
        "/admin/tokens",
        data={"csrf_token": token, "username": "provider", "name": "upload script", "scope": ["import"], "days": "30"},
    )
    assert page.status_code == 200
    secret = html.unescape(re.search(r'id="shown-value">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    assert secret not in admin.get("/admin/users").text and secret not in admin.get("/admin/users?fmt=json").text
    listed = admin.get("/admin/users?fmt=json").json()["tokens"]
    [made] = [t for t in listed if t["name"] == "upload script"]
    assert made["scopes"] == ["import"] and made["state"] == "active"
    r = web.client().post(
        "/api/v1/imports", headers={"Authorization": f"Bearer {secret}"}, files={"file": ("a.csv", GOOD)}
    )
    assert r.status_code == 202  # the provider's upload: a submission for review
    admin.post(f"/admin/tokens/{made['id']}/revoke", data={"csrf_token": token})
    r = web.client().post(
        "/api/v1/imports", headers={"Authorization": f"Bearer {secret}"}, files={"file": ("a.csv", GOOD)}
    )
    assert r.status_code == 401
    # a new person, with a one-time link to set a password
    page = admin.post("/admin/users", data={"csrf_token": token, "username": "newcomer", "role": "expert"})
    link = html.unescape(re.search(r'id="shown-value">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    c = web.client()
    path = link.split("testserver", 1)[1]
    form = {"token": path.split("token=")[1], "password": "newcomer's own password", "csrf_token": csrf(c, path)}
    assert c.post("/reset", data=form, follow_redirects=False).status_code == 303
    newcomer = web.signed_in("newcomer", "newcomer's own password")
    # the person chooses the name public pages show; signs out everywhere
    mine = csrf(newcomer, "/account")
    assert (
        newcomer.post(
            "/account", data={"csrf_token": mine, "display_name": "  Бақыт  Ә. "}, follow_redirects=False
        ).status_code
        == 303
    )
    assert newcomer.get("/account?fmt=json").json()["display_name"] == "Бақыт Ә."
    other = web.signed_in("newcomer", "newcomer's own password")
    newcomer.post("/account/signout", data={"csrf_token": mine})
    assert other.get("/data").status_code == 401
    # role change and deactivation through the page
    admin.post("/admin/users/newcomer/role", data={"csrf_token": token, "role": "provider"})
    admin.post("/admin/users/newcomer/active", data={"csrf_token": token, "active": "no"})
    people = {p["username"]: p for p in admin.get("/admin/users?fmt=json").json()["people"]}
    assert (people["newcomer"]["role"], people["newcomer"]["active"]) == ("provider", False)
    r = admin.post("/admin/users/admin/active", data={"csrf_token": token, "active": "no"})
    assert r.status_code == 400 and "соңғы белсенді әкімшіні өшіруге болмайды" in r.text  # the page speaks kk
    audited = {(e.action, e.entity) for e in web.audit("create")} | {(e.action, e.entity) for e in web.audit("role")}
    assert {("create", "api_token"), ("create", "user"), ("role", "user")} <= audited


def test_the_command_line_runs_the_life_cycle(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert run_cli("user", "add", "aruzhan", "--role", "provider", "--password-stdin", "--database", url)[0] == 0
    code, out, err = run_cli("user", "token", "aruzhan", "--scope", "import", "--days", "7", "--database", url)
    assert code == 0 and out.strip().startswith("qala_") and "not shown again" in err
    code, out, _ = run_cli("user", "tokens", "aruzhan", "--database", url)
    assert code == 0 and "import" in out and "active" in out
    assert run_cli("user", "revoke-token", "1", "--database", url)[0] == 0
    assert "revoked" in run_cli("user", "tokens", "--database", url)[1]
    assert run_cli("user", "role", "aruzhan", "expert", "--database", url)[0] == 0
    assert run_cli("user", "deactivate", "aruzhan", "--database", url)[0] == 0
    assert "False" in run_cli("user", "list", "--database", url)[1]
    assert run_cli("user", "activate", "aruzhan", "--database", url)[0] == 0
    code, out, _ = run_cli("user", "reset", "aruzhan", "--base-url", "https://qala.example.kz", "--database", url)
    assert code == 0 and out.strip().startswith("https://qala.example.kz/reset?token=")
    assert run_cli("user", "signout", "aruzhan", "--database", url)[0] == 0
    code, _, err = run_cli("user", "role", "nobody", "editor", "--database", url)
    assert code == 2 and "no user 'nobody'" in err
    code, _, err = run_cli("user", "token", "aruzhan", "--scope", "write", "--database", url)
    assert code == 2 and "scopes among read, import" in " ".join(err.split())
    from qala.store.seed import open_database

    engine = open_database(url)
    actions = {e["action"] for e in _audit(engine)}
    assert {"create", "revoke", "role", "deactivate", "activate", "reset_link", "logout"} <= actions
    engine.dispose()


def _audit(engine) -> list[dict]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from qala.store.models import AuditEntry

    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(AuditEntry.action, AuditEntry.entity_id))]


def test_qala_hashes_passwords_at_argon2s_production_cost() -> None:
    """The test process hashes at argon2's CHEAPEST profile (tests/conftest.py); Qala itself, in a fresh
    interpreter as `qala serve` runs, hashes at the library's default cost (RFC 9106's second recommendation
    in argon2-cffi: argon2id, t=3, m=64 MiB, p=4)."""
    import subprocess
    import sys

    from argon2 import PasswordHasher

    code = (
        "from qala.store import users; h = users._hasher; print(h.time_cost, h.memory_cost, h.parallelism, h.type.name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    default = PasswordHasher()
    assert out == [str(default.time_cost), str(default.memory_cost), str(default.parallelism), "ID"]
    assert default.memory_cost >= 65536 and default.time_cost >= 3  # not a weakened library default either
    assert users._hasher.memory_cost < default.memory_cost  # this process: the tests' profile
