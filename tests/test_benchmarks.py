"""Benchmarks: ratings at and around every threshold of the catalog, computed by hand; units through pint;
bad benchmarks refused with a clear message."""

from __future__ import annotations

import pytest

from qala.assessment import benchmarks as bm
from qala.assessment import units
from qala.assessment.benchmarks import rate
from qala.assessment.errors import IndicatorError
from qala.assessment.indicators import load_indicators

NBSP = "\u00a0"


def catalog(ident: str, unit: str | None = None) -> bm.Benchmark:
    b = bm.catalog()[0][ident]
    return b if unit is None else b.converted(unit)


# --- ratings at and around the thresholds (hand-made tables from the sources' bands) ------------------------

CASES = [
    # WHO AQG 2021 PM2.5: AQG 5 is green (at or below), above IT-2 25 is red
    ("who_aqg_2021_pm25_annual", None, [(4.99, "green"), (5, "green"), (5.01, "amber"), (25, "amber"), (25.01, "red")]),
    ("who_aqg_2021_so2_24h", None, [(40, "green"), (40.5, "amber"), (50, "amber"), (50.5, "red")]),
    # Roshydromet API5: low below 5, elevated 5-6, high from 7: 5 is already amber, 7 already red
    ("roshydromet_api5", None, [(4.99, "green"), (5, "amber"), (6.99, "amber"), (7, "red"), (14, "red")]),
    # ICES GHG per capita: < 5 green, 5-10 amber, > 10 red (both ends of amber included)
    ("ices_2013_ghg_per_capita", None, [(4.999, "green"), (5, "amber"), (10, "amber"), (10.001, "red")]),
    # higher is better: ICES recycling > 25 green, 15-25 amber, < 15 red
    ("ices_2013_msw_recycled", None, [(25.01, "green"), (25, "amber"), (15, "amber"), (14.99, "red")]),
    ("ices_2013_wastewater_treated", None, [(60.1, "green"), (60, "amber"), (40, "amber"), (39.9, "red")]),
    ("ices_2013_pt_modal_share", None, [(65.1, "green"), (65, "amber"), (50, "amber"), (49.9, "red"), (43, "red")]),
    # ICES non-revenue water: the bands share 30 %, which Qala counts as green
    ("ices_2013_non_revenue_water", None, [(30, "green"), (30.01, "amber"), (45, "amber"), (45.01, "red")]),
    ("gcap_private_modal_share", None, [(29.9, "green"), (30, "amber"), (50, "amber"), (50.1, "red")]),
    # a band: ICES water 120-200 L green, 80-120 or 200-250 amber, < 80 or > 250 red
    (
        "ices_2013_water_per_capita",
        None,
        [
            (79.99, "red"),
            (80, "amber"),
            (119.99, "amber"),
            (120, "green"),
            (200, "green"),
            (200.01, "amber"),
            (215.8, "amber"),
            (250, "amber"),
            (250.01, "red"),
        ],
    ),
    # converted by pint: 50 ha per 100,000 residents = 500,000 m2 / 100,000 = 5 m2 per person; 20 ha -> 2 m2
    ("ices_2013_green_area", "m2/person", [(5.01, "green"), (5, "amber"), (2, "amber"), (1.99, "red"), (14, "green")]),
    # 0.3 cars per person = 300 cars per 1,000; 0.4 -> 400
    (
        "ices_2013_cars_per_capita",
        "cars/1000 persons",
        [(299.9, "green"), (300, "amber"), (400, "amber"), (400.1, "red"), (247.0, "green")],
    ),
]


@pytest.mark.parametrize(("ident", "unit", "table"), CASES, ids=[c[0] for c in CASES])
def test_ratings_at_and_around_the_thresholds(ident: str, unit: str | None, table: list) -> None:
    b = catalog(ident, unit)
    got = [(v, rate(v, b)) for v, _ in table]
    assert got == table


def test_no_value_or_no_benchmark_is_not_a_colour() -> None:
    assert rate(None, catalog("who_aqg_2021_pm25_annual")) == "unknown"
    assert rate(3.0, None) == "not_rated"


def test_every_benchmark_of_the_catalog_has_its_source_and_confidence() -> None:
    found, reasons = bm.catalog()
    assert len(found) >= 15
    for b in found.values():
        assert b.source.strip() and "http" in b.source, b.id
        assert b.confidence in ("high", "medium", "low"), b.id
        assert all(b.name[lang] and b.note[lang] for lang in ("en", "ru", "kk")), b.id
    assert {"not_found", "target_only", "absolute_total", "not_comparable", "unit_incompatible"} <= set(reasons)


# --- units --------------------------------------------------------------------------------------------------


def test_pint_converts_the_units_of_the_sources() -> None:
    assert units.conversion("ha/100000 persons", "m2/person") == 0.1  # 10,000 m2 per ha / 100,000
    assert units.conversion("cars/person", "cars/1000 persons") == 1000
    assert units.conversion("kt/yr", "kt/yr") == 1
    b = catalog("ices_2013_green_area", "m2/person")
    assert (b.green.threshold(), b.red.threshold(), b.factor) == (5.0, 2.0, 0.1)
    assert b.original().green.threshold() == 50.0  # the source's own number is kept


@pytest.mark.parametrize(
    ("src", "dst"),
    [("kgoe/1000 USD PPP", "GJ/million KZT"), ("%", "index"), ("cars/person", "trips/person/day"), ("%", "ug/m3")],
)
def test_pint_refuses_what_cannot_be_converted(src: str, dst: str) -> None:
    with pytest.raises(IndicatorError, match="cannot be compared"):
        units.conversion(src, dst)


def test_rules_are_written_in_the_readers_language() -> None:
    who = catalog("who_aqg_2021_pm25_annual")
    assert who.green.text("ru", "ug/m3") == f"≤{NBSP}5{NBSP}мкг/м³"
    assert who.red.text("en", "ug/m3") == f">{NBSP}25{NBSP}µg/m³"
    water = catalog("ices_2013_water_per_capita")
    assert water.green.text("kk", water.unit) == f"120–200{NBSP}л/адам/тәулік"
    assert water.red.text("ru", water.unit) == f"<{NBSP}80 или >{NBSP}250{NBSP}л/чел. в сутки"
    cars = catalog("ices_2013_cars_per_capita")
    assert cars.green.text("ru", cars.unit) == f"<{NBSP}0,3{NBSP}автомобилей на человека"  # Babel: decimal comma
    big = bm.Rule((bm.Bound(">", 1500.5),), "")
    assert big.text("kk", "%") == f">{NBSP}1{NBSP}500,5{NBSP}%"  # Babel groups with a no-break space


# --- refusals -----------------------------------------------------------------------------------------------

IND = """
indicators:
  - code: x
    theme: air
    kind: state
    name: {en: X, ru: X, kk: X}
    unit: "UNIT"
    direction: DIRECTION
    benchmark: BENCH
    values: [{year: 2021, value: 22, source: S, confidence: medium}]
"""
INLINE = (
    "{id: t, name: {en: T, ru: T, kk: T}, note: {en: N, ru: N, kk: N}, unit: ug/m3, direction: DIRECTION,"
    " green: 'GREEN', red: 'RED', source: 'WHO 2021, https://who.int', confidence: high}"
)


def ind(bench: str, direction: str = "lower_is_better", unit: str = "ug/m3", green="<= 5", red="> 25") -> str:
    b = bench.replace("GREEN", green).replace("RED", red).replace("DIRECTION", direction)
    return IND.replace("BENCH", b).replace("DIRECTION", direction).replace("UNIT", unit)


def test_an_inline_benchmark_loads_and_rates() -> None:
    [x] = load_indicators(ind(INLINE), "t.yaml")
    assert x.benchmark is not None and rate(x.latest.value, x.benchmark) == "amber"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ind(INLINE, green="<= 25", red="> 5"), r"thresholds out of order: lower is better, so green \(25\) must be"),
        (
            ind(INLINE, "higher_is_better", green=">= 5", red="< 25"),
            r"thresholds out of order: higher is better, so green \(5\) must be above red \(25\)",
        ),
        (
            ind(INLINE, "optimal_band", green=">= 120 and <= 200", red="< 150 or > 250"),
            r"thresholds out of order: a band needs red-below \(150\) < green-from \(120\)",
        ),
        (ind(INLINE, "optimal_band", green="<= 200", red="< 80 or > 250"), "a band is written"),
        (ind(INLINE, green=">= 5", red="> 25"), "lower is better, so green is one comparison with < or <="),
        (ind(INLINE, green="5", red="> 25"), "a bare number does not say which side is green"),
        (ind(INLINE.replace("source: 'WHO 2021, https://who.int'", "source: ''")), "a benchmark needs its source"),
        (ind(INLINE.replace("confidence: high", "confidence: sure")), "confidence one of high, medium, low"),
        (ind(INLINE.replace("note: {en: N, ru: N, kk: N}", "note: {en: N}")), "a note on how the source's bands"),
        (ind(INLINE.replace("unit: ug/m3", "unit: mg/l")), "unit 'mg/l' is not in"),
        (ind("who_aqg_2021_pm25_annual", unit="%"), "cannot be compared with an indicator in '%'"),
        (ind("ices_2013_energy_intensity", unit="GJ/million KZT"), "pint finds no conversion"),
        (ind("ices_2013_msw_recycled", unit="%"), "benchmark ices_2013_msw_recycled is higher is better"),
        (ind("nowhere"), "benchmark 'nowhere' is not in"),
        (ind("null"), "without a benchmark, say why"),
        (
            ind("null").replace("values:", "no_benchmark: {reason: tired, detail: {en: a, ru: b, kk: c}}\n    values:"),
            "without a benchmark, say why",
        ),
        (
            ind("who_aqg_2021_pm25_annual").replace("confidence: medium", "unknown: false"),
            "a value needs its confidence",
        ),
        (ind("who_aqg_2021_pm25_annual").replace(", source: S", ""), "a value needs its source"),
        (ind("who_aqg_2021_pm25_annual").replace("value: 22", "value: null"), "with no known value, 'missing'"),
    ],
)
def test_bad_benchmarks_and_indicators_are_refused(text: str, message: str) -> None:
    with pytest.raises(IndicatorError, match=message):
        load_indicators(text, "t.yaml")


def test_a_refusal_names_the_file_and_the_indicator() -> None:
    with pytest.raises(IndicatorError) as exc:
        load_indicators(ind(INLINE, green="<= 25", red="> 5"), "cities/x/indicators.yaml")
    assert str(exc.value).startswith("cities/x/indicators.yaml: indicators[0] (x) benchmark t:")


def test_a_catalog_with_a_repeated_id_is_refused() -> None:
    import yaml

    one = yaml.safe_load(INLINE.replace("DIRECTION", "lower_is_better").replace("GREEN", "<= 5").replace("RED", "> 25"))
    reasons = {"not_found": {"en": "a", "ru": "b", "kk": "c"}}
    assert bm.parse_catalog({"benchmarks": [one], "no_benchmark_reasons": reasons}, "b.yaml")[0]["t"].id == "t"
    with pytest.raises(IndicatorError, match=r"b.yaml: benchmarks\[1\]: id t is used twice"):
        bm.parse_catalog({"benchmarks": [one, one], "no_benchmark_reasons": reasons}, "b.yaml")
    with pytest.raises(IndicatorError, match="a mapping under 'no_benchmark_reasons'"):
        bm.parse_catalog({"benchmarks": [one]}, "b.yaml")
