"""Hostile model files and formulas: alias bombs, deep nesting, huge numbers, Python tags, runaway arithmetic.

A model file is refused with a ModelError naming the file, or read; a formula is refused with a
FormulaError, or computes in bounded time. The cases that once hung or overflowed the stack run in a
child process with a limit on its CPU time, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qala.catalog import load_catalog
from qala.scenario.formula import FormulaError, compile_formula
from qala.scenario.spec import ModelError, load_model
from tests.bounded import run_child

TINY = Path(__file__).parent / "data" / "tiny_model.yaml"
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_MODELS = {
    "billion_laughs": "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
    "deep_lists": "model: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deep_mappings": "model:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)),
    "deep_flow_mappings": "model: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
    "huge_integer": "model: x\nbase_year: " + "9" * 100_000 + "\n",
    "huge_float": "model: x\ncity: astana\nbase_year: 1e999\nend_year: -.inf\n",
    "python_object": "model: !!python/object/apply:os.system ['echo pwned']\n",
    "python_name": "model: !!python/name:os.system\n",
    "custom_tag": "model: !include /etc/passwd\n",
    "unhashable_key": "? [a, b]\n: 1\n",
    "binary": "\udcff",
    "too_large": "# " + "x" * (3 * 2**20) + "\n",
    "empty": "",
    "a_list": "- 1\n- 2\n",
    "merge_key": "model: x\n<<: {city: astana}\n",
}
EXPECTED = {
    "billion_laughs": "aliases (*name) are not allowed",
    "deep_lists": "nested at most 30 levels deep",
    "deep_mappings": "nested at most 30 levels deep",
    "deep_flow_mappings": "nested at most 30 levels deep",
    "huge_integer": "a number with more than 4,300 digits",
    "python_object": "could not determine a constructor",
    "python_name": "could not determine a constructor",
    "custom_tag": "could not determine a constructor",
    "unhashable_key": "unhashable key",
    "binary": "UTF-8 text",
    "too_large": "a model file of at most 2 MiB",
}


def model_problems(path: Path) -> list[str]:
    """The problems of a model file ([] when it loads); a refusal always lists at least one."""
    try:
        load_model(path, load_catalog())
    except ModelError as exc:
        return exc.problems or ["(a refusal without problems)"]
    return []


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE_MODELS))
def test_a_hostile_model_is_refused_naming_the_file(name: str, tmp_path: Path) -> None:
    path = write(tmp_path, name, HOSTILE_MODELS[name])
    with pytest.raises(ModelError) as info:
        load_model(path, load_catalog())
    assert all(p.startswith(str(path)) for p in info.value.problems)
    assert EXPECTED.get(name, "") in str(info.value)


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from qala.catalog import load_catalog
    from qala.scenario.formula import FormulaError, compile_formula
    from qala.scenario.spec import ModelError, load_model
    for path in sys.argv[1:]:
        try:
            load_model(Path(path), load_catalog())
        except ModelError:
            pass
    for text in ["10**10**10", "9**9**9**9", "2**100000", "(10**300)**(10**300)", "-" * 1900 + "1", "(" * 150 + "1"
                 + ")" * 150, "1" + "*1" * 999, "max(" * 200 + "1" + ", 1)" * 200]:
        try:
            f = compile_formula(text)
            f({})
        except FormulaError:
            pass
    import numpy as np
    with np.errstate(over="ignore"):  # as Python ints, 10**10**10: hours and gigabytes
        assert compile_formula("a ** a ** a")({"a": 10}) == np.inf
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(int(hwm.split()[1]) // 1024)
    """
)


def test_hostile_models_and_formulas_finish_in_bounded_time_and_memory(tmp_path: Path) -> None:
    paths = [str(write(tmp_path, name, text)) for name, text in HOSTILE_MODELS.items()]
    done = run_child(["-W", "error", "-c", CHILD, *paths], cpu_seconds=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) < 300  # MB, with numpy, polars and the catalog loaded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10**10**10", "too large for a float"),
        ("2**100000", "too large for a float"),
        ("1/0", "division by zero"),
        ("(-8)**(1/3)", "negative number to a fractional power"),
        ("-" * 1900 + "1", "nested more than 100 levels"),
        ("__import__('os').system('id')", "only numbers, names"),
        ("a.__class__", "found Attribute"),
        ("(lambda: 1)()", "found Call"),
        ("[x for x in a]", "found ListComp"),
        ("a if b else c", "found IfExp"),
        ("'text'", "found Constant"),
        ("a[0]", "found Subscript"),
        ("a // b", "found BinOp"),
        ("max(a, b, c)", "exactly two arguments"),
        ("x" * 2001, "longer than 2,000 characters"),
    ],
)
def test_hostile_formulas_are_refused(text: str, expected: str) -> None:
    with pytest.raises(FormulaError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        compile_formula(text)


def test_constant_parts_are_computed_once_in_floats() -> None:
    f = compile_formula("2 * a + 3 ** 2")
    assert f.names == {"a"}
    assert np.array_equal(f({"a": np.array([1.0, 2.0])}), [11.0, 13.0])
    assert f({"a": 10}) == 29.0 and isinstance(f({"a": 10}), np.floating)  # scalars become numpy floats


# --- fuzzing -------------------------------------------------------------------------------------------------

ATOMS = [
    "a", "b", "population", "1", "0", "2.5", "1e308", "10**10", "__import__('os')", "a.b", "lambda: 1",
    "[x for x in a]", "(1).__class__", "'s'", "f'{a}'", "a[0]", "not a", "a and b", "a @ b", "a % b", "a << b",
    "~a", "*a", "yield a", "await a", "max(a, b)", "min(a)", "open('x')", "globals()", "a if b else c", "()",
    "{}", "...", "True", "None", "1j", "0x10", "1_000",
]  # fmt: skip
OPS = ["+", "-", "*", "/", "**", "//", "%", "|", "&", "==", ",", " ", "."]
expression = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(OPS), inner).map(" ".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(st.sampled_from(["max", "min", "abs", "eval", "exec"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
    ),
    max_leaves=12,
)


@FUZZ
@given(expression)
def test_any_expression_is_refused_or_computes(text: str) -> None:
    try:
        f = compile_formula(text)
    except FormulaError:
        return
    values = {n: np.array([0.5, 2.0, 10.0]) for n in f.names}
    with np.errstate(all="ignore"):
        result = f(values)
    assert np.asarray(result, dtype=float).shape in ((), (3,))


scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["=1+1", "__import__('os')", "10**10**10", "!!python/object", "*a", "&a"]),
)
document = st.recursive(
    scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
KEYS = ["model", "city", "base_year", "end_year", "drivers", "parameters", "nodes", "flows", "measures", "scenarios"]


@settings(FUZZ, max_examples=60)
@given(st.dictionaries(st.sampled_from(KEYS), document, max_size=6))
def test_any_yaml_document_is_refused_with_a_model_error_or_read(tmp_path_factory, doc) -> None:
    path = tmp_path_factory.mktemp("m") / "model.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    problems = model_problems(path)
    assert all(p.startswith(str(path)) for p in problems)


@settings(FUZZ, max_examples=40)
@given(st.sampled_from(["nodes", "parameters", "drivers", "measures"]), document)
def test_the_tiny_model_with_one_part_replaced_is_refused_or_read(tmp_path_factory, key: str, part) -> None:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data[key] = part
    path = tmp_path_factory.mktemp("m") / "model.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = model_problems(path)
    assert all(p.startswith(str(path)) for p in problems)
