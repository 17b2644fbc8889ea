"""Safe arithmetic formulas over named arrays (a whitelist of Python's syntax, nothing else).

Hostile formulas are bounded too: nesting deeper than ``MAX_DEPTH`` is refused, numbers are floats
(so ``10**10**10`` is an overflow found when the formula is compiled, not a big integer that eats
memory for hours), constant parts are computed once at compile time, and scalars become numpy floats.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

ALLOWED_FUNCS: dict[str, Callable[..., Any]] = {"min": np.minimum, "max": np.maximum}
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
MAX_DEPTH = 100


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Formula:
    text: str
    names: frozenset[str]
    code: Any  # a compiled expression

    def __call__(self, values: Mapping[str, Any]) -> Any:
        scalars_as_floats = {  # only the names the formula uses: a model has hundreds
            k: np.float64(v) if isinstance(v := values[k], int | float) else v for k in self.names
        }
        return eval(self.code, {"__builtins__": {}}, {**ALLOWED_FUNCS, **scalars_as_floats})


def _check(node: ast.AST, names: set[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep")
    depth += 1
    if isinstance(node, ast.Expression):
        _check(node.body, names, depth)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        _check(node.left, names, depth)
        _check(node.right, names, depth)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, names, depth)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return
    elif isinstance(node, ast.Name):
        if node.id in ALLOWED_FUNCS:
            raise FormulaError(f"'{node.id}' is a function: write {node.id}(a, b)")
        names.add(node.id)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ALLOWED_FUNCS:
        if node.keywords or len(node.args) != 2:
            raise FormulaError(f"{node.func.id}() takes exactly two arguments")
        for arg in node.args:
            _check(arg, names, depth)
    else:
        raise FormulaError(
            f"only numbers, names, + - * / **, parentheses, min(a, b) and max(a, b) are allowed "
            f"(found {type(node).__name__})"
        )


def compile_formula(text: str) -> Formula:
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        raise FormulaError("a formula must be text such as 'population * intensity'")
    source = str(text).strip()
    if not source:
        raise FormulaError("the formula is empty")
    if len(source) > 2000:
        raise FormulaError("the formula is longer than 2,000 characters")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not a valid formula ({exc.msg})") from exc
    except (RecursionError, MemoryError) as exc:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep") from exc
    names: set[str] = set()
    _check(tree, names)
    folded = ast.fix_missing_locations(_Fold().visit(tree))
    return Formula(text=source, names=frozenset(names), code=compile(folded, "<formula>", "eval"))


class _Fold(ast.NodeTransformer):
    """Numbers become floats and constant parts are computed now, in floats, so none can run away."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        try:
            return ast.copy_location(ast.Constant(_finite(float(node.value))), node)
        except OverflowError as exc:
            raise FormulaError("a number too large for a float") from exc

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.operand, ast.Constant):
            value = node.operand.value
            return ast.copy_location(ast.Constant(-value if isinstance(node.op, ast.USub) else value), node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant):
            a, b = float(node.left.value), float(node.right.value)
            try:
                value = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op))
                if value is None:
                    value = a / b if isinstance(node.op, ast.Div) else a**b
            except ZeroDivisionError as exc:
                raise FormulaError("a division by zero") from exc
            except OverflowError as exc:
                raise FormulaError("a constant too large for a float (e.g. 10**10**10)") from exc
            if isinstance(value, complex):
                raise FormulaError("a negative number to a fractional power")
            return ast.copy_location(ast.Constant(_finite(value)), node)
        return node


def _finite(value: float) -> float:
    if not np.isfinite(value):
        raise FormulaError("a constant too large for a float")
    return value
