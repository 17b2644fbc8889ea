"""Reduction where the draws are computed: histograms on fixed bins, their stated error, their merges.

``qala.scenario.sketch`` keeps, per column, sums and a histogram whose bins are fixed by the float format
(1,024 per power of two); ``qala.scenario.reduced`` summarises each chunk of a scenario run with them.
The claims tested: a quantile is within REL_ERROR x the larger of the two draws numpy interpolates between;
the counts, and so the quantiles, are the same however the draws are chunked; means agree to 1e-12;
p_met is a count; the summary does not grow with the draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from qala.scenario.chunks import Batch, ChunkJob, Merger, chunk_bounds, serial
from qala.scenario.engine import Chunk, run_chunk
from qala.scenario.reduced import run_reduced
from qala.scenario.run import QUANTILES, run_scenario
from qala.scenario.sketch import REL_ERROR, ColumnStats, Hist
from qala.scenario.spec import BASES
from qala.services import scenario as svc
from qala.store.seed import open_database


def merged(x: np.ndarray, size: int) -> ColumnStats:
    parts = [ColumnStats.of(x[i : i + size]) for i in range(0, len(x), size)]
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p)
    return out


def within_bound(x: np.ndarray, est: np.ndarray, q: float) -> np.ndarray:
    """numpy's linear quantile, and the stated bound around it (per column)."""
    ordered = np.sort(x, axis=0)
    h = q * (len(x) - 1)
    bound = REL_ERROR * np.maximum(np.abs(ordered[int(np.floor(h))]), np.abs(ordered[int(np.ceil(h))]))
    return np.abs(est - np.quantile(x, q, axis=0)) <= bound * (1 + 1e-12)


def test_a_worked_example() -> None:
    """1, 2, 3, 4: the median is 2.5 (numpy: halfway between the 2nd and 3rd draw).

    Each draw stands for the middle of its bin. 2.0 = 1.0 x 2^1 lies in the bin [2, 2 + 2 x 2^-10), whose
    middle is 2 + 2^-10 = 2.0009765625; 3.0 = 1.5 x 2^1 in [3, 3 + 2 x 2^-10), middle 3.0009765625. The
    median read is (2.0009765625 + 3.0009765625) / 2 = 2.5009765625, off by 0.0009765625 <= 2^-11 x 3 =
    0.00146484375. The minimum and maximum are kept exactly: q = 0 gives 1, q = 1 gives 4.
    """
    s = ColumnStats.of(np.array([[1.0], [2.0], [3.0], [4.0]]))
    assert s.quantiles([0.5])[0, 0] == 2.5009765625
    assert s.quantiles([0.0, 1.0])[:, 0].tolist() == [1.0, 4.0]
    assert s.mean[0] == 2.5 and s.sd[0] == pytest.approx(np.std([1, 2, 3, 4], ddof=1), rel=1e-15)
    values, counts = s.hist.column(0)  # the bins that hold draws, each by its middle: 1 + 2^-11, 2 + 2^-10, …
    assert values.tolist() == [1.00048828125, 2.0009765625, 3.0009765625, 4.001953125]
    assert counts.tolist() == [1, 1, 1, 1]
    one = ColumnStats.of(np.array([[6_046_601.25, 0.0, -3.5]]))  # one draw: its value, exactly
    assert one.quantiles([0.05, 0.5, 0.95]).tolist() == [[6_046_601.25, 0.0, -3.5]] * 3


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 400),
    st.sampled_from(["lognormal", "normal", "signs", "zeros"]),
    st.integers(0, 2**31),
    st.integers(1, 97),
)
def test_quantiles_hold_the_bound_and_do_not_depend_on_the_chunks(n: int, kind: str, seed: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    cols = {
        "lognormal": rng.lognormal(15, 0.3, (n, 3)),
        "normal": rng.normal(-5e6, 2e5, (n, 3)),
        "signs": rng.normal(0, 1e3, (n, 3)),
        "zeros": rng.lognormal(2, 1, (n, 3)) * (rng.random((n, 3)) < 0.5),
    }[kind]
    whole, parts = ColumnStats.of(cols), merged(cols, size)
    qs = [*QUANTILES.values(), 0.0, 1.0, 0.123]
    est = whole.quantiles(qs)
    assert np.array_equal(parts.quantiles(qs), est)  # the same bins, the same counts, the same numbers
    assert np.array_equal(parts.hist.counts, whole.hist.counts) and np.array_equal(parts.hist.zeros, whole.hist.zeros)
    for i, q in enumerate(qs):
        assert within_bound(cols, est[i], q).all(), (q, est[i], np.quantile(cols, q, axis=0))
    np.testing.assert_allclose(parts.mean, cols.mean(axis=0), rtol=1e-12, atol=1e-9)
    assert parts.n == n and np.array_equal(parts.min, cols.min(axis=0)) and np.array_equal(parts.max, cols.max(axis=0))


@pytest.fixture(scope="module")
def astana(tmp_path_factory: pytest.TempPathFactory):
    engine: Engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('reduce') / 'r.sqlite3'}")
    model, _ = svc.resolve("bau", "astana")
    yield svc._prepared(model, None), svc.base_year(engine, model, None)
    engine.dispose()


def test_a_reduced_run_agrees_with_the_draws(astana) -> None:
    """Astana's low-carbon scenario, 3,000 draws: every series' mean, quantiles and every p_met."""
    prep, base = astana
    kept = run_scenario(prep, "low-carbon", base, draws=3000, seed=11, chunk_size=700)
    reduced = run_reduced(prep, "low-carbon", base, draws=3000, seed=11, chunk_size=700)
    series = {f"total:{b}": v for b, v in kept.totals.items()}
    series.update({f"sector:{b}:{s}": v for b, sec in kept.sectors.items() for s, v in sec.items()})
    assert len(series) == 21
    for name, draws in series.items():
        got = reduced.summary(name)
        np.testing.assert_allclose(got["mean"], draws.mean(axis=0), rtol=1e-12, atol=1e-6, err_msg=name)
        for key, q in QUANTILES.items():
            assert within_bound(draws, np.array(got[key]), q).all(), (name, key)
    data, exact = reduced.to_dict(), kept.to_dict()
    assert data.keys() == exact.keys() and data["years"] == exact["years"] and data["measures"] == exact["measures"]
    assert [t["p_met"] for t in data["targets"]] == [t["p_met"] for t in exact["targets"]]  # a count: exact
    for mine, theirs in zip(data["targets"], exact["targets"], strict=True):
        assert mine["limit_tco2e"] == pytest.approx(theirs["limit_tco2e"], rel=REL_ERROR)
        assert mine["method"] == theirs["method"]
    assert data["milestones"].keys() == exact["milestones"].keys()
    for year, bases in exact["milestones"].items():
        for basis, want in bases.items():
            got = data["milestones"][year][basis]
            for key in QUANTILES:
                assert got[key] == pytest.approx(want[key], rel=REL_ERROR), (year, basis, key)
    assert data["flows_mean"].keys() == exact["flows_mean"].keys()
    for k, v in data["flows_mean"].items():
        np.testing.assert_allclose(v, exact["flows_mean"][k], rtol=1e-12, atol=1e-9)


def test_the_chunking_changes_no_quantile(astana) -> None:
    prep, base = astana
    runs = [run_reduced(prep, "bau", base, draws=2500, seed=5, chunk_size=size).to_dict() for size in (2500, 640, 333)]
    for other in runs[1:]:
        for part in ("total", "by_basis", "by_sector", "targets"):
            first, second = runs[0][part], other[part]
            if part == "targets":
                assert [(t["p_met"], t["limit_tco2e"], t["gap_p50_tco2e"]) for t in first] == [
                    (t["p_met"], t["limit_tco2e"], t["gap_p50_tco2e"]) for t in second
                ]
                continue
            flat = [first] if part == "total" else list(first.values())
            flat2 = [second] if part == "total" else list(second.values())
            for a, b in zip(flat, flat2, strict=True):
                assert a["p05"] == b["p05"] and a["p50"] == b["p50"] and a["p95"] == b["p95"]
                np.testing.assert_allclose(a["mean"], b["mean"], rtol=1e-12)


def test_the_summary_does_not_grow_with_the_draws(astana) -> None:
    """Ten times the draws: the same few hundred kilobytes come back, not ten times the arrays."""
    prep, base = astana
    small = run_reduced(prep, "low-carbon", base, draws=2000, seed=1)
    large = run_reduced(prep, "low-carbon", base, draws=20000, seed=1)
    arrays = 20000 * len(large.stats.names) * len(large.years) * 8  # what the draws themselves would weigh
    assert large.stats.nbytes < arrays / 20
    assert large.stats.nbytes < 2 * small.stats.nbytes  # bounded by the values' range, which hardly widens


def test_the_merge_tree_has_the_stated_shape() -> None:
    """``Merger`` merges as a binary counter: ((a b) (c d)) e, never more than log2(items) partial results."""
    tree = lambda a, b: f"({a} {b})"  # noqa: E731 - a merge that writes its tree
    m = Merger(tree)
    for i, item in enumerate("abcdefg", 1):
        m.push(item)
        assert len(m.levels) == bin(i).count("1")  # one partial result per 1-bit of the count
        assert [size for size, _ in m.levels] == [1 << b for b in range(i.bit_length()) if i >> b & 1][::-1]
    assert m.result() == "(((a b) (c d)) ((e f) g))"
    one = Merger(tree)
    one.push("a")
    assert one.result() == "a"
    with pytest.raises(ValueError, match=r"^nothing to merge$"):
        Merger(tree).result()


def test_merged_summaries_are_the_summary_of_all_the_draws() -> None:
    """A chunk of zeros only (no bins) merged first, then chunks of values of both signs in one column, of
    positive values only in another and zeros only in a third: the same bins, counts, zeros, moments and
    standard deviation as the whole (the sd from the merged sums of squares)."""
    rng = np.random.default_rng(3)
    values = np.column_stack([rng.normal(0, 1e3, 80), rng.lognormal(9, 1, 80), np.zeros(80)])
    x = np.vstack([np.zeros((4, 3)), values])
    whole, parts = ColumnStats.of(x), merged(x, 4)
    for field in ("kmin", "width", "counts", "zeros"):
        assert np.array_equal(getattr(parts.hist, field), getattr(whole.hist, field)), field
    np.testing.assert_allclose(parts.sd, x.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(parts.sumsq, (x * x).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(whole.sd, x.std(axis=0, ddof=1), rtol=1e-12)


def test_some_columns_of_a_summary_are_the_summary_of_those_columns() -> None:
    rng = np.random.default_rng(4)
    x = np.hstack([rng.normal(0, 5, (40, 2)), np.zeros((40, 1)), rng.lognormal(3, 1, (40, 2))])
    whole = ColumnStats.of(x)
    for cols in ([4, 0], [2], [1, 3]):
        got, want = whole.take(np.array(cols)), ColumnStats.of(x[:, cols])
        for field in ("sum", "sumsq", "min", "max", "sd"):
            np.testing.assert_allclose(getattr(got, field), getattr(want, field), rtol=1e-12, err_msg=field)
        for field in ("width", "counts", "zeros"):
            assert np.array_equal(getattr(got.hist, field), getattr(want.hist, field)), (cols, field)
        assert np.array_equal(got.quantiles([0.05, 0.5, 0.95]), want.quantiles([0.05, 0.5, 0.95]))
    none = whole.take(np.array([], dtype=np.int64))
    assert none.hist.counts.shape == (0,) and none.hist.counts.dtype == np.int32


def test_columns_of_every_shape_are_binned_as_their_values() -> None:
    """Negatives with zeros (the max exactly 0), values from exactly 0 to exactly 1, positives below 1 and
    integer draws: each column's zeros, quantiles (within the bound) and ends as numpy has them, whether or not
    the columns' min and max are given; the largest draw is exact even above its bin's middle."""
    rng = np.random.default_rng(8)
    n = 60
    x = np.column_stack(
        [
            -rng.lognormal(2, 1, n) * (rng.random(n) < 0.6),  # negatives and zeros: max 0
            np.concatenate([[0.0, 1.0], rng.random(n - 2)]),  # from exactly 0 to exactly 1
            rng.uniform(0.1, 0.9, n),  # positives below 1
        ]
    )
    stats = ColumnStats.of(x)
    assert stats.hist.zeros.tolist() == [int((x[:, c] == 0).sum()) for c in range(3)]
    assert stats.hist.zeros.dtype == np.int64
    qs = [0.0, 0.05, 0.5, 0.95, 1.0]
    for i, q in enumerate(qs):
        assert within_bound(x, stats.quantiles(qs)[i], q).all(), q
    given = Hist.of(x, x.min(axis=0), x.max(axis=0))
    found = Hist.of(x)
    for field in ("kmin", "width", "counts", "zeros"):
        assert np.array_equal(getattr(given, field), getattr(found, field)), field
    top = ColumnStats.of(np.array([[1.0], [4.003]]))  # 4.003 lies above the middle of its bin [4, 4 + 2^-8)
    assert top.quantiles([1.0])[0, 0] == 4.003
    ints = ColumnStats.of(np.array([[1], [2], [3], [4]]))  # integer draws: read as the numbers they are
    floats = ColumnStats.of(np.array([[1.0], [2.0], [3.0], [4.0]]))
    assert ints.quantiles([0.5])[0, 0] == 2.5009765625
    assert np.array_equal(ints.hist.counts, floats.hist.counts) and np.array_equal(ints.sumsq, floats.sumsq)
    assert np.array_equal(Hist.of(np.array([[1], [2], [3], [4]])).counts, floats.hist.counts)


def test_draws_are_cut_into_chunks_of_the_size_asked_the_last_one_shorter() -> None:
    assert chunk_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]
    assert chunk_bounds(3, 1) == [(0, 1), (1, 2), (2, 3)]  # a chunk of one draw is a chunk
    assert chunk_bounds(4, 10) == [(0, 4)] and chunk_bounds(0, 4) == []
    with pytest.raises(ValueError, match=r"^the chunk size must be at least 1$"):
        chunk_bounds(5, 0)


BASIS = BASES[0]


def last_year_total(chunk: Chunk) -> float:
    """The chunk's draws summed in the horizon's last year, on the first basis."""
    return float(chunk.totals[BASIS][:, -1].sum())


def test_the_serial_runner_passes_each_job_and_batch_as_given(astana) -> None:
    """A deterministic job is run deterministically, each reduction gets its batch's scenario, and the
    progress callback is told each chunk's number of draws (stop - start, not stop + start)."""
    prep, base = astana
    jobs = (ChunkJob(0, 1, seed=5, deterministic=True), ChunkJob(1, 4, seed=5), ChunkJob(4, 9, seed=5))
    seen: list[str] = []

    def reduce(p, scenario: str, b, chunk: Chunk) -> tuple[int, int, float]:
        seen.append(scenario)
        return chunk.start, chunk.stop, last_year_total(chunk)

    told: list[int] = []
    [[first, middle, last]] = serial([Batch(prep, "low-carbon", base, jobs, reduce=reduce)], told.append)
    assert told == [1, 3, 5]
    assert seen == ["low-carbon"] * 3
    assert (first[:2], middle[:2], last[:2]) == ((0, 1), (1, 4), (4, 9))
    central = run_chunk(prep, "low-carbon", base, seed=5, start=0, stop=1, deterministic=True)
    drawn = run_chunk(prep, "low-carbon", base, seed=5, start=0, stop=1)
    assert first[2] == last_year_total(central)
    assert first[2] != last_year_total(drawn)  # a draw is not the central value
    bau = run_chunk(prep, "bau", base, seed=5, start=1, stop=4)
    assert middle[2] == last_year_total(run_chunk(prep, "low-carbon", base, seed=5, start=1, stop=4))
    assert middle[2] != last_year_total(bau)
    # without a reduction, the chunks themselves, in the jobs' order
    [chunks] = serial([Batch(prep, "low-carbon", base, jobs[:2])])
    assert [(c.start, c.stop) for c in chunks] == [(0, 1), (1, 4)]
