"""schemathesis against the app's own OpenAPI schema (/openapi.json): no server errors, answers as documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qala.store import users
from qala.store.seed import open_database
from qala.web.app import create_app
from qala.web.settings import WebSettings

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible, never flaky
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


SETTINGS = WebSettings(
    secret_key="s" * 40, cookie_secure=True, max_upload_bytes=2**20, default_city="astana", database_url=None
)
# The schema is read from the app's own /openapi.json at collection time; serving it needs no database, so the
# app that answers it has none. Each test calls a real app on a fresh database (``app=api.app``).
# (schemathesis.pytest.from_fixture would be the lazy way, but schemathesis 4.32 reads ``node._nodeid``,
# which pytest 9 no longer has.)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(None, SETTINGS))  # type: ignore[arg-type]


ROLES = ("provider", "expert", "editor", "admin")


class Api:
    def __init__(self, tmp_path: Path):
        self.engine = open_database(f"sqlite:///{tmp_path / 'schema.sqlite3'}")
        self.tokens = {}
        for role in ROLES:
            users.add_user(self.engine, role, "correct horse battery", role)
            self.tokens[role] = users.new_token(self.engine, role, "schemathesis")
        self.token = self.tokens["editor"]
        self.app = create_app(self.engine, SETTINGS)

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    a = Api(tmp_path)
    yield a
    a.engine.dispose()


def test_the_schema_lists_the_api(api: Api) -> None:
    from fastapi.testclient import TestClient

    doc = TestClient(api.app, base_url="https://testserver").get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert {"/api/v1/inventory", "/api/v1/imports", "/api/v1/records", "/api/v1/health"} <= set(paths)
    assert all(p.startswith("/api/") for p in paths)  # the HTML pages stay out of the schema
    imports = paths["/api/v1/imports"]["post"]
    assert "multipart/form-data" in imports["requestBody"]["content"]
    for status in ("201", "401", "403", "413", "415", "422"):
        assert status in imports["responses"], status


@schema.include(method="GET").parametrize()
@EXAMPLES
def test_api_reads_anonymous(case: schemathesis.Case, api: Api) -> None:
    """Every GET of the API without credentials: never a 5xx, and what it answers is what the schema says."""
    case.call_and_validate(app=api.app, checks=CHECKS)


@schema.include(method="POST", path="/api/v1/imports").parametrize()
@EXAMPLES
def test_api_imports_with_a_token(case: schemathesis.Case, api: Api) -> None:
    """Whatever is posted as a file: a 2xx report or a documented 4xx with JSON, nothing in between."""
    case.call_and_validate(app=api.app, headers={"Authorization": f"Bearer {api.token}"}, checks=CHECKS)


@schema.include(method="POST", path="/api/v1/imports").parametrize()
@settings(EXAMPLES, max_examples=10)
def test_api_imports_anonymous(case: schemathesis.Case, api: Api) -> None:
    response = case.call_and_validate(app=api.app, checks=CHECKS)
    if case.method.upper() == "POST":  # (negative examples also try other methods: 405)
        assert response.status_code in (400, 401), response.text  # 400: a multipart body that cannot be parsed


@schema.include(method="GET").parametrize()
@settings(EXAMPLES, max_examples=10)
def test_api_reads_with_each_role(case: schemathesis.Case, api: Api) -> None:
    """Every GET with each role's token: as documented, and a provider's records are only its own."""
    for role in ROLES:
        response = case.call_and_validate(app=api.app, headers=api.bearer(role), checks=CHECKS)
        if case.path == "/api/v1/records" and response.status_code == 200 and role == "provider":
            assert {r["imported_by"] for r in response.json()} <= {"provider"}, response.text[:500]


@schema.include(method="POST", path="/api/v1/imports").parametrize()
@settings(EXAMPLES, max_examples=10)
def test_api_imports_with_each_role(case: schemathesis.Case, api: Api) -> None:
    """Whatever is posted, by whom: a 2xx report for those who may upload, 403 for those who may not."""
    for role in ROLES:
        response = case.call_and_validate(app=api.app, headers=api.bearer(role), checks=CHECKS)
        if role == "expert" and case.method.upper() == "POST":
            assert response.status_code in (400, 403), response.text
