"""Editors add a document's text from the web; a search without results says which languages' texts are held."""

from __future__ import annotations

from tests.test_web import Web, csrf, web  # noqa: F401 - the fixture

RU_TEXT = (
    "Стратегия низкоуглеродного развития города.\n\n"
    "Город снижает выбросы парниковых газов за счёт перевода ТЭЦ на газ и обновления тепловых сетей.\n"
).encode()


def _form(**extra: str) -> dict[str, str]:
    return {
        "code": "test_ru_text",
        "doc_lang": "ru",
        "title": "Проверочный текст",
        "year": "2024",
        "source": "тест",
    } | extra


def test_an_editor_adds_a_russian_text_and_russian_search_finds_it(web: Web) -> None:  # noqa: F811
    ed = web.signed_in("editor")
    before = ed.get("/documents", params={"q": "выбросы", "lang": "ru"})
    assert 'id="no-hits"' in before.text and "Қазақша" in before.text  # only the bundled Kazakh text is held
    token = csrf(ed, "/documents")
    r = ed.post("/documents", data={**_form(), "csrf_token": token}, files={"file": ("ru.txt", RU_TEXT, "text/plain")})
    assert r.status_code == 200 and 'id="doc-added"' in r.text, r.text[-2000:]
    after = ed.get("/documents", params={"q": "выбросы", "lang": "ru"})
    assert 'id="no-hits"' not in after.text and "Проверочный текст" in after.text


def test_a_bad_document_keeps_what_was_typed_and_says_why(web: Web) -> None:  # noqa: F811
    ed = web.signed_in("editor")
    token = csrf(ed, "/documents")
    data = {**_form(code="bad code!"), "csrf_token": token}
    r = ed.post("/documents", data=data, files={"file": ("ru.txt", RU_TEXT, "text/plain")})
    assert r.status_code == 400 and 'id="doc-error"' in r.text
    assert 'value="Проверочный текст"' in r.text and 'value="bad code!"' in r.text


def test_the_public_and_experts_cannot_add_texts(web: Web) -> None:  # noqa: F811
    for client in (web.client(), web.signed_in("expert")):
        page = client.get("/documents")
        assert 'action="/documents"' not in page.text.split('role="search"')[-1]
        token = csrf(client, "/login")  # a valid token of the session: the refusal is the role's
        r = client.post("/documents", data={**_form(), "csrf_token": token}, files={"file": ("ru.txt", RU_TEXT)})
        assert r.status_code in (401, 403)


def test_the_registry_names_each_target_and_keeps_sources_folded(web: Web) -> None:  # noqa: F811
    """The waste Concept's target has no number in the registry (value: null, its table was not read): the page
    says so in the reader's language instead of showing the indicator alone; each document's citation sits in
    a folded "Source" beneath its title, in the language it was written in."""
    c = web.client()
    ru, kk = c.get("/documents?lang=ru").text, c.get("/documents?lang=kk").text
    assert "Доля переработанных ТБО: значение пока не внесено в реестр (2030)" in ru
    assert "мәні тізілімге әлі енгізілмеген (2030)" in kk
    assert ru.count('<details class="source"><summary>Источник</summary><small lang="en">') >= 8
    assert '<br><small lang="en">Climate Action Tracker' not in ru
