"""Adoption paths of measures: the share (0–1) of a measure's change reached in each year."""

from __future__ import annotations

import numpy as np

SHAPES = ("linear", "logistic", "step")
LOGISTIC_STEEPNESS = 10.0  # the curve runs from 0.7 % to 99.3 % between start and full, rescaled to 0–1


def adoption(years: np.ndarray, start: int, full: int, shape: str) -> np.ndarray:
    years = years.astype(float)
    if shape == "step":
        return (years >= start).astype(float)
    if full <= start:
        return (years >= start).astype(float)
    x = np.clip((years - start) / (full - start), 0.0, 1.0)
    if shape == "linear":
        return x
    if shape == "logistic":
        k = LOGISTIC_STEEPNESS
        raw = 1 / (1 + np.exp(-k * (x - 0.5)))
        lo, hi = 1 / (1 + np.exp(k / 2)), 1 / (1 + np.exp(-k / 2))
        return (raw - lo) / (hi - lo)
    raise ValueError(f"unknown adoption shape {shape!r}; expected one of {', '.join(SHAPES)}")
