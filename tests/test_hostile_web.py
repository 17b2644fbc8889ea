"""Hostile use of the web platform: bodies past the upload limit, hostile files through the API, and providers
trying to read or overwrite each other's submissions.

Qala has no draft state: an accepted import is current data, and the inventory computed from it is public.
What stays with the provider is the submission itself: files, rows, sources, notes, who and when. No other
provider and no anonymous visitor may read it, and a provider may not replace a figure someone else gave.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qala.web.app import FORM_SLACK
from tests.hostile import HEADER as XLSX_HEADER
from tests.hostile import row, sheet_xml, workbook
from tests.test_web import HEADER, ROLES, Web, csrf, upload_form

LIMIT = 2**20
CHUNK = 64 * 2**10


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}", max_upload_bytes=LIMIT)
    for role in ROLES:
        w.add(role, role)
    w.add("heat-co", "provider")
    w.add("power-co", "provider")
    yield w
    w.engine.dispose()


# --- bodies past the limit ------------------------------------------------------------------------------------


def stream(app: Any, path: str, headers: dict[str, str], total: int) -> tuple[int, bytes, int]:
    """POST a multipart body of ``total`` bytes in 64 kB chunks with no Content-Length, as a chunked client does.

    Returns the status, the body of the answer and how many bytes the app pulled before it answered.
    """
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
    chunks = iter([head, *([b"x" * CHUNK] * (total // CHUNK)), b"\r\n--XyZ--\r\n"])
    pulled, sent = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw = [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=XyZ")]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, pulled


@pytest.mark.parametrize("path", ["/api/v1/imports", "/data/upload"])
def test_a_chunked_body_past_the_limit_is_cut_off_while_it_streams(web: Web, path: str) -> None:
    before = web.count()
    status, body, pulled = stream(web.app, path, web.token("editor"), total=64 * LIMIT)
    assert status == 413
    assert b"a file of at most 1 MiB" in body
    assert pulled <= LIMIT + FORM_SLACK + 2 * CHUNK  # 64 MiB offered, about 1 MiB read: the rest never arrives
    assert web.count() == before


def test_a_chunked_body_within_the_limit_still_imports(web: Web) -> None:
    status, body, _ = stream(web.app, "/api/v1/imports", web.token("editor"), total=CHUNK)
    assert status == 422 and b"big.csv" in body  # read in full and validated: 64 kB of 'x' is no activity file


def test_a_declared_length_past_the_limit_is_refused_unread(web: Web) -> None:
    c = web.client()
    for path in ("/api/v1/imports", "/data/upload"):
        r = c.post(path, headers={**web.token("editor"), "content-length": str(50 * LIMIT)}, content=b"")
        assert r.status_code == 413, (path, r.text)


def test_hostile_files_through_the_api_are_named_refusals(web: Web) -> None:
    before = web.count()
    bomb = workbook(sheet_xml("").replace(b"<sheetData>", b"<sheetData>" + b" " * (8 * LIMIT)))
    wide = workbook(sheet_xml(row(1, XLSX_HEADER) + '<row r="9"><c r="XFD9"><v>1</v></c></row>'))
    cases = {
        "bomb.xlsx": (bomb, "compress at most 100:1"),
        "wide.xlsx": (wide, "values only in the first 200 columns"),
        "quote.csv": (HEADER + '2023,II.1.1,diesel,1,t,"never closed,f\n', "a closing quote"),
        "macro.xlsx": (workbook(extra={"xl/vbaProject.bin": b"\0"}), "without macros"),
    }
    for name, (body, expected) in cases.items():
        r = web.client().post("/api/v1/imports", headers=web.token("provider"), files={"file": (name, body)})
        assert r.status_code == 422, (name, r.text)
        assert r.json()["problems"][0]["file"] == name and expected in r.json()["messages"][0], r.text
    assert web.count() == before


# --- providers -------------------------------------------------------------------------------------------------

SECRET = {
    "heat-co": ("heat-secret.csv", "2023,I.1.2,district_heat,500,Gcal,HEAT-PRIVATE-SOURCE,net-a,HEAT-PRIVATE-NOTE\n"),
    "power-co": ("power-secret.csv", "2023,I.1.2,grid_electricity,700,MWh,POWER-PRIVATE-SOURCE,grid-b,POWER-NOTE\n"),
}
PROVIDER_HEADER = "year,gpc_ref,activity,amount,unit,source,facility,note\n"
MARKERS = {  # (a figure's source is a citation, published in the strategy report: not a marker)
    "heat-co": ("heat-secret.csv", "HEAT-PRIVATE-NOTE"),
    "power-co": ("power-secret.csv", "POWER-NOTE"),
}


def submit(web: Web, who: str, name: str, body: str, dry_run: bool = False) -> Any:
    return web.client().post(
        f"/api/v1/imports?dry_run={str(dry_run).lower()}",
        headers=web.token(who),
        files={"file": (name, PROVIDER_HEADER + body)},
    )


def accepted(web: Web, who: str, name: str, body: str) -> None:
    """A provider's submission (202, pending), accepted by an editor: its figures are records then."""
    r = submit(web, who, name, body)
    assert r.status_code == 202, r.text
    sid = r.json()["submission"]
    decided = web.client().post(f"/api/v1/submissions/{sid}/accept", headers=web.token("editor"), json={})
    assert decided.status_code == 200, decided.text


def read_paths(web: Web, who: str | None) -> dict[str, str]:
    """Every read path a viewer has, with what it answered."""
    c = web.client() if who is None else web.signed_in(who)
    api = {} if who is None else web.token(who)
    seen = {}
    for path in (
        "/data",
        "/data?fmt=json",
        "/",
        "/?fmt=json",
        "/inventory",
        "/inventory?fmt=json",
        "/scenarios?fmt=json",
        "/submissions",
        "/submissions?fmt=json",
    ):
        seen[path] = c.get(path).text
    for path in (
        "/api/v1/records",
        "/api/v1/records?year=2023",
        "/api/v1/inventory",
        "/api/v1/inventory?year=2023",
        "/api/v1/submissions",
    ):
        seen[path] = web.client().get(path, headers=api).text
    for path in ("/economics/macc.csv", "/report?fmt=json", "/documents?fmt=json", "/assessment?fmt=json"):
        seen[path] = c.get(path).text
    return seen


def test_no_provider_or_visitor_reads_another_providers_submission(web: Web) -> None:
    for who, (name, body) in SECRET.items():
        accepted(web, who, name, body)
    for viewer in (None, "provider", "heat-co", "power-co"):
        others = {m for who, marks in MARKERS.items() if who != viewer for m in marks}
        for path, answer in read_paths(web, viewer).items():
            leaked = {m for m in others if m in answer}
            assert not leaked, (viewer, path, leaked)
            own = ("/data", "/api/v1/records", "/submissions", "/api/v1/submissions")
            if viewer in MARKERS and path.startswith(own):
                assert MARKERS[viewer][0] in answer, (viewer, path)  # while its own submission is there
    for reader in ("expert", "editor", "admin"):  # the environment department reads every submission
        answer = web.client().get("/api/v1/records", headers=web.token(reader)).text
        assert all(marks[0] in answer for marks in MARKERS.values()), reader


def test_a_provider_cannot_replace_or_probe_another_providers_figure(web: Web) -> None:
    name, body = SECRET["heat-co"]
    accepted(web, "heat-co", name, body)
    before = web.count()
    takeover = body.replace("500,Gcal", "1,Gcal").replace("HEAT-PRIVATE", "MINE")
    for dry_run in (True, False):
        r = submit(web, "power-co", "takeover.csv", takeover, dry_run=dry_run)
        assert r.status_code == 422, r.text
        assert "only an editor can replace" in r.text
        assert "500" not in r.text and "heat" not in r.text.lower()  # neither the figure nor whose it is
    assert web.count() == before
    # the provider itself may correct its own figure; an editor may replace anyone's
    own = submit(web, "heat-co", "heat-fix.csv", body.replace("500,Gcal", "510,Gcal"))
    assert own.status_code == 202 and own.json()["files"][0]["superseding"] == 1  # a submission, checked as an import
    editor = submit(web, "editor", "city.csv", body.replace("500,Gcal", "520,Gcal"))
    assert editor.status_code == 201 and editor.json()["files"][0]["superseding"] == 1


def test_the_upload_form_refuses_a_takeover_too(web: Web) -> None:
    name, body = SECRET["heat-co"]
    accepted(web, "heat-co", name, body)
    c = web.signed_in("power-co")
    r = upload_form(c, "takeover.csv", PROVIDER_HEADER + body.replace("500", "5"), token=csrf(c, "/data"))
    # said in the page's language (Kazakh here): only an editor can replace another account's figure
    assert r.status_code == 422 and "бөтен көрсеткішті тек редактор ауыстыра алады" in r.text
    assert "heat-secret.csv" not in r.text and "HEAT-PRIVATE" not in r.text
