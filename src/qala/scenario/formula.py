"""Safe arithmetic formulas over named arrays (a whitelist of Python's syntax, nothing else)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

ALLOWED_FUNCS: dict[str, Callable[..., Any]] = {"min": np.minimum, "max": np.maximum}
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Formula:
    text: str
    names: frozenset[str]
    code: Any  # a compiled expression

    def __call__(self, values: Mapping[str, Any]) -> Any:
        return eval(self.code, {"__builtins__": {}}, {**ALLOWED_FUNCS, **values})


def _check(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.Expression):
        _check(node.body, names)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, names)
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
            _check(arg, names)
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
    names: set[str] = set()
    _check(tree, names)
    return Formula(text=source, names=frozenset(names), code=compile(tree, "<formula>", "eval"))
