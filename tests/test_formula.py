"""Formulas of a scenario model: what each operator computes, what constant folding gives, and what is refused,
worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from qala.scenario.formula import MAX_DEPTH, Formula, FormulaError, compile_formula


def _folded(text: str) -> tuple[object, ...]:
    """The constants of the formula's compiled code: a folded formula holds its value there."""
    return compile_formula(text).code.co_consts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7 + 2", 9.0),
        ("7 - 2", 5.0),
        ("7 * 2", 14.0),
        ("7 / 2", 3.5),
        ("7 ** 2", 49.0),
        ("-7", -7.0),
        ("+7", 7.0),
        ("-(2 - 7)", 5.0),
        ("2 ** -1", 0.5),
        ("(1 + 2) * (3 - 5) / 4", -1.5),
        ("  12  ", 12.0),
    ],
)
def test_constant_formulas_fold_to_their_value_in_floats(text: str, value: float) -> None:
    f = compile_formula(text)
    assert f.names == frozenset()
    got = f({})
    assert got == value and isinstance(got, float)
    assert value in _folded(text)  # computed once, when compiled
    assert f.text == text.strip()


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a + b", {"a": 3, "b": 4}, 7.0),
        ("a - b", {"a": 3, "b": 4}, -1.0),
        ("a * b", {"a": 3, "b": 4}, 12.0),
        ("a / b", {"a": 3, "b": 4}, 0.75),
        ("a ** b", {"a": 3, "b": 4}, 81.0),
        ("-a + +b", {"a": 3, "b": 4}, 1.0),
        ("min(a, b)", {"a": 3, "b": 4}, 3.0),
        ("max(a, b)", {"a": 3, "b": 4}, 4.0),
        ("a / 2 * 3", {"a": 4}, 6.0),
        ("a * (1 - 0.25)", {"a": 8}, 6.0),
    ],
)
def test_each_operator_computes_by_hand(text: str, values: dict, expected: float) -> None:
    got = compile_formula(text)(values)
    assert got == expected
    assert isinstance(got, np.floating)  # integers become floats: 3 / 4 is never integer arithmetic


def test_only_the_names_used_are_read_and_arrays_pass_through() -> None:
    f = compile_formula("population * intensity")
    assert f.names == frozenset({"population", "intensity"})
    out = f({"population": np.array([1.0, 2.0]), "intensity": 3, "unused": object()})
    assert out.tolist() == [3.0, 6.0]
    assert compile_formula("min(a, 2)")({"a": np.array([1.0, 5.0])}).tolist() == [1.0, 2.0]
    with pytest.raises(KeyError):
        f({"population": 1.0})


def test_a_formula_given_as_a_number_is_that_number() -> None:
    assert compile_formula(2.5)({}) == 2.5
    assert compile_formula(3)({}) == 3.0


ALLOWED = "only numbers, names, + - * / **, parentheses, min(a, b) and max(a, b) are allowed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (True, "a formula must be text such as 'population * intensity'"),
        (None, "a formula must be text such as 'population * intensity'"),
        ("   ", "the formula is empty"),
        ("1 / 0", "a division by zero"),
        ("1 / (2 - 2)", "a division by zero"),
        ("10.0 ** 400", "a constant too large for a float (e.g. 10**10**10)"),
        ("1e308 * 10", "a constant too large for a float"),
        ("1e308 + 1e308", "a constant too large for a float"),
        ("-1e308 - 1e308", "a constant too large for a float"),
        ("(-8) ** (1 / 3)", "a negative number to a fractional power"),
        ("1" + "0" * 400, "a number too large for a float"),
        ("min", "'min' is a function: write min(a, b)"),
        ("max(a, b=1)", "max() takes exactly two arguments"),
        ("min(a)", "min() takes exactly two arguments"),
        ("abs(a)", f"{ALLOWED} (found Call)"),
        ("a % 2", f"{ALLOWED} (found BinOp)"),
        ("not a", f"{ALLOWED} (found UnaryOp)"),
        ("True + 1", f"{ALLOWED} (found Constant)"),
        ("a" * 2001, "the formula is longer than 2,000 characters"),
    ],
)
def test_what_is_refused_and_the_sentence_that_says_why(text: object, message: str) -> None:
    with pytest.raises(FormulaError) as caught:
        compile_formula(text)
    assert str(caught.value) == message  # the whole sentence: the web shows it as it is


def test_a_formula_that_does_not_parse_says_so_with_pythons_reason() -> None:
    with pytest.raises(FormulaError) as caught:
        compile_formula("a +")
    assert str(caught.value).startswith("not a valid formula (") and str(caught.value).endswith(")")


def test_a_formula_of_exactly_2000_characters_is_allowed() -> None:
    name = "a" * 2000
    assert compile_formula(f"  {name}  ")({name: 4.0}) == 4.0  # the spaces around it are not counted


def test_a_formula_cannot_reach_pythons_builtins_even_past_the_check() -> None:
    """The check lets no name of a builtin through; the evaluation is a second wall: a compiled formula that
    names one (as a formula could if the check had a hole) finds nothing under that name."""
    smuggled = Formula(text="len('abc')", names=frozenset(), code=compile("len('abc')", "<formula>", "eval"))
    with pytest.raises(NameError, match="'len' is not defined"):
        smuggled({})
    imported = Formula(text="x", names=frozenset(), code=compile("__import__('os')", "<formula>", "eval"))
    with pytest.raises(NameError):
        imported({})


def test_nesting_is_bounded_at_max_depth() -> None:
    assert MAX_DEPTH == 100
    deep = "-" * (MAX_DEPTH - 2) + "a"  # the expression and its unary operators: within the bound
    assert compile_formula(deep)({"a": 1.0}) == 1.0
    with pytest.raises(FormulaError, match=f"^the formula is nested more than {MAX_DEPTH} levels deep$"):
        compile_formula("-" * (MAX_DEPTH + 1) + "a")
    with pytest.raises(FormulaError, match="nested more than"):
        compile_formula("a + " * 150 + "a")  # sums nest to the left: 150 levels


def test_the_depth_bound_is_exact_and_counts_every_branch() -> None:
    """The expression is level 0 and each operator one more: a name under 99 unary minuses is at level 100,
    the deepest allowed; under 100 it is refused. Nesting on the right of a sum and inside min() counts the
    same as on the left."""
    assert compile_formula("-" * (MAX_DEPTH - 1) + "a")({"a": 2.0}) == -2.0
    with pytest.raises(FormulaError, match=f"^the formula is nested more than {MAX_DEPTH} levels deep$"):
        compile_formula("-" * MAX_DEPTH + "a")
    right = "a + (" * 120 + "a" + ")" * 120
    within = "a + (" * 90 + "a" + ")" * 90
    assert compile_formula(within)({"a": 1.0}) == 91.0
    calls = "min(a, " * 120 + "a" + ")" * 120
    for text in (right, calls):
        with pytest.raises(FormulaError, match=f"^the formula is nested more than {MAX_DEPTH} levels deep$"):
            compile_formula(text)
