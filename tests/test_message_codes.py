"""Issue 14: every message code (importer, roadmap rules, forms) has kk, ru and en text, and the roadmap's rules
speak the editor's language on the page and in the API (code, params and the message)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from qala import messages
from qala.roadmap.model import RoadmapError, check_change
from qala.store import roadmap as store

from .test_roadmap import small
from .test_web import Web
from .test_web_roadmap import in_progress_code, post_form

SRC = Path(__file__).resolve().parents[1] / "src" / "qala"
CATALOG = messages.catalog()


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_code_has_kk_ru_and_en_with_the_same_placeholders(code: str) -> None:
    texts = CATALOG[code]
    assert set(texts) == {"kk", "ru", "en"}, code
    names = {lang: sorted(re.findall(r"\{(\w+)\}", t)) for lang, t in texts.items()}
    assert set(names["kk"]) == set(names["ru"]) == set(names["en"]), code
    assert texts["kk"] != texts["en"] and texts["ru"] != texts["en"], code  # translated, not copied
    assert re.search("[а-яәғқңөұүһі]", texts["kk"], re.I) and re.search("[а-я]", texts["ru"], re.I), code


def test_the_catalog_walks_importer_roadmap_and_form_codes() -> None:
    prefixes = {c.split(".")[0] for c in CATALOG}
    assert {"number", "unit", "roadmap", "form", "user", "token", "variant", "model", "dist", "document"} <= prefixes


def codes_raised_in_the_source() -> set[str]:
    """Every literal code given to a coded error in src/ (``RoadmapError("roadmap.x"``, ``code="form.y"``)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        body = path.read_text(encoding="utf-8")
        found |= set(
            re.findall(
                r'(?:Roadmap|Submission|Publication|Revert|User|Token|Coded)Error\(\s*"([a-z_]+\.[a-z_]+)"', body
            )
        )
        found |= set(re.findall(r'\bcode="([a-z_]+\.[a-z_]+)"', body))
        found |= set(re.findall(r'(?:Problem|DistributionError)\(\s*f?"[^"]*",\s*"([a-z_]+\.[a-z_]+)"', body))
        found |= set(re.findall(r'(?:Distribution|Document)Error\(\s*"([a-z_]+\.[a-z0-9_]+)"', body))
        found |= set(re.findall(r'\.coded\(\s*[^,]+,\s*"([a-z_]+\.[a-z_]+)"', body))
    return found


def test_every_code_the_source_raises_is_in_the_catalog() -> None:
    raised = codes_raised_in_the_source()
    assert len(raised) >= 20, raised  # the roadmap's rules and the forms' refusals are found
    assert raised <= set(CATALOG), raised - set(CATALOG)


def test_no_roadmap_error_is_raised_as_an_english_sentence() -> None:
    for path in SRC.rglob("*.py"):
        body = path.read_text(encoding="utf-8")
        assert not re.search(r'RoadmapError\(\s*f?"[^"]* ', body), path  # a code has no space; a sentence has


@pytest.mark.parametrize(
    ("code", "change", "expected", "kk", "ru"),
    [
        (
            "2.1",
            {"status": "done"},
            "roadmap.transition",
            "«жоспарланған» мәртебесіндегі іс-шара мынаған ауыса алады: орындалуда, тоқтатылды, бірақ «орындалды» емес",
            "мероприятие в статусе «запланировано» может стать: выполняется, отменено, но не «выполнено»",
        ),
        (
            "1.2",
            {"progress": 120.5},
            "roadmap.progress_range",
            "орындалуы 0 мен 100 % аралығында болуы керек, 120,5 емес",
            "выполнение должно быть от 0 до 100 %, а не 120,5",
        ),
        ("1.2", {"status": "overdue"}, "roadmap.status_overdue", None, None),
        ("1.2", {"status": "paused"}, "roadmap.status_unknown", None, None),
        (
            "1.2",
            {"due": date(2023, 12, 31)},
            "roadmap.due_before_start",
            "2023-12-31 мерзімі 2024-01-01 басталу күнінен ерте",
            "срок 2023-12-31 раньше начала 2024-01-01",
        ),
        (
            "1.2",
            {"due": date(2200, 1, 1)},
            "roadmap.date_range",
            None,
            "срок: дата от 1990-01-01 до 2100-12-31, а не 2200-01-01",
        ),
        ("1.2", {"status": "done", "progress": 90.0}, "roadmap.done_progress", None, None),
        ("2.1", {"progress": 5.0}, "roadmap.planned_progress", None, None),
    ],
)
def test_each_rule_raises_its_code_in_three_languages(code, change, expected, kk, ru) -> None:
    act = small().activity(code)
    with pytest.raises(RoadmapError) as exc:
        check_change(act, status=change.get("status"), progress=change.get("progress"), due=change.get("due"))
    err = exc.value
    assert err.code == expected and err.status == 400
    assert err.message("en") == str(err)  # the English sentence the CLI prints
    assert err.message("kk") != str(err) and err.message("ru") != str(err)
    if kk:
        assert err.message("kk") == kk
    if ru:
        assert err.message("ru") == ru


def test_the_start_of_an_activity_is_in_a_range_too() -> None:
    assert small().activity("1.2").start == date(2024, 1, 1)  # the hand-made examples above rely on it


@pytest.fixture
def web(tmp_path: Path) -> Web:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    for role in ("admin", "editor", "expert", "provider"):
        w.add(role, role)
    return w


@pytest.mark.parametrize(
    ("lang", "progress", "comment", "expected", "text"),
    [
        ("kk", "150", "typo", "roadmap.progress_range", "орындалуы 0 мен 100 % аралығында болуы керек, 150 емес"),
        ("ru", "150", "typo", "roadmap.progress_range", "выполнение должно быть от 0 до 100 %, а не 150"),
        ("ru", "abc", "typo", "roadmap.progress_invalid", "выполнение числом от 0 до 100, например 75,5, а не «abc»"),
        ("kk", "50", " ", "roadmap.reason_required", "өзгеріс не үшін енгізілетінін жазыңыз"),
        ("en", "150", "typo", "roadmap.progress_range", "progress must be between 0 and 100 %, not 150"),
    ],
)
def test_the_activity_form_refuses_in_the_pages_language(web: Web, lang, progress, comment, expected, text) -> None:
    code = in_progress_code(web)
    ed = web.signed_in("editor")
    ed.get(f"/roadmap/{code}?lang={lang}")
    r = post_form(ed, f"/roadmap/{code}", {"progress": progress, "comment": comment})
    assert r.status_code == 400
    assert f'data-code="{expected}"' in r.text and text in r.text
    assert 'lang="en"' not in r.text.split('id="change-error"')[1].split("</p>")[0]


def test_the_activity_form_refuses_a_bad_due_date(web: Web) -> None:
    code = in_progress_code(web)
    ed = web.signed_in("editor")
    ed.get(f"/roadmap/{code}?lang=ru")
    r = post_form(ed, f"/roadmap/{code}", {"due": "31.12.2026", "comment": "moved"})
    assert r.status_code == 400 and 'data-code="roadmap.date_invalid"' in r.text
    assert "срок: дата вида 2019-06-30, а указано 31.12.2026" in r.text


def test_the_api_refusal_carries_code_params_and_the_message(web: Web) -> None:
    code = in_progress_code(web)
    before = store.load_roadmap(web.engine, "astana").activity(code)
    c = web.client()
    r = c.post(f"/api/v1/roadmap/{code}?lang=ru", headers=web.token("editor"), json={"progress": "150", "comment": "x"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "roadmap.progress_range" and body["params"] == {"value": 150.0}
    assert body["message"] == "выполнение должно быть от 0 до 100 %, а не 150"
    assert body["detail"] == "progress must be between 0 and 100 %, not 150"
    headers = {**web.token("editor"), "Accept-Language": "kk"}
    c = web.client()  # a new client: the first one keeps ?lang=ru in a cookie
    r = c.post(f"/api/v1/roadmap/{code}", headers=headers, json={"status": "planned", "progress": "5", "comment": "x"})
    assert r.status_code == 400 and r.json()["code"] == "roadmap.planned_progress"
    assert r.json()["message"].startswith("жоспарланған іс-шараның орындалуы 0 %")
    r = c.post("/api/v1/roadmap/99.9?lang=kk", headers=web.token("editor"), json={"progress": "5", "comment": "x"})
    assert r.status_code == 404 and r.json()["code"] == "roadmap.unknown_activity"
    assert r.json()["message"].startswith("«99.9» іс-шара коды белгісіз")
    assert store.load_roadmap(web.engine, "astana").activity(code) == before  # nothing changed by a refusal


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("provider", 403), ("expert", 403), ("editor", 200), ("admin", 200)]
)
def test_role_matrix_of_the_roadmap_api(web: Web, role: str | None, status: int) -> None:
    code = in_progress_code(web)
    headers = {} if role is None else web.token(role)
    r = web.client().post(
        f"/api/v1/roadmap/{code}", headers=headers, json={"progress": "42,5", "comment": "site visit"}
    )
    assert r.status_code == status, r.text
    progress = store.load_roadmap(web.engine, "astana").activity(code).progress
    if status == 200:
        assert r.json()["progress"] == 42.5 and progress == 42.5
        assert store.events(web.engine, "astana", code)[-1]["who"] == role
    else:
        assert progress != 42.5


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_template_speaks_the_providers_language_without_cli_flags(tmp_path: Path, lang: str) -> None:
    from openpyxl import load_workbook

    from qala.catalog import load_catalog
    from qala.ingest.template import write_template

    path = tmp_path / "t.xlsx"
    write_template("gas_utility", path, catalog=load_catalog(), lang=lang)
    wb = load_workbook(path)
    notes = [c.comment.text for c in wb["data"][1] if c.comment]
    texts = notes + [str(c.value) for row in wb["instructions"].iter_rows() for c in row if c.value is not None]
    texts += [dv.error or "" for dv in wb["data"].data_validations.dataValidation]
    assert not [t for t in texts if "--" in t or "qala import" in t]  # no command line in a provider's file
    city_note = next(n for n in notes if n.startswith("city"))
    expected = {"kk": "файл жүктелгенде", "ru": "при загрузке файла", "en": "when the file is uploaded"}[lang]
    assert expected in city_note
    if lang != "en":  # every column's note in the language (codes and examples aside)
        for note in notes:
            assert re.search("[а-яәғқңөұүһі]{4}", note.split(":", 1)[1], re.I), note
        first = wb["instructions"]["A3"].value
        assert re.search("[а-яәғқңөұүһі]{4}", first, re.I), first  # the provider's own language comes first


# ---- the scenario variants (issue 16 names them too) -------------------------------------------------------
def test_every_variant_model_distribution_and_document_code_is_raised_somewhere() -> None:
    raised = codes_raised_in_the_source()
    ours = {c for c in CATALOG if c.split(".")[0] in ("variant", "model", "dist", "document")}
    assert ours <= raised, ours - raised  # no code in the catalog that nothing raises


@pytest.mark.parametrize(
    ("change", "code", "en", "kk", "ru"),
    [
        (
            {"parameter": "nope", "value": 1},
            "variant.parameter_unknown",
            "variant: changes[0].parameter: unknown parameter 'nope'",
            "нұсқа, 1-өзгеріс, параметр: «nope» параметрі белгісіз",
            "вариант, изменение 1, параметр: неизвестный параметр «nope»",
        ),
        (
            {"parameter": "grid_ef", "path": {2024: 797, 2075: 0}},
            "model.horizon",
            "variant: changes[0].path.2075: a year within the horizon 2024-2060, got 2075",
            "нұсқа, 1-өзгеріс, траектория, 2075: 2024–2060 көкжиегіндегі жыл, көрсетілгені 2075",
            "вариант, изменение 1, траектория, 2075: год в горизонте 2024–2060, указано 2075",
        ),
        (
            {"parameter": "hp_cop", "dist": {"type": "uniform", "low": 3, "high": 2}},
            "dist.uniform",
            "variant: changes[0].dist: uniform: needs low < high",
            "нұсқа, 1-өзгеріс, үлестірім: біркелкі үлестірім: low < high болуы керек",
            "вариант, изменение 1, распределение: равномерное распределение: нужно low < high",
        ),
        (
            {"measure": "lrt", "start": 2030, "full": 2026},
            "variant.full_before_start",
            "variant: changes[0].full: full adoption cannot come before the start",
            "нұсқа, 1-өзгеріс, толық енгізу: толық енгізу басталуынан ерте бола алмайды",
            "вариант, изменение 1, полное внедрение: полное внедрение не может наступить раньше начала",
        ),
    ],
)
def test_a_variants_problem_has_a_code_and_three_languages(change, code, en, kk, ru) -> None:
    from qala.scenario.variants import VariantError, apply
    from qala.services import scenario as svc

    model, _ = svc.resolve("bau", "astana")
    with pytest.raises(VariantError) as exc:
        apply(model, "low-carbon", [change])
    (problem,) = exc.value.problems
    assert problem == en and problem.code == code  # the English line the CLI and scripts see is unchanged
    assert (problem.message("en"), problem.message("kk"), problem.message("ru")) == (en, kk, ru)


@pytest.mark.parametrize(
    ("lang", "form", "code", "text"),
    [
        ("kk", {"parameter": "nope", "path": "3"}, "variant.parameter_unknown", "«nope» параметрі белгісіз"),
        ("ru", {"parameter": "nope", "path": "3"}, "variant.parameter_unknown", "неизвестный параметр «nope»"),
        ("ru", {"path": "2030=5"}, "variant.path_form", "ГОД:ЗНАЧЕНИЕ, ГОД:ЗНАЧЕНИЕ или одно значение"),
        ("kk", {"measure": "lrt", "start": "2090"}, "model.horizon", "2024–2060 көкжиегіндегі жыл"),
        ("kk", {"measure": "lrt", "start": "soon"}, "variant.year_form", "жыл бүтін санмен, «soon» емес"),
    ],
)
def test_the_variant_form_refuses_in_the_pages_language(web: Web, lang, form, code, text) -> None:
    from .test_web import csrf

    c = web.signed_in("expert")
    token = csrf(c, f"/scenarios/variants?lang={lang}")
    data = {"csrf_token": token, "scenario": "low-carbon", "parameter": "grid_ef", **form}
    r = c.post("/scenarios/variants/preview", data=data)
    assert r.status_code == 422
    assert f'data-code="{code}"' in r.text and text in r.text
    assert 'lang="en"' not in r.text.split('role="alert"')[1].split("</div>")[0]
    r = c.post("/scenarios/variants", data={**data, "name": "v1", "comment": "x"})
    assert r.status_code == 422 and text in r.text


def test_the_variant_api_refusal_carries_code_params_and_the_message(web: Web) -> None:
    body = {"name": "bau", "scenario": "low-carbon", "changes": [{"parameter": "nope", "value": 1}], "comment": ""}
    r = web.client().post("/api/v1/variants?lang=ru", json=body, headers=web.token("expert"))
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["problems"] == [
        "variant: comment: say what the variant changes and why",
        "variant: name: 'bau' is a scenario of the model",
    ]  # the English lines as before (the changes are checked once the name and comment pass)
    assert out["code"] == "variant.comment_required" and out["params"] == {}
    assert out["message"] == "вариант, комментарий: напишите, что меняет вариант и почему"
    assert out["items"][1] == {
        "where": "variant: name",
        "code": "variant.name_is_scenario",
        "params": {"name": "'bau'"},
        "message": "вариант, название: «bau» — это сценарий модели",
    }
    body = {**body, "name": "ok", "comment": "why"}
    r = web.client().post("/api/v1/variants", json=body, headers={**web.token("expert"), "Accept-Language": "kk"})
    assert r.status_code == 422 and r.json()["code"] == "variant.parameter_unknown"
    assert r.json()["message"] == "нұсқа, 1-өзгеріс, параметр: «nope» параметрі белгісіз"


# ---- the strategic documents ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("meta", "code", "en", "kk", "ru"),
    [
        (
            {"year": 2200},
            "document.year",
            "year 2200: use a year between 1900 and 2100",
            "2200 жылы: 1900 бен 2100 аралығындағы жылды көрсетіңіз",
            "год 2200: укажите год от 1900 до 2100",
        ),
        (
            {"lang": "de"},
            "document.lang",
            "language 'de': use kk, ru or en",
            "«de» тілі: kk, ru немесе en көрсетіңіз",
            "язык «de»: укажите kk, ru или en",
        ),
        ({"title": " "}, "document.title", "a title is required (at most 500 characters)", None, None),
    ],
)
def test_a_documents_details_are_refused_with_a_code(meta, code, en, kk, ru) -> None:
    from qala.documents.read import DocumentError
    from qala.store.documents import DocumentMeta

    fields = {"code": "kz_ndc_2023", "lang": "ru", "title": "НДВ", "year": 2023, "source": None} | meta
    with pytest.raises(DocumentError) as exc:
        DocumentMeta(**fields).check()
    err = exc.value
    assert (err.code, str(err)) == (code, en)  # the English sentence `qala documents import` prints
    assert err.message("kk") != en and err.message("ru") != en
    if kk:
        assert (err.message("kk"), err.message("ru")) == (kk, ru)


def test_reading_a_file_is_refused_with_a_code() -> None:
    from qala.documents.read import DocumentError, extract

    with pytest.raises(DocumentError) as exc:
        extract(b"caf\xe9", "a.txt")
    assert exc.value.code == "document.not_utf8"
    assert str(exc.value) == "a.txt: not UTF-8 text (byte 3); save it as UTF-8 and import it again"
    assert (
        exc.value.message("ru") == "a.txt: текст не в кодировке UTF-8 (байт 3); сохраните его в UTF-8 и загрузите снова"
    )
    with pytest.raises(DocumentError) as exc:
        extract(b"x", "a.docx")
    assert exc.value.code == "document.format" and "a.docx: пішімге қолдау жоқ (.docx)" in exc.value.message("kk")
    assert DocumentError("x.txt: no such file").message("kk") == "x.txt: no such file"  # the CLI's own sentence


@pytest.mark.parametrize(
    ("lang", "form", "code", "text"),
    [
        ("kk", {"code": "bad code!"}, "document.code", "«bad code!» құжат коды: 80-ге дейін латын әрпі"),
        ("ru", {"code": "bad code!"}, "document.code", "код документа «bad code!»: до 80 латинских букв"),
        ("ru", {"year": "2024г"}, "document.year_form", "год «2024г»: нужен год целым числом, например 2023"),
        ("kk", {"year": "1850"}, "document.year", "1850 жылы: 1900 бен 2100 аралығындағы жылды көрсетіңіз"),
    ],
)
def test_the_document_form_refuses_in_the_pages_language(web: Web, lang, form, code, text) -> None:
    from .test_documents_web import RU_TEXT, _form
    from .test_web import csrf

    ed = web.signed_in("editor")
    token = csrf(ed, f"/documents?lang={lang}")
    r = ed.post("/documents", data={**_form(**form), "csrf_token": token}, files={"file": ("ru.txt", RU_TEXT)})
    assert r.status_code == 400
    error = r.text.split('id="doc-error"')[1].split("</p>")[0]
    assert f'data-code="{code}"' in error and text in error.replace("&#34;", '"')
    assert 'lang="en"' not in error


@pytest.mark.parametrize(("lang", "text"), [("kk", "іздеу сұрауында сөз жоқ"), ("ru", "в поисковом запросе нет слов")])
def test_the_document_search_refuses_in_the_pages_language(web: Web, lang: str, text: str) -> None:
    r = web.client().get("/documents", params={"q": "!!! ?", "lang": lang})
    error = r.text.split('id="search-error"')[1].split("</p>")[0]
    assert 'data-code="document.query_empty"' in error and text in error and 'lang="en"' not in error
    twin = web.client().get("/documents", params={"q": "!!! ?", "lang": lang, "fmt": "json"}).json()
    assert twin["search_error"]["code"] == "document.query_empty" and twin["search_error"]["message"] == text
    assert twin["search_error"]["detail"] == "the search query has no words"


# ---- the estimates page's pasted population series ------------------------------------------------------
def test_the_population_series_problems_have_codes_and_the_same_english() -> None:
    from qala.estimate.model import EstimateError
    from qala.services.estimates import read_points

    with pytest.raises(EstimateError) as exc:
        read_points(b"year,value,source\n2015,-5,x\nabc,5,x\n2016,7,\n", "population", "persons")
    assert exc.value.problems == [
        "population, row 2, column value: a number of at least 0, not -5",
        "population, row 3, column year: a calendar year, not 'abc'",
        "population, row 4, column source: where the figure comes from",
    ]  # what `qala estimate` prints, as before
    assert [p.code for p in exc.value.problems] == ["estimate.row_negative", "estimate.row_year", "estimate.row_source"]
    assert exc.value.problems[1].message("ru") == (
        "численность населения, строка 3, столбец year: нужен календарный год, а не «abc»"
    )
    assert exc.value.problems[0].message("kk") == "халық саны, 2-жол, value бағаны: 0-ден кем емес сан керек, -5 емес"
    with pytest.raises(EstimateError) as exc:
        read_points(b"year,value\n", "population", "persons")
    assert exc.value.problems == ["population: columns year, value and source (missing: source)"]
    assert (
        exc.value.problems[0].message("ru") == "численность населения: нужны столбцы year, value и source (нет: source)"
    )


@pytest.mark.parametrize(
    ("lang", "pasted", "code", "text"),
    [
        ("kk", "2015,-5,x\n", "estimate.row_negative", "халық саны, 2-жол, value бағаны: 0-ден кем емес сан керек"),
        ("ru", "2015,-5,x\n", "estimate.row_negative", "численность населения, строка 2, столбец value: нужно число"),
        ("ru", "2015,many,x\n", "estimate.row_value", "столбец value: нужно число, а не «many»"),
    ],
)
def test_the_estimates_page_shows_the_problems_in_its_language(tmp_path: Path, lang, pasted, code, text) -> None:
    from qala.store.seed import add_city

    from .test_web import csrf

    w = Web(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    w.add("editor", "editor")
    add_city(w.engine, "kokshetau", {"en": "Kokshetau", "ru": "Кокшетау", "kk": "Көкшетау"}, "KZ")
    c = w.signed_in("editor")
    c.get(f"/?city=kokshetau&lang={lang}")
    r = c.post("/estimates", data={"csrf_token": csrf(c, "/estimates"), "population": pasted, "action": "apply"})
    assert r.status_code == 422
    alert = r.text.split('role="alert"')[1].split("</div>")[0].replace("&#34;", '"')
    assert f'data-code="{code}"' in alert and text in alert and 'lang="en"' not in alert


def test_a_coded_problem_survives_pickling_with_its_code() -> None:
    import pickle

    p = messages.Problem("population", "estimate.row_source", ", ", row="4")
    back = pickle.loads(pickle.dumps(p))
    assert back == p == "population, row 4, column source: where the figure comes from"
    assert (back.code, back.message("ru")) == (p.code, p.message("ru"))
