"""The compiled plan (the engine's fast path) gives the reference engine's numbers, to 1e-12 relative."""

from __future__ import annotations

import numpy as np
import pytest

from qala.catalog import load_catalog
from qala.scenario import kernel
from qala.scenario import plan as pl
from qala.scenario.engine import Chunk, prepare, run_chunk, run_chunk_reference
from qala.scenario.spec import BASES
from qala.scenario.variants import apply
from qala.services import scenario as svc
from qala.store.seed import open_database

REL = 1e-12


@pytest.fixture(autouse=True)
def numpy_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are the numpy plan's (the register machine's are in test_scenario_vm.py)."""
    monkeypatch.setenv(kernel.ENV_MODE, "numpy")


def close(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    # relative to each value, with a floor at the array's largest magnitude: a total that cancels to near zero
    # (net-zero-2060's removals against its residual) carries the rounding of the terms it sums, not of its result
    floor = float(np.max(np.abs(b))) if b.size else 0.0
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    assert np.all(np.abs(a - b) <= REL * scale), float(np.max(np.abs(a - b) / np.where(scale > 0, scale, 1)))


def same_chunk(got: Chunk, ref: Chunk) -> None:
    assert (got.start, got.stop) == (ref.start, ref.stop)
    for basis in BASES:
        close(got.totals[basis], ref.totals[basis])
        for sector, values in ref.sectors[basis].items():
            close(got.sectors[basis][sector], values)
    assert list(got.flow_sums) == list(ref.flow_sums)
    for name in ref.flow_sums:
        close(got.flow_sums[name], ref.flow_sums[name])
        close(got.amount_sums[name], ref.amount_sums[name])
    assert set(got.removals) == set(ref.removals)
    for basis, values in ref.removals.items():
        close(got.removals[basis], values)
    assert (got.population is None) == (ref.population is None)
    if ref.population is not None:
        close(got.population, ref.population)


@pytest.fixture(scope="module")
def astana(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("plan")
    engine = open_database(f"sqlite:///{home / 'p.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    base = svc.base_year(engine, model, None)
    engine.dispose()
    return model, base


@pytest.mark.parametrize("scenario", ["bau", "low-carbon", "net-zero-2060"])
@pytest.mark.parametrize(("start", "stop", "deterministic"), [(0, 1, True), (0, 700, False), (1500, 2100, False)])
def test_the_plan_gives_the_reference_numbers(astana, scenario: str, start: int, stop: int, deterministic: bool):
    model, base = astana
    catalog = load_catalog()
    kw = {"seed": 3, "start": start, "stop": stop, "deterministic": deterministic}
    ref = run_chunk_reference(prepare(model, catalog), scenario, base, **kw)
    got = run_chunk(prepare(model, catalog), scenario, base, **kw)
    same_chunk(got, ref)


def test_blocks_do_not_change_a_draw(astana, monkeypatch: pytest.MonkeyPatch) -> None:
    model, base = astana
    prep = prepare(model, load_catalog())
    whole = run_chunk(prep, "low-carbon", base, seed=1, start=0, stop=300)
    monkeypatch.setattr(pl, "BLOCK_CELLS", 37 * 7)  # blocks of 7 draws
    blocked = run_chunk(prep, "low-carbon", base, seed=1, start=0, stop=300)
    for basis in BASES:
        np.testing.assert_array_equal(blocked.totals[basis], whole.totals[basis])


def test_a_draw_alone_is_the_same_draw_among_others(astana) -> None:
    """A measure's arithmetic follows the model (does the value vary by draw?), not the array's shape: one
    draw's (years, 1) arrays get the products in the order the same draw gets among others."""
    model, base = astana
    prep = prepare(model, load_catalog())
    for scenario in ("low-carbon", "net-zero-2060"):
        alone = run_chunk(prep, scenario, base, seed=3, start=5, stop=6)
        among = run_chunk(prep, scenario, base, seed=3, start=5, stop=9)
        for basis in BASES:
            np.testing.assert_array_equal(alone.totals[basis][0], among.totals[basis][0])


def test_given_uniforms_and_a_variant_reuse_the_compiled_plan(astana) -> None:
    model, base = astana
    catalog = load_catalog()
    prep = prepare(model, catalog)
    given = np.random.default_rng(5).random((50, len(model.uncertain())))
    ref = run_chunk_reference(prepare(model, catalog), "bau", base, seed=1, start=0, stop=50, given=given)
    same_chunk(run_chunk(prep, "bau", base, seed=1, start=0, stop=50, given=given), ref)
    varied = apply(model, "low-carbon", [{"parameter": "hp_cop", "value": 4.0}])
    vprep = prepare(varied, catalog)
    assert pl.plan_for(vprep) is pl.plan_for(prep)  # parameters changed, not the model's structure
    same_chunk(
        run_chunk(vprep, "variant", base, seed=1, start=0, stop=40),
        run_chunk_reference(prepare(varied, catalog), "variant", base, seed=1, start=0, stop=40),
    )


def test_the_tiny_model_by_both_paths() -> None:
    from qala.scenario.spec import load_model
    from tests.test_scenario_engine import EMPTY, TINY

    model = load_model(TINY, load_catalog())
    for scenario in model.scenarios:
        ref = run_chunk_reference(prepare(model, load_catalog()), scenario, EMPTY, seed=2, start=0, stop=64)
        same_chunk(run_chunk(prepare(model, load_catalog()), scenario, EMPTY, seed=2, start=0, stop=64), ref)


def test_the_generated_code_is_kept_for_reading(astana) -> None:
    model, _ = astana
    source = pl.plan_for(prepare(model, load_catalog())).source
    assert "def calibrate(V, T, verify, first):" in source and "def evaluate(V, shape, O, T):" in source


def test_the_saltelli_matrix_is_salib_s() -> None:
    from SALib.sample import sobol as salib

    from qala.scenario.sensitivity import saltelli

    for d, n in ((3, 8), (57, 64)):
        problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
        expected = salib.sample(problem, n, calc_second_order=False, seed=1)
        np.testing.assert_array_equal(saltelli(problem, n, 1), expected)


def test_a_job_for_some_years_gives_those_years_of_the_full_horizon(astana) -> None:
    """Sobol's jobs compute only the analysed years (in this process and on Dask alike): the same numbers as
    the whole horizon's columns for those years, for the same uniforms."""
    from qala.scenario.chunks import ChunkJob, evaluate
    from qala.scenario.sensitivity import saltelli

    model, base = astana
    prep = prepare(model, load_catalog())
    names = [name for name, _ in model.uncertain()]
    x = saltelli({"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}, 4, 1)
    some = evaluate(prep, "low-carbon", base, ChunkJob(0, len(x), 1, given=x, years=(2060, 2030)))
    full = evaluate(prep, "low-carbon", base, ChunkJob(0, len(x), 1, given=x))
    cols = [model.years.index(2060), model.years.index(2030)]
    for basis, totals in some.totals.items():
        np.testing.assert_allclose(totals, full.totals[basis][:, cols], rtol=1e-12)
        assert np.ptp(totals[:, 0]) > 0  # the draws differ: the comparison is not of constants


def test_growth_a_year_at_a_time_is_cumprod_to_the_bit() -> None:
    rate = np.random.default_rng(7).normal(0.02, 0.01, (37, 1)) * np.random.default_rng(8).lognormal(0, 0.3, (1, 50))
    expected = np.cumprod(1.0 + rate, axis=0) / (1.0 + rate[:1])
    np.testing.assert_array_equal(pl._growth(rate, None), expected)
    np.testing.assert_array_equal(pl._growth(rate, [0, 6, 11]), expected[[0, 6, 11]])


def test_a_flat_path_enters_as_one_value_per_draw(astana) -> None:
    model, _ = astana
    prep = prepare(model, load_catalog())
    flat = pl._flat_paths(prep)
    # hand-checked in the model file: wastewater_ch4_pc has the one-point path {2024: ...}; the grid's changes
    waste = next(p for p in model.parameters.values() if p.name == "wastewater_ch4_pc")
    assert len(waste.path) == 1 and flat["wastewater_ch4_pc"].shape == (1, 1)
    assert "grid_ef" not in flat and np.ptp(prep.paths["grid_ef"]) > 0
    draws = {k: v.reshape(1, -1) for k, v in pl._samples(model, 1, 0, 20, False).items()}  # type: ignore[attr-defined]
    values = pl.inputs(prep, "bau", draws)
    assert np.shape(values["aviation_co2_pc"]) in ((1, 1), (1, 20))  # a row, not (years, draws)


def test_a_deterministic_run_reuses_its_calibration_but_not_for_another_base_year(astana) -> None:
    from dataclasses import replace

    model, base = astana
    catalog = load_catalog()
    prep = prepare(model, catalog)
    kw = {"seed": 1, "start": 0, "stop": 1, "deterministic": True}
    first = run_chunk(prep, "net-zero-2060", base, **kw)
    again = run_chunk(prep, "net-zero-2060", base, **kw)  # the factors from the first run
    same_chunk(again, first)
    same_chunk(again, run_chunk_reference(prepare(model, catalog), "net-zero-2060", base, **kw))
    # another inventory (every amount 10 % higher): new factors, so the base year's totals follow it
    other = replace(base, amounts={k: v * 1.1 for k, v in base.amounts.items()},
                    emissions={k: v * 1.1 for k, v in base.emissions.items()})  # fmt: skip
    moved = run_chunk(prep, "net-zero-2060", other, **kw)
    same_chunk(moved, run_chunk_reference(prepare(model, catalog), "net-zero-2060", other, **kw))
    assert moved.totals["territorial"][0, 0] > 1.05 * first.totals["territorial"][0, 0]


def test_the_generated_evaluation_frees_each_array_after_its_last_use() -> None:
    lines = ["def f(V):", "    a = V['x']", "    b = a * 2", "    c = b + a", "    return c"]
    assert pl._free_early(lines) == [
        "def f(V):", "    a = V['x']", "    b = a * 2", "    c = b + a", "    del a, b", "    return c"
    ]  # fmt: skip


def test_the_calibration_check_is_allclose() -> None:
    cases = [
        (np.array([5.0, 5.0]), 5.0),
        (np.array([5.0, 5.0 + 4e-9]), 5.0),  # inside rtol * target + atol
        (np.array([5.0, 5.0 + 7e-9]), 5.0),  # outside
        (np.array([0.0, 5e-10]), 0.0),
        (np.array([0.0, 2e-9]), 0.0),
        (np.array([-3.0, np.nan]), -3.0),
        (np.array([np.inf]), 1.0),
        (np.array([1e12, 1e12 + 900.0]), 1e12),
        (np.array([1e12, 1e12 + 1100.0]), 1e12),
    ]
    got = [pl._matches(a, t) for a, t in cases]
    assert got == [bool(np.allclose(a, t, rtol=1e-9, atol=1e-9)) for a, t in cases]
    assert got == [True, True, False, True, False, False, False, True, False]


def test_fits_is_broadcasting_into_a() -> None:
    shapes = [(), (1,), (3,), (1, 1), (4, 1), (1, 3), (4, 3), (2, 3), (4, 2), (1, 4, 3), (5, 4, 3)]
    for sa in shapes[1:]:
        a = np.zeros(sa)
        for sb in shapes:
            try:
                expected = np.broadcast_shapes(sa, sb) == sa
            except ValueError:
                expected = False
            assert pl._fits(a, np.zeros(sb) if sb else 1.0) == expected, (sa, sb)
