"""Strategic-document texts on SQLite and on a real PostgreSQL: import (txt, HTML, PDF), bad input with
nothing stored, full-text search in Kazakh and Russian across inflections, and repeated paragraphs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from qala.documents.duplicates import find_duplicates
from qala.documents.read import DocumentError, extract, html_paragraphs
from qala.documents.search import match_expression, search
from qala.documents.text import query_languages, query_terms, split_paragraphs, stem_kazakh, stems
from qala.store import db
from qala.store.models import DocumentParagraph, DocumentText
from qala.store.seed import open_database

ANNOUNCEMENT = "astana_lcds_roadmap_announcement_2018"
REFERENCE = Path(__file__).resolve().parents[1] / "src/qala/cities/astana/documents/astana-roadmap-announcement-kk.txt"

RU_TEXT = (
    "Выбросы парниковых газов в Астане снизились после перевода котельных на газ.\n\n"
    "Стратегия низкоуглеродного развития города Астаны\nдо 2030 года разработана экспертной группой.\n"
)

HTML_PAGE = """<!doctype html>
<html><head><title>Ignored title</title><style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body><h1>Low-carbon   strategy</h1>
<p>The city&nbsp;reduces its  greenhouse-gas
emissions &amp; air pollution.</p>
<p>Heat networks lose 18&#37; of heat.<br>Buses run on gas.</p>
<noscript>Enable JavaScript</noscript>
<div>Planned measures</div>
</body></html>"""


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF with a real text layer: Helvetica lines (ASCII), one list of lines per page."""
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids = []
    n = 4
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 770 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops += [f"({escaped}) Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objs[n] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (n + 1)
        )
        objs[n + 1] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
        kids.append(n)
        n += 2
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for i in sorted(objs):
        offsets[i] = len(out)
        out += b"%d 0 obj\n" % i + objs[i] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for i in sorted(objs):
        out += b"%010d 00000 n \n" % offsets[i]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


PDF_PAGES = [
    [
        "Greenhouse gas emissions of the city fell in 2022 because the",
        "combined heat and power plants burned less coal.",
        "Targets",
        "The strategy sets emission targets for 2030.",
    ],
    ["District heating losses remain high."],
]


def counts(url: str) -> tuple[int, int]:
    engine = open_database(url)
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(DocumentText)).scalar_one(),
            conn.execute(select(func.count()).select_from(DocumentParagraph)).scalar_one(),
        )


def found(hits) -> list[tuple[str, int]]:
    return sorted((h.code, h.position) for h in hits)


# ----------------------------------------------------------------------------- text, no database
def test_kazakh_stemmer_meets_inflected_forms() -> None:
    for form in ("стратегия", "стратегиясы", "стратегиясын", "стратегияны", "стратегиясының", "стратегиясымен"):
        assert stem_kazakh(form) == "стратегия", form
    assert {stem_kazakh(w) for w in ("қала", "қаласы", "қаланың", "қалада", "қалаға", "қаласының")} == {"қала"}
    assert {stem_kazakh(w) for w in ("ұйымдар", "ұйымдардың", "ұйымдарының")} == {"ұйым"}
    assert {stem_kazakh(w) for w in ("карта", "картасы", "картасын")} == {"кар"}  # repeated stripping
    assert stem_kazakh("жолы") == "жол" and stem_kazakh("жол") == "жол"  # a stem keeps three letters
    assert stem_kazakh("ісі") == "ісі"


def test_stems_are_lower_case_without_punctuation() -> None:
    assert stems("Выбросы парниковых газов, в т.ч. CO2-эквивалент!", "ru") == "выброс парников газ в т ч co2 эквивалент"
    assert stems("«Стратегиясын» ӘЗІРЛЕУ", "kk") == "стратегия әзірлеу"
    assert stems("Emissions of the strategies", "en") == "emiss of the strategi"


def test_query_language_from_its_letters() -> None:
    assert query_languages("құжаттар", None) == ("kk",)
    assert query_languages("стратегия", None) == ("kk", "ru")  # Cyrillic with no Kazakh-only letter
    assert query_languages("emissions", None) == ("en",)
    assert query_languages("стратегия", "ru") == ("ru",)
    assert query_terms("СТРАТЕГИЯ выбросов", None) == [("стратегия", "стратег"), ("выбросов", "выброс")]
    terms = [("стратегия", "стратег"), ("выброс",)]
    assert match_expression(terms, "sqlite") == '("стратегия" OR "стратег") AND "выброс"'
    assert match_expression(terms, "postgresql") == "('стратегия' | 'стратег') & 'выброс'"


def test_paragraph_splitting() -> None:
    assert split_paragraphs("One  line\nwrapped here.\n \nSecond\tone.\r\n\r\n\r\nThird.") == [
        "One line wrapped here.",
        "Second one.",
        "Third.",
    ]
    # no blank line at all: one paragraph per line (texts copied from the web)
    assert split_paragraphs("Title\nFirst paragraph.\n\nX"[:-3]) == ["Title", "First paragraph."]
    assert html_paragraphs(HTML_PAGE) == [
        "Low-carbon strategy",
        "The city reduces its greenhouse-gas emissions & air pollution.",
        "Heat networks lose 18% of heat.",
        "Buses run on gas.",
        "Planned measures",
    ]
    legacy = '<meta charset="windows-1251"><p>Выбросы газов</p>'.encode("cp1251")
    assert extract(legacy, "old.HTML").paragraphs == ["Выбросы газов"]
    assert extract(make_pdf(PDF_PAGES), "x.pdf").paragraphs == [
        "Greenhouse gas emissions of the city fell in 2022 because the combined heat and power plants burned "
        "less coal.",
        "Targets",
        "The strategy sets emission targets for 2030.",
        "District heating losses remain high.",
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.docx", b"PK\x03\x04", "unsupported format (.docx)"),
        ("plan", b"text", "unsupported format (no extension)"),
        ("plan.txt", "Стратегия".encode("cp1251"), "not UTF-8 text"),
        ("plan.txt", b" \n\n \n", "no extractable text"),
        ("plan.html", b"<html><script>only()</script></html>", "no extractable text"),
        ("plan.pdf", b"%PDF-1.4 this is not a PDF", "no extractable text (the PDF cannot be read"),
        ("plan.pdf", b"", "no extractable text"),
    ],
)
def test_extraction_errors_say_what_is_wrong(name: str, data: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        extract(data, name)


def test_image_only_and_encrypted_pdfs_have_no_extractable_text() -> None:
    from pypdf import PdfReader, PdfWriter

    blank = PdfWriter()
    blank.add_blank_page(200, 200)  # a scan without a text layer has no text either
    buf = io.BytesIO()
    blank.write(buf)
    with pytest.raises(DocumentError, match=r"no extractable text .*OCR"):
        extract(buf.getvalue(), "scan.pdf")
    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(PDF_PAGES))))
    locked.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    locked.write(buf)
    with pytest.raises(DocumentError, match=r"no extractable text .*encrypted"):
        extract(buf.getvalue(), "locked.pdf")


# --------------------------------------------------------------------------- store, both backends
def test_bundled_announcement_is_loaded_once(store_url: str, run_cli) -> None:
    assert counts(store_url) == (1, 8)
    assert counts(store_url) == (1, 8)  # opened again: not loaded twice
    paragraphs = extract(REFERENCE.read_bytes(), REFERENCE.name).paragraphs
    code, out, _ = run_cli("documents", "list", "--format", "json", "--database", store_url)
    assert code == 0
    (doc,) = json.loads(out)
    assert (doc["code"], doc["lang"], doc["part"], doc["kind"], doc["year"]) == (
        ANNOUNCEMENT,
        "kk",
        1,
        "announcement",
        2018,
    )
    assert set(doc["titles"]) == {"kk", "ru", "en"} and doc["paragraphs"] == len(paragraphs) == 8
    assert len(doc["sha256"]) == 64


def test_the_announcement_repeats_exactly_its_paragraphs_two_to_four(store_url: str, run_cli) -> None:
    """Line 1 is the headline; body paragraphs 2-4 (stored as 3-5, headline counted) recur as 6-8."""
    engine = open_database(store_url)
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    groups = find_duplicates(engine)
    assert [g.text for g in groups] == lines[2:5]
    assert [[o.position for o in g.occurrences] for g in groups] == [[3, 6], [4, 7], [5, 8]]
    assert {g.scope for g in groups} == {"within"}
    assert all(o.code == ANNOUNCEMENT for g in groups for o in g.occurrences)
    assert find_duplicates(engine, min_chars=10_000) == []
    code, out, _ = run_cli("documents", "duplicates", "--format", "json", "--database", store_url)
    assert code == 0
    assert [[o["paragraph"] for o in g["occurrences"]] for g in json.loads(out)] == [[3, 6], [4, 7], [5, 8]]
    code, out, _ = run_cli("documents", "duplicates", "--database", store_url)
    assert code == 0 and "3 repeated paragraph(s)" in out and "¶3" in out and "¶6" in out


def test_repeats_across_documents_after_whitespace_and_case(store_url: str, tmp_path: Path, run_cli) -> None:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    copied = "<p>Кіріспе.</p><p>" + "  ".join(lines[3].upper().split(" ")) + "</p>"  # more spaces, upper case
    (tmp_path / "reprint.html").write_text(copied, encoding="utf-8")
    code, _, err = run_cli(
        "documents", "import", str(tmp_path / "reprint.html"), "--code", "reprint", "--lang", "kk",
        "--title", "Reprint", "--database", store_url,
    )  # fmt: skip
    assert code == 0, err
    groups = find_duplicates(open_database(store_url))
    (group,) = [g for g in groups if len(g.occurrences) == 3]
    assert group.scope == "within and across"
    assert [(o.code, o.position) for o in group.occurrences] == [(ANNOUNCEMENT, 4), (ANNOUNCEMENT, 7), ("reprint", 2)]
    assert len(groups) == 3
    assert [g.text for g in find_duplicates(open_database(store_url), code="reprint")] == [lines[3]]


def test_search_in_kazakh_across_inflection_and_case(store_url: str, run_cli) -> None:
    engine = open_database(store_url)
    with_stem = [(ANNOUNCEMENT, p) for p in (3, 4, 6, 7)]  # they hold «стратегиясын»
    for query in ("стратегиясы", "стратегия", "СТРАТЕГИЯСЫН", "Стратегиясының"):
        assert found(search(engine, query)) == with_stem, query
    assert found(search(engine, "стратегия", "kk")) == with_stem
    # every word must match: «стратегияны» and «сараптау тобы» are together only in 4 and 7
    assert found(search(engine, "стратегия сараптау")) == [(ANNOUNCEMENT, 4), (ANNOUNCEMENT, 7)]
    # «тобы» meets «тобымен» (5, 8) and «тобы» (4, 7)
    assert found(search(engine, "сараптау тобы")) == [(ANNOUNCEMENT, p) for p in (4, 5, 7, 8)]
    assert found(search(engine, "ұйымдардың")) == [(ANNOUNCEMENT, 3), (ANNOUNCEMENT, 6)]  # «ұйымдар»
    assert search(engine, "метрополитен") == []
    hit = search(engine, "құжаттарды")[0]  # «құжаттар» in 5
    assert hit.position == 5 and [hit.snippet[a:b] for a, b in hit.spans] == ["құжаттар"]
    code, out, _ = run_cli("documents", "search", "СТРАТЕГИЯСЫ", "--database", store_url)
    assert code == 0 and f"{ANNOUNCEMENT} [kk] ¶3" in out and "4 paragraph(s)" in out
    code, out, _ = run_cli(
        "documents", "search", "стратегия", "--lang", "kk", "--format", "json", "--database", store_url
    )
    assert code == 0
    hits = json.loads(out)
    assert sorted(h["paragraph"] for h in hits) == [3, 4, 6, 7]
    assert all("стратегиясын" in h["matches"] and h["code"] == ANNOUNCEMENT for h in hits)


def test_import_text_and_search_in_russian(store_url: str, tmp_path: Path, run_cli) -> None:
    path = tmp_path / "strategy-ru.txt"
    path.write_text(RU_TEXT, encoding="utf-8")
    code, out, err = run_cli(
        "documents", "import", str(path), "--code", "astana_lcds_ru", "--lang", "ru", "--title", "Стратегия",
        "--year", "2019", "--source", "test", "--database", store_url,
    )  # fmt: skip
    assert code == 0, err
    assert "Imported strategy-ru.txt as astana_lcds_ru [ru]: 2 paragraph(s)" in out
    engine = open_database(store_url)
    for query in ("выбросов", "ВЫБРОСЫ", "выбросам газа", "парниковый"):
        assert found(search(engine, query)) == [("astana_lcds_ru", 1)], query
    assert found(search(engine, "стратегии", "ru")) == [("astana_lcds_ru", 2)]
    assert found(search(engine, "стратегией развития")) == [("astana_lcds_ru", 2)]  # wrapped lines joined
    assert found(search(engine, "года 2030")) == [("astana_lcds_ru", 2)]
    assert search(engine, "выбросов стратегии") == []  # AND: no paragraph has both
    assert found(search(engine, "стратегия")) == sorted(
        [("astana_lcds_ru", 2)] + [(ANNOUNCEMENT, p) for p in (3, 4, 6, 7)]
    )
    assert found(search(engine, "стратегия", code="astana_lcds_ru")) == [("astana_lcds_ru", 2)]
    assert len(search(engine, "стратегия", limit=2)) == 2


def test_import_html_and_pdf_as_parts_of_one_document(store_url: str, tmp_path: Path, run_cli) -> None:
    (tmp_path / "page.htm").write_text(HTML_PAGE, encoding="utf-8")
    (tmp_path / "report.PDF").write_bytes(make_pdf(PDF_PAGES))
    code, out, err = run_cli(
        "documents", "import", str(tmp_path / "page.htm"), str(tmp_path / "report.PDF"), "--code", "city_report",
        "--lang", "en", "--title", "City report", "--database", store_url,
    )  # fmt: skip
    assert code == 0, err
    assert "as city_report [en]: 5 paragraph(s)" in out and "as city_report [en] part 2: 4 paragraph(s)" in out
    docs = json.loads(run_cli("documents", "list", "--format", "json", "--database", store_url)[1])
    parts = {d["part"]: d for d in docs if d["code"] == "city_report"}
    assert (parts[1]["media_type"], parts[1]["file_name"]) == ("html", "page.htm")
    assert (parts[2]["media_type"], parts[2]["paragraphs"]) == ("pdf", 4)
    engine = open_database(store_url)
    assert {(h.part, h.position) for h in search(engine, "emission")} == {(1, 2), (2, 1), (2, 3)}
    assert {(h.part, h.position) for h in search(engine, "EMISSIONS strategy")} == {(2, 3)}
    assert {(h.part, h.position) for h in search(engine, "buses", "en")} == {(1, 4)}
    assert {(h.part, h.position) for h in search(engine, "low-carbon")} == {(1, 1)}
    for dropped in ("ignored", "color", "javascript", "var"):  # head, style, noscript and script dropped
        assert search(engine, dropped) == [], dropped


def test_the_same_file_again_is_reported_not_duplicated(store_url: str, tmp_path: Path, run_cli) -> None:
    path = tmp_path / "a.txt"
    path.write_text(RU_TEXT, encoding="utf-8")
    args = ("--code", "doc_a", "--lang", "ru", "--title", "A", "--database", store_url)
    assert run_cli("documents", "import", str(path), *args)[0] == 0
    before = counts(store_url)
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(path.read_bytes())
    code, out, _ = run_cli("documents", "import", str(path), str(copy), *args)
    assert code == 0
    assert "Already imported: a.txt is doc_a [ru] (same SHA-256" in out
    assert "Already imported: renamed.txt is doc_a [ru]" in out
    assert counts(store_url) == before


@pytest.mark.parametrize(
    ("files", "options", "message"),
    [
        ({"plan.docx": b"PK\x03\x04"}, (), "unsupported format (.docx)"),
        ({"broken.pdf": b"%PDF-1.7\n1 0 obj <<"}, (), "no extractable text"),
        ({"legacy.txt": "Выбросы".encode("cp1251")}, (), "not UTF-8 text"),
        ({"ok.txt": b"Fine text."}, ("--lang", "de"), "language 'de'"),
        ({"ok.txt": b"Fine text."}, ("--code", "no spaces"), "document code 'no spaces'"),
        ({"ok.txt": b"Fine text."}, ("--year", "3000"), "year 3000"),
        ({"ok.txt": b"Fine text."}, ("--title", " "), "a title is required"),
    ],
)
def test_bad_input_stores_nothing(
    store_url: str, tmp_path: Path, run_cli, files: dict[str, bytes], options: tuple[str, ...], message: str
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("A good paragraph that would be stored.", encoding="utf-8")
    paths = [str(good)]
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    before = counts(store_url)
    opts = {"--code": "c", "--lang": "en", "--title": "T"}
    opts.update(dict(zip(options[::2], options[1::2], strict=True)))
    code, _, err = run_cli(
        "documents", "import", *paths, *[x for kv in opts.items() for x in kv], "--database", store_url
    )
    assert code == 2
    assert message in " ".join(err.split()) and "nothing was imported" in " ".join(err.split())
    assert counts(store_url) == before


def test_missing_file_and_empty_query_are_clear_errors(store_url: str, tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli(
        "documents", "import", str(tmp_path / "nope.txt"), "--code", "c", "--lang", "kk", "--title", "T",
        "--database", store_url,
    )  # fmt: skip
    assert code == 2 and "no such file" in err
    code, _, err = run_cli("documents", "search", " ?! ", "--database", store_url)
    assert code == 2 and "the search query has no words" in err
    code, _, err = run_cli("documents", "search", "x", "--lang", "fr", "--database", store_url)
    assert code == 2 and "language 'fr'" in err
    code, _, err = run_cli("documents", "duplicates", "--min-chars", "0", "--database", store_url)
    assert code == 2 and "--min-chars 0" in err


def test_search_index_follows_deletes_and_the_migration_goes_down_and_up(store_url: str) -> None:
    engine = open_database(store_url)
    assert search(engine, "стратегия")
    with engine.begin() as conn:  # the SQLite triggers / PostgreSQL generated column follow the rows
        conn.execute(DocumentParagraph.__table__.update().values(stems="жаңа сөз"))
    assert search(engine, "стратегия") == [] and len(search(engine, "жаңа")) == 8
    with engine.begin() as conn:
        conn.execute(DocumentParagraph.__table__.delete())
    assert search(engine, "жаңа") == []
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert db.current_revision(engine) == "0003"
    db.migrate(engine)
    from qala.store.backup import _revisions

    assert db.current_revision(engine) == _revisions()[-1]  # the newest, whatever migrations came after 0004
