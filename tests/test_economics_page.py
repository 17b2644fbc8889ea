"""The economics page's MACC is readable: it opens on BASIC (every measure shows its abatement), says which
basis it shows, and cuts the cost axis where a few very dear steps would flatten the rest (issue 17)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qala.services.economics import macc_axis
from qala.web import labels

from .test_web import Web

NBSP = "\u00a0"


def step(code: str, tco2e: float, cost: float | None) -> dict:
    return {"code": code, "abatement_tco2e": tco2e, "cost_per_tco2e": cost}


def test_the_axis_stops_where_95_percent_of_the_abatement_is_had() -> None:
    # 1 000 t in all; 95 % = 950 t is reached with c (100 + 800 + 50): the axis stops at 1.1 x 30 = 33
    steps = [step("a", 100, 10), step("b", 800, 20), step("c", 50, 30), step("d", 50, 1000), step("e", -5, None)]
    axis = macc_axis(steps)
    assert axis is not None
    assert axis["at_cost"] == 30 and axis["top"] == pytest.approx(33)
    assert [c["code"] for c in axis["clipped"]] == ["d"]
    # nothing above 1.1 x the cost at 95 %: the curve is drawn whole
    assert macc_axis([step("a", 100, 10), step("b", 900, 20), step("c", 10, 21)]) is None
    assert macc_axis([step("a", 0, 10)]) is None  # nothing to draw


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Web:
    return Web(f"sqlite:///{tmp_path_factory.mktemp('econ') / 'w.sqlite3'}")


def chart_data(html: str, element: str) -> object:
    found = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', html, re.S)
    assert found, element
    return json.loads(found.group(1))


def test_the_page_opens_on_basic_and_says_so(web: Web) -> None:
    c = web.client()
    page = c.get("/economics", params={"lang": "kk"})
    assert page.status_code == 200
    curve = chart_data(page.text, "macc-data")
    assert curve["basis"] == "basic"
    by_code = {s["code"]: s for s in curve["steps"]}
    # measures that save grid electricity (scope 2) show their abatement on BASIC, not 0 t as on the territorial basis
    for code in ("appliance_efficiency", "led_street_lighting", "rooftop_solar"):
        assert by_code[code]["abatement_tco2e"] > 0, code
    said = re.search(r'<p id="macc-basis">(.*?)</p>', page.text, re.S)
    assert said and "<strong>BASIC</strong>" in said.group(1)
    assert "Көрсетілген есептеу негізі" in said.group(1)  # "Basis shown" in the page's language
    territorial = c.get("/economics?basis=territorial&fmt=json").json()
    assert territorial["basis"] == "territorial"
    assert {s["code"]: s for s in territorial["macc"]["steps"]}["appliance_efficiency"]["abatement_tco2e"] == 0
    assert c.get("/economics?fmt=json").json()["basis"] == "basic"  # the JSON twin opens where the page does


def test_the_dear_steps_are_cut_and_labelled(web: Web) -> None:
    c = web.client()
    page = c.get("/economics", params={"lang": "ru"})
    curve, axis = chart_data(page.text, "macc-data"), chart_data(page.text, "macc-axis")
    assert isinstance(axis, dict) and isinstance(curve, dict)
    drawn = sorted(
        (s for s in curve["steps"] if s["cost_per_tco2e"] is not None and s["abatement_tco2e"] > 0),
        key=lambda s: s["cost_per_tco2e"],
    )
    dearest = drawn[-1]
    assert dearest["code"] == "plant_ccs"  # the gas plant's CO2 capture, tens of millions of KZT per tonne
    assert axis["top"] < dearest["cost_per_tco2e"] / 10  # the axis no longer reaches it
    cheap = [s for s in drawn if s["cost_per_tco2e"] <= axis["top"]]
    # most of the abatement is drawn to its height
    assert sum(s["abatement_tco2e"] for s in cheap) >= 0.95 * sum(s["abatement_tco2e"] for s in drawn)
    note = re.search(r'<p id="macc-axis-note"[^>]*>(.*?)</p>', page.text, re.S)
    assert note, "the page says where the axis stops"
    text = note.group(1)
    value = f"{round(dearest['cost_per_tco2e']):,}".replace(",", NBSP)
    name = labels.measure("plant_ccs", "ru")
    assert f"{name}: {value}" in text  # the cut step's name and true value, as the locale writes numbers
    assert "95" in text  # the share it is stated with
    assert 'aria-describedby="macc-axis-note"' in page.text


def test_docs_say_what_the_page_shows() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "economics.md").read_text(encoding="utf-8")
    assert "95 %" in doc and "BASIC" in doc
