"""The register machine (``vm.py``) and the programs ``kernel.py`` builds for it: the numpy plan's numbers to
the last bit for every draw, by hand on small programs, and the setting that chooses the path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qala.catalog import load_catalog
from qala.scenario import kernel
from qala.scenario import opcodes as op
from qala.scenario import plan as pl
from qala.scenario.engine import prepare, run_chunk, run_chunk_reference
from qala.scenario.spec import BASES
from qala.scenario.variants import apply
from qala.services import scenario as svc
from qala.store.seed import open_database
from tests.test_scenario_plan import close, same_chunk

vm = pytest.importorskip("qala.scenario.vm", reason="numba is not installed")


def run_program(prog: list[list[int]], rows: np.ndarray, ys: np.ndarray, cols: np.ndarray | None = None):
    """One year of ``prog`` over the draws of ``rows``; returns (rows, sectors, qsum)."""
    nj = rows.shape[1]
    sectors = np.full((2, 1, nj + 1), -7.0)
    qsum = np.zeros((2, 1))
    vm.run(np.array([[*p, 0] for p in prog], dtype=np.int64), 0, ys, rows, np.zeros((1, 1)) if cols is None else cols,
           np.zeros((1, 1, nj)), sectors, np.zeros((1, 1, nj)), np.zeros((1, 1, nj)), np.zeros((1, nj)), qsum,
           np.zeros((1, 1)), 1, 1, nj)  # fmt: skip
    return rows, sectors, qsum


def test_the_machine_by_hand() -> None:
    rows = np.zeros((8, 4))
    rows[0] = [1.0, 2.0, 3.0, 4.0]
    rows[1] = [2.0, 2.0, 0.0, -1.0]
    ys = np.array([10.0, 0.0, 0.0])
    rs, rr, ss = op.ROW_SCALAR, op.ROW_ROW, op.SCALAR_SCALAR
    prog = [
        [op.MUL << 2 | rs, 2, 0, 0],  # row 2 = row 0 × 10
        [op.DIV0 << 2 | rr, 3, 0, 1],  # row 3 = row 0 / row 1 where row 1 > 0, else 0
        [op.SUB << 2 | op.SCALAR_ROW, 4, 0, 0],  # row 4 = 10 − row 0
        [op.POW << 2 | rr, 5, 1, 1],  # row 5 = row 1 ** row 1
        [op.ADD << 2 | ss, 1, 0, 0],  # scalar 1 = 10 + 10
        [op.NEG << 2 | rs, 6, 4, 0],  # row 6 = −row 4
        [op.SUM_Q << 2 | rs, 0, 0, 2],  # Q[0] = the sum of row 2
        [op.SUM_Q << 2 | ss, 0, 1, 1],  # Q[1] = scalar 1 for each of the 4 draws
        [op.WRITE_O << 2 | rs, 1, 1, 3],  # sectors[1, year, 1:5] = row 3
    ]
    rows, sectors, qsum = run_program(prog, rows, ys)
    assert rows[2].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert rows[3].tolist() == [0.5, 1.0, 0.0, 0.0]
    assert rows[4].tolist() == [9.0, 8.0, 7.0, 6.0]
    assert rows[5].tolist() == [4.0, 4.0, 1.0, -1.0]
    assert rows[6].tolist() == [-9.0, -8.0, -7.0, -6.0]
    assert ys[1] == 20.0
    assert qsum[:, 0].tolist() == [100.0, 80.0]
    assert sectors[1, 0].tolist() == [-7.0, 0.5, 1.0, 0.0, 0.0]  # from the offset on, nothing before it
    assert sectors[0, 0].tolist() == [-7.0] * 5


def test_minimum_and_maximum_are_numpys_with_nan() -> None:
    rows = np.zeros((6, 3))
    rows[0] = [1.0, math.nan, 5.0]
    rows[1] = [2.0, 1.0, math.nan]
    prog = [[op.MIN << 2 | op.ROW_ROW, 2, 0, 1], [op.MAX << 2 | op.ROW_ROW, 3, 0, 1]]
    rows, _, _ = run_program(prog, rows, np.zeros(1))
    np.testing.assert_array_equal(rows[2], np.minimum(rows[0], rows[1]))
    np.testing.assert_array_equal(rows[3], np.maximum(rows[0], rows[1]))


def test_a_block_of_many_draws_is_summed_whatever_its_width() -> None:
    for nj in (1, 3, 4, 7, 513):
        rows = np.zeros((2, nj))
        rows[0] = np.arange(1, nj + 1)
        _, _, qsum = run_program([[op.SUM_Q << 2 | op.ROW_SCALAR, 0, 0, 0]], rows, np.zeros(1))
        assert qsum[0, 0] == nj * (nj + 1) / 2


def test_growth_is_the_plans_to_the_bit() -> None:
    rng = np.random.default_rng(4)
    g = rng.normal(0.02, 0.01, 37)
    d = rng.lognormal(0, 0.3, 300)
    rate = g[:, None] * d[None, :]
    for rows in (None, [0, 6, 36], [0, 1]):
        want = 12.5 * pl._growth(rate, rows)
        picked = np.arange(37) if rows is None else np.array(rows)
        got = np.zeros((len(picked), 300))
        vm.grow(got, g, d, 12.5, picked)
        np.testing.assert_array_equal(got, want)


@pytest.fixture(scope="module")
def astana(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("vm")
    engine = open_database(f"sqlite:///{home / 'v.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    base = svc.base_year(engine, model, None)
    engine.dispose()
    return model, base


def by(mode: str, monkeypatch: pytest.MonkeyPatch, prep, scenario: str, base, **kw):
    monkeypatch.setenv(kernel.ENV_MODE, mode)
    return run_chunk(prep, scenario, base, **kw)


def same_bits(got, want) -> None:
    """Every draw's numbers equal; the sums over draws to 1e-12 (added in another order)."""
    for basis in BASES:
        np.testing.assert_array_equal(got.totals[basis], want.totals[basis])
        for sector, values in want.sectors[basis].items():
            np.testing.assert_array_equal(got.sectors[basis][sector], values)
    assert set(got.removals) == set(want.removals)
    for basis, values in want.removals.items():
        np.testing.assert_array_equal(got.removals[basis], values)
    assert (got.population is None) == (want.population is None)
    if want.population is not None:
        np.testing.assert_array_equal(got.population, want.population)
    for name in want.flow_sums:
        close(got.flow_sums[name], want.flow_sums[name])
        close(got.amount_sums[name], want.amount_sums[name])


@pytest.mark.parametrize("scenario", ["bau", "low-carbon", "net-zero-2060"])
def test_the_machine_gives_the_numpy_plans_numbers_to_the_bit(astana, monkeypatch, scenario: str) -> None:
    model, base = astana
    prep = prepare(model, load_catalog())
    monkeypatch.setattr(kernel, "MAX_BLOCK", 128)  # several blocks, the last one narrower
    kw = {"seed": 3, "start": 100, "stop": 801}
    same_bits(by("vm", monkeypatch, prep, scenario, base, **kw), by("numpy", monkeypatch, prep, scenario, base, **kw))
    years = (2030, 2045, 2060)
    same_bits(
        by("vm", monkeypatch, prep, scenario, base, years=years, **kw),
        by("numpy", monkeypatch, prep, scenario, base, years=years, **kw),
    )


def test_given_uniforms_a_variant_and_the_reference(astana, monkeypatch) -> None:
    model, base = astana
    catalog = load_catalog()
    prep = prepare(model, catalog)
    given = np.random.default_rng(5).random((300, len(model.uncertain())))
    kw = {"seed": 1, "start": 0, "stop": 300, "given": given}
    lc = "low-carbon"
    same_bits(by("vm", monkeypatch, prep, lc, base, **kw), by("numpy", monkeypatch, prep, lc, base, **kw))
    code = model.scenarios[lc].measures[0]
    m = model.measures[code]
    later = {"measure": code, "start": m.start + 2, "full": max(m.full, m.start + 2) + 3}
    varied = apply(model, lc, [later])  # adoption moved: values, not the structure
    vprep = prepare(varied, catalog)
    plan = pl.plan_for(prep)
    assert kernel.program_for(vprep, plan, "variant") is kernel.program_for(prep, plan, lc)
    got = by("vm", monkeypatch, vprep, "variant", base, seed=1, start=0, stop=200)
    same_bits(got, by("numpy", monkeypatch, vprep, "variant", base, seed=1, start=0, stop=200))
    same_chunk(got, run_chunk_reference(prepare(varied, catalog), "variant", base, seed=1, start=0, stop=200))


def test_the_tiny_model_by_the_machine(monkeypatch) -> None:
    from qala.scenario.spec import load_model
    from tests.test_scenario_engine import EMPTY, TINY

    model = load_model(TINY, load_catalog())
    monkeypatch.setenv(kernel.ENV_MODE, "vm")
    for scenario in model.scenarios:
        ref = run_chunk_reference(prepare(model, load_catalog()), scenario, EMPTY, seed=2, start=0, stop=64)
        same_chunk(run_chunk(prepare(model, load_catalog()), scenario, EMPTY, seed=2, start=0, stop=64), ref)


def test_the_setting_chooses_the_path(monkeypatch) -> None:
    monkeypatch.setenv(kernel.ENV_MODE, "numpy")
    assert not kernel.wanted(100_000, 37) and not kernel.wanted_one()
    for mode in ("vm", "auto"):  # whatever the process did before: the same run, the same path
        monkeypatch.setenv(kernel.ENV_MODE, mode)
        monkeypatch.setattr(kernel, "_LOADED", [])
        assert kernel.wanted(2, 37) and kernel.wanted(10_000, 37) and kernel.wanted_one()
        assert not kernel.wanted(1, 37)  # one draw: wanted_one's program across the years
    monkeypatch.setenv(kernel.ENV_MODE, "auto")
    monkeypatch.setattr(kernel, "_NUMBA", [False])  # numba missing: auto falls back, vm refuses
    assert not kernel.wanted(10_000, 37)
    monkeypatch.setenv(kernel.ENV_MODE, "vm")
    with pytest.raises(kernel.KernelError, match="QALA_ENGINE_KERNEL=vm needs numba"):
        kernel.wanted(10_000, 37)
    monkeypatch.setenv(kernel.ENV_MODE, "fast")
    with pytest.raises(kernel.KernelError, match="QALA_ENGINE_KERNEL='fast': expected auto, vm or numpy"):
        kernel.wanted(10, 37)


def test_a_program_computes_each_value_once_and_nothing_unread() -> None:
    lay = kernel.Layout([("draw", "parameter:p")], [("path", "q")], [], [("unit", "p")])
    program = kernel._assemble(
        ["c0 = CS[0]"],
        ["t1 = CL[0, i]"],
        [
            ("set", "x", "RW[0, j] * t1"),
            ("set", "y", "RW[0, j] * t1"),  # the same operation on the same registers: no second pass
            ("set", "w", "RW[0, j] * c0"),  # the same in every year: once per block, before the years
            ("set", "z", "x + y + w"),
            ("set", "dead", "RW[0, j] * 2.0"),  # read by nothing: dropped
            ("write", "O[0, i, a + l]", "z"),
        ],
        lay,
    )
    ops = [int(c) >> 2 for c in program.code[:, 0]]
    # x + y + w: the two additions in one pass (ADD3), x + y never stored
    assert ops == [op.MUL, op.LOAD_COLUMN, op.MUL, op.ADD3, op.WRITE_O] and program.first == 1
    # by hand: draws 1, 2, 3; the path 10 and 20 in the two years; the unit 100
    ys = program.registers(np.array([100.0]))
    rows = np.zeros((program.rows, 3))
    rows[0] = [1.0, 2.0, 3.0]
    sectors = np.zeros((1, 2, 3))
    spare = np.zeros((1, 2, 3))
    vm.run(program.code, program.first, ys, rows, np.array([[10.0, 20.0]]), spare, sectors, spare, spare,
           np.zeros((2, 3)), np.zeros((1, 2)), np.zeros((1, 2)), 0, 2, 3)  # fmt: skip
    assert sectors[0].tolist() == [[120.0, 240.0, 360.0], [140.0, 280.0, 420.0]]


def test_normal_quantiles_kept_with_the_uniforms_give_ppfs_bits() -> None:
    from qala.scenario.distributions import Distribution, normals, uniforms

    for dist in (Distribution("normal", 3.0, 0.7), Distribution("lognormal", 2.0, 0.4)):
        for start, stop in ((0, 5000), (1500, 2100), (1023, 1025), (5, 6)):
            for seed, variable in ((1, 0), (7, 13)):
                want = dist.ppf(uniforms(seed, variable, start, stop))
                np.testing.assert_array_equal(dist.from_normal(normals(seed, variable, start, stop)), want)
    assert Distribution("uniform", 0.0, 1.0).from_normal(np.zeros(2)) is None  # drawn by ppf, as before


@pytest.mark.parametrize("scenario", ["bau", "low-carbon", "net-zero-2060"])
def test_one_draw_across_its_years_is_the_numpy_plans_draw(astana, monkeypatch, scenario: str) -> None:
    model, base = astana
    prep = prepare(model, load_catalog())
    for kw in ({"deterministic": True}, {"deterministic": False}, {"deterministic": False, "years": (2030, 2060)}):
        got = by("vm", monkeypatch, prep, scenario, base, seed=3, start=5, stop=6, **kw)
        same_bits(got, by("numpy", monkeypatch, prep, scenario, base, seed=3, start=5, stop=6, **kw))
    monkeypatch.setenv(kernel.ENV_MODE, "vm")
    assert kernel.wanted_one()
    monkeypatch.setenv(kernel.ENV_MODE, "numpy")
    assert not kernel.wanted_one()


def test_the_installation_s_warm_up_checks_the_machine_s_arithmetic() -> None:
    """``python -m qala.scenario.vm`` (make setup) compiles both functions and checks one program: 1.5 + 1.5
    written over a row of 7s on each of four draws, then summed over the draws, is 12 (an instruction reading or
    writing the wrong row would not give it); and grow() writes a path of ones grown by nothing as ones."""
    vm.warm()  # raises if the machine's sum is wrong
    out = np.zeros((1, 4))
    vm.grow(out, np.zeros(2), np.ones(4), 1.0, np.array([1], dtype=np.int64))
    np.testing.assert_array_equal(out, np.ones((1, 4)))
