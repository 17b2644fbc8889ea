"""A variant applied to Astana's model, without a database: what each change does to the model, and each
refusal's whole sentence with the place it names (the kk and ru pages are written from its code and values).

The expected models and sentences are written out here by hand from the model files and the message table,
never read back from ``apply``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from qala.scenario.distributions import Distribution
from qala.scenario.variants import MAX_CHANGES, VariantError, apply
from qala.services import scenario as svc


@pytest.fixture(scope="module")
def model():
    return svc.resolve("bau", "astana")[0]


def refused(model, changes, scenario: str = "low-carbon") -> list[str]:
    with pytest.raises(VariantError) as caught:
        apply(model, scenario, changes)
    assert str(caught.value) == "; ".join(caught.value.problems)
    return caught.value.problems


def test_an_unknown_scenario_is_refused_with_the_scenarios_there_are(model) -> None:
    problems = refused(model, [], scenario="no-such")
    assert problems == ["variant: scenario: unknown scenario 'no-such': one of bau, low-carbon, net-zero-2060"]
    p = problems[0]
    assert (p.where, p.code) == ("variant: scenario", "variant.scenario_unknown")
    assert p.params == {"scenario": "'no-such'", "scenarios": "bau, low-carbon, net-zero-2060"}
    assert p.message("kk") == (
        "нұсқа, сценарий: «no-such» сценарийі белгісіз: мыналардың бірін таңдаңыз: bau, low-carbon, net-zero-2060"
    )
    assert p.message("ru") == (
        "вариант, сценарий: неизвестный сценарий «no-such»: выберите один из bau, low-carbon, net-zero-2060"
    )


@pytest.mark.parametrize("changes", [[{"parameter": "hp_cop", "value": 3.0}] * (MAX_CHANGES + 1), {"a": 1}])
def test_more_changes_than_the_bound_or_not_a_list_is_refused(model, changes) -> None:
    assert MAX_CHANGES == 200
    problems = refused(model, changes)
    assert problems == ["variant: changes: a list of at most 200 changes"]
    assert problems[0].code == "variant.too_many_changes" and problems[0].params == {"max": 200}


def test_exactly_the_bound_of_changes_is_accepted(model) -> None:
    varied = apply(model, "bau", [{"parameter": "hp_cop", "value": 3.0}] * MAX_CHANGES)
    assert varied.parameters["hp_cop"].path == {2024: 3.0}


def test_every_bad_change_is_named_by_its_place_not_only_the_first(model) -> None:
    changes = [
        "lrt",
        {"what": 1},
        {"parameter": "nope", "value": 1},
        {"parameter": "hp_cop", "value": 3, "zeta": 1, "alpha": 2},
        {"parameter": "hp_cop"},
        {"measure": "nope"},
        {"measure": "lrt", "start": 2026, "when": 1, "by": 2},
    ]
    assert refused(model, changes) == [
        "variant: changes[0]: a mapping with 'parameter' or 'measure'",
        "variant: changes[1]: a change names a 'parameter' or a 'measure'",
        "variant: changes[2].parameter: unknown parameter 'nope'",
        "variant: changes[3]: unknown key(s) alpha, zeta: a parameter change takes path, value, dist, uncertainty",
        "variant: changes[4]: a parameter change sets one of path, value, dist, uncertainty",
        "variant: changes[5].measure: unknown measure 'nope'",
        "variant: changes[6]: unknown key(s) by, when: a measure change takes start, full, max_effect, capex, "
        "opex_per_year, lifetime, in_scenario",
    ]


def test_bad_values_are_named_by_the_key_that_holds_them(model) -> None:
    changes = [
        {"parameter": "grid_ef", "path": 5},
        {"parameter": "grid_ef", "path": {"2030": "many"}},
        {"parameter": "hp_cop", "value": "x"},
        {"parameter": "grid_ef", "dist": {"type": "uniform", "low": 500, "high": 900}},
        {"parameter": "hp_cop", "uncertainty": {"type": "uniform", "low": 2, "high": 1}},
        {"parameter": "hp_cop", "dist": {"type": "uniform", "low": 2, "high": 1}},
        {"measure": "lrt", "start": 2020, "full": 2070},
        {"measure": "lrt", "start": 2030, "full": 2029},
        {"measure": "lrt", "max_effect": 1.5},
        {"measure": "lrt", "max_effect": {"type": "normal", "mean": 0.5, "sd": 0}},
        {"measure": "lrt", "lifetime": 0, "capex": "a lot"},
        {"measure": "lrt", "in_scenario": "yes"},
        {"parameter": "grid_ef", "path": {"soon": 600}},
        {"parameter": "hp_cop", "path": {2024: 2.8, 2060: 3.5}, "dist": {"type": "uniform", "low": 2, "high": 3}},
        {"measure": "lrt", "max_effect": "much"},
    ]
    assert refused(model, changes) == [
        "variant: changes[0].path: a mapping (key: value) is expected",
        "variant: changes[0].path: a path {year: value, ...} with at least one year",
        "variant: changes[1].path.2030: a number, got 'many'",
        "variant: changes[2].value: a number, got 'x'",
        "variant: changes[3].dist: 'dist' draws a constant value; for a path use 'uncertainty' (a multiplier)",
        "variant: changes[4].uncertainty: uniform: needs low < high",
        "variant: changes[5].dist: uniform: needs low < high",
        "variant: changes[6].start: a year within the horizon 2024-2060, got 2020",
        "variant: changes[6].full: a year within the horizon 2024-2060, got 2070",
        "variant: changes[7].full: full adoption cannot come before the start",
        "variant: changes[8].max_effect: a share between 0 and 1",
        "variant: changes[9].max_effect: normal: sd must be greater than 0",
        "variant: changes[10].capex: a number, got 'a lot'",
        "variant: changes[10].lifetime: a number greater than 0",
        "variant: changes[11].in_scenario: true or false",
        "variant: changes[12].path.soon: a whole year, got 'soon'",
        "variant: changes[13].dist: 'dist' draws a constant value; for a path use 'uncertainty' (a multiplier)",
        "variant: changes[14].max_effect: a number, got 'much'",
        "variant: changes[14].max_effect: a share between 0 and 1",
    ]


@pytest.mark.parametrize("share", [0, 1, 0.5])
def test_a_share_from_zero_to_one_inclusive_is_accepted(model, share) -> None:
    assert apply(model, "bau", [{"measure": "lrt", "max_effect": share}]).measures["lrt"].max_effect == share


@pytest.mark.parametrize("share", [-0.01, 1.01])
def test_a_share_outside_zero_to_one_is_refused(model, share) -> None:
    assert refused(model, [{"measure": "lrt", "max_effect": share}]) == [
        "variant: changes[0].max_effect: a share between 0 and 1"
    ]


def test_full_adoption_in_its_start_year_is_accepted(model) -> None:
    lrt = apply(model, "bau", [{"measure": "lrt", "start": 2030, "full": 2030}]).measures["lrt"]
    assert (lrt.start, lrt.full) == (2030, 2030)


def test_parameter_changes_give_the_model_written_out_by_hand(model) -> None:
    varied = apply(
        model,
        "low-carbon",
        [
            {"parameter": "grid_ef", "path": {"2024": 797, 2030: 600, 2060: 100}},  # a year as text, as JSON sends it
            {"parameter": "grid_ef", "uncertainty": {"type": "uniform", "low": 0.9, "high": 1.1}},
            {"parameter": "hp_cop", "value": 3.1},
            {"parameter": "gas_boiler_eff", "dist": {"type": "triangular", "low": 0.8, "mode": 0.9, "high": 0.95}},
        ],
        name="clean-grid",
    )
    grid, hp, boiler = (varied.parameters[n] for n in ("grid_ef", "hp_cop", "gas_boiler_eff"))
    assert grid == replace(
        model.parameters["grid_ef"],
        path={2024: 797.0, 2030: 600.0, 2060: 100.0},
        uncertainty=Distribution(kind="uniform", a=0.9, b=1.1),
    )
    assert hp == replace(model.parameters["hp_cop"], path={2024: 3.1}, dist=None)  # a constant: no longer drawn
    assert boiler.dist == Distribution(kind="triangular", a=0.8, b=0.9, c=0.95)
    assert boiler.path == model.parameters["gas_boiler_eff"].path and len(boiler.path) == 1
    unchanged = set(model.parameters) - {"grid_ef", "hp_cop", "gas_boiler_eff"}
    assert all(varied.parameters[n] == model.parameters[n] for n in unchanged)
    spec = varied.scenarios["clean-grid"]
    assert (spec.name, spec.measures, spec.description) == (
        "clean-grid",
        model.scenarios["low-carbon"].measures,
        model.scenarios["low-carbon"].description,
    )
    assert {k: v for k, v in varied.scenarios.items() if k != "clean-grid"} == model.scenarios
    assert model.parameters["hp_cop"].dist is not None  # the base model is left as it was


def test_an_uncertainty_of_null_removes_the_multiplier(model) -> None:
    drawn = apply(model, "bau", [{"parameter": "grid_ef", "uncertainty": {"type": "uniform", "low": 0.9, "high": 1.1}}])
    again = apply(drawn, "variant", [{"parameter": "grid_ef", "uncertainty": None}], name="plain")
    assert drawn.parameters["grid_ef"].uncertainty is not None
    assert again.parameters["grid_ef"].uncertainty is None


def test_measure_changes_give_the_model_written_out_by_hand(model) -> None:
    base = model.measures["lrt"]
    varied = apply(
        model,
        "low-carbon",
        [
            {"measure": "lrt", "start": 2028, "full": 2031, "capex": 4e11, "opex_per_year": 1e9, "lifetime": 30},
            {"measure": "lrt", "max_effect": {"type": "triangular", "low": 0.5, "mode": 0.7, "high": 0.9}},
            {"measure": "bus_network", "in_scenario": False},
            {"measure": "electric_trucks", "in_scenario": True},  # a net-zero measure, added
            {"measure": "lrt", "in_scenario": True},  # already in: not listed twice
        ],
        name="later-lrt",
    )
    lrt = varied.measures["lrt"]
    assert lrt == replace(
        base,
        start=2028,
        full=2031,
        max_effect=Distribution(kind="triangular", a=0.5, b=0.7, c=0.9),
        cost={**base.cost, "capex": 4e11, "opex_per_year": 1e9, "lifetime": 30.0},
    )
    assert base.cost["capex"] == 335_000_000_000.0 and base.start == 2025  # the base model is left as it was
    listed = [m for m in model.measures if m in model.scenarios["low-carbon"].measures or m == "electric_trucks"]
    assert varied.scenarios["later-lrt"].measures == tuple(m for m in listed if m != "bus_network")
    assert "bus_network" in varied.scenarios["low-carbon"].measures


def test_a_variant_keeps_the_base_models_draws_even_when_a_change_removes_one(model) -> None:
    once = apply(model, "bau", [{"parameter": "hp_cop", "value": 3.0}])
    twice = apply(once, "variant", [{"parameter": "grid_ef", "value": 500}], name="twice")
    assert once.draw_keys == twice.draw_keys == tuple(k for k, _ in model.uncertain())


def test_a_refused_change_does_not_leave_its_mark_on_the_changes_after_it(model) -> None:
    # the first change is refused (its share), so its full adoption by 2026 is not kept: the second change, a
    # start in 2027, is checked against the LRT's own full adoption (2027) and not refused for the first's fault
    assert (model.measures["lrt"].start, model.measures["lrt"].full) == (2025, 2027)
    changes = [{"measure": "lrt", "full": 2026, "max_effect": 2}, {"measure": "lrt", "start": 2027}]
    assert refused(model, changes) == ["variant: changes[0].max_effect: a share between 0 and 1"]
    # the same for a parameter: a path refused whole leaves the path of four years, on which a 'dist' is refused
    changes = [
        {"parameter": "grid_ef", "path": {2030: "x"}},
        {"parameter": "grid_ef", "dist": {"type": "uniform", "low": 1, "high": 2}},
    ]
    assert refused(model, changes) == [
        "variant: changes[0].path.2030: a number, got 'x'",
        "variant: changes[1].dist: 'dist' draws a constant value; for a path use 'uncertainty' (a multiplier)",
    ]


def test_a_problem_s_place_in_kk_and_ru_by_hand() -> None:
    from qala.scenario.messages import place

    where = "variant: changes[0].path.2075"
    assert place(where, "ru") == "вариант, изменение 1, траектория, 2075"  # counted from 1 for a reader
    assert place(where, "kk") == "нұсқа, 1-өзгеріс, траектория, 2075"
    assert place(where, "en") == where and place(where, "de") == where  # English, and any other, as written
    assert place("variant: changes[11].value", "ru") == "вариант, изменение 12, значение"
    assert place("variant: changes[11].value", "kk") == "нұсқа, 12-өзгеріс, мән"
    assert place("variant: scenario", "kk") == "нұсқа, сценарий"
    assert place("x", "ru") == "x"  # a part with no name of its own is shown as written
