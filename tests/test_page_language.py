"""Every page and the report, in kk and ru, as anonymous and as editor: no codes, English sentences or raw numbers.

What a reader sees is the visible text outside ``<script>`` and outside elements marked ``lang="en"`` (cited
sources, which may stay in their own language) or ``lang="zxx"``
(no language: the audit log's JSON records). Three patterns (the same as ``shared/tools/look-at-pages``) find
what would trip a Kazakh- or Russian-speaking official: a snake_case code, five or more Latin words in a row,
and a number printed by Python (``35.199999999999996``, ``6000000.0``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ENGLISH = re.compile(r"\b(?:[A-Za-z]{2,}[ ,:;'()-]+){4,}[A-Za-z]{2,}\b")
LONGNUM = re.compile(r"\d+\.\d{5,}|\d{5,}\.0\b|\d+\.\d+e[+-]\d+")
ISODATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")  # a date as Python prints it, not as the locale writes it
# proper names and formats that are not English sentences or codes
ALLOWED = (
    "Qala",
    "CO2e",
    "GPC",
    "BASIC",
)

PAGES = [
    "/",
    "/inventory",
    "/scenarios",
    "/economics",
    "/economics?limit=5000000",
    "/roadmap",
    "/roadmap/experts",
    "/roadmap/partners",
    "/assessment",
    "/documents",
    "/documents?q=zzzz",
    "/report",
    "/login",
]
SIGNED_IN = ["/data", "/estimates", "/account", "/admin/users", "/publications", "/admin/audit", "/submissions"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from qala.store.seed import open_database
    from qala.store.users import add_user
    from qala.web.app import create_app
    from qala.web.settings import WebSettings

    tmp: Path = tmp_path_factory.mktemp("lang")
    engine = open_database(f"sqlite:///{tmp / 'w.sqlite3'}")
    add_user(engine, "aigerim", "a long enough password", "admin")
    settings = WebSettings(
        secret_key="x" * 40, cookie_secure=True, max_upload_bytes=5 * 2**20, default_city="astana", database_url=None
    )
    with TestClient(create_app(engine, settings), base_url="https://testserver") as c:
        yield c


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    for _ in range(3):  # nested elements marked English
        html = re.sub(r'<(\w+)[^>]*\blang="(?:en|zxx)"[^>]*>(?:(?!<\1\b).)*?</\1>', " ", html, flags=re.S)
    labels = " ".join(re.findall(r'(?:aria-label|title)="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html) + " " + labels
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"').replace("&quot;", '"')
    return re.sub(r"\s+", " ", text)


ASSUMPTION = re.compile(r"\bASSUMPTION|\bassum(?:e|es|ed|ption)\b", re.I)


def english_assumptions(html: str) -> list[str]:
    """Elements marked English that hold an assumption of the city's model: a citation may stay in its own
    language, an assumption is the city's own text and needs its kk and ru translation (texts.csv)."""
    out = []
    for m in re.finditer(r'<(\w+)[^>]*\blang="en"[^>]*>(.*?)</\1>', html, flags=re.S):
        text = re.sub(r"<[^>]+>", " ", m.group(2))
        if ASSUMPTION.search(text):
            out.append(" ".join(text.split())[:80])
    return out


def data_texts() -> list[str]:
    """The English sentences of the city's and the catalog's data that a reader meets on the pages and in the
    report: the indicators' observation notes and arithmetic, the grid factors' basis. Each has its kk and ru
    text; found in English (even marked ``lang="en"``, as a cited source may be) on a kk or ru page, it was
    not translated."""
    from qala.catalog import load_catalog
    from qala.services import assessment

    out = [s for i in assessment.city_indicators("astana") for o in i.values for s in (o.note, o.derived) if s]
    out += [g.basis for g in load_catalog().grid_factors.values()]
    return sorted(set(out))


def english_data_texts(html: str) -> list[str]:
    from markupsafe import escape

    return [t[:80] for t in data_texts() if str(escape(t)) in html or t in html]


def iso_dates(html: str) -> list[str]:
    """Dates the page writes itself as Python prints them (2026-12-03), not as the locale does. A data text's
    citation ("Kazinform 2025-12-22", in a ``<small>`` note) quotes its source's date as the source gives it."""
    text = visible(re.sub(r"<small\b.*?</small>", " ", html, flags=re.S))
    return sorted({f"ISO date: {m.group(0)}" for m in ISODATE.finditer(text)})


def suspects(text: str) -> list[str]:
    for word in ALLOWED:
        text = text.replace(word, " ")
    out = []
    for kind, rx in (("code", SNAKE), ("English", ENGLISH), ("raw number", LONGNUM)):
        out += [f"{kind}: {m.group(0)[:80]}" for m in rx.finditer(text)]
    return sorted(set(out))


def sign_in(client) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"username": "aigerim", "password": "a long enough password", "csrf_token": csrf}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_patterns_find_what_they_should() -> None:
    assert suspects(visible("<p>chp_coal_to_gas</p>")) == ["code: chp_coal_to_gas"]
    assert suspects(visible("<p>35.199999999999996 кг/т</p>"))
    assert suspects(visible("<p>not estimated: no activity data for this cell</p>"))
    assumption = '<td><small lang="en">ASSUMPTION: Half the bus fleet electric by 2035.</small></td>'
    assert english_assumptions(assumption) == ["ASSUMPTION: Half the bus fleet electric by 2035."]
    assert not english_assumptions('<small lang="en">IFI Dataset of Default Grid Factors 2021</small>')
    cited = '<p>оценка <small lang="en">Default EFs for stationary combustion in energy</small></p>'
    assert not suspects(visible(cited))
    assert not suspects(visible("<p>94\u00a0600 кг/ТДж</p>"))
    assert iso_dates("<td>2023-06-27</td>") == ["ISO date: 2023-06-27"]
    assert not iso_dates("<td>27.06.2023</td><small>(Kazinform 2025-12-22)</small>")
    note = '<small lang="en">Third-party sensor network (IQAir AirVisual).</small>'
    assert english_data_texts(note) == ["Third-party sensor network (IQAir AirVisual)."]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_public_pages_speak_the_language(client, lang: str) -> None:
    client.cookies.clear()
    found = {}
    for path in PAGES:
        r = client.get(path, params={"lang": lang})
        assert r.status_code == 200, path
        hits = suspects(visible(r.text)) + [f"English assumption: {t}" for t in english_assumptions(r.text)]
        hits += [f"English data text: {t}" for t in english_data_texts(r.text)] + iso_dates(r.text)
        if hits:
            found[path] = hits
    assert not found, found


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_signed_in_pages_speak_the_language(client, lang: str) -> None:
    client.cookies.clear()
    sign_in(client)
    found = {}
    for path in PAGES + SIGNED_IN:
        r = client.get(path, params={"lang": lang})
        assert r.status_code == 200, path
        hits = suspects(visible(r.text)) + [f"English assumption: {t}" for t in english_assumptions(r.text)]
        hits += [f"English data text: {t}" for t in english_data_texts(r.text)] + iso_dates(r.text)
        if hits:
            found[path] = hits
    assert not found, found


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_report_speaks_the_language(tmp_path: Path, lang: str) -> None:
    from qala.report.build import build_report
    from qala.store.seed import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    html = build_report(engine, "astana", lang, "html").decode("utf-8")
    assert f'lang="{lang}"' in html
    assert not suspects(visible(html))
    assert not english_assumptions(html)
    assert not english_data_texts(html)
    assert not iso_dates(html)


def test_every_measure_source_of_the_model_is_translated() -> None:
    """The measures' sources and assumptions (the scenarios page) have their kk and ru text in texts.csv."""
    from qala.catalog import labels
    from qala.services import scenario

    model, _ = scenario.resolve("bau", "astana")
    missing = [
        code
        for code, m in model.measures.items()
        if m.source and any(labels.text_lang(m.source, lang) != lang for lang in ("kk", "ru"))
    ]
    assert not missing, missing
    # a comma in an unquoted field would cut a translation short: every row is exactly en, ru, kk
    import csv

    path = Path(__file__).resolve().parents[1] / "src" / "qala" / "cities" / "astana" / "texts.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        assert all(len(row) == 3 for row in csv.reader(fh))


def test_every_data_text_has_its_kk_and_ru_text() -> None:
    """The indicators' notes and arithmetic and the grid factors' basis are translated (texts.csv)."""
    from qala.catalog import labels

    missing = [t[:60] for t in data_texts() if any(labels.text_lang(t, lang) != lang for lang in ("kk", "ru"))]
    assert not missing, missing
    path = Path(__file__).resolve().parents[1] / "src" / "qala" / "catalog" / "data" / "texts.csv"
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        assert all(len(row) == 3 for row in csv.reader(fh))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_documents_dates_are_written_for_the_locale(client, lang: str) -> None:
    """The registry's adoption dates ("2023-06-27", "2023-02" in strategic_documents.yaml) through Babel."""
    client.cookies.clear()
    html = client.get("/documents", params={"lang": lang}).text
    cells = re.findall(r'<td class="date">([^<]*)</td>', html)
    assert "27.06.2023" in cells and "02.2023" in cells, cells
    assert not [c for c in cells if re.search(r"\d{4}-\d{2}", c)], cells
