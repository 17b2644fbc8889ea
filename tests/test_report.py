"""The strategy report (``qala report``, ``/report``): language, totals equal to the inventory, fonts, structure.

Numbers are checked against the inventory JSON of ``qala inventory --format json`` (an independent path through
the CLI), parsed from the PDF text as the locale writes them: ``6 046 601`` with no-break spaces in kk and ru,
``6,046,601`` in English. Golden files hold the HTML's structure (section ids, headings, table headers), not its
numbers; regenerate them with ``QALA_REGEN_GOLDEN=1 pytest tests/test_report.py`` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import threading
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from qala.report import charts
from qala.report.build import ReportError, build_report
from qala.report.pdf import html_to_pdf
from qala.store.seed import open_database
from tests import needs
from tests.test_web import Web, csrf

GOLDEN = Path(__file__).parent / "golden" / "report"
REGEN = os.environ.get("QALA_REGEN_GOLDEN") == "1"
TODAY = date(2026, 3, 2)
KAZAKH_LETTERS = "әғқңөұүһі"
NBSP = "\u00a0"
# a number of at least four digits as each locale writes it (group separator: no-break space, or comma)
NUMBER = {"kk": r"\d{1,3}(?:\u00a0\d{3})+", "ru": r"\d{1,3}(?:\u00a0\d{3})+", "en": r"\d{1,3}(?:,\d{3})+"}
HEADINGS = {
    "kk": ("Қысқаша түйін", "Парниктік газдардың базалық түгендеуі", "Әдістемелік қосымша", "Қайталанымдылық мөрі"),
    "ru": ("Краткое резюме", "Базовая инвентаризация парниковых газов", "Методологическое приложение"),
    "en": ("Executive summary", "Baseline greenhouse gas inventory", "Methodology annex", "Reproducibility stamp"),
}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'r.sqlite3'}"
    open_database(url).dispose()  # creates it and loads Astana
    return url


@pytest.fixture(scope="module")
def built(db_url: str) -> dict[tuple[str, str], bytes]:
    """Reports built once per module, on demand: (lang, format) -> bytes; (lang, "text") -> the PDF's text."""
    engine = open_database(db_url)

    class Lazy(dict):
        def __missing__(self, key: tuple[str, str]) -> bytes | str:
            lang, kind = key
            if kind in ("pdf", "text"):
                needs.pdf()  # skipped, with the reason, where Pango is missing
            self[key] = (
                pdf_text(self[lang, "pdf"]) if kind == "text" else build_report(engine, "astana", lang, kind, TODAY)
            )
            return self[key]

    return Lazy()


@pytest.fixture
def inventory(run_cli, db_url: str) -> dict:
    code, out, err = run_cli("inventory", "--format", "json", "--database", db_url)
    assert code == 0, err
    return json.loads(out)


def pdf_text(data: bytes) -> str:  # pypdf keeps the no-break spaces that pdftotext turns into spaces
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def numbers(text: str, lang: str) -> set[int]:
    """Every grouped integer in the text, parsed the way the locale writes it."""
    sep = NBSP if lang in ("kk", "ru") else ","
    return {int(m.replace(sep, "")) for m in re.findall(NUMBER[lang], text)}


# --- PDF -------------------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_pdf_totals_equal_the_inventory(built, inventory: dict, lang: str) -> None:
    text = built[lang, "text"]
    found = numbers(text, lang)
    for basis in ("basic", "basic_plus", "territorial"):
        assert round(inventory["totals"][basis]) in found, basis
    for gas, value in inventory["by_gas"].items():
        assert round(value) in found, gas
    # the territorial total is the sum of the scope-1 rows (biogenic CO2 stays outside)
    scope1 = sum(r["tco2e"] for r in inventory["rows"] if r["scope"] == 1 and r["gas"] != "CO2(b)")
    assert round(scope1) == round(inventory["totals"]["territorial"])


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_pdf_is_in_its_language(built, lang: str) -> None:
    text = built[lang, "text"]
    for heading in HEADINGS[lang]:
        assert heading in text, heading
    for other, headings in HEADINGS.items():
        if other != lang:
            assert headings[0] not in text, other
    kazakh = set(KAZAKH_LETTERS) & set(text)
    if lang == "kk":
        assert len(kazakh) >= 8, kazakh  # һ is rare in Kazakh words; the font test below renders all nine
    if lang == "en":
        assert not re.search(r"Қысқаша|Краткое", text)


def test_every_kazakh_letter_survives_the_pdf() -> None:
    """Without a Cyrillic font WeasyPrint prints boxes silently; the embedded font must carry all nine letters."""
    needs.pdf()
    letters = KAZAKH_LETTERS + KAZAKH_LETTERS.upper()
    text = pdf_text(html_to_pdf(f'<html lang="kk"><body><p>{letters}</p><p>Жиһаз, әріп</p></body></html>'))
    for letter in letters:
        assert letter in text, letter


@pytest.mark.slow
def test_pdf_fonts_are_embedded(built) -> None:
    data = built["kk", "pdf"]
    reader = PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("DejaVu-Sans" in name for name in fonts)
    if shutil.which("pdffonts"):
        out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
        rows = out.splitlines()[2:]
        assert rows
        assert all(row.split()[-5] == "yes" for row in rows), out  # the "emb" column


@pytest.mark.slow
def test_pdf_is_a_publication(built) -> None:
    data = built["ru", "pdf"]
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 10
    text = built["ru", "text"]
    first = reader.pages[0].extract_text()
    assert "Стратегия низкоуглеродного развития" in first  # a title page
    assert "Содержание" in reader.pages[1].extract_text()  # then the contents, with page numbers
    assert re.search(r"Базовая инвентаризация парниковых газов\s*\.+\s*\d+", text) or re.search(
        r"Базовая инвентаризация парниковых газов.*?\d+", reader.pages[1].extract_text()
    )
    assert f"3 / {pages}" in reader.pages[2].extract_text()  # page numbers "n / N" from the second page on
    assert f"1 / {pages}" not in first


# --- what is missing is said -----------------------------------------------------------------------------------


def test_placeholders_and_missing_data_are_stated(built, run_cli, db_url: str, inventory: dict) -> None:
    code, out, _ = run_cli("roadmap", "show", "--format", "json", "--database", db_url)
    assert code == 0
    roadmap = json.loads(out)
    acts = [a for s in roadmap["sections"] for a in s["activities"]]
    placeholders = sum(a.get("placeholder", False) for a in acts)
    html = built["en", "html"].decode()
    gaps = re.search(r'<section id="gaps">(.*?)</section>', html, re.S).group(1)
    assert f"{placeholders} / {len(acts)}" in gaps
    ne = sorted(ref for ref, key in inventory["notation_keys"].items() if key == "NE")
    assert f"not estimated (NE): {len(ne)}" in gaps
    assert all(ref in gaps for ref in ne)
    assert "Motor gasoline" in gaps  # no sourced price: said, not hidden
    # every placeholder activity carries its mark in the roadmap table
    table = re.search(r'<table id="activities-table".*?</table>', html, re.S).group(0)
    assert table.count(" *</td>") == placeholders + sum(s.get("placeholder", False) for s in roadmap["sections"])


def test_html_totals_are_formatted_for_the_locale(built, inventory: dict) -> None:
    html = built["kk", "html"].decode()
    cell = re.search(r'class="num total-territorial">([^<]+)<', html).group(1)
    assert cell == f"{round(inventory['totals']['territorial']):,}".replace(",", NBSP)
    assert '<html lang="kk">' in html
    assert "<svg" in html and "<text" in html  # charts inline, text kept as text
    assert "<script" not in html and "http://" not in html.split("<body>")[0]  # self-contained


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_macc_is_on_the_economics_pages_basis_and_says_so(built, db_url: str, lang: str) -> None:
    """The economics page opens on BASIC; the report draws the same curve and names its basis in its language."""
    from qala.report import MACC_YEAR
    from qala.services import economics as econ
    from qala.web import i18n
    from qala.web.routes.economics import PAGE_BASIS

    html = built[lang, "html"].decode()
    name = {"basic": "BASIC", "basic_plus": "BASIC+", "territorial": "Territorial (scope 1)"}[PAGE_BASIS]
    name = i18n.translations(lang).gettext(name)
    said = re.search(r'<p id="macc-basis">(.*?)</p>', html, re.S)
    assert said and f"<strong>{name}</strong>" in said.group(1)
    caption = re.search(r'<section id="measures">.*?<figcaption>(.*?)</figcaption>', html, re.S).group(1)
    assert f"({name})" in caption
    engine = open_database(db_url)
    page = econ.macc_data(engine, "astana", MACC_YEAR, basis=PAGE_BASIS)["steps"]
    territorial = econ.macc_data(engine, "astana", MACC_YEAR, basis="territorial")["steps"]
    table = re.search(r'<table id="macc-table".*?</table>', html, re.S).group(0)
    shown = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert all(i18n.number(s["abatement_tco2e"], lang) in shown for s in page)
    # the two bases differ (a measure saving grid electricity abates nothing on the territorial one)
    assert {s["code"]: round(s["abatement_tco2e"]) for s in page} != {
        s["code"]: round(s["abatement_tco2e"]) for s in territorial
    }


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_pathway_net_of_removals_says_so(built, lang: str) -> None:
    """net-zero-2060 secures 7.0e5 t of removals at full adoption in 2060 (model.yaml, neutrality_removals): its
    total on the report's basis (territorial, which counts sector V) is net of them, and the report says so."""
    html = built[lang, "html"].decode()
    note = re.search(r'<p class="source" id="removals-net-zero-2060">(.*?)</p>', html, re.S)
    assert note, "no removals note under the pathways"
    from qala.web import i18n

    assert f"2060: {i18n.number(-700000, lang)}" in note.group(1)
    assert 'id="removals-bau"' not in html and 'id="removals-low-carbon"' not in html


def test_context_is_plain_data(db_url: str, inventory: dict) -> None:
    from qala.report.context import build_context

    ctx = build_context(open_database(db_url), "astana", "en", TODAY)
    data = json.loads(json.dumps(ctx.to_dict(), default=str))  # the JSON twin of the report
    assert data["inventory"]["totals"] == pytest.approx(inventory["totals"])
    assert data["today"] == TODAY.isoformat() and data["stamp"]["generated"] == TODAY.isoformat()
    # every GPC cell has a number or a key, never both and never neither
    assert all((c["tco2e"] is None) != (c["key"] is None) for c in data["cells"])
    assert sum(c["tco2e"] or 0 for c in data["cells"] if c["scope"] == 1) == pytest.approx(
        inventory["totals"]["territorial"]
    )


# --- golden structure ------------------------------------------------------------------------------------------


class Structure(HTMLParser):
    """Section ids, headings, figure/table ids and table headers, with digits masked: the report's skeleton."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.capture: str | None = None
        self.buf = ""
        self.headers: list[str] = []
        self.in_thead = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in ("section", "nav") and a.get("id"):
            self.lines.append(f"{tag}#{a['id']}")
        elif tag == "table":
            self.lines.append(f"table#{a.get('id', '')}")
        elif tag == "thead":
            self.in_thead, self.headers = True, []
        elif tag in ("h1", "h2", "h3") or (tag == "th" and self.in_thead):
            self.capture, self.buf = tag, ""
        elif tag == "figure":
            self.lines.append("figure")

    def handle_endtag(self, tag: str) -> None:
        if tag == self.capture:
            text = re.sub(r"\d", "#", " ".join(self.buf.split()))
            if tag == "th":
                self.headers.append(text)
            else:
                self.lines.append(f"  {tag}: {text}")
            self.capture = None
        elif tag == "thead":
            self.in_thead = False
            self.lines.append("  | " + " | ".join(self.headers))

    def handle_data(self, data: str) -> None:
        if self.capture:
            self.buf += data


def structure(html: str) -> str:
    parser = Structure()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_html_structure_matches_the_golden_file(built, lang: str) -> None:
    got = structure(built[lang, "html"].decode())
    path = GOLDEN / f"structure-{lang}.txt"
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}: run with QALA_REGEN_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")


def test_structure_is_the_same_in_every_language(built) -> None:
    skeletons = {
        lang: [line for line in structure(built[lang, "html"].decode()).splitlines() if not line.startswith("  ")]
        for lang in ("kk", "ru", "en")
    }
    assert skeletons["kk"] == skeletons["ru"] == skeletons["en"]
    assert [s for s in skeletons["en"] if s.startswith("section#")] == [
        f"section#{s}"
        for s in (
            "title-page",
            "summary",
            "profile",
            "ecology",
            "inventory",
            "scenarios",
            "measures",
            "targets",
            "roadmap",
            "gaps",
            "methodology",
            "stamp",
        )
    ]


# --- XLSX ------------------------------------------------------------------------------------------------------


def test_xlsx_totals_equal_the_inventory(built, inventory: dict) -> None:
    wb = load_workbook(io.BytesIO(built["ru", "xlsx"]))
    assert len(wb.sheetnames) == 12
    summary = wb.worksheets[0]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows[:3]] == [
        "BASIC, 2024, т CO2-экв.",
        "BASIC+, 2024, т CO2-экв.",
        "Территориальные (охват 1), 2024, т CO2-экв.",
    ]
    for (_, value), basis in zip(rows[:3], ("basic", "basic_plus", "territorial"), strict=True):
        assert value == pytest.approx(inventory["totals"][basis], rel=1e-12)
    cells = wb.worksheets[3]  # the GPC table: one row per cell, t CO2e or a key
    header = [c.value for c in cells[1]]
    scope, tco2e, key = header.index("Охват"), header.index("т CO2-экв."), header.index("Обозначение")
    values = list(cells.iter_rows(min_row=2, values_only=True))
    assert sum(r[tco2e] or 0 for r in values if r[scope] == 1) == pytest.approx(inventory["totals"]["territorial"])
    assert {r[0]: r[key] for r in values if r[key]} == inventory["notation_keys"]
    emissions = wb.worksheets[4]  # rows by activity and gas, each saying whether it is reported or estimated
    head = [c.value for c in emissions[1]]
    rows_t = list(emissions.iter_rows(min_row=2, values_only=True))
    assert sum(r[head.index("т CO2-экв.")] for r in rows_t) == pytest.approx(sum(inventory["by_scope"].values()))
    assert {r[head.index("Данные")].split(":")[0] for r in rows_t} <= {"отчётные данные", "оценка"}


# --- ecological state -----------------------------------------------------------------------------------------

NOT_RATED = {"kk": "дереккөзі бар межелік мән жоқ", "ru": "нет порогов с источником", "en": "no sourced benchmark"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_ecology_is_rated_in_the_readers_language_in_the_pdf(built, lang: str) -> None:
    """The PDF's share of the test below (rendering three PDFs is what makes it slow); the HTML it is printed
    from is checked in the fast suite."""
    text = " ".join(built[lang, "text"].split())  # the PDF's words, lines joined
    assert NOT_RATED[lang] in text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_ecology_is_rated_in_the_readers_language(built, lang: str) -> None:
    from qala.assessment.indicators import assessment
    from qala.services.assessment import city_indicators

    indicators = assessment(list(city_indicators("astana")), lang)
    html = built[lang, "html"].decode()
    assert NOT_RATED[lang] in " ".join(html.split())  # what the PDF prints (the slow test above reads it there)
    section = html.split('<section id="ecology">')[1].split("</section>")[0]
    for i in indicators:
        if i["benchmark"]:
            for rule in i["benchmark"]["text"].values():
                assert str(escape(rule)) in section, (i["code"], rule)
            assert str(escape(i["benchmark"]["source"])) in section  # every benchmark's source is listed
        if i["no_benchmark"]:
            assert str(escape(i["no_benchmark"]["detail"])) in section, i["code"]
    if lang != "en":
        assert "µg/m³" not in section and "no sourced benchmark" not in section
    wb = load_workbook(io.BytesIO(built[lang, "xlsx"]))
    sheet = next(ws for ws in wb.worksheets if ws.title.startswith(sheet_title_of("Ecological state", lang)))
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(indicators)
    header = rows[0]
    by_name = {r[header.index(rows[0][1])]: r for r in rows[1:]}
    for i in indicators:
        row = by_name[i["name"]]
        assert row[2] == i["value"] and (row[3] or "") == i["unit_label"]  # an empty cell reads back as None
        if i["benchmark"]:
            assert (row[7], row[8]) == (i["benchmark"]["text"]["green"], i["benchmark"]["text"]["red"])
        elif i["value"] is not None:
            assert row[6] == NOT_RATED[lang] and i["no_benchmark"]["detail"] in row[12]


def sheet_title_of(msgid: str, lang: str) -> str:
    from qala.report.xlsx import sheet_title
    from qala.web import i18n

    return sheet_title(i18n.translations(lang).gettext(msgid))


def test_sheet_titles_fit_excel() -> None:
    from qala.report.xlsx import sheet_title

    assert sheet_title("Scenarios: business as usual and low-carbon") == "Scenarios business as usual"
    assert sheet_title("Сценарийлер: базалық және төменкөміртекті") == "Сценарийлер базалық"
    assert sheet_title("City profile") == "City profile"
    assert len(sheet_title("x" * 40)) == 31


# --- stamp -----------------------------------------------------------------------------------------------------


def test_stamp_hashes_the_data_not_the_order_of_import(run_cli, tmp_path: Path) -> None:
    from qala.report.stamp import data_digest

    head = "year,gpc_ref,activity,amount,unit,source\n"
    rows = ["2023,II.1.1,diesel,100,t,fleet\n", "2023,III.1.1,msw_landfilled,5000,t,operator\n"]
    urls = []
    for i, order in enumerate((rows, rows[::-1])):
        url = f"sqlite:///{tmp_path / f's{i}.sqlite3'}"
        (tmp_path / f"a{i}.csv").write_text(head + "".join(order), encoding="utf-8")
        code, _, err = run_cli("import", str(tmp_path / f"a{i}.csv"), "--database", url)
        assert code == 0, err
        urls.append(url)
    first, second = (data_digest(open_database(u), "astana") for u in urls)
    assert first == second
    (tmp_path / "more.csv").write_text(head + "2023,II.1.1,diesel,101,t,fleet\n", encoding="utf-8")
    assert run_cli("import", str(tmp_path / "more.csv"), "--database", urls[0])[0] == 0
    changed = data_digest(open_database(urls[0]), "astana")
    assert changed[0] != first[0] and changed[1] == first[1]  # a superseded figure changes the hash, not the count


def test_stamp_is_printed(built, run_cli) -> None:
    from qala.catalog import load_catalog

    html = built["en", "html"].decode()
    stamp = re.search(r'<section id="stamp">(.*?)</section>', html, re.S).group(1)
    cat = load_catalog()
    assert cat.digest in stamp and cat.version in stamp
    code, out, _ = run_cli("version")
    assert code == 0
    assert out.split()[1].rstrip(";") in stamp  # Qala's version
    assert TODAY.strftime("%d.%m.%Y") in stamp  # the date as the locale writes it (Babel), not ISO
    assert re.search(r'class="hash">[0-9a-f]{64}<', stamp)


# --- charts ----------------------------------------------------------------------------------------------------


def test_charts_are_deterministic_vector_text() -> None:
    first = charts.progress_bars([("1", 50.0), ("2", 12.5)], "Орындалуы, %")
    assert first == charts.progress_bars([("1", 50.0), ("2", 12.5)], "Орындалуы, %")
    assert first.startswith("<svg") and "<image" not in first
    assert "Орындалуы, %" in first  # text stays text (svg.fonttype none)
    assert "<dc:date>" not in first
    assert re.findall(r'id="([^"]+)"', first) and all(i.startswith("rm-") for i in re.findall(r'id="([^"]+)"', first))


# --- CLI -------------------------------------------------------------------------------------------------------


def test_cli_writes_the_report(run_cli, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = run_cli("report", "--lang", "ru", "--format", "html", "--output", str(out), "--database", db_url)
    assert code == 0, err
    assert '<html lang="ru">' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "de", "--format", "pdf"], "--lang"),
        (["--lang", "kk", "--format", "docx"], "--format"),
    ],
)
def test_cli_refuses_bad_options(run_cli, tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = run_cli("report", *args, "--output", str(tmp_path / "r.pdf"))
    assert code == 2
    assert message in out + err
    assert not (tmp_path / "r.pdf").exists()


def test_cli_refuses_a_missing_folder(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "r.pdf"
    code, out, err = run_cli("report", "--lang", "kk", "--format", "pdf", "--output", str(target))
    assert code == 2
    assert "does not exist" in out + err


def test_build_refuses_unknown_choices(db_url: str) -> None:
    engine = open_database(db_url)
    with pytest.raises(ReportError, match="language"):
        build_report(engine, "astana", "de", "pdf")
    with pytest.raises(ReportError, match="format"):
        build_report(engine, "astana", "kk", "docx")


# --- web -------------------------------------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path):
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    w.add("expert", "expert")
    yield w
    w.engine.dispose()


def test_report_page_for_the_public(web: Web) -> None:
    c = web.client()
    page = c.get("/report")
    assert page.status_code == 200
    assert 'action="/report"' in page.text and 'name="format"' in page.text
    assert 'href="/report"' in c.get("/").text  # in the navigation
    assert c.get("/report", params={"fmt": "json"}).json()["formats"] == ["html", "pdf", "xlsx"]


def post_report(client, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """The report file: at once, or, when the job outlasts the request's wait on a busy machine, once it is done."""
    r = client.post("/report", data=data, follow_redirects=False)
    if r.status_code != 303 or not r.headers["location"].startswith("/jobs/"):
        return r
    location = r.headers["location"]
    while (job := client.get(location, params={"fmt": "json"}).json()["job"])["state"] in ("queued", "running"):
        threading.Event().wait(0.2)
    assert job["state"] == "done", job
    return client.get(f"{location}/file")


@pytest.mark.slow
def test_report_downloads_html_and_pdf(web: Web) -> None:
    c = web.client()
    token = csrf(c, "/report")
    html = post_report(c, {"csrf_token": token, "lang": "ru", "format": "html"})
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "attachment" in html.headers["content-disposition"] and ".html" in html.headers["content-disposition"]
    assert '<html lang="ru">' in html.text and "Базовая инвентаризация парниковых газов" in html.text
    needs.pdf()
    expert = web.signed_in("expert")
    pdf = post_report(expert, {"csrf_token": csrf(expert, "/report"), "lang": "kk", "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 10_000
    contents = PdfReader(io.BytesIO(pdf.content)).pages[1].extract_text()
    assert "Парниктік газдардың базалық түгендеуі" in contents


def test_report_form_is_checked(web: Web) -> None:
    c = web.client()
    assert c.post("/report", data={"lang": "kk", "format": "pdf"}).status_code == 403  # no CSRF token
    token = csrf(c, "/report")
    assert c.post("/report", data={"csrf_token": token, "lang": "de", "format": "pdf"}).status_code in (400, 422)
    assert c.post("/report", data={"csrf_token": token, "lang": "kk", "format": "docx"}).status_code in (400, 422)


NO_PANGO = """
import cffi, sys
real = cffi.FFI.dlopen
def dlopen(self, name, *args, **kwargs):  # this machine without Pango, as a bare Debian is
    if "pango" in str(name):
        raise OSError(f"cannot load library '{name}'")
    return real(self, name, *args, **kwargs)
cffi.FFI.dlopen = dlopen
from qala.cli import main
folder, url = sys.argv[1:3]
for fmt in ("pdf", "html"):
    sys.argv = ["qala", "report", "--lang", "kk", "--format", fmt, "--output", f"{folder}/r.{fmt}", "--database", url]
    try:
        main()
    except SystemExit as exc:
        print(f"{fmt}: exit {exc.code}", file=sys.stderr)
"""


@pytest.mark.slow
def test_without_pango_a_pdf_is_refused_with_the_packages_to_install(db_url: str, tmp_path: Path) -> None:
    """WeasyPrint cannot load Pango: the PDF is refused (exit 1, nothing written) naming the Debian packages;
    the HTML report is still written."""
    import sys

    child = subprocess.run(
        [sys.executable, "-c", NO_PANGO, str(tmp_path), db_url], capture_output=True, text=True, check=False
    )
    said = " ".join(child.stderr.split())
    assert "pdf: exit 1" in said and "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in said, child.stderr
    assert "Traceback" not in child.stderr and not (tmp_path / "r.pdf").exists()
    assert "html: exit" not in said or "html: exit 0" in said, child.stderr
    assert '<html lang="kk">' in (tmp_path / "r.html").read_text(encoding="utf-8")


# --- the report cache (qala.report.cache) ------------------------------------------------------------------------


def test_a_report_is_built_once_per_version_of_the_data(db_url: str, tmp_path: Path, monkeypatch) -> None:
    """The second request is answered from the cache, byte for byte, without gathering anything; a new
    publication makes a new key, and the older version's files are removed."""
    from qala.report import build, cache
    from qala.store import publications

    own = tmp_path / "own.sqlite3"  # a copy: this test publishes, the module's database stays as it is
    shutil.copyfile(db_url.removeprefix("sqlite:///"), own)
    engine = open_database(f"sqlite:///{own}")
    where = tmp_path / "reports"
    original = cache.data_key(open_database(db_url), "astana")
    assert {**original, "database": None} == {**cache.data_key(engine, "astana"), "database": None}
    assert original != cache.data_key(engine, "astana")  # the same data in another database: its own report
    phases: list[str] = []
    first, built = build.cached_report(engine, "astana", "en", "html", where, lambda share, phase: phases.append(phase))
    assert phases[:1] == ["scenarios"] and "drawing" in phases  # the progress a job shows
    assert first == build_report(engine, "astana", "en", "html", built)  # the cache holds what build_report makes

    def not_again(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the report was gathered again")

    monkeypatch.setattr(build, "build_context", not_again)
    again, when = build.cached_report(engine, "astana", "en", "html", where)
    assert (again, when) == (first, built)
    assert len(list(where.glob("astana--*.html"))) == 1

    year = publications.current(engine, "astana")["year"]
    before = cache.data_key(engine, "astana")
    publications.publish(engine, "astana", year, "a newer version", "editor")
    after = cache.data_key(engine, "astana")
    assert after["publication"] != before["publication"]
    assert cache.get(after, "en", "html", where) is None  # a new publication: not in the cache
    with pytest.raises(AssertionError, match="gathered again"):
        build.cached_report(engine, "astana", "en", "html", where)
    monkeypatch.undo()
    build.cached_report(engine, "astana", "en", "html", where)
    assert len(list(where.glob("astana--*.html"))) == 1  # the older version's report is gone
    assert cache.get(before, "en", "html", where) is None


@pytest.mark.slow
def test_a_second_report_request_is_answered_from_the_cache(web: Web) -> None:
    """The first request builds the report as a job; the same request again is answered at once, with the same
    bytes, and without a new job."""
    from sqlalchemy import func, select

    from qala.store.models import Job

    def jobs() -> int:
        with web.engine.connect() as conn:
            return int(conn.execute(select(func.count(Job.id)).where(Job.kind == "report")).scalar() or 0)

    c = web.client()
    token = csrf(c, "/report")
    first = post_report(c, {"csrf_token": token, "lang": "kk", "format": "html"})
    assert first.status_code == 200 and '<html lang="kk">' in first.text
    made = jobs()
    again = c.post("/report", data={"csrf_token": token, "lang": "kk", "format": "html"}, follow_redirects=False)
    assert again.status_code == 200 and again.content == first.content
    assert "attachment" in again.headers["content-disposition"]
    assert jobs() == made  # no job for the second request


def test_every_phase_of_a_report_job_is_named_in_kk_and_ru() -> None:
    """The job page names the phase a report is in (the progress shown while a PDF is made), in the page's
    language: every phase the report's job reports has a label in ``_job.html`` translated in kk and ru."""
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "src" / "qala"
    template = (root / "web" / "templates" / "_job.html").read_text(encoding="utf-8")
    labels = dict(re.findall(r'"(\w+)": _\("([^"]+)"\)', template))
    code = (root / "report" / "build.py").read_text() + (root / "report" / "context.py").read_text()
    code += (root / "jobs" / "tasks.py").read_text()
    phases = set(re.findall(r'(?:progress|tell)\([^,]+, "(\w+)"\)', code))
    assert {"gathering", "scenarios", "economics", "assessment", "drawing", "printing", "writing_pdf"} <= phases
    for lang in ("kk", "ru"):
        with (root / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        for phase in phases:
            assert phase in labels, phase
            assert catalog[labels[phase]].string, (lang, phase)
