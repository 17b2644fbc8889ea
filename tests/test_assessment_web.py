"""The ecological-state page and its JSON twin agree, row by row, in every language."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from .test_web import Web

LABELS = {
    "kk": {"not_rated": "дереккөзі бар межелік мән жоқ", "green": "жақсы", "red": "нашар", "unknown": "белгісіз"},
    "ru": {"not_rated": "нет порогов с источником", "green": "хорошо", "red": "плохо", "unknown": "неизвестно"},
    "en": {"not_rated": "no sourced benchmark", "green": "good", "red": "poor", "unknown": "unknown"},
}


class Rows(HTMLParser):
    """The indicator rows of the page: id -> (data-rating, the row's text with spaces collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, tuple[str, str]] = {}
        self.current: str | None = None
        self.rating = ""
        self.buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and (a.get("id") or "").startswith("ind-"):
            self.current, self.rating, self.buf = a["id"][4:], a.get("data-rating") or "", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self.current:
            self.rows[self.current] = (self.rating, " ".join("".join(self.buf).split()))
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current:
            self.buf.append(data)


def flat(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Web:
    return Web(f"sqlite:///{Path(tmp_path_factory.mktemp('aw')) / 'w.sqlite3'}")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_page_and_json_agree(web: Web, lang: str) -> None:
    c = web.client()
    data = c.get(f"/assessment?fmt=json&lang={lang}").json()
    page = c.get(f"/assessment?lang={lang}")
    assert page.status_code == 200
    parser = Rows()
    parser.feed(page.text)
    assert list(parser.rows) == [i["code"] for i in data["indicators"]]
    for i in data["indicators"]:
        rating, text = parser.rows[i["code"]]
        assert rating == i["rating"], i["code"]
        assert flat(i["name"]) in text
        if i["value"] is not None:
            assert flat(f"{i['value_text']} {i['unit_label']}") in text, i["code"]
        if i["benchmark"]:
            assert flat(i["benchmark"]["text"]["green"]) in text and flat(i["benchmark"]["text"]["red"]) in text
            assert flat(i["benchmark"]["name"]) in text
        if i["no_benchmark"]:
            assert LABELS[lang]["not_rated" if i["value"] is not None else "unknown"] in text
            assert flat(i["no_benchmark"]["text"]) in text and flat(i["no_benchmark"]["detail"]) in text
        if i["missing"]:
            assert flat(i["missing"]) in text
    summary = flat(page.text.split('id="rating-summary"')[1].split("</p>")[0])
    for rating, n in data["rating_counts"].items():
        if rating in LABELS[lang]:
            assert f"{LABELS[lang][rating]}</span> {n}" in summary, rating


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_reason_on_a_kazakh_or_russian_page(web: Web, lang: str) -> None:
    text = web.client().get(f"/assessment?lang={lang}").text
    for english in ("no sourced benchmark", "What is missing", "None of the sources searched", "µg/m³", "m²/person"):
        assert english not in text, english
