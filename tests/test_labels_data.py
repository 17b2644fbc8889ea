"""Names of the codes that data carry come from data files with kk, ru and en, and every code the data use has one."""

from __future__ import annotations

import csv
import re
from importlib import resources

import yaml

from qala.catalog import labels as data_labels
from qala.web import i18n, labels

CITY = resources.files("qala.cities").joinpath("astana")


def _financing_codes() -> set[str]:
    model = yaml.safe_load(CITY.joinpath("model.yaml").read_text(encoding="utf-8"))
    return {code for m in model["measures"].values() for code in m.get("financing", [])}


def test_every_kind_has_kk_ru_en_names() -> None:
    for kind, codes in data_labels.table().items():
        for code, names in codes.items():
            assert set(names) == {"en", "ru", "kk"}, (kind, code)
            if code != "1":  # the dimensionless unit is written as nothing
                assert all(names.values()), (kind, code)


def test_every_funding_source_and_facility_the_data_use_is_named() -> None:
    assert _financing_codes(), "no financing codes read"
    for code in _financing_codes():
        assert data_labels.has("funding", code), code
    with CITY.joinpath("activity.csv").open(encoding="utf-8") as fh:
        facilities = {r["facility"] for r in csv.DictReader(fh) if r["facility"]}
    for code in facilities:
        assert data_labels.has("facility", code), code


def test_every_document_target_indicator_and_unit_is_named() -> None:
    docs = yaml.safe_load(CITY.joinpath("strategic_documents.yaml").read_text(encoding="utf-8"))
    targets = [t for d in docs["documents"] for t in d.get("targets", [])]
    assert targets
    for t in targets:
        assert data_labels.has("indicator", t["indicator"]), t["indicator"]
        for part in str(t["unit"]).split("/"):
            assert data_labels.has("unit", part.strip()) or part.strip() in labels.UNITS, t["unit"]


def test_every_notation_key_explanation_is_translated() -> None:
    with CITY.joinpath("notation_keys.csv").open(encoding="utf-8") as fh:
        sentences = {r["explanation"] for r in csv.DictReader(fh)}
    sentences.add("not estimated: no activity data for this cell")  # the engine's own explanation
    for s in sentences:
        for lang in ("ru", "kk"):
            assert labels.text(s, lang) != s, (lang, s)
            assert labels.text_lang(s, lang) == lang
    assert labels.text("A sentence nobody translated.", "kk") == "A sentence nobody translated."
    assert labels.text_lang("A sentence nobody translated.", "kk") == "en"


def test_estimate_inputs_are_named() -> None:
    spec = yaml.safe_load(CITY.joinpath("estimates.yaml").read_text(encoding="utf-8"))
    for code in [*spec["series"], *spec["inputs"]]:
        assert data_labels.has("input", code), code
    assert labels.input_name("population 2024", "ru") == "Численность населения 2024"
    assert labels.input_name("landfill.docf", "kk").startswith("Ыдырайтын")


def test_units_are_written_for_the_locale() -> None:
    assert labels.unit("ug/m3", "ru") == "мкг/м³"
    assert labels.unit("KZT/thousand m3", "ru") == "тенге/тыс. м³"
    assert labels.unit("t CO2e/person/yr", "kk") == "т CO2-экв./адам/жыл"
    assert labels.unit("kg/TJ", "ru") == "кг/ТДж"


def test_numbers_and_times_for_the_locale() -> None:
    assert i18n.smart(35.199999999999996, "ru") == "35,2"
    assert i18n.smart(94600.0, "kk") == "94\u00a0600"
    assert i18n.smart(6000000.0, "en") == "6,000,000"
    assert i18n.smart(0.004213, "ru") == "0,0042"
    assert i18n.when("2026-12-02T12:01:02.123456+00:00", "ru") == "02.12.2026 12:01"
    assert not re.search(r"\d\.\d{5,}", i18n.when("2026-12-02 12:01:02.123456", "kk"))


def test_every_model_parameter_driver_and_measure_has_kk_ru_en_names_and_units() -> None:
    """Walk Astana's model: a parameter, driver or measure without a kk, ru and en name (or with a name that is
    its code, or English left in kk/ru) fails, and so does a unit part without a kk and ru symbol."""
    from qala.services import scenario as svc

    model, _ = svc.resolve("bau", "astana")
    named = [("parameter", p.name, p.unit) for p in model.parameters.values()]
    named += [("driver", d.name, d.unit) for d in model.drivers.values()]
    assert len(named) >= 90
    missing = []
    for kind, code, unit in named:
        names = {lang: labels.parameter(code, lang) for lang in ("en", "ru", "kk")}
        if not data_labels.has(kind, code) or code in names.values() or len(set(names.values())) < 3:
            missing.append((kind, code, names))
        for lang in ("ru", "kk"):
            if re.search(r"[A-Za-z]{4,}", names[lang].replace("LRT", "").replace("COP", "")):
                missing.append((kind, code, lang, names[lang]))  # an English word left in kk/ru
            written = labels.parameter_unit(unit, lang)
            if re.search(r"[A-Za-z]{2,}", written):
                missing.append((kind, code, "unit", lang, unit, written))
    for m in model.measures.values():
        if not all(m.names.get(lang) for lang in ("en", "ru", "kk")) or len(set(m.names.values())) < 3:
            missing.append(("measure", m.code, m.names))
    assert not missing, missing
    assert labels.parameter("hh_hp_share", "kk") == "Жеке үйлердегі жылу сорғыларының үлесі"
    assert labels.parameter_unit("MJ/km", "ru") == "МДж/км"
    assert labels.parameter_unit("dimensionless", "kk") == ""
    assert labels.parameter("no_such_parameter", "ru") == "no_such_parameter"
