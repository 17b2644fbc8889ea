"""Mergeable statistics of many columns of draws: moments, and histograms on fixed log-linear bins.

A chunk of draws is summarised per column (one column = one series in one year) by its count, sum, sum
of squares, minimum, maximum and a histogram; two summaries merge by adding, so chunks can be reduced
where they are computed and only the summaries travel. The bins are fixed by the floating-point format,
not by the data: a value's bin is its sign, its binary exponent and the first ``MANTISSA_BITS`` bits of
its mantissa (2^10 = 1,024 bins per power of two). The counts are therefore exactly the same however the draws
are chunked, and so is every quantile read from them.

**Error bound.** A bin [lo, hi) of positive values has hi - lo <= lo * 2^-10; it is represented by its
middle, which is within ``REL_ERROR`` = 2^-11 (0.049 %) of every value in it. A quantile is read the way
``numpy.quantile`` (method "linear") computes it: between the draws at ranks floor(h) and ceil(h),
h = q (n - 1), interpolated by the fraction of h, with each draw replaced by its bin's middle; so it is
within 2^-11 x max(|draw at floor(h)|, |draw at ceil(h)|) of numpy's value. The smallest and the largest
draw are kept exactly (so one draw gives its value exactly, and q = 0 and q = 1 are exact). Zero is a bin
of its own and stays exactly 0.

The histogram of a column spans the bins between its smallest and largest magnitude (positive and
negative values apart): its size grows with the range of the values (1,024 bins per factor of two), never
with the number of draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MANTISSA_BITS = 10
SHIFT = 52 - MANTISSA_BITS
REL_ERROR = 2.0 ** -(MANTISSA_BITS + 1)


def _keys(magnitudes: np.ndarray) -> np.ndarray:
    """The bin of each non-negative float64: its bit pattern without the last SHIFT bits (monotone)."""
    return np.ascontiguousarray(magnitudes, dtype=np.float64).view(np.int64) >> SHIFT


def _key(value: float) -> int:
    return int(_keys(np.array([value]))[0])


def _middle(keys: np.ndarray) -> np.ndarray:
    """The middle of each bin, as a magnitude."""
    lo = (keys.astype(np.int64) << SHIFT).view(np.float64)
    hi = ((keys.astype(np.int64) + 1) << SHIFT).view(np.float64)
    return lo + (hi - lo) / 2


@dataclass(frozen=True)
class Hist:
    """Histograms of C columns, positive and negative values apart: part 0 = positive, 1 = negative.

    Column c of part p holds the bins kmin[p, c] .. kmin[p, c] + width[p, c] - 1, its counts at
    ``counts[offset[p, c] : offset[p, c] + width[p, c]]``.
    """

    kmin: np.ndarray  # (2, C) int64
    width: np.ndarray  # (2, C) int64, 0 where the column has no values of that sign
    counts: np.ndarray  # flat int32 (a run has fewer than 2^31 draws)
    zeros: np.ndarray  # (C,) int64: values exactly 0 (in a column that has other values too)

    @property
    def offset(self) -> np.ndarray:
        flat = self.width.ravel()
        return (np.cumsum(flat) - flat).reshape(self.width.shape)

    @classmethod
    def of(cls, x: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> Hist:
        """The histograms of the columns of ``x`` (draws, C); ``lo``/``hi``: its columns' min and max if known.

        A column whose values all have one sign takes one pass: a value's bin, as a signed
        integer, is its bit pattern shifted, and the column's first bin is that of its min (or max) value.
        A column with values of both signs, or 0 among others, takes the slower general path.
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        cols = x.shape[1]
        lo = x.min(axis=0) if lo is None else lo
        hi = x.max(axis=0) if hi is None else hi
        kmin = np.zeros((2, cols), dtype=np.int64)
        width = np.zeros((2, cols), dtype=np.int64)
        zeros = np.zeros(cols, dtype=np.int64)
        zero = (lo == 0) & (hi == 0)
        zeros[zero] = x.shape[0]
        pos = lo > 0
        neg = hi < 0
        mixed = ~(pos | neg | zero)  # both signs, or 0 among other values
        simple = pos | neg
        kmin[0, pos] = _keys(lo[pos])
        width[0, pos] = _keys(hi[pos]) - kmin[0, pos] + 1
        kmin[1, neg] = _keys(-hi[neg])  # magnitudes: the smallest is the max
        width[1, neg] = _keys(-lo[neg]) - kmin[1, neg] + 1
        for c in np.flatnonzero(mixed):
            v = x[:, c]
            zeros[c] = np.count_nonzero(v == 0)
            for p, part in enumerate((v[v > 0], -v[v < 0])):
                if part.size:
                    kmin[p, c] = _key(part.min())
                    width[p, c] = _key(part.max()) - kmin[p, c] + 1
        out = cls(kmin, width, np.zeros(int(width.sum()), dtype=np.int32), zeros)
        offset = out.offset
        if simple.any():
            # signed bins: a negative value's bit pattern shifted is its magnitude's bin - 2^(63 - SHIFT)
            first = np.where(pos, kmin[0], kmin[1] - (1 << (63 - SHIFT)))
            shift = np.where(pos, offset[0], offset[1]) - first
            sel = np.flatnonzero(simple)
            keys = (x if sel.size == cols else x[:, sel]).view(np.int64) >> SHIFT
            keys += shift[sel]
            out.counts[:] += np.bincount(keys.ravel(), minlength=out.counts.size).astype(np.int32)
        for c in np.flatnonzero(mixed):
            v = x[:, c]
            for p, part in enumerate((v[v > 0], -v[v < 0])):
                if part.size:
                    idx = offset[p, c] + _keys(part) - kmin[p, c]
                    out.counts[:] += np.bincount(idx, minlength=out.counts.size).astype(np.int32)
        return out

    def merge(self, other: Hist) -> Hist:
        """The histograms of both sets of draws (exact: counts add)."""
        has_a, has_b = self.width > 0, other.width > 0
        end_a, end_b = self.kmin + self.width, other.kmin + other.width
        big = np.iinfo(np.int64).max
        lo = np.minimum(np.where(has_a, self.kmin, big), np.where(has_b, other.kmin, big))
        hi = np.maximum(np.where(has_a, end_a, 0), np.where(has_b, end_b, 0))
        any_ = has_a | has_b
        kmin = np.where(any_, lo, 0)
        width = np.where(any_, hi - lo, 0)
        out = Hist(kmin, width, np.zeros(int(width.sum()), dtype=np.int32), self.zeros + other.zeros)
        offset = out.offset
        for src in (self, other):
            flat_w = src.width.ravel()
            if not flat_w.sum():
                continue
            start = np.repeat((offset + src.kmin - kmin).ravel(), flat_w)  # where each source column begins
            local = np.arange(flat_w.sum()) - np.repeat(src.offset.ravel(), flat_w)
            out.counts[start + local] += src.counts
        return out

    def take(self, cols: np.ndarray) -> Hist:
        """The histograms of some columns only."""
        offset = self.offset
        width = self.width[:, cols]
        pieces = [self.counts[offset[p, c] : offset[p, c] + width[p, i]] for p in range(2) for i, c in enumerate(cols)]
        counts = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        return Hist(self.kmin[:, cols], width, counts, self.zeros[cols])

    def column(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Column ``c`` in value order: (middle of each bin, count), negative bins, then 0, then positive."""
        offset = self.offset
        pos_w, neg_w = self.width[0, c], self.width[1, c]
        pos = self.counts[offset[0, c] : offset[0, c] + pos_w]
        neg = self.counts[offset[1, c] : offset[1, c] + neg_w]
        pos_keys = self.kmin[0, c] + np.arange(pos_w)
        neg_keys = self.kmin[1, c] + np.arange(neg_w)
        values = np.concatenate([-_middle(neg_keys)[::-1], [0.0], _middle(pos_keys)])
        counts = np.concatenate([neg[::-1], [self.zeros[c]], pos])
        keep = counts > 0
        return values[keep], counts[keep]

    @property
    def nbytes(self) -> int:
        return self.kmin.nbytes + self.width.nbytes + self.counts.nbytes + self.zeros.nbytes


@dataclass(frozen=True)
class ColumnStats:
    """Count, sum, sum of squares, minimum, maximum and histogram of each of C columns of draws."""

    n: int
    sum: np.ndarray  # (C,)
    sumsq: np.ndarray
    min: np.ndarray
    max: np.ndarray
    hist: Hist

    @classmethod
    def of(cls, x: np.ndarray) -> ColumnStats:
        x = np.ascontiguousarray(x, dtype=np.float64)
        lo, hi = x.min(axis=0), x.max(axis=0)
        return cls(x.shape[0], x.sum(axis=0), np.einsum("ij,ij->j", x, x), lo, hi, Hist.of(x, lo, hi))

    def merge(self, other: ColumnStats) -> ColumnStats:
        return ColumnStats(
            self.n + other.n,
            self.sum + other.sum,
            self.sumsq + other.sumsq,
            np.minimum(self.min, other.min),
            np.maximum(self.max, other.max),
            self.hist.merge(other.hist),
        )

    @property
    def mean(self) -> np.ndarray:
        return self.sum / self.n

    @property
    def sd(self) -> np.ndarray:
        """Sample standard deviation (0 for one draw)."""
        if self.n < 2:
            return np.zeros_like(self.sum)
        return np.sqrt(np.maximum(self.sumsq - self.sum * self.sum / self.n, 0.0) / (self.n - 1))

    def quantiles(self, qs: list[float]) -> np.ndarray:
        """(len(qs), C): numpy.quantile's "linear" quantiles, read from the histograms (see the module)."""
        out = np.empty((len(qs), len(self.sum)))
        for c in range(len(self.sum)):
            values, counts = self.hist.column(c)
            upper = np.cumsum(counts)  # rank r (0-based) lies in the first bin whose cumulative count exceeds r
            for i, q in enumerate(qs):
                h = q * (self.n - 1)
                lo, hi = int(np.floor(h)), int(np.ceil(h))
                v_lo, v_hi = (self._at(values, upper, r, c) for r in (lo, hi))
                out[i, c] = min(max(v_lo + (h - lo) * (v_hi - v_lo), self.min[c]), self.max[c])
        return out

    def _at(self, values: np.ndarray, upper: np.ndarray, rank: int, c: int) -> float:
        """The draw of rank ``rank`` (0-based): exact at the ends, else its bin's middle."""
        if rank == 0:
            return float(self.min[c])
        if rank == self.n - 1:
            return float(self.max[c])
        return float(values[np.searchsorted(upper, rank, side="right")])

    def take(self, cols: np.ndarray) -> ColumnStats:
        return ColumnStats(
            self.n, self.sum[cols], self.sumsq[cols], self.min[cols], self.max[cols], self.hist.take(cols)
        )

    @property
    def nbytes(self) -> int:
        return self.sum.nbytes * 4 + self.hist.nbytes
