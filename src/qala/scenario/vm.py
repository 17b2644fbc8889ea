"""A small register machine, compiled once by numba, that runs a model's arithmetic over a block of draws.

A program is a table of instructions ``(opcode, out, a, b)``. Registers are of two kinds: *rows* (a value per
draw of the block: the rows of ``W``, a few KiB each, so they stay in the cache) and *scalars* (a value for
the whole block in the current year: ``Y``). Each arithmetic instruction is one binary operation of the
model's formulas — the same operation, on the same operands, in the same order as numpy's evaluation of the
formula — written as a loop over the block's draws that LLVM turns into SIMD instructions. A scalar operand
is broadcast, as numpy broadcasts a ``(years, 1)`` array. So each draw's numbers are the numpy plan's to the
last bit, without numpy's per-call overhead, without arrays leaving the cache, and without the GIL (the
engine's threads run on every core).

The machine knows nothing of any model: it is compiled once per installation (numba's cache next to this
file, else in the user's cache directory), and every model, scenario and variant is only a new program.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from qala.scenario.opcodes import (  # numba reads these module globals as constants
    ADD,
    ADD3,
    COPY,
    DIV,
    DIV0,
    LOAD_COLUMN,
    LOAD_FULL,
    MAX,
    MIN,
    MUL,
    MUL3,
    MUL_DIV,
    MUL_SS,
    NEG,
    POW,
    ROW_ROW,
    ROW_SCALAR,
    SCALAR_ROW,
    SCALAR_SCALAR,
    SUB,
    SUM_Q,
    WRITE_O,
    WRITE_P,
    WRITE_Q,
    WRITE_R,
    WRITE_S,
    WRITE_T,
)


@njit(inline="always")
def _op(code: int, x: float, y: float) -> float:
    if code == ADD:
        return x + y
    if code == SUB:
        return x - y
    if code == MUL:
        return x * y
    if code == DIV:
        return x / y
    if code == POW:
        return x**y
    if code == MIN:  # numpy's minimum: a NaN on either side is the result
        return x if (x <= y or math.isnan(x)) else y
    if code == MAX:
        return x if (x >= y or math.isnan(x)) else y
    return x / y if y > 0.0 else 0.0  # DIV0: numpy's divide where the divisor is > 0, else 0


@njit(nogil=True, cache=True, error_model="numpy", boundscheck=False)
def run(
    prog: np.ndarray,
    first: int,
    ys: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    full: np.ndarray,
    sectors: np.ndarray,
    totals: np.ndarray,
    removals: np.ndarray,
    population: np.ndarray,
    qsum: np.ndarray,
    ssum: np.ndarray,
    off: int,
    ny: int,
    nj: int,
) -> None:
    """Run ``prog`` once per year of the block (``ny`` years, ``nj`` draws written from column ``off`` on), its
    first ``first`` instructions once before the years.

    ``ys``: scalar registers; ``rows``: row registers (nj wide); ``cols``: per-year inputs (column, year);
    ``full``: (driver, year, draw); ``sectors``/``totals``/``removals``: (slot, year, draw); ``population``:
    (year, draw); ``qsum``/``ssum``: (row, year), each flow's sum over the block's draws."""
    n = prog.shape[0]
    for i in range(-1, ny):  # -1: the instructions before ``first``, once (their operands do not change by year)
        for k in range(0 if i < 0 else first, first if i < 0 else n):
            op = prog[k, 0]
            out = prog[k, 1]
            a = prog[k, 2]
            b = prog[k, 3]
            c = prog[k, 4]
            code = op >> 2
            kind = op & 3
            if code <= DIV0:
                # written out per operation and operand kinds (no helper taking arrays: numba would count
                # references at each call), so that each loop is compiled, and vectorized, for its operation
                if code == ADD:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(ADD, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(ADD, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(ADD, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(ADD, rows[a, j], rows[b, j])
                elif code == SUB:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(SUB, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(SUB, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(SUB, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(SUB, rows[a, j], rows[b, j])
                elif code == MUL:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(MUL, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(MUL, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(MUL, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(MUL, rows[a, j], rows[b, j])
                elif code == DIV:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(DIV, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(DIV, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(DIV, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(DIV, rows[a, j], rows[b, j])
                elif code == POW:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(POW, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(POW, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(POW, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(POW, rows[a, j], rows[b, j])
                elif code == MIN:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(MIN, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(MIN, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(MIN, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(MIN, rows[a, j], rows[b, j])
                elif code == MAX:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(MAX, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(MAX, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(MAX, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(MAX, rows[a, j], rows[b, j])
                elif code == DIV0:
                    if kind == SCALAR_SCALAR:
                        ys[out] = _op(DIV0, ys[a], ys[b])
                    elif kind == ROW_SCALAR:
                        y = ys[b]
                        for j in range(nj):
                            rows[out, j] = _op(DIV0, rows[a, j], y)
                    elif kind == SCALAR_ROW:
                        x = ys[a]
                        for j in range(nj):
                            rows[out, j] = _op(DIV0, x, rows[b, j])
                    else:
                        for j in range(nj):
                            rows[out, j] = _op(DIV0, rows[a, j], rows[b, j])
            elif code == ADD3:
                for j in range(nj):
                    rows[out, j] = (rows[a, j] + rows[b, j]) + rows[c, j]
            elif code == MUL3:
                for j in range(nj):
                    rows[out, j] = (rows[a, j] * rows[b, j]) * rows[c, j]
            elif code == MUL_SS:
                y, z = ys[b], ys[c]
                for j in range(nj):
                    rows[out, j] = (rows[a, j] * y) * z
            elif code == MUL_DIV:
                z = ys[c]
                for j in range(nj):
                    rows[out, j] = (rows[a, j] * rows[b, j]) / z
            elif code == NEG:
                if kind == SCALAR_SCALAR:
                    ys[out] = -ys[a]
                else:
                    for j in range(nj):
                        rows[out, j] = -rows[a, j]
            elif code == COPY:
                if kind == SCALAR_SCALAR:
                    ys[out] = ys[a]
                elif kind == SCALAR_ROW:
                    y = ys[a]
                    for j in range(nj):
                        rows[out, j] = y
                else:
                    for j in range(nj):
                        rows[out, j] = rows[a, j]
            elif code == LOAD_COLUMN:
                ys[out] = cols[a, i]
            elif code == LOAD_FULL:
                for j in range(nj):
                    rows[out, j] = full[a, i, j]
            elif code == WRITE_O:
                if kind == SCALAR_SCALAR:
                    y = ys[b]
                    for j in range(nj):
                        sectors[a, i, off + j] = y
                else:
                    for j in range(nj):
                        sectors[a, i, off + j] = rows[b, j]
            elif code == WRITE_T:
                if kind == SCALAR_SCALAR:
                    y = ys[b]
                    for j in range(nj):
                        totals[a, i, off + j] = y
                else:
                    for j in range(nj):
                        totals[a, i, off + j] = rows[b, j]
            elif code == WRITE_R:
                if kind == SCALAR_SCALAR:
                    y = ys[b]
                    for j in range(nj):
                        removals[a, i, off + j] = y
                else:
                    for j in range(nj):
                        removals[a, i, off + j] = rows[b, j]
            elif code == WRITE_P:
                if kind == SCALAR_SCALAR:
                    y = ys[b]
                    for j in range(nj):
                        population[i, off + j] = y
                else:
                    for j in range(nj):
                        population[i, off + j] = rows[b, j]
            elif code in (WRITE_Q, WRITE_S):
                target = qsum if code == WRITE_Q else ssum
                if kind == SCALAR_SCALAR:
                    y = ys[b]
                    for j in range(nj):
                        target[a, off + j] = y
                else:
                    for j in range(nj):
                        target[a, off + j] = rows[b, j]
            else:  # SUM_Q, SUM_S: four running sums (the additions do not wait for each other)
                if kind == SCALAR_SCALAR:
                    total = ys[b] * nj
                else:
                    s0 = s1 = s2 = s3 = 0.0
                    m = nj - nj % 4
                    for j in range(0, m, 4):
                        s0 += rows[b, j]
                        s1 += rows[b, j + 1]
                        s2 += rows[b, j + 2]
                        s3 += rows[b, j + 3]
                    for j in range(m, nj):
                        s0 += rows[b, j]
                    total = (s0 + s1) + (s2 + s3)
                if code == SUM_Q:
                    qsum[a, i] = total
                else:
                    ssum[a, i] = total


@njit(nogil=True, cache=True, error_model="numpy", boundscheck=False)
def grow(out: np.ndarray, g: np.ndarray, d: np.ndarray, c: float, rows: np.ndarray) -> None:
    """An uncertain driver's path for a block of draws, ``plan.inputs``' arithmetic element by element:
    ``c * cumprod(1 + g x d) / (1 + g[0] d)`` over the years (``plan._growth``), kept for the years ``rows``
    (increasing) into ``out`` (rows, draws). ``g``: the growth path per year; ``d``: the draws' factors."""
    nj = d.shape[0]
    last = rows[rows.shape[0] - 1]
    for j in range(nj):
        one0 = 1.0 + g[0] * d[j]
        cum = one0
        r = 0
        for i in range(last + 1):
            if i > 0:
                cum = cum * (1.0 + g[i] * d[j])
            if i == rows[r]:
                out[r, j] = c * (cum / one0)
                r += 1


def warm() -> None:
    """Compile the machine (or load it from numba's cache): one tiny run of each function."""
    prog = np.array([[ADD << 2 | ROW_ROW, 1, 0, 0, 0], [SUM_Q << 2 | ROW_SCALAR, 0, 0, 1, 0]], dtype=np.int64)
    w = np.array([[1.5] * 4, [7.0] * 4])  # distinct rows: an instruction that read the wrong one would show
    q = np.zeros((1, 1))
    run(prog, 0, np.zeros(1), w, np.zeros((1, 1)), np.zeros((1, 1, 4)), np.zeros((1, 1, 4)), np.zeros((1, 1, 4)),
        np.zeros((1, 1, 4)), np.zeros((1, 4)), q, np.zeros((1, 1)), 0, 1, 4)  # fmt: skip
    if q[0, 0] != 12.0 or w[1].tolist() != [3.0] * 4:
        raise RuntimeError(f"the register machine sums 1.5 + 1.5 over 4 draws to {q[0, 0]}, not 12")
    out = np.zeros((1, 4))
    grow(out, np.zeros(2), np.ones(4), 1.0, np.array([1], dtype=np.int64))


if __name__ == "__main__":  # ``python -m qala.scenario.vm``: compile at installation (make setup)
    warm()
