"""The expert group's variants: checked changes, common random numbers, versions, audit, roles, API and page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qala.scenario.variants import VariantError, apply
from qala.services import scenario as svc
from qala.services import variants as var
from qala.store.seed import open_database
from tests.test_web import Web, csrf

GRID = {"parameter": "grid_ef", "path": {2024: 797, 2030: 600, 2060: 100}}


@pytest.fixture
def engine(tmp_path: Path):
    e = open_database(f"sqlite:///{tmp_path / 'v.sqlite3'}")
    yield e
    e.dispose()


def test_a_variant_that_changes_nothing_equals_its_scenario(engine) -> None:
    shown = var.preview(engine, "astana", "low-carbon", [], draws=300)
    model, _ = svc.resolve("bau", "astana")
    direct = svc.run(engine, model, "low-carbon", draws=300, seed=1).totals[model.basis]
    assert shown["variant_total"]["p50"] == pytest.approx(np.quantile(direct, 0.5, axis=0).tolist(), rel=1e-12)
    assert all(d == 0 for d in shown["difference"]["p05"] + shown["difference"]["p95"])


def test_a_change_moves_the_result_the_expected_way_with_common_random_numbers(engine) -> None:
    # a cleaner grid lowers BASIC (scope 2) in every draw and leaves the territorial total alone
    basic = var.preview(engine, "astana", "low-carbon", [GRID], draws=300, basis="basic")
    i = basic["years"].index(2030)
    assert basic["difference"]["p95"][i] < 0 and basic["difference"]["p95"][-1] < basic["difference"]["p95"][i]
    terr = var.preview(engine, "astana", "low-carbon", [GRID], draws=300, basis="territorial")
    assert terr["difference"]["p05"][i] == terr["difference"]["p95"][i] == 0
    # a later LRT abates less in 2027; a larger bus network more
    later = var.preview(engine, "astana", "low-carbon", [{"measure": "lrt", "start": 2029, "full": 2032}], draws=200)
    assert later["difference"]["p05"][later["years"].index(2027)] > 0
    # a parameter that gains a distribution keeps every other quantity's random numbers (a narrow difference)
    hp = var.preview(
        engine,
        "astana",
        "net-zero-2060",
        [{"parameter": "hp_cop", "dist": {"type": "uniform", "low": 2, "high": 2.5}}],
        draws=200,
        basis="basic",
    )
    assert hp["difference"]["p05"][-1] > 0  # a worse heat pump needs more grid electricity: BASIC rises


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parameter": "no_such", "value": 1}, "unknown parameter 'no_such'"),
        ({"parameter": "hp_cop", "dist": {"type": "triangular", "low": 3, "mode": 2, "high": 4}}, "low <= mode"),
        ({"parameter": "hp_cop", "dist": {"type": "normal", "mean": 3, "sd": -1}}, "sd"),
        ({"parameter": "grid_ef", "path": {2024: 797, 2075: 0}}, "within the horizon 2024-2060"),
        ({"measure": "lrt", "start": 2090}, "within the horizon"),
        ({"measure": "lrt", "start": 2030, "full": 2026}, "cannot come before"),
        ({"measure": "no_such", "start": 2030}, "unknown measure"),
        ({"measure": "lrt", "max_effect": 2}, "between 0 and 1"),
    ],
)
def test_bad_variants_are_named_and_nothing_is_saved(engine, change, message) -> None:
    with pytest.raises(VariantError, match=message):
        var.save(engine, "astana", "bad", "low-carbon", [change], "why", "expert")
    assert var.listing(engine, "astana") == []


def test_saved_variants_are_versioned_audited_commented_and_promoted(engine) -> None:
    from sqlalchemy import select

    from qala.store.models import AuditEntry

    one = var.save(engine, "astana", "clean-grid", "low-carbon", [GRID], "a faster grid", "ekspert")
    two = var.save(engine, "astana", "clean-grid", "low-carbon", [GRID, {"measure": "lrt", "start": 2026}], "v2", "e")
    assert (one["version"], two["version"]) == (1, 2) and two["status"] == "draft"
    var.comment(engine, "astana", one["id"], "parameter:grid_ef", "the 2060 value is optimistic", "e")
    with pytest.raises(VariantError, match="target"):
        var.comment(engine, "astana", one["id"], "parameter:nope", "x", "e")
    assert var.get(engine, "astana", one["id"])["comments"][0]["target"] == "parameter:grid_ef"
    assert var.promote(engine, "astana", two["id"], "editor")["status"] == "official"
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(AuditEntry).where(AuditEntry.entity == "scenario_variant"))]
    assert actions == ["create", "create", "comment", "promote"]
    both = var.compare(engine, "astana", [one["id"], two["id"]], draws=200)
    assert both["variants"][0]["difference_from_first"]["p95"] == [0.0] * len(both["years"])
    with pytest.raises(VariantError, match="is a scenario"):
        var.save(engine, "astana", "bau", "low-carbon", [], "x", "e")


def test_apply_keeps_the_base_models_random_streams() -> None:
    model, _ = svc.resolve("bau", "astana")
    varied = apply(model, "bau", [{"parameter": "hp_cop", "value": 3.0}])
    assert varied.draw_keys == tuple(k for k, _ in model.uncertain())
    assert "parameter:hp_cop" not in [k for k, _ in varied.uncertain()]


@pytest.fixture
def web(tmp_path: Path):
    from tests.test_web import ROLES

    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ROLES:
        w.add(role, role)
    yield w
    w.engine.dispose()


def test_role_matrix_for_variants(web: Web) -> None:
    body = {"name": "grid", "scenario": "low-carbon", "changes": [GRID], "comment": "why"}
    anon = web.client()
    assert anon.get("/api/v1/variants").status_code == 401
    assert anon.post("/api/v1/variants", json=body).status_code == 401
    assert anon.get("/scenarios/variants").status_code in (401, 303)
    expected = {  # role: (read, write, promote)
        "provider": (403, 403, 403),
        "expert": (200, 201, 403),
        "editor": (200, 201, 200),
        "admin": (200, 201, 200),
    }
    for role, (read, write, promote) in expected.items():
        c, h = web.client(), web.token(role)
        assert c.get("/api/v1/variants", headers=h).status_code == read, role
        r = c.post("/api/v1/variants", json={**body, "name": f"grid-{role}"}, headers=h)
        assert r.status_code == write, (role, r.text)
        vid = r.json()["id"] if write == 201 else 1
        assert c.post(f"/api/v1/variants/{vid}/promote", headers=h).status_code == promote, role
        page = web.signed_in(role).get("/scenarios/variants")
        assert page.status_code == read, role
    # a bad variant through the API: 422, the problem named, nothing saved
    h = web.token("expert")
    before = len(web.client().get("/api/v1/variants", headers=h).json())
    r = web.client().post("/api/v1/variants", json={**body, "changes": [{"parameter": "nope", "value": 1}]}, headers=h)
    assert r.status_code == 422 and "unknown parameter 'nope'" in r.text
    assert len(web.client().get("/api/v1/variants", headers=h).json()) == before


def test_page_preview_save_compare_and_json_twin(web: Web) -> None:
    c = web.signed_in("expert")
    token = csrf(c, "/scenarios/variants")
    form = {"csrf_token": token, "scenario": "low-carbon", "parameter": "grid_ef", "path": "2024:797, 2030:600"}
    r = c.post("/scenarios/variants/preview", data=form)
    assert r.status_code == 200 and "<table>" in r.text
    bad = c.post("/scenarios/variants/preview", data={**form, "parameter": "nope"})
    assert bad.status_code == 422 and 'data-code="variant.parameter_unknown"' in bad.text  # in the page's language
    r = c.post("/scenarios/variants", data={**form, "name": "g1", "comment": "faster grid"}, follow_redirects=False)
    assert r.status_code == 303
    twin = c.get("/scenarios/variants?fmt=json").json()
    assert [v["name"] for v in twin["variants"]] == ["g1"]
    vid = twin["variants"][0]["id"]
    page = c.get(f"/scenarios/variants?compare={vid}")
    assert page.status_code == 200 and "<svg" in page.text
    api = web.client().get(f"/api/v1/variants/compare?ids={vid}", headers=web.token("expert")).json()
    assert api["variants"][0]["name"] == "g1"
