"""Ecological-state ratings at and around thresholds; bad indicator files; alignment by hand."""

import pytest

from qala.assessment.alignment import DocTarget, align
from qala.assessment.indicators import Benchmark, IndicatorError, load_indicators, rate

WHO = Benchmark(green=5.0, red=25.0, source="WHO 2021")
RECYCLING = Benchmark(green=50.0, red=20.0, source="test")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4.99, "green"),
        (5.0, "green"),
        (5.01, "amber"),
        (24.99, "amber"),
        (25.0, "amber"),
        (25.01, "red"),
        (None, "unknown"),
    ],
)
def test_lower_is_better_at_and_around_thresholds(value, expected) -> None:
    assert rate(value, WHO, "lower_is_better") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (50.0, "green"),
        (49.99, "amber"),
        (20.0, "amber"),
        (19.99, "red"),
        (80, "green"),
    ],
)
def test_higher_is_better_at_and_around_thresholds(value, expected) -> None:
    assert rate(value, RECYCLING, "higher_is_better") == expected


def test_no_benchmark_is_not_rated() -> None:
    assert rate(3.0, None, "lower_is_better") == "not_rated"


BASE = """
indicators:
  - code: pm25
    theme: air
    kind: state
    name: {en: PM2.5, ru: PM2.5, kk: PM2.5}
    unit: ug/m3
    direction: DIRECTION
    benchmark: {green: GREEN, red: RED, source: WHO}
    values: [VALUES]
"""


def doc(direction="lower_is_better", green=5, red=25, values="{year: 2021, value: 22, source: IQAir}"):
    return (
        BASE.replace("DIRECTION", direction)
        .replace("GREEN", str(green))
        .replace("RED", str(red))
        .replace("VALUES", values)
    )


def test_a_valid_file_and_its_rating() -> None:
    [ind] = load_indicators(doc(), "t.yaml")
    assert ind.latest.value == 22 and rate(ind.latest.value, ind.benchmark, ind.direction) == "amber"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (doc(green=25, red=5), "thresholds out of order"),
        (doc(direction="higher_is_better", green=5, red=25), "thresholds out of order"),
        (doc(values="{year: 2021, value: 22}"), "a value needs its source"),
        (doc().replace("source: WHO", "source: ''"), "a benchmark needs its source"),
        (doc().replace("theme: air", "theme: noise"), "theme one of"),
    ],
)
def test_bad_indicator_files_are_refused(text, message) -> None:
    with pytest.raises(IndicatorError, match=message):
        load_indicators(text, "t.yaml")


def test_unknown_values_are_kept_as_unknown() -> None:
    [ind] = load_indicators(doc(values="{year: 2023, value: null, unknown: true, note: not published}"), "t.yaml")
    assert ind.latest is None


class FakeResult:
    """Two draws, years 2024..2030, totals and population chosen by hand."""

    def __init__(self, totals_2030):
        import numpy as np

        self.years = list(range(2024, 2031))
        arr = np.zeros((2, 7))
        arr[:, 6] = totals_2030
        self.totals = {"territorial": arr}
        self.population = np.full((2, 7), 2_000_000.0)


def test_alignment_by_hand() -> None:
    t = DocTarget(
        "ndc", {"en": "NDC"}, "uncond", "ghg_total", "reduction", 1990, 2030, 0.15, "fraction", "territorial", True, ""
    )
    cap = DocTarget(
        "x", {"en": "x"}, "pc", "ghg_per_capita", "max", None, 2030, 3.0, "t/person", "territorial", True, ""
    )
    vague = DocTarget(
        "gp", {"en": "gp"}, "res", "res_share_electricity", "min", None, 2030, 0.15, "fraction", "territorial", True, ""
    )
    rows = align(
        [t, cap, vague],
        scenarios={"low": FakeResult([5_000_000, 5_400_000])},
        base_totals={"territorial": 6_046_600.0},
        base_year=2024,
        indicators={},
    )
    # 1990 reference = 6,046,600 x 385,022.0 / 354,869.6 (national kt, 1990 / 2019); limit = 85 % of it
    limit = 6_046_600.0 * 385_022.0 / 354_869.6 * 0.85
    assert rows[0]["limit"] == pytest.approx(limit)
    assert rows[0]["scenarios"]["low"]["p50"] == 5_200_000  # median of the two draws
    assert rows[0]["status"] == ("on_track" if limit >= 5_200_000 else "off_track")
    # per capita: 5.2 Mt / 2 million = 2.6 t <= 3 t
    assert rows[1]["scenarios"]["low"]["p50"] == pytest.approx(2.6)
    assert rows[1]["status"] == "on_track"
    assert rows[2]["status"] == "not_measurable"


def test_pollutant_factors_by_hand(catalog) -> None:
    from qala.assessment.cobenefits import pollutant_tonnes

    # 100 TJ of coal burnt in homes = 100,000 GJ; EMEP/EEA Tier 1 residential coal:
    # NOx 110 g/GJ -> 11 t; SO2 900 g/GJ -> 90 t; PM2.5 398 g/GJ -> 39.8 t
    got = pollutant_tonnes(catalog, "other_bituminous_coal", "I.1.1", 100.0)
    assert got == pytest.approx({"NOx": 11.0, "SO2": 90.0, "PM2.5": 39.8})
    # 100 t of petrol on the road = 0.1 Gg x 44.3 TJ/Gg = 4.43 TJ; back to 100,000 kg x 3.98 g/kg NOx = 0.398 t
    got = pollutant_tonnes(catalog, "motor_gasoline", "II.1.1", 4.43)
    assert got["NOx"] == pytest.approx(0.398)
    assert got["PM2.5"] == pytest.approx(100_000 * 0.02 / 1e6)
    # a CHP burning gas: 1,000 TJ x 89 g/GJ NOx = 89 t
    assert pollutant_tonnes(catalog, "natural_gas", "I.4.4", 1000.0)["NOx"] == pytest.approx(89.0)
    # no factor: nothing invented
    assert pollutant_tonnes(catalog, "grid_electricity", "I.1.2", 10.0) == {}


def test_the_scenario_shows_air_quality_co_benefits(tmp_path) -> None:
    from qala.services.assessment import assess
    from qala.store.seed import open_database

    data = assess(open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}"), "astana", "en", draws=50)
    assert data["cobenefits"]["inventory"]["totals"]["SO2"] > 0
    bau = data["cobenefits"]["scenarios"]["bau"]["2030"]
    low = data["cobenefits"]["scenarios"]["low-carbon"]["2030"]
    assert low["SO2"] < bau["SO2"]  # coal-to-gas cuts sulphur dioxide
    assert len(data["indicators"]) >= 12
    assert len({i["theme"] for i in data["indicators"]}) >= 4
    assert all(i["source"] or i["value"] is None for i in data["indicators"])
    assert {r["status"] for r in data["alignment"]} <= {
        "on_track",
        "off_track",
        "not_measurable",
        "depends_on_scenario",
    }


def test_assess_cli_json(run_cli) -> None:
    import json

    code, out, err = run_cli("assess", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["city"] == "astana"
    first = data["indicators"][0]
    for key in ("code", "theme", "name", "value", "unit", "year", "rating", "benchmark", "source"):
        assert key in first
