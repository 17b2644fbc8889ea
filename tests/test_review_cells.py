"""Issue 14: the review flags a submission by what it does to each inventory cell (GPC reference and gas), worked
by hand: the 2024 natural gas of I.1.1 (5,989.7232 TJ) corrected to 9,489.7232 TJ, i.e. 3,500 TJ more.

CO2: 3,500 TJ x 56,100 kg/TJ = 196,350 t; the cell I.1.1/CO2 holds 556,380.80 t now (gas and coal): +35.29 %.
CH4: 3,500 TJ x 5 kg/TJ = 17.5 t x GWP 28 (AR5) = 490 t CO2e (+2.40 %); N2O: 3,500 x 0.1 kg = 0.35 t x 265 = 92.75 t
(+8.55 %). The row itself moves its own figure by 3,500 / 5,989.7232 = +58.43 %.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qala.store import submissions
from qala.web import i18n
from tests.test_public_published import GAS_2024
from tests.test_web import ROLES, Web
from tests.test_workflow import submit


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ROLES:
        w.add(role, role)
    yield w
    w.engine.dispose()


def test_each_cell_is_flagged_by_its_own_move(web: Web) -> None:
    sid = submit(web, "provider", GAS_2024)
    at20 = submissions.get(web.engine, sid, threshold=20.0)
    assert at20 is not None
    cells = {(c["gpc_ref"], c["gas"]): c for c in at20["cells"]}
    assert set(cells) == {("I.1.1", "CO2"), ("I.1.1", "CH4"), ("I.1.1", "N2O")}  # no other cell moves
    co2, ch4, n2o = cells["I.1.1", "CO2"], cells["I.1.1", "CH4"], cells["I.1.1", "N2O"]
    assert co2["difference_tco2e"] == pytest.approx(196_350)
    assert co2["current_tco2e"] == pytest.approx(556_380.80, abs=0.01)
    assert co2["change_percent"] == pytest.approx(35.29, abs=0.01) and co2["flagged"] is True
    assert ch4["difference_tco2e"] == pytest.approx(490) and ch4["change_percent"] == pytest.approx(2.40, abs=0.01)
    assert n2o["difference_tco2e"] == pytest.approx(92.75) and n2o["change_percent"] == pytest.approx(8.55, abs=0.01)
    assert ch4["flagged"] is False and n2o["flagged"] is False
    [row] = at20["rows_detail"]
    assert row["change_percent"] == pytest.approx(58.43, abs=0.01) and row["flagged"] is True
    # at 40 %: the row still moves its own figure by 58 %, but no cell moves by more than 40 %
    at40 = submissions.get(web.engine, sid, threshold=40.0)
    assert at40 is not None and at40["rows_detail"][0]["flagged"] is True
    assert [c["flagged"] for c in at40["cells"]] == [False, False, False]
    # the API carries the cells too
    api = web.client().get(f"/api/v1/submissions/{sid}", headers=web.token("editor")).json()
    assert [(c["gpc_ref"], c["gas"], c["flagged"]) for c in api["cells"]] == [
        ("I.1.1", "CH4", False),
        ("I.1.1", "CO2", True),
        ("I.1.1", "N2O", False),
    ]


@pytest.mark.parametrize(("lang", "caption"), [("ru", "меняет ячейку"), ("kk", "ұяшықты өзгертеді")])
def test_the_review_page_shows_the_cell_its_difference_and_change(web: Web, lang: str, caption: str) -> None:
    sid = submit(web, "provider", GAS_2024)
    page = web.signed_in("editor").get(f"/submissions/{sid}?lang={lang}").text
    table = page.split('id="submission-cells"')[1].split("</table>")[0]
    co2 = table.split('data-cell="2024/I.1.1/CO2"')[1].split("</tr>")[0]
    assert 'class="flagged"' in table.split('data-cell="2024/I.1.1/CO2"')[0].rsplit("<tr", 1)[1]
    assert i18n.number(196_350, lang) in co2 and i18n.number(556_381, lang) in co2 and caption in co2
    assert i18n.percent(0.3529, lang) in co2  # the % change in the page's form (35 %)
    ch4 = table.split('data-cell="2024/I.1.1/CH4"')[1].split("</tr>")[0]
    assert i18n.number(490, lang) in ch4 and caption not in ch4


def test_a_decided_submission_moves_no_cell(web: Web) -> None:
    sid = submit(web, "provider", GAS_2024)
    ed = web.token("editor")
    assert web.client().post(f"/api/v1/submissions/{sid}/reject", headers=ed, json={"reason": "no"}).status_code == 200
    assert submissions.get(web.engine, sid)["cells"] == []  # type: ignore[index]
