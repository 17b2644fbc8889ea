"""Bad model files: a clear message naming the file, the key and the problem; exit 2."""

from pathlib import Path

import pytest
import yaml

TINY = Path(__file__).parent / "data" / "tiny_model.yaml"


def variant(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def set_in(data, keys, value):
    for k in keys[:-1]:
        data = data[k]
    data[keys[-1]] = value


CASES = {
    "unknown_node": (
        lambda d: set_in(d, ["nodes", "heat", "formula"], "population * heat_per_cap"),
        ["nodes.heat.formula", "unknown name 'heat_per_cap'"],
    ),
    "cycle": (
        lambda d: (
            set_in(d, ["nodes", "heat", "formula"], "population * heat_per_capita + loop"),
            set_in(d, ["nodes", "loop"], {"formula": "heat * 0.1", "unit": "TJ"}),
        ),
        ["a cycle", "heat -> loop -> heat"],
    ),
    "unit_mismatch": (
        lambda d: set_in(d, ["nodes", "heat", "formula"], "population * waste_pc"),
        ["nodes.heat.unit", "unit mismatch"],
    ),
    "measure_on_missing_parameter": (
        lambda d: set_in(d, ["measures", "to_gas", "changes"], [{"parameter": "gas_share", "mode": "set", "value": 0}]),
        ["measures.to_gas.changes[0].parameter", "unknown parameter 'gas_share'"],
    ),
    "impossible_distribution": (
        lambda d: set_in(
            d, ["measures", "capture_gas", "max_effect"], {"type": "triangular", "low": 1, "mode": 0.5, "high": 0.9}
        ),
        ["measures.capture_gas.max_effect", "low <= mode <= high"],
    ),
    "negative_sd": (
        lambda d: set_in(d, ["parameters", "efficiency", "dist"], {"type": "normal", "mean": 0.8, "sd": -1}),
        ["parameters.efficiency.dist", "sd must be greater than 0"],
    ),
    "year_outside_horizon": (
        lambda d: set_in(d, ["measures", "to_gas", "adoption", "full"], 2070),
        ["measures.to_gas.adoption.full", "within the horizon 2024-2030"],
    ),
    "unknown_activity": (
        lambda d: set_in(d, ["flows", "chp_coal", "activity"], "unobtainium"),
        ["flows.chp_coal.activity", "catalog activity code"],
    ),
    "flow_in_wrong_cell": (
        lambda d: set_in(d, ["flows", "chp_coal", "gpc_ref"], "I.1.2"),
        ["flows.chp_coal", "is a fuel"],
    ),
    "unsafe_formula": (
        lambda d: set_in(d, ["nodes", "heat", "formula"], "__import__('os').system('true')"),
        ["nodes.heat.formula", "only numbers, names"],
    ),
    "no_source": (
        lambda d: d["parameters"]["efficiency"].pop("source"),
        ["parameters.efficiency", "'source' or an 'assumption'"],
    ),
    "unknown_key": (lambda d: set_in(d, ["horizon"], 2060), ["horizon", "unknown key"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_model_is_refused(case: str, tmp_path: Path, run_cli) -> None:
    edit, needles = CASES[case]
    path = variant(tmp_path, edit)
    code, _, err = run_cli("scenario", "run", str(path), "--draws", "1")
    assert code == 2, err
    assert str(path) in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err


def test_yaml_aliases_are_refused(tmp_path: Path, run_cli) -> None:
    bomb = "a: &a [1, 1, 1]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    code, _, err = run_cli("scenario", "run", str(path))
    assert code == 2
    assert "aliases" in err


def test_not_yaml(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("model: [unclosed\n", encoding="utf-8")
    code, _, err = run_cli("scenario", "run", str(path))
    assert code == 2
    assert "not valid YAML" in err
