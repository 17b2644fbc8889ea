"""``qala estimate``: a spec's estimates with their arithmetic, writing them, bad inputs named, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qala.store.models import ActivityRecord
from qala.store.seed import open_database
from tests.conftest import write

SPEC = """city: karaganda
years: 2018-2019
series:
  population:
    unit: persons
    points:
      - {{year: 2018, value: {pop2018}, source: "BNS 1 January 2018"}}
      - {{year: 2019, value: 500000, source: "BNS 1 January 2019"}}
estimates:
  - id: road
    cell: II.1.1
    method: downscale
    category: 1.A.3.b
    proxy: population
"""


def records(tmp_path: Path) -> int:
    engine = open_database(f"sqlite:///{tmp_path / 'qala-home' / 'qala.sqlite3'}")
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one()


@pytest.fixture
def karaganda(run_cli) -> None:
    code, _, err = run_cli(
        "city", "add", "karaganda", "--name-en", "Karaganda", "--name-ru", "Караганда", "--name-kk", "Қарағанды"
    )
    assert code == 0, err


def test_a_spec_previewed_then_applied(tmp_path: Path, run_cli, karaganda: None) -> None:
    spec = write(tmp_path / "k.yaml", SPEC.format(pop2018=490000))
    code, out, err = run_cli("estimate", "--city", "karaganda", "--spec", str(spec), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["applied"] and data["outcome"]["new"] == 6  # 3 gases x 2 years, nothing written yet
    road = next(e for e in data["estimates"] if e["year"] == 2019 and e["activity"] == "emissions_co2")
    # Kazakhstan's road CO2 2019: 21,803.15 kt x 500,000 / 18,395,567 = 592.62 kt
    assert road["amount"] == pytest.approx(21_803.15 * 500_000 / 18_395_567 * 1000, rel=1e-12)
    assert road["method"] == "downscale" and "21,803.2" in road["arithmetic"]
    assert {i["source"] for i in road["inputs"]} >= {"BNS 1 January 2019"}
    before = records(tmp_path)
    code, out, err = run_cli("estimate", "--city", "karaganda", "--spec", str(spec), "--apply")
    assert code == 0, err
    assert "Written: 6" in out
    assert records(tmp_path) == before + 6
    code, out, _ = run_cli("estimate", "--city", "karaganda", "--format", "json")  # the stored spec from now on
    assert json.loads(out)["spec"]["origin"] == "stored" and json.loads(out)["outcome"]["unchanged"] == 6


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (SPEC.format(pop2018=49_000_000), "share of population (Kazakhstan) is 2.7, above 1"),
        (SPEC.format(pop2018=-5), "series 'population' 2018: a negative value"),
        (
            SPEC.format(pop2018=490000).replace("years: 2018-2019", "years: 2018-2021"),
            "series 'population' has no value for 2020",
        ),
        (SPEC.format(pop2018=490000).replace('source: "BNS 1 January 2019"', 'source: ""'), "needs its source"),
        (SPEC.format(pop2018=490000).replace("1.A.3.b", "1.Z"), "a category with per-gas data"),
    ],
)
def test_bad_inputs_are_named_and_nothing_is_written(
    tmp_path: Path, run_cli, karaganda: None, spec: str, expected: str
) -> None:
    before = records(tmp_path)
    path = write(tmp_path / "bad.yaml", spec)
    code, _, err = run_cli("estimate", "--city", "karaganda", "--spec", str(path), "--apply")
    assert code == 2
    assert expected in " ".join(err.split()), err
    assert records(tmp_path) == before


def test_a_new_city_from_its_population_in_one_step(tmp_path: Path, run_cli, karaganda: None) -> None:
    pop = write(tmp_path / "pop.csv", "year,value,source\n2015,490000,BNS\n2024,510000,BNS\n")
    code, out, err = run_cli("estimate", "--city", "karaganda", "--population", str(pop), "--apply")
    assert code == 0, err
    code, out, err = run_cli("inventory", "--city", "karaganda", "--year", "2020", "--format", "json")
    assert code == 0, err
    inv = json.loads(out)
    assert inv["share_estimated"]["basic"] == pytest.approx(1.0)
    for cell in ("I.1.1", "I.2.1", "I.3.1", "I.6.2", "II.1.1", "II.2.1", "III.1.1", "III.4.1"):
        assert inv["cells"][cell]["status"] == "estimated", cell
    bad = write(tmp_path / "bad.csv", "year,value,source\n2015,abc,BNS\n")
    code, _, err = run_cli("estimate", "--city", "karaganda", "--population", str(bad))
    assert code == 2 and "row 2, column value: a number" in err
