"""Distributions sampled by inverse CDF from uniforms that do not depend on how draws are chunked.

The uniforms of draw ``i`` of variable ``k`` come from block ``i // BLOCK`` of a generator seeded by
``(seed, k, block)``: a run split into any chunks draws exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ndtri

from qala.messages import CodedError

BLOCK = 1024
KINDS = ("normal", "lognormal", "triangular", "uniform")


class DistributionError(CodedError):
    """An impossible distribution: a message code (``dist.*``) with its parameters; ``str()`` is the English."""


@dataclass(frozen=True)
class Distribution:
    kind: str
    a: float  # normal: mean; lognormal: median; triangular/uniform: low
    b: float  # normal: sd; lognormal: sigma; triangular: mode; uniform: high
    c: float = 0.0  # triangular: high

    @property
    def center(self) -> float:
        """The value used for a deterministic run (mean, median or mode)."""
        if self.kind == "uniform":
            return (self.a + self.b) / 2
        if self.kind == "triangular":
            return self.b
        return self.a

    def ppf(self, u: np.ndarray) -> np.ndarray:
        if self.kind == "normal":
            return self.a + self.b * ndtri(u)
        if self.kind == "lognormal":
            return self.a * np.exp(self.b * ndtri(u))
        if self.kind == "uniform":
            return self.a + (self.b - self.a) * u
        low, mode, high = self.a, self.b, self.c
        if high == low:
            return np.full_like(u, low)
        f = (mode - low) / (high - low)
        left = low + np.sqrt(u * (high - low) * (mode - low))
        right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
        return np.where(u < f, left, right)

    def from_normal(self, z: np.ndarray) -> np.ndarray | None:
        """``ppf(u)`` from ``z = ndtri(u)`` (normal and lognormal: the same arithmetic after ``ndtri``), else None."""
        if self.kind == "normal":
            return self.a + self.b * z
        if self.kind == "lognormal":
            return self.a * np.exp(self.b * z)
        return None

    def bounds(self) -> tuple[float, float]:
        """Finite bounds for sensitivity sampling (normal and lognormal: 0.1 %–99.9 % quantiles)."""
        if self.kind in ("uniform",):
            return self.a, self.b
        if self.kind == "triangular":
            return self.a, self.c
        lo, hi = self.ppf(np.array([0.001, 0.999]))
        return float(lo), float(hi)


def parse_distribution(spec: object) -> Distribution:
    """A distribution from its YAML mapping; DistributionError names what is impossible."""
    if not isinstance(spec, dict):
        raise DistributionError("dist.mapping")
    kind = spec.get("type")
    if kind not in KINDS:
        raise DistributionError("dist.type", kinds=", ".join(KINDS), kind=repr(kind))
    need = {
        "normal": ("mean", "sd"),
        "lognormal": ("median", "sigma"),
        "triangular": ("low", "mode", "high"),
        "uniform": ("low", "high"),
    }[kind]
    extra = set(spec) - {"type", *need}
    if extra:
        raise DistributionError("dist.keys", kind=kind, need=", ".join(need), keys=", ".join(sorted(extra)))
    vals = []
    for key in need:
        v = spec.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise DistributionError("dist.number", kind=kind, key=key, value=repr(v))
        vals.append(float(v))
    if kind == "normal" and vals[1] <= 0:
        raise DistributionError("dist.normal_sd")
    if kind == "lognormal" and (vals[0] <= 0 or vals[1] <= 0):
        raise DistributionError("dist.lognormal")
    if kind == "triangular" and not (vals[0] <= vals[1] <= vals[2] and vals[0] < vals[2]):
        raise DistributionError("dist.triangular")
    if kind == "uniform" and not vals[0] < vals[1]:
        raise DistributionError("dist.uniform")
    return Distribution(kind, *vals)


@lru_cache(maxsize=4096)  # at most 32 MiB: a service that runs with the standard seed draws them once
def _block(seed: int, variable: int, block: int) -> np.ndarray:
    out = np.random.default_rng(np.random.SeedSequence([seed, variable, block])).random(BLOCK)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=4096)  # at most 32 MiB, as the uniforms'
def _normal_block(seed: int, variable: int, block: int) -> np.ndarray:
    out = ndtri(np.clip(_block(seed, variable, block), 1e-12, 1 - 1e-12))
    out.flags.writeable = False
    return out


def normals(seed: int, variable: int, start: int, stop: int) -> np.ndarray:
    """``ndtri(uniforms(seed, variable, start, stop))``, element by element the same values, from blocks kept
    with the uniforms' (a normal or lognormal assumption drawn again with the same seed costs no ``ndtri``)."""
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = [_normal_block(seed, variable, b) for b in range(first, last + 1)]
    return np.concatenate(blocks)[start - first * BLOCK : stop - first * BLOCK]


def uniforms(seed: int, variable: int, start: int, stop: int) -> np.ndarray:
    """Uniforms in (0, 1) for draws [start, stop) of one variable, independent of chunking."""
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = [_block(seed, variable, b) for b in range(first, last + 1)]
    out = np.concatenate(blocks)[start - first * BLOCK : stop - first * BLOCK]
    return np.clip(out, 1e-12, 1 - 1e-12)
