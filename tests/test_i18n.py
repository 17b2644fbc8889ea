"""Languages of the web platform: complete kk/ru/en catalogs, no mixed-language pages, negotiation, numbers."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from qala.web import i18n, labels

LOCALE = resources.files("qala").joinpath("locale")
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# real substitutions only: %(name)s, {name}, and bare %s/%d/%i/%f/%r; a literal "5–95 % range" is not one
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdifr]|(?<![%\w])%[sdifr](?!\w)|\{[A-Za-z_]?\w*\}")
# English UI text that must not survive on a Kazakh or Russian page (outside elements marked lang="en")
ENGLISH_UI = (
    "Overview",
    "Inventory",
    "Scenarios",
    "Sign in",
    "Sign out",
    "Skip to content",
    "Language",
    "Greenhouse gas emissions",
    "Totals",
    "By sector",
    "t CO2e",
    "GPC inventory",
    "Emissions by GPC cell",
    "Factor source",
    "CHP allocation",
    "User name",
    "Password",
    "Page not found",
    "Back to the overview",
    "Technical information base",
    "Records with provenance",
    "Upload activity data",
    "Data-collection templates",
    "Administrator",
    "efficiency method",
    "Business as usual",
    "Qala — a city",
)


def _catalog(lang: str | None) -> Catalog:
    path = LOCALE.joinpath("messages.pot") if lang is None else LOCALE.joinpath(lang, "LC_MESSAGES", "messages.po")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _messages(cat: Catalog) -> list:
    return [m for m in cat if m.id]


def _strings(msg) -> list[str]:
    return list(msg.string) if isinstance(msg.string, tuple | list) else [msg.string]


def _ids(msg) -> list[str]:
    return list(msg.id) if isinstance(msg.id, tuple | list) else [msg.id]


# --- the catalogs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_catalog_has_every_template_message(lang: str) -> None:
    template = {m.id for m in _messages(_catalog(None))}
    assert template, "messages.pot is empty: run `make messages`"
    assert {m.id for m in _messages(_catalog(lang))} == template


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_message_is_translated(lang: str) -> None:
    empty = [m.id for m in _messages(_catalog(lang)) if not all(s.strip() for s in _strings(m))]
    assert not empty, f"{lang}: untranslated {empty}"


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_nothing_is_fuzzy(lang: str) -> None:
    cat = _catalog(lang)
    assert not cat.fuzzy, f"{lang}: the header is marked fuzzy"
    fuzzy = [m.id for m in _messages(cat) if m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy {fuzzy}"


def test_english_catalog_maps_each_message_to_itself() -> None:
    wrong = [m.id for m in _messages(_catalog("en")) if _strings(m) != _ids(m)]
    assert not wrong


def test_kazakh_catalog_is_kazakh() -> None:
    kk = {m.id: m.string for m in _messages(_catalog("kk"))}
    ru = {m.id: m.string for m in _messages(_catalog("ru"))}
    with_letters = [s for s in kk.values() if KAZAKH_LETTERS & set(s)]
    assert len(with_letters) >= len(kk) // 3, "too few Kazakh strings use ә ғ қ ң ө ұ ү һ і"
    # not a copy of the Russian catalog (codes such as GPC and units may coincide)
    same = [k for k in kk if kk[k] == ru[k] and kk[k] != k]
    assert len(same) <= 10, same


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_placeholders_match(lang: str) -> None:
    for msg in _messages(_catalog(lang)):
        expected = Counter(PLACEHOLDER.findall(" ".join(_ids(msg))))
        for text in _strings(msg):
            assert Counter(PLACEHOLDER.findall(text)) == expected, f"{lang}: {msg.id!r} -> {text!r}"


def test_placeholder_pattern() -> None:
    assert PLACEHOLDER.findall("%(n)d rows in {file}, %s more") == ["%(n)d", "{file}", "%s"]
    assert PLACEHOLDER.findall("Median and 5–95 % range, 100 %") == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_domain_terms(lang: str) -> None:
    cat = {m.id: m.string for m in _messages(_catalog(lang))}
    assert cat["t CO2e"] == "т CO2-экв."
    for code in ("GPC", "BASIC", "BASIC+"):
        assert cat[code] == code
    expected = {
        "kk": {"Inventory": "Түгендеу", "Scope": "Қамту аясы", "Data": "Деректер", "Sign in": "Кіру"},
        "ru": {"Inventory": "Инвентаризация", "Scope": "Охват", "Data": "Данные", "Sign in": "Войти"},
    }[lang]
    for msgid, text in expected.items():
        assert cat[msgid] == text


# --- labels for codes that Python passes to the templates -------------------------------------------


def test_labels_cover_every_code() -> None:
    from qala.inventory.chp import METHODS
    from qala.store.users import ROLES as USER_ROLES
    from qala.web.security import PERMISSIONS

    assert set(PERMISSIONS) <= set(labels.ROLES)
    assert set(USER_ROLES) <= set(labels.ROLES)
    assert set(METHODS) <= set(labels.CHP_METHODS)
    assert {"bau", "low-carbon"} <= set(labels.SCENARIOS)
    for table in (labels.ROLES, labels.SCENARIOS, labels.CHP_METHODS, labels.UNITS):
        for code, names in table.items():
            assert set(names) == set(i18n.LANGS), code
            assert all(names.values()), code
    for code in labels.ROLES:
        assert KAZAKH_LETTERS & set(labels.role(code, "kk")) or code == "admin"
    assert labels.role("admin", "kk") == "Әкімші"
    assert labels.role("nobody", "ru") == "nobody"  # an unknown code is shown as it is
    assert labels.unit("kg/TJ", "ru") == "кг/ТДж"
    assert labels.activity("natural_gas", "en") == "Natural gas"
    assert labels.provider("chp_plant", "kk") == "Жылу электр орталығы (ЖЭО)"


# --- pages ------------------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path):
    from fastapi.testclient import TestClient

    from qala.store.seed import open_database
    from qala.store.users import add_user
    from qala.web.app import create_app
    from qala.web.settings import WebSettings

    engine = open_database(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    add_user(engine, "aigerim", "a long enough password", "admin")
    settings = WebSettings(
        secret_key="x" * 40, cookie_secure=True, max_upload_bytes=5 * 2**20, default_city="astana", database_url=None
    )
    with TestClient(create_app(engine, settings), base_url="https://testserver") as c:
        yield c


def _sign_in(client) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"username": "aigerim", "password": "a long enough password", "csrf_token": csrf}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _visible(html: str) -> str:
    """The text a reader sees, without scripts and without the parts marked as English data."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    labels_ = " ".join(re.findall(r'aria-label="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html) + " " + labels_
    return re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&amp;", "&"))


def _html_lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)">', html).group(1)


def _english_left(text: str) -> list[str]:
    return [s for s in ENGLISH_UI if re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", text)]


@pytest.mark.parametrize("path", ["/", "/inventory", "/login", "/setup", "/no-such-page", "/data"])
def test_kazakh_pages_have_no_english_ui(client, path: str) -> None:
    _sign_in(client)
    response = client.get(path)
    assert _html_lang(response.text) == "kk"
    text = _visible(response.text)
    assert "Шолу" in text
    assert "Түгендеу" in text
    assert KAZAKH_LETTERS & set(text)
    assert not _english_left(text), f"{path}: {_english_left(text)}"
    assert "admin" not in text.replace("aigerim", "")  # the role is named, not coded
    assert "Әкімші" in text


@pytest.mark.parametrize("path", ["/", "/inventory", "/data"])
def test_russian_pages_have_no_english_ui(client, path: str) -> None:
    _sign_in(client)
    response = client.get(path, params={"lang": "ru"})
    text = _visible(response.text)
    assert _html_lang(response.text) == "ru"
    assert "Обзор" in text
    assert "Администратор" in text
    assert not _english_left(text), f"{path}: {_english_left(text)}"


def test_signed_out_and_error_pages_in_kazakh(client) -> None:
    login = _visible(client.get("/login").text)
    assert "Кіру" in login
    assert "Пайдаланушы аты" in login
    assert not _english_left(login)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Бет табылмады" in _visible(missing.text)
    assert client.get("/data").status_code == 401
    assert "Жүйеге кіріңіз" in _visible(client.get("/data").text)


def test_pages_rendered_in_each_language(client) -> None:
    for lang, heading in (
        ("kk", "2060 жылға дейінгі сценарийлер"),
        ("ru", "Сценарии до 2060 года"),
        ("en", "Scenarios to 2060"),
    ):
        page = client.get("/scenarios", params={"lang": lang})
        assert page.status_code == 200
        assert heading in page.text


def test_lang_query_sets_a_cookie_that_sticks(client) -> None:
    first = client.get("/", params={"lang": "ru"})
    assert _html_lang(first.text) == "ru"
    assert "qala_lang=ru" in first.headers.get("set-cookie", "")
    later = client.get("/inventory")
    assert _html_lang(later.text) == "ru"
    assert "Инвентаризация" in _visible(later.text)
    assert client.cookies.get("qala_lang") == "ru"
    back = client.get("/", params={"lang": "kk"})
    assert _html_lang(back.text) == "kk"
    assert _html_lang(client.get("/").text) == "kk"


def test_accept_language_gives_russian(client) -> None:
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert _html_lang(page.text) == "ru"
    assert "Выбросы парниковых газов" in page.text


def test_accept_language_prefers_the_higher_weight(client) -> None:
    page = client.get("/", headers={"Accept-Language": "de-DE,en;q=0.5,ru;q=0.8"})
    assert _html_lang(page.text) == "ru"


def test_default_is_kazakh(client) -> None:
    page = client.get("/")
    assert _html_lang(page.text) == "kk"
    assert "Астана қаласының парниктік газдар шығарындылары" in page.text
    unknown = client.get("/", headers={"Accept-Language": "de-DE,fr;q=0.8"})
    assert _html_lang(unknown.text) == "kk"


def test_negotiation_order() -> None:
    assert i18n.negotiate("en", "ru", "kk") == "en"
    assert i18n.negotiate("xx", "ru", "en") == "ru"
    assert i18n.negotiate(None, None, "en-GB,en;q=0.9") == "en"
    assert i18n.negotiate(None, None, None) == "kk"


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_numbers_use_a_no_break_space(lang: str) -> None:
    assert i18n.number(1234567.891, lang, 3) == "1\u00a0234\u00a0567,891"
    assert i18n.number(1234567, lang) == "1\u00a0234\u00a0567"


def test_numbers_in_english() -> None:
    assert i18n.number(1234567.891, "en", 3) == "1,234,567.891"
    assert i18n.number(None, "en") == "—"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_numbers_on_the_page(client, lang: str) -> None:
    page = client.get("/", params={"lang": lang}).text
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    big = [c for c in cells if re.fullmatch(r"-?\d{1,3}(\u00a0\d{3})+(,\d+)?", c)]
    assert big, cells[:10]
    assert not [c for c in cells if re.fullmatch(r"-?\d{1,3}(,\d{3})+", c)]
