"""Properties: totals equal the sums of their parts; emissions scale linearly with activity."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qala.catalog import load_catalog
from qala.inventory.engine import compute_inventory

VALID = [  # (gpc_ref, activity, unit, facility)
    ("I.1.1", "natural_gas", "TJ", None),
    ("I.2.1", "natural_gas", "thousand m3", None),
    ("I.1.1", "other_bituminous_coal", "t", None),
    ("I.3.1", "residual_fuel_oil", "t", None),
    ("I.1.1", "wood", "t", None),
    ("II.1.1", "motor_gasoline", "t", None),
    ("II.1.1", "gas_diesel_oil", "TJ", None),
    ("II.2.1", "gas_diesel_oil", "t", None),
    ("I.1.2", "grid_electricity", "MWh", None),
    ("I.2.3", "grid_electricity", "MWh", None),
    ("III.1.1", "msw_landfilled", "t", None),
    ("I.4.4", "other_bituminous_coal", "t", "tets1"),
    ("I.4.4", "heat_output", "Gcal", "tets1"),
    ("I.4.4", "electricity_output", "MWh", "tets1"),
    ("I.1.2", "district_heat", "Gcal", None),
]
amounts = st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False)
rows = st.lists(st.tuples(st.sampled_from(range(len(VALID))), amounts), min_size=1, max_size=40)


def to_frame(picks) -> pl.DataFrame:
    data = [(*VALID[i][:2], a, VALID[i][2], VALID[i][3]) for i, a in picks]
    # heat consumers need a supplying plant with a positive heat output
    data += [("I.4.4", "heat_output", 1000.0, "Gcal", "tets1"), ("I.4.4", "natural_gas", 10.0, "TJ", "tets1")]
    return pl.DataFrame(
        data,
        schema={
            "gpc_ref": pl.String,
            "activity": pl.String,
            "amount": pl.Float64,
            "unit": pl.String,
            "facility": pl.String,
        },
        orient="row",
    )


def compute(df):
    return compute_inventory(df, load_catalog(), city="p", year=2022)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_totals_equal_the_sums_of_their_parts(picks) -> None:
    inv = compute(to_frame(picks))
    rows_ = inv.rows.filter(pl.col("gas") != "CO2(b)")
    total = rows_["tco2e"].sum()
    assert sum(inv.by_scope.values()) == pytest.approx(total, rel=1e-9, abs=1e-6)
    assert sum(inv.by_gas.values()) == pytest.approx(total, rel=1e-9, abs=1e-6)
    known = [v for v in inv.by_sector.values() if v is not None]  # None: a sector with no figure (never 0)
    assert sum(known) == pytest.approx(inv.totals["basic_plus"], rel=1e-9, abs=1e-6)
    for sector, v in inv.by_sector.items():
        in_boundary = inv.rows.filter((pl.col("sector") == sector) & pl.col("level").is_in(["B", "B+"]))
        assert (v is None) == in_boundary.is_empty(), sector
    assert inv.totals["basic"] <= inv.totals["basic_plus"] + 1e-6
    assert inv.totals["territorial"] == pytest.approx(inv.by_scope["1"], rel=1e-9, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(rows, st.floats(min_value=0.01, max_value=1000.0))
def test_emissions_scale_linearly_with_activity(picks, k) -> None:
    df = to_frame(picks)
    base = compute(df)
    scaled = compute(df.with_columns(pl.col("amount") * k))
    for name, value in base.totals.items():
        assert scaled.totals[name] == pytest.approx(value * k, rel=1e-9, abs=1e-6)
    assert scaled.biogenic_co2_t == pytest.approx(base.biogenic_co2_t * k, rel=1e-9, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(rows)
def test_aggregating_first_equals_row_by_row(picks) -> None:
    """Splitting a figure into many rows changes nothing: aggregation before factors is exact."""
    df = to_frame(picks)
    halves = pl.concat([df.with_columns(pl.col("amount") * 0.5)] * 2)
    a, b = compute(df), compute(halves)
    for name, value in a.totals.items():
        assert b.totals[name] == pytest.approx(value, rel=1e-9, abs=1e-6)


def test_categorical_codes_beyond_21_bits_do_not_merge_groups() -> None:
    """Regression: the packed-key fast path once assumed category codes < 2**21 (found by the benchmark)."""
    # polars' Categorical codes are process-wide: make more than 2**21 categories exist first
    pl.Series([f"filler-{i}" for i in range((1 << 21) + 10)]).cast(pl.Categorical)
    df = pl.DataFrame(
        {"gpc_ref": ["I.1.1", "I.1.1"], "activity": ["natural_gas", "lpg"], "amount": [100.0, 1.0], "unit": ["t", "TJ"]}
    )
    as_cat = df.with_columns(pl.col(c).cast(pl.Categorical) for c in ("gpc_ref", "activity", "unit"))
    plain, cat = compute(df), compute(as_cat)
    assert cat.totals["basic"] == pytest.approx(plain.totals["basic"], rel=1e-12)
    # 100 t natural gas = 0.1 Gg x 48.0 TJ/Gg = 4.8 TJ; plus 1 TJ LPG: two activities, six gas rows
    assert cat.rows.height == 6
