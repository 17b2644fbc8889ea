"""Every number and date is finite and plausible where it enters: a named error, never a 500 or an infinity."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qala.assessment.alignment import DocumentRegistryError, load_registry
from qala.roadmap.model import RoadmapError
from qala.services import economics as econ
from qala.store import roadmap as roadmap_store
from qala.store.seed import open_database
from tests.conftest import write
from tests.test_web import Web, csrf, web  # noqa: F401 (the fixture)

HEADER = "year,gpc_ref,activity,amount,unit,source,note\n"
THIS_YEAR = date.today().year


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("2022,I.1.1,natural_gas,1e400,TJ,x,", "amount", "at most 1e+15"),
        ("2022,I.1.1,natural_gas,2e15,TJ,x,", "amount", "at most 1e+15"),
        (f"{THIS_YEAR + 1},I.1.1,natural_gas,1,TJ,x,", "year", f"no later than {THIS_YEAR}"),
        (f"{THIS_YEAR + 17},I.1.1,natural_gas,1,TJ,x,ESTIMATE: a plan", "year", "PROJECTION:"),
    ],
)
def test_implausible_figures_are_named_refusals(tmp_path: Path, run_cli, row: str, column: str, expected: str) -> None:
    path = write(tmp_path / "bad.csv", HEADER + row + "\n")
    code, _out, err = run_cli("import", str(path), "--database", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert code == 2, err
    assert f"column '{column}'" in err and expected in err


def test_a_declared_projection_is_accepted_but_never_the_default_year(tmp_path: Path, run_cli) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    row = f"{THIS_YEAR + 4},I.1.1,natural_gas,100,TJ,utility plan,PROJECTION: the utility's plan\n"
    code, _out, err = run_cli("import", str(write(tmp_path / "plan.csv", HEADER + row)), "--database", url)
    assert code == 0, err
    code, out, _ = run_cli("inventory", "--format", "json", "--database", url)
    import json

    assert json.loads(out)["year"] <= THIS_YEAR  # the latest past year, not the projected one
    code, out, _ = run_cli("inventory", "--year", str(THIS_YEAR + 4), "--format", "json", "--database", url)
    assert code == 0 and json.loads(out)["year"] == THIS_YEAR + 4


def test_query_strings_and_forms_refuse_infinities(web: Web) -> None:  # noqa: F811
    c = web.client()
    for limit in ("1e400", "inf", "nan", "1e13"):
        r = c.get(f"/economics?limit={limit}&fmt=json")
        assert r.status_code == 422, (limit, r.text)
    with pytest.raises(ValueError, match="finite number"):
        econ.check_finite("the emission limit (t CO2e)", float("1e400"), 0, econ.MAX_TCO2E)
    # a CSRF token with letters outside ASCII is a refusal, not a crash
    r = c.post("/login", data={"username": "x", "password": "y", "csrf_token": "ключ"})
    assert r.status_code == 403


def test_roadmap_dates_stay_within_the_stated_range(web: Web, tmp_path: Path, run_cli) -> None:  # noqa: F811
    editor = web.signed_in("editor")
    token = csrf(editor, "/roadmap/1.1")
    r = editor.post("/roadmap/1.1", data={"csrf_token": token, "due": "9999-12-31", "comment": "far"})
    assert r.status_code == 400 and "2100-12-31" in r.text
    for progress in ("1e400", "nan", "-inf"):
        r = editor.post("/roadmap/1.1", data={"csrf_token": token, "progress": progress, "status": "in_progress"})
        assert r.status_code == 400, progress
    with pytest.raises(RoadmapError, match="between 1990-01-01 and 2100-12-31"):
        roadmap_store.update_activity(web.engine, "astana", "1.1", who="t", due=date(9999, 12, 31))
    # the calendar export of whatever the roadmap holds works
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    open_database(url).dispose()
    code, _out, err = run_cli("roadmap", "export", "--output", str(tmp_path / "x.ics"), "--database", url)
    assert code == 0, err


def test_yaml_infinities_are_named() -> None:
    text = """
documents:
  - code: d1
    title: {en: t, ru: t, kk: t}
    source: s
    targets: [{code: t1, metric: reduction, value: .inf, target_year: 2030}]
"""
    with pytest.raises(DocumentRegistryError, match="a finite value"):
        load_registry(text, "documents.yaml")
