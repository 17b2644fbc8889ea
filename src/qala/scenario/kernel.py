"""The compiled plan fused into one loop over a block's draw-years: the engine's path for large runs.

``plan.evaluate`` makes about 450 passes over full-size numpy arrays per block of draws (a node, an emission,
a sum each), and ``plan.inputs`` about 100 more; at 10,000 draws that is ~170 M element operations spent
mostly moving arrays through memory, and numpy's short calls hand the GIL between the engine's threads so
often that two threads rarely use two cores. Here the same arithmetic is written as scalar code inside one
loop over years and draws and compiled to machine code by numba (``nogil``: the engine's threads run on
every core). A cell's numbers take the same operations in the same order as the numpy plan's, so every
draw's totals, sectors, removals and population are the same to the last bit (tested); only the sums over
draws (the flows' amounts and emissions per year) are added in another order (a few units in the last place).

The loop is generated from the plan's own straight-line ``evaluate`` code (its nodes, emissions, heat
allocation and sector sums) and from the scenario's structure (which parameters are uncertain, each measure's
changes): the values a variant edits (paths, adoption, effects, units, the calibration's factors) are the
kernel's inputs, not constants in it, so a variant reuses the compiled kernel. The generated module is kept
on disk (``QALA_KERNEL_CACHE``, else the user's cache directory) with numba's own cache of the machine code
beside it: a structure is compiled once per machine, not once per process.

Used when ``QALA_ENGINE_KERNEL`` is ``fused``, or ``auto`` (the default) and the run has at least
``FUSED_CELLS`` draw-years and numba can be imported; ``numpy`` keeps the numpy plan.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import math
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from platformdirs import user_cache_dir

from qala.scenario.distributions import Distribution
from qala.scenario.engine import Prepared, si

if TYPE_CHECKING:
    from qala.scenario.plan import Plan

FUSED_CELLS = 100_000  # draw-years from which ``auto`` fuses (below it the numpy plan answers as quickly)
MIN_BLOCK = 256  # draws per block at least
MAX_BLOCK = 512  # and at most (a block's working rows stay in the cache)
ENV_MODE = "QALA_ENGINE_KERNEL"
ENV_CACHE = "QALA_KERNEL_CACHE"
_LOCK = threading.Lock()
_KERNELS: dict[tuple[Any, ...], Fused] = {}
_NUMBA: list[bool] = []  # [importable], once known


class KernelError(RuntimeError):
    """The fused kernel was asked for and cannot run (numba missing)."""


def mode() -> str:
    """``QALA_ENGINE_KERNEL``: ``auto`` (default), ``fused`` or ``numpy``."""
    value = os.environ.get(ENV_MODE, "auto").strip().lower() or "auto"
    if value not in ("auto", "fused", "numpy"):
        raise KernelError(f"{ENV_MODE}={value!r}: expected auto, fused or numpy")
    return value


def numba_available() -> bool:
    if not _NUMBA:
        _NUMBA.append(importlib.util.find_spec("numba") is not None)  # imported with the first kernel (~1 s)
    return _NUMBA[0]


def wanted(draws: int, years: int) -> bool:
    """Whether a run of ``draws`` × ``years`` draw-years goes through the fused kernel."""
    m = mode()
    if m == "numpy":
        return False
    if m == "fused":
        if not numba_available():
            raise KernelError(f"{ENV_MODE}=fused needs numba, which cannot be imported here")
        return True
    return draws * years >= FUSED_CELLS and numba_available()


def cache_dir() -> Path:
    """Where generated kernels and numba's cache of them are kept."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    return Path(user_cache_dir("qala")) / "kernels"


# --- the layout of a kernel's inputs ---------------------------------------------------------------------------


@dataclass
class Layout:
    """What the kernel reads, in order: rows per draw (RW), columns per year (CL), full draw-years (FL, the
    uncertain drivers' paths), and constants (CS). Each entry says where its values come from."""

    rw: list[tuple[str, Any]]  # ("draw", key) | ("k", calibration index)
    cl: list[tuple[str, str]]  # ("path", parameter) | ("share", measure) | ("driver", driver)
    fl: list[str]  # uncertain drivers
    cs: list[tuple[Any, ...]]  # ("unit", parameter) | ("value", measure, change) | ("value_si", …) | ("effect", m)

    def __post_init__(self) -> None:
        self._rw = {k: i for i, k in enumerate(self.rw)}
        self._cl = {k: i for i, k in enumerate(self.cl)}
        self._cs = {k: i for i, k in enumerate(self.cs)}

    def row(self, key: tuple[str, Any]) -> int:
        if key not in self._rw:
            self._rw[key] = len(self.rw)
            self.rw.append(key)
        return self._rw[key]

    def col(self, key: tuple[str, str]) -> int:
        if key not in self._cl:
            self._cl[key] = len(self.cl)
            self.cl.append(key)
        return self._cl[key]

    def const(self, key: tuple[Any, ...]) -> int:
        if key not in self._cs:
            self._cs[key] = len(self.cs)
            self.cs.append(key)
        return self._cs[key]


@dataclass
class Fused:
    """A compiled kernel and how to feed it."""

    kernel: Callable[..., None]
    layout: Layout
    rows: int  # rows of the working array W (per-draw values, a row reused once its value is no longer read)
    sums: list[tuple[str, int, float] | None]  # per flow: ("q", i, factor) | ("s", i, 0) | None
    nq: int
    ns: int
    source: str


def _literal(value: float) -> str:
    if math.isnan(value):
        return "np.nan"
    if math.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(float(value))


class _Scalar(ast.NodeTransformer):
    """The plan's array expression as scalar code: constants inline, O[k]/T[b] as locals, numpy's
    element-wise minimum and maximum kept (NaN semantics included)."""

    def __init__(self, consts: list[float]):
        self.consts = consts
        self.alias: dict[str, str] = {}  # o_k / t_b -> the variable holding its current value

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id == "_asarray":
            return self.visit(node.args[0])
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id.startswith("_k") and node.id[2:].isdigit():
            return ast.parse(_literal(self.consts[int(node.id[2:])]), mode="eval").body
        if node.id == "_min":
            return ast.parse("np.minimum", mode="eval").body
        if node.id == "_max":
            return ast.parse("np.maximum", mode="eval").body
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in ("O", "T") and isinstance(node.slice, ast.Constant):
            name = f"{node.value.id.lower()}_{node.slice.value}"
            return ast.Name(self.alias.get(name, name), ast.Load())
        return self.generic_visit(node)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _generate(prep: Prepared, plan: Plan, scenario: str) -> tuple[str, Layout, list[Any], int, int, int]:
    model = prep.model
    lay = Layout([], [], [], [])
    year: list[str] = []  # statements of the year loop (no draws in them)
    cell: list[tuple[str, ...]] = []  # per draw, in order: ("set", name, expr) | ("sum", Q|S, row, name) | ("write", target, expr)
    level: dict[str, bool] = {}  # variable -> varies over draws
    count = [0]

    def put(expr: str, varies: bool, name: str | None = None) -> str:
        if name is None:
            count[0] += 1
            name = f"t{count[0]}"
        if varies:
            cell.append(("set", name, expr))
        else:
            year.append(f"{name} = {expr}")
        level[name] = varies
        return name

    top: list[str] = []  # statements before the year loop (the constants)

    def col(key: tuple[str, str]) -> str:  # a per-year input, loaded once per year
        return put(f"CL[{lay.col(key)}, i]", False)

    def const(key: tuple[Any, ...]) -> str:  # a constant, loaded once
        name = f"c{lay.const(key)}"
        if name not in level:
            top.append(f"{name} = CS[{lay.const(key)}]")
            level[name] = False
        return name

    current: dict[str, str] = {}  # input -> its variable
    for d in model.drivers.values():
        if d.uncertainty:
            lay.fl.append(d.name)
            current[d.name] = put(f"FL[{len(lay.fl) - 1}, i, j]", True)
        else:
            current[d.name] = col(("driver", d.name))
    for p in model.parameters.values():
        if p.dist is not None:
            draw, unit = lay.row(("draw", f"parameter:{p.name}")), const(("unit", p.name))
            expr, varies = f"RW[{draw}, j] * {unit}", True
        else:
            expr, varies = col(("path", p.name)), False
        if p.uncertainty is not None:
            expr, varies = f"({expr}) * RW[{lay.row(('draw', f'parameter:{p.name}'))}, j]", True
        current[p.name] = put(expr, varies)
    for code in model.scenarios[scenario].measures:
        m = model.measures[code]
        path = col(("share", code))
        if isinstance(m.max_effect, Distribution):
            effect, eff_varies = put(f"RW[{lay.row(('draw', f'measure:{code}'))}, j]", True), True
        else:
            effect, eff_varies = const(("effect", code)), False
        for k, ch in enumerate(m.changes):
            base = current[ch.parameter]
            varies = level[base] or eff_varies
            # plan.inputs' arithmetic, in its order (see there)
            if ch.mode == "set":
                c = const(("value_si", code, k))
                if not level[base]:  # delta without draws: (delta * path) * effect
                    expr = f"{base} + (({c} - {base}) * {path}) * {effect}"
                else:  # delta * (path * effect)
                    expr = f"{base} + ({c} - {base}) * ({path} * {effect})"
            elif ch.mode == "add":
                c = const(("value_si", code, k))
                expr = f"{base} + ({c} * {path}) * {effect}"
            else:
                c = const(("value", code, k))
                expr = f"{base} * (1.0 + ({c} * {path}) * {effect})"
            current[ch.parameter] = put(expr, varies)
    for i, cal in enumerate(model.calibration):
        current[cal.scale] = put(f"{current[cal.scale]} * RW[{lay.row(('k', i))}, j]", True)

    # the plan's evaluate, statement by statement
    consts = list(plan.consts)
    scalar = _Scalar(consts)
    accum: list[tuple[str, str, str]] = []  # (accumulator, array Q|S, value)
    writes: list[tuple[str, str]] = []
    outputs: list[str] = []
    sums: list[Any] = []
    for line in plan.eval_lines[1:]:
        stmt = ast.parse(line.strip()).body[0]
        if isinstance(stmt, ast.Return):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            fn = call.func.id  # type: ignore[attr-defined]
            if fn == "_add":  # _add(a, b, out=O[k])
                out, terms = call.keywords[0].value, call.args
            else:  # _copyto(O[k], x)
                out, terms = call.args[0], call.args[1:]
            parts = [ast.unparse(scalar.visit(x)) for x in terms]
            varies = any(level.get(n, False) for x in terms for n in _names(scalar.visit(x)))
            target = f"{out.value.id.lower()}_{out.slice.value}"  # type: ignore[attr-defined]
            # a sum added into its own slot again gets a new variable (SSA: the year loop's value stays)
            fresh = target if target not in scalar.alias else f"{target}_{count[0] + 1}"
            count[0] += 1
            put(" + ".join(parts), varies, fresh)
            scalar.alias[target] = fresh
            outputs.append(target)
            continue
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name), line
        name, value = stmt.targets[0].id, stmt.value
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == "V":
            src = current[value.slice.value]  # type: ignore[attr-defined]
            put(src, level[src], name)
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "_asarray":
            src = ast.unparse(scalar.visit(value.args[0]))
            put(src, level.get(src, True), name)
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "_dsum":
            accum.append((name, "Q" if name.startswith("q") else "S", value.args[0].id))  # type: ignore[attr-defined]
            cell.append(("sum", accum[-1][1], name[1:], accum[-1][2]))
            continue
        if name == "removals":
            for b, elt in enumerate(value.elts):  # type: ignore[attr-defined]
                if not (isinstance(elt, ast.Constant) and elt.value is None):
                    writes.append((f"R[{b}, i, a + l]", ast.unparse(scalar.visit(elt))))
            continue
        if name == "qs":
            continue
        if name == "es":
            for elt in value.elts:  # type: ignore[attr-defined]
                if isinstance(elt, ast.Constant):
                    sums.append(None)
                elif isinstance(elt, ast.Name):
                    sums.append(("s", int(elt.id[1:]), 0.0))
                else:
                    assert isinstance(elt, ast.BinOp) and isinstance(elt.left, ast.Name)
                    sums.append(("q", int(elt.left.id[1:]), consts[int(elt.right.id[2:])]))  # type: ignore[attr-defined]
            continue
        if name == "pop":
            expr = ast.unparse(scalar.visit(value))
            writes.append(("P[i, a + l]", expr))
            continue
        expr = ast.unparse(scalar.visit(value))
        varies = any(level.get(n, False) for n in _names(value))
        put(expr, varies, name)

    for target in dict.fromkeys(outputs):
        kind, index = target.split("_")
        writes.append((f"{'O' if kind == 'o' else 'T'}[{index}, i, a + l]", scalar.alias[target]))
    nq = 1 + max([int(n[1:]) for n, arr, _ in accum if arr == "Q"], default=-1)
    ns = 1 + max([int(n[1:]) for n, arr, _ in accum if arr == "S"], default=-1)
    slots = [0]
    body = ["import numpy as np", "from numba import njit", "", ""]
    body += ["@njit(inline='always')", "def _div(a, b):", "    return a / b if b > 0.0 else 0.0", "", ""]
    body += [
        "@njit(inline='always')",
        "def _rowsum(M, r, n):",  # four running sums: the additions of a row do not wait for each other
        "    s0 = 0.0",
        "    s1 = 0.0",
        "    s2 = 0.0",
        "    s3 = 0.0",
        "    m = n - n % 4",
        "    for j in range(0, m, 4):",
        "        s0 += M[r, j]",
        "        s1 += M[r, j + 1]",
        "        s2 += M[r, j + 2]",
        "        s3 += M[r, j + 3]",
        "    for j in range(m, n):",
        "        s0 += M[r, j]",
        "    return (s0 + s1) + (s2 + s3)",
        "",
        "",
    ]
    body += [
        "@njit(nogil=True, cache=True, error_model='numpy', boundscheck=False)",
        "def kernel(RW, CL, FL, CS, O, T, R, P, Q, S, W, a, ny, nj):",
    ]
    body += [f"    {s}" for s in top]
    body.append("    for i in range(ny):")
    body += [f"        {s}" for s in year]
    ops = cell + [("write", target, expr) for target, expr in writes]
    body += [f"        {s}" for s in _vector_lines(ops, level)]
    body.append("")
    slots[0] = _slots_needed(ops, level)
    return "\n".join(body), lay, sums, max(nq, 1), max(ns, 1), slots[0]


class _Lanes(ast.NodeTransformer):
    """A cell's scalar expression as one lane ``l`` of the block: a per-draw variable is its row of W."""

    def __init__(self, slot: dict[str, int]):
        self.slot = slot

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "j":
            return ast.Name("l", ast.Load())
        if node.id in self.slot:
            return ast.parse(f"W[{self.slot[node.id]}, l]", mode="eval").body
        return node


def _plan_slots(ops: list[tuple[str, ...]], level: dict[str, bool]) -> tuple[list[tuple[str, ...]], dict[str, int], int]:
    """Aliases resolved (``a = b`` costs no pass), and a row of W for each per-draw variable, reused once the
    variable is no longer read (so that a block's working rows stay few and in the cache)."""
    alias: dict[str, str] = {}

    def resolve(name: str) -> str:
        while name in alias:
            name = alias[name]
        return name

    class _Alias(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Name(resolve(node.id), ast.Load())

    out: list[tuple[str, ...]] = []
    for op in ops:
        if op[0] == "set":
            tree = ast.parse(op[2], mode="eval").body
            if isinstance(tree, ast.Name) and level.get(tree.id, False):
                alias[op[1]] = resolve(tree.id)
                continue
            out.append(("set", op[1], ast.unparse(_Alias().visit(tree))))
        elif op[0] == "sum":
            out.append(("sum", op[1], op[2], resolve(op[3])))
        else:
            out.append(("write", op[1], ast.unparse(_Alias().visit(ast.parse(op[2], mode="eval").body))))
    uses: list[set[str]] = []
    for op in out:
        expr = op[3] if op[0] == "sum" else op[2]
        uses.append({n for n in _names(ast.parse(expr, mode="eval")) if level.get(n, False)})
    last: dict[str, int] = {}
    for i, used in enumerate(uses):
        for n in used:
            last[n] = i
    slot: dict[str, int] = {}
    free: list[int] = []
    top = 0
    for i, op in enumerate(out):
        if op[0] == "set":
            if free:
                slot[op[1]] = free.pop()
            else:
                slot[op[1]] = top
                top += 1
            if op[1] not in last:  # never read (a removal or a node no flow needs): its row is free again
                free.append(slot[op[1]])
        for n in uses[i]:
            if last[n] == i and n in slot and (op[0] != "set" or n != op[1]):
                free.append(slot[n])
    return out, slot, top


def _vector_lines(ops: list[tuple[str, ...]], level: dict[str, bool]) -> list[str]:
    """Each per-draw statement as a loop over the block's draws (a loop LLVM turns into SIMD instructions)."""
    out, slot, _ = _plan_slots(ops, level)
    lanes = _Lanes(slot)
    lines = []
    for op in out:
        if op[0] == "set":
            expr = ast.unparse(lanes.visit(ast.parse(op[2], mode="eval").body))
            lines += ["for l in range(nj):", f"    W[{slot[op[1]]}, l] = {expr}"]
        elif op[0] == "sum":
            name = op[3]
            if name in slot:
                lines.append(f"{op[1]}[{op[2]}, i] = _rowsum(W, {slot[name]}, nj)")
            else:  # the same value in every draw
                lines.append(f"{op[1]}[{op[2]}, i] = {name} * nj")
        else:
            expr = ast.unparse(lanes.visit(ast.parse(op[2], mode="eval").body))
            lines += ["for l in range(nj):", f"    {op[1]} = {expr}"]
    return lines


def _slots_needed(ops: list[tuple[str, ...]], level: dict[str, bool]) -> int:
    return _plan_slots(ops, level)[2]


def _structure(prep: Prepared, scenario: str) -> tuple[Any, ...]:
    """What the generated code depends on besides the plan (values a variant edits are not in it)."""
    model = prep.model
    measures = []
    for code in model.scenarios[scenario].measures:
        m = model.measures[code]
        measures.append(
            (code, isinstance(m.max_effect, Distribution), tuple((c.parameter, c.mode) for c in m.changes))
        )
    return (
        tuple((d.name, bool(d.uncertainty)) for d in model.drivers.values()),
        tuple((p.name, p.dist is not None, p.uncertainty is not None) for p in model.parameters.values()),
        tuple(measures),
        tuple(c.scale for c in model.calibration),
    )


def _load(source: str) -> Callable[..., None]:
    """The module of ``source``, written once into the cache directory and imported from there (numba caches
    machine code only for functions defined in files)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"qala_kernel_{digest}"
    if name in sys.modules:
        return sys.modules[name].kernel  # type: ignore[no-any-return]
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.touch()
    except OSError:
        folder = Path(tempfile.gettempdir()) / "qala-kernels"
        folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != source:  # never rewritten when present: numba's cache checks mtime
        tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module.kernel  # type: ignore[no-any-return]


def fused_for(prep: Prepared, plan: Plan, scenario: str) -> Fused:
    """The kernel of ``plan`` for ``scenario``'s structure (generated and compiled once per structure)."""
    key = (id(plan), plan.key[0] is prep.model.nodes, _structure(prep, scenario))
    hit = _KERNELS.get(key)
    if hit is not None:
        return hit
    with _LOCK:
        hit = _KERNELS.get(key)
        if hit is None:
            source, lay, sums, nq, ns, nm = _generate(prep, plan, scenario)
            hit = Fused(_load(source), lay, nm, sums, nq, ns, source)
            if len(_KERNELS) > 64:
                _KERNELS.clear()
            _KERNELS[key] = hit
    return hit


# --- running it -------------------------------------------------------------------------------------------------


def columns(prep: Prepared, lay: Layout, rows: list[int] | None) -> np.ndarray:
    """The per-year inputs, (columns, years) in the run's years."""
    model = prep.model
    nyears = len(model.years) if rows is None else len(rows)
    out = np.empty((max(len(lay.cl), 1), nyears))
    for c, (kind, name) in enumerate(lay.cl):
        if kind == "path":
            row = prep.paths[name][0]
        elif kind == "share":
            row = prep.shares[name][0]
        else:  # a driver without uncertainty: plan.inputs' arithmetic
            d = model.drivers[name]
            rate = prep.paths[f"growth:{d.name}"].T
            growth = np.cumprod(1.0 + rate, axis=0) / (1.0 + rate[:1])
            row = (d.base * si(d.unit) * growth)[:, 0]
        out[c] = row if rows is None else row[rows]
    return out


def constants(prep: Prepared, scenario: str, lay: Layout) -> np.ndarray:
    model = prep.model
    out = np.empty(max(len(lay.cs), 1))
    for c, key in enumerate(lay.cs):
        if key[0] == "unit":
            out[c] = si(model.parameters[key[1]].unit)
        elif key[0] == "effect":
            out[c] = float(model.measures[key[1]].max_effect)  # type: ignore[arg-type]
        else:
            ch = model.measures[key[1]].changes[key[2]]
            out[c] = ch.value * si(model.parameters[ch.parameter].unit) if key[0] == "value_si" else ch.value
    return out
