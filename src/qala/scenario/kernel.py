"""The compiled plan as a program for the register machine of ``vm.py``: the engine's path for large runs.

``plan.evaluate`` makes about 450 passes over full-size numpy arrays per block of draws (a node, an emission,
a sum each) and ``plan.inputs`` about 100 more: at 10,000 draws the time goes to numpy's per-call overhead,
to arrays leaving the cache, and to the GIL, which numpy's short calls hand between the engine's threads so
often that two threads rarely use two cores. Here the same statements (the scenario's inputs: each parameter
with its draws and its measures' changes, the calibration's factors; then the plan's own ``evaluate``: nodes,
emissions, heat allocation, sector sums) become register-machine instructions, one per binary operation in
the expression's own order, run over blocks of ``MAX_BLOCK`` draws by a machine compiled once by numba
(``nogil``: the engine's threads run on every core). Each draw's totals, sectors, removals and population
are therefore the numpy plan's to the last bit (tested); only the sums over draws (each flow's amounts and
emissions per year) are added in another order (a few units in the last place).

The program depends on the model's structure only (which inputs are uncertain, each measure's changes); the
values a variant edits (paths, adoption, effects, units, the calibration's factors) are the program's inputs,
so a variant reuses it. Building a program takes some 30-80 ms for Astana's model (more than its run of one
draw: a MACC therefore runs all its steps with one structure, ``economics.macc._with``); the machine itself
is compiled once per installation (``make setup`` does it) and loaded with numba (about 1 s) the first time a
process needs it.

``QALA_ENGINE_KERNEL``: ``auto`` (default) and ``vm`` use the machine for every run (``vm`` fails if numba
is missing, ``auto`` then falls back to the numpy plan); ``numpy`` keeps the numpy plan. The choice never
depends on the process's state, so the same run gives the same numbers, sums over draws included, in a web
worker, a job, a Dask worker or a CLI call. A process loads the machine (numba's import, about 1 s) with its
first scenario run; the web server and the job workers do it at start (``warm``).
"""

from __future__ import annotations

import ast
import importlib.util
import math
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qala.scenario import opcodes as vm
from qala.scenario.distributions import Distribution
from qala.scenario.engine import Prepared, si

if TYPE_CHECKING:
    from qala.scenario.plan import Plan

MAX_BLOCK = 512  # draws per block (a block's working rows stay in the processor's cache)
ENV_MODE = "QALA_ENGINE_KERNEL"
_LOCK = threading.Lock()
_KERNELS: dict[tuple[Any, ...], Fused] = {}
_NUMBA: list[bool] = []  # [importable], once known
_LOADED: list[bool] = []  # [True] once the machine is loaded in this process


class KernelError(RuntimeError):
    """``QALA_ENGINE_KERNEL`` names no mode, or asks for the machine where numba cannot be imported."""


def mode() -> str:
    """``QALA_ENGINE_KERNEL``: ``auto`` (default), ``vm`` or ``numpy``."""
    value = os.environ.get(ENV_MODE, "auto").strip().lower() or "auto"
    if value not in ("auto", "vm", "numpy"):
        raise KernelError(f"{ENV_MODE}={value!r}: expected auto, vm or numpy")
    return value


def numba_available() -> bool:
    if not _NUMBA:
        _NUMBA.append(importlib.util.find_spec("numba") is not None)
    return _NUMBA[0]


def wanted(draws: int, years: int) -> bool:
    """Whether a run of ``draws`` (more than one) goes through the machine: always, unless
    ``QALA_ENGINE_KERNEL=numpy`` or numba is missing — so a run's numbers never depend on which process
    computes it (a web worker, a job, a Dask worker or a CLI call), nor on what that process did before."""
    m = mode()
    if m == "numpy" or draws < 2:  # one draw: ``wanted_one``
        return False
    if m == "vm" and not numba_available():
        raise KernelError(f"{ENV_MODE}=vm needs numba, which cannot be imported here")
    return numba_available()


def wanted_one() -> bool:
    """Whether one draw goes through the machine (a program across its years): as ``wanted``."""
    return wanted(2, 1)


def warm() -> bool:
    """Load the machine (numba's import, the compiled code from its cache, compiled first if there is none)
    so that ``auto`` uses it from now on. False if numba cannot be imported."""
    if _LOADED:
        return True
    if not numba_available():
        return False
    from qala.scenario import vm  # noqa: PLC0415 - numba's import (about 1 s) only when asked for

    vm.warm()
    if not _LOADED:
        _LOADED.append(True)
    return True


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
    """A scenario structure's program and how to feed it."""

    program: Program
    layout: Layout
    sums: list[tuple[str, int, float] | None]  # per flow: ("q", i, factor) | ("s", i, 0) | None
    nq: int
    ns: int


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


def _generate(
    prep: Prepared, plan: Plan, scenario: str, across_years: bool = False
) -> tuple[Program, Layout, list[Any], int, int]:
    model = prep.model
    lay = Layout([], [], [], [])
    year: list[str] = []  # statements of the year loop (no draws in them)
    # per draw, in order: ("set", name, expr) | ("sum", Q|S, row, name) | ("write", target, expr)
    cell: list[tuple[str, ...]] = []
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
            if not (isinstance(value, ast.Constant) and value.value is None):  # None: the model has no population
                writes.append(("P[i, a + l]", ast.unparse(scalar.visit(value))))
            continue
        expr = ast.unparse(scalar.visit(value))
        varies = any(level.get(n, False) for n in _names(value))
        put(expr, varies, name)

    for target in dict.fromkeys(outputs):
        kind, index = target.split("_")
        writes.append((f"{'O' if kind == 'o' else 'T'}[{index}, i, a + l]", scalar.alias[target]))
    nq = 1 + max([int(n[1:]) for n, arr, _ in accum if arr == "Q"], default=-1)
    ns = 1 + max([int(n[1:]) for n, arr, _ in accum if arr == "S"], default=-1)
    ops = cell + [("write", target, expr) for target, expr in writes]
    program = _assemble(top, year, ops, lay, across_years)
    return program, lay, sums, max(nq, 1), max(ns, 1)


@dataclass
class Program:
    """A structure's program for the register machine (``vm.py``) and how to set its registers up."""

    code: np.ndarray  # (instructions, 5): opcode, out, a, b, c (c: the third operand of a fused pair)
    first: int  # the instructions before it run once per block (their operands are the same every year)
    scalars: int  # scalar registers (Y)
    rows: int  # row registers (W): the draw rows of RW first, then the uncertain drivers' rows, then working rows
    constants: list[tuple[int, int]]  # (scalar register, index in CS): set before the run
    literals: list[tuple[int, float]]  # (scalar register, the formula's number)
    text: str  # the program, one instruction a line, for reading and debugging
    draw_values: list[tuple[int, int]] = field(default_factory=list)  # across years: (RW row, scalar register)

    def registers(self, cs: np.ndarray) -> np.ndarray:
        """The scalar registers with the constants in place (the others are written by the program)."""
        y = np.zeros(max(self.scalars, 1))
        for reg, c in self.constants:
            y[reg] = cs[c]
        for reg, value in self.literals:
            y[reg] = value
        return y


_BINARY = {ast.Add: "ADD", ast.Sub: "SUB", ast.Mult: "MUL", ast.Div: "DIV", ast.Pow: "POW"}
_CALLS = {"np.minimum": "MIN", "np.maximum": "MAX", "_div": "DIV0"}
_LITERALS = {"np.nan": math.nan, "np.inf": math.inf}


def _assemble(
    top: list[str], year: list[str], ops: list[tuple[str, ...]], lay: Layout, across_years: bool = False
) -> Program:
    """The statements as register-machine instructions, one per binary operation of each expression in the
    expression's own order (numpy's order): so each draw's numbers are the numpy plan's.

    ``across_years``: a program for one draw, run once with the years as the row (a per-year input is a row,
    a draw's value a scalar; each flow's value per year written, not summed)."""
    nr, nf = len(lay.rw), len(lay.fl)
    ncl = len(lay.cl)
    npin = ncl + nf if across_years else nr + nf  # the inputs' rows, filled before the run
    var: dict[str, tuple[bool, int]] = {}  # name -> (is a row, register); rows virtual until allocated
    instr: list[list[Any]] = []  # [name, out, a, b, kind-of-out]
    scalars = [0]
    rows = [npin]  # virtual row registers; the first npin are the inputs' (pinned)
    constants: list[tuple[int, int]] = []
    draw_values: dict[int, int] = {}  # across years: RW row -> the scalar register of the draw's value
    literals: dict[float | str, int] = {}

    def scalar() -> int:
        scalars[0] += 1
        return scalars[0] - 1

    def row() -> int:
        rows[0] += 1
        return rows[0] - 1

    def literal(value: float) -> tuple[bool, int]:
        key: float | str = repr(value)
        if key not in literals:
            literals[key] = scalar()
        return False, literals[key]

    def kind(a: tuple[bool, int], b: tuple[bool, int]) -> int:
        return (1 if a[0] else 0) | (2 if b[0] else 0)

    seen: dict[tuple[int, int, int], tuple[bool, int]] = {}  # the same operation on the same registers: computed once

    def binary(op: str, a: tuple[bool, int], b: tuple[bool, int]) -> tuple[bool, int]:
        code = getattr(vm, op) << 2 | kind(a, b)
        if (code, a[1], b[1]) in seen:
            return seen[code, a[1], b[1]]
        is_row = a[0] or b[0]
        out = (True, row()) if is_row else (False, scalar())
        instr.append([code, out[1], a[1], b[1], out[0], a[0], b[0]])
        seen[code, a[1], b[1]] = out
        return out

    def expr(node: ast.AST) -> tuple[bool, int]:
        if isinstance(node, ast.Name):
            return var[node.id]
        if isinstance(node, ast.Constant):
            return literal(float(node.value))
        negated = isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Attribute)
        if isinstance(node, ast.Attribute) or negated:
            text = ast.unparse(node)
            value = -_LITERALS[text[1:]] if text.startswith("-") else _LITERALS[text]
            return literal(value)
        if isinstance(node, ast.UnaryOp):
            a = expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return a
            out = (True, row()) if a[0] else (False, scalar())
            instr.append([vm.NEG << 2 | (vm.ROW_SCALAR if a[0] else 0), out[1], a[1], 0, out[0], a[0], False])
            return out
        if isinstance(node, ast.BinOp):
            a = expr(node.left)
            b = expr(node.right)
            return binary(_BINARY[type(node.op)], a, b)
        if isinstance(node, ast.Call):
            a, b = (expr(x) for x in node.args)
            return binary(_CALLS[ast.unparse(node.func)], a, b)
        if isinstance(node, ast.Subscript):
            array = ast.unparse(node.value)
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            index = first.value  # type: ignore[attr-defined]
            if array == "RW" and across_years:
                if index not in draw_values:
                    draw_values[index] = scalar()
                return False, draw_values[index]
            if array == "RW":
                return True, index
            if array == "FL":
                return True, (ncl if across_years else nr) + index
            if array == "CL" and across_years:
                return True, index
            if array == "CL":
                if (vm.LOAD_COLUMN << 2, index, 0) not in seen:
                    out = scalar()
                    instr.append([vm.LOAD_COLUMN << 2, out, index, 0, False, False, False])
                    seen[vm.LOAD_COLUMN << 2, index, 0] = (False, out)
                return seen[vm.LOAD_COLUMN << 2, index, 0]
            if array == "CS":
                out = scalar()
                constants.append((out, index))
                return False, out
        raise AssertionError(f"not an expression of the plan: {ast.unparse(node)}")

    for f in range(0 if across_years else nf):
        instr.append([vm.LOAD_FULL << 2 | vm.ROW_SCALAR, nr + f, f, 0, True, False, False])
    for line in top + year:
        name, _, text = line.partition(" = ")
        var[name] = expr(ast.parse(text, mode="eval").body)
    writes = {"O": vm.WRITE_O, "T": vm.WRITE_T, "R": vm.WRITE_R, "P": vm.WRITE_P}
    for op in ops:
        if op[0] == "set":
            var[op[1]] = expr(ast.parse(op[2], mode="eval").body)
        elif op[0] == "sum":
            value = var[op[3]]
            if across_years:
                code = vm.WRITE_Q if op[1] == "Q" else vm.WRITE_S
            else:
                code = vm.SUM_Q if op[1] == "Q" else vm.SUM_S
            of = vm.ROW_SCALAR if value[0] else 0
            instr.append([code << 2 | of, 0, int(op[2]), value[1], False, False, value[0]])
        else:  # ("write", "O[3, i, a + l]", expr)
            value = expr(ast.parse(op[2], mode="eval").body)
            array, _, rest = op[1].partition("[")
            slot = int(rest.split(",")[0]) if array != "P" else 0
            code = writes[array]
            instr.append([code << 2 | (vm.ROW_SCALAR if value[0] else 0), 0, slot, value[1], False, False, value[0]])

    fixed = {reg for reg, _ in constants} | set(literals.values()) | set(draw_values.values())
    instr, first, pinned = _schedule(instr, 0 if across_years else nr, fixed)
    instr, first = _fuse(instr, first)
    # virtual rows -> rows of W: a working row is free again after the instruction that reads it last (a row
    # computed before the years, read in every year, never is)
    last: dict[int, int] = {}
    for k, ins in enumerate(instr):
        for v, is_row in ((ins[2], ins[5]), (ins[3], ins[6]), (ins[7], ins[8])):
            if is_row:
                last[v] = k
    physical = {r: r for r in range(npin)}
    free: list[int] = []
    top_row = npin
    code = np.zeros((len(instr), 5), dtype=np.int64)
    for k, (op, out, a, b, out_row, a_row, b_row, c, c_row) in enumerate(instr):
        a, b, c = (physical[v] if is_row else v for v, is_row in ((a, a_row), (b, b_row), (c, c_row)))
        if out_row and out not in physical:  # allocated before the operands are freed: never in place
            if free:
                physical[out] = free.pop()
            else:
                physical[out] = top_row
                top_row += 1
        if out_row:
            out = physical[out]
        code[k] = (op, out, a, b, c)
        ins = instr[k]
        for v, is_row in ((ins[2], a_row), (ins[3], b_row), (ins[7], c_row)):
            if is_row and v >= npin and v not in pinned and last.get(v) == k and physical[v] not in free:
                free.append(physical[v])
        v = ins[1]
        if out_row and v not in last and v not in pinned and physical[v] not in free:  # never read
            free.append(physical[v])
    text = "\n".join(" ".join(str(x) for x in row) for row in code.tolist())
    lits = [(reg, float(eval(key, {"nan": math.nan, "inf": math.inf}))) for key, reg in literals.items()]
    return Program(code, first, scalars[0], top_row, constants, lits, text, sorted(draw_values.items()))


_PAIRS = {  # (first, second) -> the instruction doing both: the first's result read once, by the second, as a
    (vm.ADD << 2 | vm.ROW_ROW, vm.ADD << 2 | vm.ROW_ROW): vm.ADD3 << 2,
    (vm.MUL << 2 | vm.ROW_ROW, vm.MUL << 2 | vm.ROW_ROW): vm.MUL3 << 2,
    (vm.MUL << 2 | vm.ROW_SCALAR, vm.MUL << 2 | vm.ROW_SCALAR): vm.MUL_SS << 2,
    (vm.MUL << 2 | vm.ROW_ROW, vm.DIV << 2 | vm.ROW_SCALAR): vm.MUL_DIV << 2,
}


def _fuse(instr: list[list[Any]], first: int) -> tuple[list[list[Any]], int]:
    """Pairs of instructions made in one pass: ``x = a op b`` then ``y = x op2 c``, where nothing else reads x,
    become ``y = (a op b) op2 c`` (the same two operations in the same order, x never stored)."""
    reads: dict[int, int] = {}
    for ins in instr:
        for v, is_row in ((ins[2], ins[5]), (ins[3], ins[6])):
            if is_row:
                reads[v] = reads.get(v, 0) + 1
    out: list[list[Any]] = []
    k, once = 0, first
    while k < len(instr):
        ins = instr[k]
        nxt = instr[k + 1] if k + 1 < len(instr) and k + 1 != first else None
        fused = _PAIRS.get((ins[0], nxt[0])) if nxt is not None else None
        if fused is not None and nxt is not None and ins[4] and nxt[2] == ins[1] and nxt[5] and reads[ins[1]] == 1:
            out.append([fused, nxt[1], ins[2], ins[3], True, ins[5], ins[6], nxt[3], nxt[6]])
            if k < first:
                once -= 1
            k += 2
            continue
        out.append([*ins, 0, False])
        k += 1
    return out, once


def _schedule(instr: list[list[Any]], nr: int, fixed: set[int]) -> tuple[list[list[Any]], int, set[int]]:
    """The instructions without those whose result nothing reads, and with those whose operands are the same
    every year (the draws' own values, constants) first, run once per block: (instructions, how many run once,
    the rows these write)."""
    arithmetic = set(range(vm.DIV0 + 1)) | {vm.NEG}
    used: set[tuple[bool, int]] = set()
    kept: list[list[Any]] = []
    for ins in reversed(instr):
        op, out, a, b, out_row, a_row, b_row = ins
        code = op >> 2
        effect = code in (vm.WRITE_O, vm.WRITE_T, vm.WRITE_R, vm.WRITE_P, vm.SUM_Q, vm.SUM_S, vm.WRITE_Q, vm.WRITE_S)
        if not effect and (out_row, out) not in used:
            continue  # nothing reads it
        kept.append(ins)
        if code in arithmetic or code == vm.LOAD_FULL or effect:
            if code in arithmetic:
                used.add((a_row, a))
                if code != vm.NEG:
                    used.add((b_row, b))
            elif effect:
                used.add((b_row, b))
    kept.reverse()
    steady = {(True, r) for r in range(nr)} | {(False, s) for s in fixed}
    once, each = [], []
    for ins in kept:
        op, out, a, b, out_row, a_row, b_row = ins
        code = op >> 2
        operands = [(a_row, a)] + ([(b_row, b)] if code != vm.NEG else [])
        if code in arithmetic and all(x in steady for x in operands):
            steady.add((out_row, out))
            once.append(ins)
        else:
            each.append(ins)
    pinned = {ins[1] for ins in once if ins[4]}
    return once + each, len(once), pinned


def _structure(prep: Prepared, scenario: str) -> tuple[Any, ...]:
    """What the generated code depends on besides the plan (values a variant edits are not in it)."""
    model = prep.model
    measures = []
    for code in model.scenarios[scenario].measures:
        m = model.measures[code]
        measures.append((code, isinstance(m.max_effect, Distribution), tuple((c.parameter, c.mode) for c in m.changes)))
    return (
        tuple((d.name, bool(d.uncertainty)) for d in model.drivers.values()),
        tuple((p.name, p.dist is not None, p.uncertainty is not None) for p in model.parameters.values()),
        tuple(measures),
        tuple(c.scale for c in model.calibration),
    )


_PER_PREP: dict[int, tuple[Prepared, dict[Any, Any]]] = {}  # a prepared model's structure keys, columns, constants


def _memo(prep: Prepared) -> dict[Any, Any]:
    """What is computed once per prepared model (its paths, shares and parameters do not change)."""
    hit = _PER_PREP.get(id(prep))
    if hit is None or hit[0] is not prep:
        if len(_PER_PREP) > 64:
            _PER_PREP.clear()
        hit = _PER_PREP[id(prep)] = (prep, {})
    return hit[1]


def program_for(prep: Prepared, plan: Plan, scenario: str, across_years: bool = False) -> Fused:
    """The program of ``plan`` for ``scenario``'s structure (built once per structure); ``across_years``: for
    one draw, its years as the row."""
    memo = _memo(prep)
    structure = memo.get(("structure", scenario))
    if structure is None:
        structure = memo["structure", scenario] = _structure(prep, scenario)
    key = (id(plan), plan.key[0] is prep.model.nodes, structure, across_years)
    hit = _KERNELS.get(key)
    if hit is not None:
        return hit
    with _LOCK:
        hit = _KERNELS.get(key)
        if hit is None:
            program, lay, sums, nq, ns = _generate(prep, plan, scenario, across_years)
            hit = Fused(program, lay, sums, nq, ns)
            if len(_KERNELS) > 64:
                _KERNELS.clear()
            _KERNELS[key] = hit
    return hit


# --- running it -------------------------------------------------------------------------------------------------


def columns(prep: Prepared, lay: Layout, rows: list[int] | None) -> np.ndarray:
    """The per-year inputs, (columns, years) in the run's years (computed once per prepared model; read only)."""
    memo = _memo(prep)
    key = ("columns", id(lay), None if rows is None else tuple(rows))
    hit = memo.get(key)
    if hit is None or hit[0] is not lay:
        hit = memo[key] = (lay, _columns(prep, lay, rows))
    return hit[1]


def _columns(prep: Prepared, lay: Layout, rows: list[int] | None) -> np.ndarray:
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
    """The program's constants (units, measures' values and effects), once per prepared model; read only."""
    memo = _memo(prep)
    key = ("constants", scenario, id(lay))
    hit = memo.get(key)
    if hit is None or hit[0] is not lay:
        hit = memo[key] = (lay, _constants(prep, scenario, lay))
    return hit[1]


def _constants(prep: Prepared, scenario: str, lay: Layout) -> np.ndarray:
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
