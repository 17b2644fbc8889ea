"""Every form of the site, given bad values, answers in the page's language: never a crash, never a bare 422.

The forms are found from the app's routes (every POST route outside /api/ and every GET form field), so a form
added later is covered too. Each declared form field gets a value far too long and one of the wrong kind.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.test_web import Web, csrf, web  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

BAD_VALUES = ("x" * 6000, "-1e400", "", "５")
PYDANTIC = re.compile(r"Field required|value_error|Input should be|String should have|validation error", re.I)


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _all_routes(routes: list[Any]) -> list[Any]:
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)  # a router included into the app
        out += _all_routes(inner.routes) if inner is not None else [r]
    return out


def _form_routes(app: Any) -> list[tuple[str, list[str]]]:
    out = []
    for r in _all_routes(app.routes):
        if not isinstance(r, APIRoute) or r.path.startswith("/api/") or "POST" not in r.methods:
            continue
        fields = [p.alias or p.name for p in r.dependant.body_params]
        path = re.sub(r"\{code\}", "1.1", r.path)
        path = re.sub(r"\{[^}]+\}", "x", path)
        out.append((path, fields))
    return out


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_bad_values_in_every_form(web: Web, lang: str) -> None:  # noqa: F811
    client = web.signed_in("admin")
    client.cookies.set("qala_lang", lang)
    routes = _form_routes(client.app)
    assert len(routes) >= 8, routes
    seen = []
    for path, fields in routes:
        for bad in BAD_VALUES:
            token = csrf(client, "/login")
            data = {f: bad for f in fields if f not in ("file", "csrf_token")}
            data["csrf_token"] = token
            files = {"file": ("x.txt", b"x")} if "file" in fields else None
            r = client.post(path, data=data, files=files, follow_redirects=False)
            seen.append((path, bad[:5], r.status_code))
            assert r.status_code < 500, (path, bad[:20], r.status_code)
            if r.status_code in (303, 302):
                continue
            if "text/html" in r.headers.get("content-type", ""):
                assert f'<html lang="{lang}">' in r.text, (path, r.status_code)
                assert not PYDANTIC.search(_visible(r.text)), (path, bad[:20], _visible(r.text)[-400:])
    assert any(s == 422 for _, _, s in seen) or any(s == 400 for _, _, s in seen)


def test_bad_query_values_on_pages_are_said_in_the_language(web: Web) -> None:  # noqa: F811
    c = web.client()
    for path in (
        "/economics?year=abc",
        "/economics?limit=5+576+311",
        "/economics?limit=5576311,5",
        "/inventory?year=x",
    ):
        r = c.get(path, params={"lang": "ru"})
        assert r.status_code < 500 and '<html lang="ru">' in r.text, path
        assert not PYDANTIC.search(_visible(r.text)), path
    ok = c.get("/economics", params={"limit": "5 576 311", "lang": "ru"})
    assert ok.status_code == 200 and 'value="5\u00a0576\u00a0311"' in ok.text and 'id="bau-level"' in ok.text
    bad = c.get("/economics", params={"limit": "пять", "lang": "ru"})
    assert bad.status_code == 422 and 'id="limit-error"' in bad.text and 'value="пять"' in bad.text
    assert "Укажите предел выбросов" in bad.text
