"""Distributions of uncertain inputs: their inverse CDFs, centres and bounds worked by hand, what the YAML may
say, and uniforms that do not depend on how the draws are chunked."""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import numpy as np
import pytest

from qala.scenario import distributions
from qala.scenario.distributions import (
    BLOCK,
    Distribution,
    DistributionError,
    normals,
    parse_distribution,
    uniforms,
)

U = np.array([0.1, 0.25, 0.5, 0.75, 0.9])


def test_normal_and_lognormal_quantiles_by_hand() -> None:
    z = [NormalDist().inv_cdf(u) for u in U.tolist()]  # the standard normal's quantiles, not scipy's
    normal = Distribution("normal", 100.0, 15.0)
    assert normal.ppf(U).tolist() == pytest.approx([100 + 15 * q for q in z], rel=1e-12)
    assert normal.center == 100.0
    lognormal = Distribution("lognormal", 2.0, 0.5)  # median 2, sigma 0.5
    assert lognormal.ppf(U).tolist() == pytest.approx([2 * math.exp(0.5 * q) for q in z], rel=1e-12)
    assert lognormal.center == 2.0
    # the same from the normal draws directly
    assert normal.from_normal(np.array(z)).tolist() == pytest.approx(normal.ppf(U).tolist(), rel=1e-12)
    assert lognormal.from_normal(np.array(z)).tolist() == pytest.approx(lognormal.ppf(U).tolist(), rel=1e-12)
    assert Distribution("uniform", 0.0, 1.0).from_normal(np.array(z)) is None
    assert Distribution("triangular", 0.0, 1.0, 2.0).from_normal(np.array(z)) is None


def test_uniform_quantiles_and_centre_by_hand() -> None:
    d = Distribution("uniform", 10.0, 30.0)
    assert d.ppf(U).tolist() == pytest.approx([12.0, 15.0, 20.0, 25.0, 28.0], rel=1e-15)
    assert d.center == 20.0
    assert d.bounds() == (10.0, 30.0)


def test_triangular_quantiles_by_hand() -> None:
    # low 0, mode 1, high 4: F(mode) = 1/4; below it x = sqrt(u * 4 * 1), above it x = 4 - sqrt((1 - u) * 4 * 3)
    d = Distribution("triangular", 0.0, 1.0, 4.0)
    assert d.ppf(U).tolist() == pytest.approx(
        [math.sqrt(0.4), 4 - math.sqrt(9.0), 4 - math.sqrt(6.0), 4 - math.sqrt(3.0), 4 - math.sqrt(1.2)], rel=1e-14
    )
    assert d.ppf(np.array([0.0, 0.25, 1.0])).tolist() == pytest.approx([0.0, 1.0, 4.0], abs=1e-15)
    assert d.center == 1.0
    assert d.bounds() == (0.0, 4.0)
    # a mode at the low end: every quantile from the right-hand branch
    right = Distribution("triangular", 2.0, 2.0, 6.0)
    assert right.ppf(np.array([0.0, 0.75])).tolist() == pytest.approx([2.0, 6 - math.sqrt(0.25 * 4 * 4)], rel=1e-14)
    # no width: the one value
    assert Distribution("triangular", 3.0, 3.0, 3.0).ppf(U).tolist() == [3.0] * 5


def test_triangular_quantiles_away_from_zero_by_hand() -> None:
    # low 2, mode 3, high 6: the width 4 and the distances from the low end (1) and to the high end (3) are
    # what the formulas use, never the ends themselves; F(mode) = 1/4. Below it x = 2 + sqrt(u * 4 * 1), above
    # it x = 6 - sqrt((1 - u) * 4 * 3); u = 0.2 lies between 1/8 and 1/4, on the left branch.
    d = Distribution("triangular", 2.0, 3.0, 6.0)
    got = d.ppf(np.array([0.1, 0.2, 0.25, 0.5, 0.9])).tolist()
    expected = [2 + math.sqrt(0.4), 2 + math.sqrt(0.8), 3.0, 6 - math.sqrt(6.0), 6 - math.sqrt(1.2)]
    assert got == pytest.approx(expected, rel=1e-14)


def test_bounds_of_unbounded_distributions_are_their_0_1_and_99_9_percent_quantiles() -> None:
    z = NormalDist().inv_cdf(0.999)  # 3.090232306167813
    lo, hi = Distribution("normal", 10.0, 2.0).bounds()
    assert (lo, hi) == pytest.approx((10 - 2 * z, 10 + 2 * z), rel=1e-12)
    assert isinstance(lo, float) and isinstance(hi, float)
    lo, hi = Distribution("lognormal", 1.0, 1.0).bounds()
    assert (lo, hi) == pytest.approx((math.exp(-z), math.exp(z)), rel=1e-12)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "normal", "mean": 5, "sd": 0.5}, Distribution("normal", 5.0, 0.5)),
        ({"type": "lognormal", "median": 1.2, "sigma": 0.1}, Distribution("lognormal", 1.2, 0.1)),
        ({"type": "triangular", "low": 1, "mode": 2, "high": 4}, Distribution("triangular", 1.0, 2.0, 4.0)),
        ({"type": "triangular", "low": 1, "mode": 1, "high": 4}, Distribution("triangular", 1.0, 1.0, 4.0)),
        ({"type": "triangular", "low": 1, "mode": 4, "high": 4}, Distribution("triangular", 1.0, 4.0, 4.0)),
        ({"type": "uniform", "low": -1, "high": 1}, Distribution("uniform", -1.0, 1.0)),
    ],
)
def test_a_distribution_is_read_from_its_mapping(spec: dict, expected: Distribution) -> None:
    got = parse_distribution(spec)
    assert got == expected
    assert all(isinstance(v, float) for v in (got.a, got.b, got.c))


@pytest.mark.parametrize(
    ("spec", "code", "message"),
    [
        ([1, 2], "dist.mapping", None),
        ({"type": "beta"}, "dist.type", "normal, lognormal, triangular, uniform"),
        ({"mean": 1, "sd": 1}, "dist.type", "None"),
        ({"type": "normal", "mean": 1, "sd": 1, "mode": 2}, "dist.keys", "mean, sd"),
        ({"type": "normal", "mean": 1}, "dist.number", "sd"),
        ({"type": "normal", "mean": True, "sd": 1}, "dist.number", "mean"),
        ({"type": "normal", "mean": "1", "sd": 1}, "dist.number", "'1'"),
        ({"type": "normal", "mean": float("nan"), "sd": 1}, "dist.number", "mean"),
        ({"type": "uniform", "low": 0, "high": float("inf")}, "dist.number", "high"),
        ({"type": "normal", "mean": 1, "sd": 0}, "dist.normal_sd", None),
        ({"type": "normal", "mean": 1, "sd": -1}, "dist.normal_sd", None),
        ({"type": "lognormal", "median": 0, "sigma": 1}, "dist.lognormal", None),
        ({"type": "lognormal", "median": 1, "sigma": 0}, "dist.lognormal", None),
        ({"type": "triangular", "low": 2, "mode": 1, "high": 4}, "dist.triangular", None),
        ({"type": "triangular", "low": 1, "mode": 5, "high": 4}, "dist.triangular", None),
        ({"type": "triangular", "low": 3, "mode": 3, "high": 3}, "dist.triangular", None),
        ({"type": "uniform", "low": 1, "high": 1}, "dist.uniform", None),
        ({"type": "uniform", "low": 2, "high": 1}, "dist.uniform", None),
    ],
)
def test_an_impossible_distribution_is_refused_with_its_code(spec: object, code: str, message: str | None) -> None:
    with pytest.raises(DistributionError) as caught:
        parse_distribution(spec)
    assert caught.value.code == code
    if message:
        assert message in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "params"),
    [
        ({"type": "beta"}, {"kinds": "normal, lognormal, triangular, uniform", "kind": "'beta'"}),
        ({"type": "normal", "mean": True, "sd": 1}, {"kind": "normal", "key": "mean", "value": "True"}),
        ({"type": "uniform", "low": 0, "high": "2"}, {"kind": "uniform", "key": "high", "value": "'2'"}),
    ],
)
def test_a_refusal_carries_what_the_translations_name(spec: dict, params: dict) -> None:
    """The parameters a message is written with in kk, ru and en: the kind and the key at fault, as given."""
    with pytest.raises(DistributionError) as caught:
        parse_distribution(spec)
    assert caught.value.params == params


def test_extra_keys_are_named_in_order() -> None:
    with pytest.raises(DistributionError) as caught:
        parse_distribution({"type": "uniform", "low": 0, "high": 1, "zeta": 1, "alpha": 2})
    assert caught.value.params == {"kind": "uniform", "need": "low, high", "keys": "alpha, zeta"}


def test_uniforms_are_the_same_whatever_the_chunks_and_stay_inside_0_1() -> None:
    whole = uniforms(7, 3, 0, 3 * BLOCK + 5)
    assert whole.shape == (3 * BLOCK + 5,)
    assert ((whole > 0) & (whole < 1)).all()
    cuts = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 17, 3 * BLOCK + 5]
    parts = np.concatenate([uniforms(7, 3, a, b) for a, b in itertools.pairwise(cuts)])
    assert np.array_equal(parts, whole)
    # the first block is numpy's generator seeded by (seed, variable, block), as the module states
    first = np.random.default_rng(np.random.SeedSequence([7, 3, 0])).random(BLOCK)
    assert np.array_equal(whole[:BLOCK], np.clip(first, 1e-12, 1 - 1e-12))
    second = np.random.default_rng(np.random.SeedSequence([7, 3, 1])).random(BLOCK)
    assert np.array_equal(uniforms(7, 3, BLOCK + 10, BLOCK + 20), second[10:20])
    assert not np.array_equal(uniforms(7, 4, 0, 10), whole[:10])  # another variable, other numbers


def test_normals_are_the_normal_quantiles_of_the_same_uniforms() -> None:
    u = uniforms(11, 0, BLOCK - 3, 2 * BLOCK + 3)
    z = normals(11, 0, BLOCK - 3, 2 * BLOCK + 3)
    assert z.shape == u.shape
    expected = [NormalDist().inv_cdf(x) for x in u[:5].tolist() + u[-5:].tolist()]
    assert z[:5].tolist() + z[-5:].tolist() == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_a_uniform_of_exactly_0_or_nearly_1_is_kept_inside_the_open_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy's generator may give 0.0 (a normal quantile of minus infinity) and numbers just under 1: the
    uniforms are clipped to [1e-12, 1 - 1e-12]."""
    just_under_1 = np.nextafter(1.0, 0.0)
    block = np.full(BLOCK, 0.5)
    block[:4] = [0.0, 1e-13, 0.5, just_under_1]
    monkeypatch.setattr(distributions, "_block", lambda seed, variable, b: block)
    assert uniforms(1, 2, 0, 4).tolist() == [1e-12, 1e-12, 0.5, 1 - 1e-12]


def test_only_the_blocks_that_hold_the_draws_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draws [start, stop) need blocks start // BLOCK to (stop - 1) // BLOCK, no more: a chunk of whole blocks
    makes no block of the next chunk's."""
    for name, draw in (("_block", uniforms), ("_normal_block", normals)):
        made: list[int] = []
        original = getattr(distributions, name)

        def recorded(seed: int, variable: int, b: int, original=original, made=made) -> np.ndarray:
            made.append(b)
            return original(seed, variable, b)

        monkeypatch.setattr(distributions, name, recorded)
        for start, stop, blocks in ((0, BLOCK, [0]), (BLOCK - 1, 2 * BLOCK, [0, 1]), (2 * BLOCK, 2 * BLOCK + 1, [2])):
            made.clear()
            assert draw(5, 0, start, stop).shape == (stop - start,)
            assert made == blocks, (name, start, stop)
