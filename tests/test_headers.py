"""Strict headers on every response, errors included; Swagger UI and every asset served locally."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from qala.jobs import queue
from qala.jobs.budget import JobSettings
from qala.web.headers import CSP
from tests.test_web import Web, web  # noqa: F401 (the fixture)

EXPECTED = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def strict(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.status_code, response.url, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]


def test_every_answer_carries_the_headers(web: Web) -> None:  # noqa: F811
    def boom() -> None:
        raise RuntimeError("a bug")

    web.app.add_api_route("/boom", boom)
    c = TestClient(web.app, base_url="https://testserver", raise_server_exceptions=False)
    answers = {
        200: c.get("/"),
        401: c.get("/data"),
        404: c.get("/no/such/page"),
        413: c.post("/api/v1/imports", content=b"x" * 10, headers={"content-length": str(50 * 2**20)}),
        422: c.get("/api/v1/inventory?gwp=AR9"),
        500: c.get("/boom"),
    }
    for status, r in answers.items():
        assert r.status_code == status
        strict(r)
        assert r.headers["strict-transport-security"].startswith("max-age=")
    for path in ("/static/qala.css", "/static-plotly/plotly.min.js", "/api/docs", "/openapi.json"):
        strict(c.get(path))


def test_503_and_429_carry_them_too_and_hsts_only_with_secure_cookies(web: Web, tmp_path: Path) -> None:  # noqa: F811
    from dataclasses import replace

    from qala.web.app import create_app

    plain = create_app(web.engine, replace(web.settings, cookie_secure=False))
    c = TestClient(plain, raise_server_exceptions=False)
    assert "strict-transport-security" not in c.get("/").headers
    plain.state.engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    down = c.get("/api/v1/health")
    assert down.status_code == 503
    strict(down)
    plain.state.engine = web.engine
    for _ in range(2):  # this address has two reports waiting already: a third is refused
        queue.admit(web.engine, "report", "addr:testclient", JobSettings())
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/report").text).group(1)  # type: ignore[union-attr]
    busy = c.post("/report", data={"csrf_token": token, "lang": "kk", "format": "pdf"})
    assert busy.status_code == 429 and busy.headers["retry-after"]
    strict(busy)


def test_swagger_ui_and_every_asset_are_local(web: Web) -> None:  # noqa: F811
    c = web.client()
    docs = c.get("/api/docs")
    assert docs.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert refs and all(r.startswith("/") for r in refs), refs
    assert "<script>" not in docs.text  # no inline script: its start-up is /static/swagger-init.js
    for ref in refs:
        assert c.get(ref).status_code == 200, ref
    for path in ("/", "/scenarios", "/economics", "/roadmap", "/report", "/login"):
        page = c.get(path).text
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page), path
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", page), path
        assert not re.search(r"\son[a-z]+=", page), path  # no inline event handlers


@pytest.mark.parametrize("path", ["/static/../pyproject.toml", "/static/swagger/../../app.py", "/static/swagger/x.map"])
def test_nothing_outside_the_static_files_is_served(web: Web, path: str) -> None:  # noqa: F811
    assert web.client().get(path).status_code == 404
