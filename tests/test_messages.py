"""Issue 14: the importer's problems have message codes with kk/ru/en text; inputs in the provider's own forms."""

from __future__ import annotations

import re

import pytest

from qala.catalog import load_catalog
from qala.ingest import messages
from qala.ingest.locale_input import canonical_unit
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table

HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"


@pytest.mark.parametrize("code", sorted(messages.CODES))
def test_every_code_has_kk_ru_and_en_with_the_same_placeholders(code: str) -> None:
    pattern, texts = messages.CODES[code]
    assert set(texts) == {"kk", "ru", "en"}, code
    names = {lang: set(re.findall(r"\{(\w+)\}", t)) for lang, t in texts.items()}
    assert names["kk"] == names["ru"] == names["en"], code
    groups = set(re.compile(pattern).groupindex) | ({"detail"} if code == "invalid" else set())
    assert names["en"] <= groups, code  # every placeholder is filled from the English text
    assert texts["kk"] != texts["en"] and texts["ru"] != texts["en"], code  # translated, not copied
    assert re.search("[а-яәғқңөұүһі]", texts["kk"], re.I) and re.search("[а-я]", texts["ru"], re.I), code


def problems_of(body: str) -> list:
    with pytest.raises(ValidationFailed) as exc:
        validate_table(parse_bytes(body.encode(), "x.csv"), load_catalog(), "astana")
    return exc.value.problems


BAD_ROWS = {
    "year.empty": ",I.1.1,natural_gas,1,TJ,s,a",
    "year.invalid": "20x3,I.1.1,natural_gas,1,TJ,s,a",
    "year.range": "1800,I.1.1,natural_gas,1,TJ,s,a",
    "year.future": "2099,I.1.1,natural_gas,1,TJ,s,a",
    "number.empty": "2023,I.1.1,natural_gas,,TJ,s,a",
    "number.comma": '2023,I.1.1,natural_gas,"1,234",TJ,s,a',
    "number.invalid": "2023,I.1.1,natural_gas,abc,TJ,s,a",
    "number.negative": "2023,I.1.1,natural_gas,-5,TJ,s,a",
    "number.too_large": "2023,I.1.1,natural_gas,1e20,TJ,s,a",
    "gpc.empty": "2023,,natural_gas,1,TJ,s,a",
    "gpc.unknown": "2023,I.1.9,natural_gas,1,TJ,s,a",
    "activity.unknown": "2023,I.1.1,natural_gaz,1,TJ,s,a",
    "activity.empty": "2023,I.1.1,,1,TJ,s,a",
    "unit.empty": "2023,I.1.1,natural_gas,1,,s,a",
    "unit.unknown": "2023,I.1.1,natural_gas,1,bananas,s,a",
}


@pytest.mark.parametrize(("code", "row"), sorted(BAD_ROWS.items()))
def test_the_validators_problems_carry_their_code(code: str, row: str) -> None:
    found = {p.to_dict()["code"] for p in problems_of(HEADER + row + "\n")}
    assert code in found, found
    assert "invalid" not in found


def test_a_problem_reads_in_the_providers_language() -> None:
    [p] = problems_of(HEADER + "2023,I.1.1,natural_gas,-5,TJ,s,a\n")
    d = p.to_dict()
    assert (
        messages.message(d, "kk")
        == "x.csv, 2-жол, «amount» бағаны: көрсетілгені «-5» — күтілгені: 0-ден кем емес сан (ол теріс)"
    )
    assert (
        messages.message(d, "ru")
        == "x.csv, строка 2, столбец «amount»: указано «-5» — ожидается: число не меньше 0 (оно отрицательное)"
    )
    assert messages.message(d, "en").endswith("expected: a number of at least 0 (it is negative)")


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("5 576 311", 5576311.0),
        ("5\u00a0576\u00a0311", 5576311.0),
        ("5\u202f576\u202f311", 5576311.0),
        ('"12,5"', 12.5),
        ('"5 576,25"', 5576.25),
        ("12.5", 12.5),
    ],
)
def test_numbers_in_the_locale_forms_are_read(written: str, amount: float) -> None:
    t = validate_table(
        parse_bytes((HEADER + f"2023,I.1.1,natural_gas,{written},TJ,s,a\n").encode(), "x.csv"), load_catalog(), "astana"
    )
    assert t.records["amount"].to_list() == [amount]


@pytest.mark.parametrize(
    ("label", "unit"),
    [
        ("мың м3", "thousand m3"),
        ("тыс. м3", "thousand m3"),
        ("Гкал", "Gcal"),
        ("МВт·ч", "MWh"),
        ("МВт·сағ", "MWh"),
        ("т у.т.", "tce"),
        ("кг/ТДж", "kg/TJ"),
        ("TJ", "TJ"),
        ("bananas", "bananas"),
    ],
)
def test_the_unit_labels_qala_prints_are_read_as_units(label: str, unit: str) -> None:
    assert canonical_unit(label) == unit


def test_a_kazakh_upload_with_kazakh_units_imports() -> None:
    body = HEADER + "2023,I.1.1,natural_gas,5 576 311,мың м3,газ,a\n"
    t = validate_table(parse_bytes(body.encode(), "x.csv"), load_catalog(), "astana")
    assert t.records.select("amount", "unit").rows() == [(5576311.0, "thousand m3")]


@pytest.mark.parametrize(("lang", "word"), [("kk", "міндетті"), ("ru", "обязательно"), ("en", "required")])
def test_the_template_speaks_the_providers_language(tmp_path, lang: str, word: str) -> None:
    from openpyxl import load_workbook

    from qala.ingest.template import write_template

    path = tmp_path / "t.xlsx"
    write_template("gas_utility", path, catalog=load_catalog(), lang=lang)
    data = load_workbook(path)["data"]
    assert f"amount ({word})" in data["D1"].comment.text or any(
        f"({word})" in (c.comment.text if c.comment else "") for c in data[1]
    )
    errors = [dv.error for dv in data.data_validations.dataValidation]
    assert lang == "en" or not any("Choose" in (e or "") for e in errors)


@pytest.mark.parametrize(
    ("english", "code"),
    [
        ("a reason the provider will read", "form.reason_required"),
        ("a reason for withdrawing this version", "form.reason_required"),
        ("a note that says what this version is", "form.note_required"),
        ("rows not pending in this submission: 3, 4", "form.not_pending"),
        ("a submission is decided by someone other than its author", "form.own_submission"),
        ("no activity data for astana in 1990", "form.no_data"),
        ("nothing of this batch is current any more", "form.nothing_current"),
    ],
)
def test_the_forms_refusals_have_codes_too(english: str, code: str) -> None:
    assert messages.classify(english)[0] == code
    assert messages.form_error(english, "kk") != messages.form_error(english, "en")


def test_every_refusal_of_the_importers_cases_has_its_own_code() -> None:
    """Each bad file of the import tests (units of the wrong kind, calorific values, ragged rows, …) gets a
    specific code, never the catch-all ``invalid`` that keeps the English detail on a kk or ru page."""
    from tests.test_import_validation import CASES

    found: dict[str, set[str]] = {}
    for name, (body, _) in CASES.items():
        found[name] = {p.to_dict()["code"] for p in problems_of(body)}
    assert not [name for name, codes in found.items() if "invalid" in codes], found
    assert "unit.kind" in found["wrong_dimension"]
    assert "row.fields" in found["ragged_row"]
    assert "ncv.per_mass" in found["ncv_wrong_dimension"]
    assert "ncv.amount_unit" in found["ncv_on_energy"]


@pytest.mark.parametrize(
    ("expected", "code", "kk"),
    [
        ("unit 'TJ' is an energy; landfilled_msw needs a mass (e.g. t, kt)", "unit.needs_mass", "«TJ» масса емес"),
        ("a calorific value applies to fuels only, not to grid_electricity", "ncv.fuel_only", "тек отынға"),
        ("a calorific value greater than 0", "ncv.positive", "0-ден үлкен"),
        ("a number before the unit in 'x GJ/t'", "ncv.quantity", "«x GJ/t» емес"),
    ],
)
def test_the_units_refusals_read_in_kazakh(expected: str, code: str, kk: str) -> None:
    got, params = messages.classify(expected)
    assert got == code
    assert kk in messages.text(got, params, "kk")
