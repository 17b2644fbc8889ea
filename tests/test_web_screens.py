"""Every page in a real browser (Debian's Chromium through Playwright), in Russian and Kazakh, at a phone's 390 px
and a laptop's 1,366 px: nothing wider than the screen, axe-core finds nothing "serious" or "critical", and a
first visit sends little and loads Plotly without holding the page back (its time: benchmarks/first_visit.py).

axe-core is vendored for the tests only (tests/data/axe/axe.min.js, npm package axe-core 4.14.1, MPL-2.0).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import needs
from tests.conftest import live_app
from tests.needs import CHROMIUM
from tests.test_web_e2e import CHROMIUM_ARGS, PASSWORD

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "data" / "axe" / "axe.min.js"
PUBLIC = [
    "/",
    "/inventory",
    "/scenarios",
    "/economics",
    "/economics?limit=5000000",
    "/roadmap",
    "/roadmap/1.1",
    "/roadmap/experts",
    "/roadmap/partners",
    "/assessment",
    "/documents",
    "/report",
    "/login",
]
EDITOR = ["/data", "/roadmap/1.1", "/account"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on loopback, once for the module (its pages' data are computed once, as on a real server)."""
    from qala.store import users
    from qala.store.seed import open_database

    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('screens') / 's.sqlite3'}")
    users.add_user(engine, "editor", PASSWORD, "editor")
    with live_app(engine, "s") as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    needs.browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _url(server: str, path: str, lang: str) -> str:
    return f"{server}{path}{'&' if '?' in path else '?'}lang={lang}"


def _sign_in(page, server: str) -> None:
    page.goto(f"{server}/login")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def _widths(browser, server: str, paths: list[str], lang: str, signed_in: bool) -> list[str]:
    wide = []
    for width in (390, 1366):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        if signed_in:
            _sign_in(page, server)
        for path in paths:
            page.goto(_url(server, path, lang), wait_until="load")
            page.wait_for_function(
                "!document.querySelector('.chart') || !window.Plotly || "
                "[...document.querySelectorAll('.chart')].every(c => c.querySelector('svg'))"
            )
            sw = page.evaluate("document.documentElement.scrollWidth")
            if sw > width + 1:
                wide.append(f"{lang} {path} @{width}px: {sw}px wide")
        ctx.close()
    return wide


def test_no_page_is_wider_than_the_screen(browser, server: str) -> None:
    assert not _widths(browser, server, PUBLIC, "ru", signed_in=False)
    assert not _widths(browser, server, PUBLIC[:4], "kk", signed_in=False)


def test_editor_pages_fit_the_screen(browser, server: str) -> None:
    assert not _widths(browser, server, EDITOR, "kk", signed_in=True)


def test_the_navigation_folds_into_a_menu_on_a_phone(browser, server: str) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 900})
    page = ctx.new_page()
    page.goto(_url(server, "/", "ru"))
    assert not page.is_visible(".nav-wide") and page.is_visible(".nav-menu summary")
    assert not page.is_visible(".nav-menu a[href='/inventory']")
    page.click(".nav-menu summary")
    page.click(".nav-menu a[href='/inventory']")  # the keyboard-free path; a Tab/Enter path is the same element
    page.wait_for_url(re.compile(r".*/inventory"))
    ctx.close()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_header_keeps_its_languages_and_sign_in_together(browser, server: str, lang: str) -> None:
    """On a laptop (1,366 px) the signed-out header is one row; where it must wrap (1,024 px), the languages and
    the sign-in link go down together, at the right, never the sign-in link alone on a row of its own."""
    for path in ("/", "/roadmap", "/assessment"):  # the current page's link is bold, so wider
        rows = {}
        for width in (1366, 1024):
            ctx = browser.new_context(viewport={"width": width, "height": 900})
            page = ctx.new_page()
            page.goto(_url(server, path, lang))
            rows[width] = page.evaluate("""() => {
                const top = s => Math.round(document.querySelector(s).getBoundingClientRect().top);
                const r = document.querySelector('#login-link').getBoundingClientRect();
                return {brand: top('header .brand'), langs: top('.langs'), sign_in: top('#login-link'),
                        gap_right: Math.round(window.innerWidth - r.right)}; }""")
            ctx.close()
        wide, narrow = rows[1366], rows[1024]
        assert abs(wide["langs"] - wide["sign_in"]) < 10 and abs(wide["sign_in"] - wide["brand"]) < 10, (path, wide)
        assert abs(narrow["langs"] - narrow["sign_in"]) < 10 and narrow["gap_right"] < 40, (path, narrow)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_wide_tables_caption_stays_in_view_while_the_table_scrolls(browser, server: str, lang: str) -> None:
    """A table wider than a phone scrolls in its box (its wrapper, or on a narrow screen the table itself); its
    caption stays within the box (wrapped, whole), at the table's start and after scrolling it to its end,
    instead of scrolling off with the table."""
    cut = []
    for width in (390, 1366):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        for path in ("/inventory", "/economics", "/assessment", "/scenarios"):
            page.goto(_url(server, path, lang), wait_until="load")
            found = page.evaluate("""() => {
                const out = [];
                for (const c of document.querySelectorAll('main table:not(.cards) > caption')) {
                    const table = c.closest('table');  // on a narrow screen the table scrolls itself
                    const own = getComputedStyle(table).overflowX === 'auto';
                    const box = own ? table : c.closest('.scroll, .table-wrap');
                    if (!box) continue;
                    for (const end of [0, box.scrollWidth]) {
                        box.scrollLeft = end;
                        const r = c.getBoundingClientRect(), b = box.getBoundingClientRect();
                        out.push({text: c.textContent.trim().slice(0, 40), wide: box.scrollWidth > b.width + 1,
                                  inside: r.left >= b.left - 1 && r.right <= b.right + 1});
                    }
                }
                return out; }""")
            cut += [f"{path} @{width}px: {f['text']}" for f in found if not f["inside"]]
            if width == 390 and path == "/inventory":
                assert any(f["wide"] for f in found), "the inventory's cell table should be wider than a phone"
        ctx.close()
    assert not cut, cut


def test_charts_have_axis_titles_names_and_a_small_toolbar(browser, server: str) -> None:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    for path in ("/", "/scenarios", "/economics"):
        page.goto(_url(server, path, "ru"))
        page.wait_for_function("[...document.querySelectorAll('.chart')].every(c => c.layout)")
        charts = page.evaluate("""() => [...document.querySelectorAll('.chart')].map(g => ({
            x: g.layout.xaxis.title.text, y: g.layout.yaxis.title.text, type: g.layout.yaxis.type,
            ticks: [...g.querySelectorAll('.xtick text')].map(t => t.textContent),
            names: g.data.map(t => t.name + ' ' + (t.text || []).join(' ')).join(' '),
            buttons: [...g.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))}))""")
        for c in charts:
            assert c["x"] and c["y"], (path, c)
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", c["names"]), (path, c["names"])  # names, not codes
            assert c["type"] != "log"
            if c["x"] == "Год":  # a year is not a quantity: 2015, never "2 015"
                assert c["ticks"] and all(re.fullmatch(r"\d{4}", t) for t in c["ticks"]), (path, c["ticks"])
            assert c["buttons"] and all(not re.search(r"Zoom|Pan|Autoscale|Reset", b or "") for b in c["buttons"])
            assert any("PNG" in (b or "") for b in c["buttons"]) and not any(
                "Download plot" in (b or "") for b in c["buttons"]
            )
    ctx.close()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_chart_legends_fit_a_phone(browser, server: str, lang: str) -> None:
    """At 390 px every legend entry lies inside its chart (Plotly cuts an entry off, it never wraps one), the
    legend does not cover the year axis's title and leaves the plot at least half the chart's width."""
    ctx = browser.new_context(viewport={"width": 390, "height": 900})
    page = ctx.new_page()
    for path in ("/", "/scenarios"):
        page.goto(_url(server, path, lang))
        page.wait_for_function("[...document.querySelectorAll('.chart')].every(c => c.layout)")
        charts = page.evaluate("""() => [...document.querySelectorAll('.chart')].map(g => {
            const c = g.getBoundingClientRect(), t = g.querySelector('.g-xtitle'), l = g.querySelector('.legend');
            const tr = t && t.getBoundingClientRect(), lr = l && l.getBoundingClientRect();
            return {left: c.left, right: c.right, plot: g._fullLayout.xaxis._length,
                    entries: [...g.querySelectorAll('.legendtext')].map(e => {
                        const r = e.getBoundingClientRect();
                        return {text: e.textContent, left: r.left, right: r.right}; }),
                    overlap: !!(tr && lr && tr.bottom > lr.top && lr.bottom > tr.top)}; })""")
        assert charts, path
        for c in charts:
            assert c["entries"] and not c["overlap"], (path, c)
            assert c["plot"] >= (c["right"] - c["left"]) / 2, (path, c)  # the legend has not squeezed the plot away
            cut = [e["text"] for e in c["entries"] if e["left"] < c["left"] - 1 or e["right"] > c["right"] + 1]
            assert not cut, (lang, path, cut)
    ctx.close()


def test_axe_finds_nothing_serious(browser, server: str) -> None:
    source = AXE.read_text(encoding="utf-8")
    found = {}
    for width in (390, 1366):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        for path in PUBLIC:
            page.goto(_url(server, path, "kk"), wait_until="load")
            page.evaluate(source)  # a DevTools evaluation: the page's Content-Security-Policy does not apply
            result = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
                .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(' | '))""")
            if result:
                found[f"{path} @{width}"] = result
        ctx.close()
    assert not found, found


def test_a_first_visit_sends_little_and_nothing_holds_the_page_back(browser, server: str) -> None:
    """What makes a first visit fast, checked without a clock (the time itself is a benchmark:
    benchmarks/first_visit.py): static files compressed, Plotly's partial bundle loaded ``async`` so it
    never holds DOMContentLoaded back, and the whole visit under 600 KB."""
    for path in ("/", "/scenarios", "/economics", "/inventory", "/assessment", "/roadmap"):
        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        responses: list = []
        page.on("response", lambda r, responses=responses: responses.append(r))  # Playwright refuses a bound builtin
        page.goto(_url(server, path, "ru"), wait_until="load")
        # the body bytes on the wire (compressed) and the encoding of each response
        got = [
            (r.url, r.request.sizes()["responseBodySize"], (r.all_headers().get("content-encoding") or ""))
            for r in responses
        ]
        blocking = page.evaluate(
            "[...document.querySelectorAll('script[src]')].filter(s => /plotly/.test(s.src) && !s.async && !s.defer)"
            ".map(s => s.src)"
        )
        ctx.close()
        assert not blocking, (path, blocking)
        static = [(u, n, enc) for u, n, enc in got if "/static/" in u and u.split("?")[0].endswith((".js", ".css"))]
        assert static and all(enc == "gzip" for u, n, enc in static if n > 1024 or "plotly" in u), (path, static)
        assert sum(n for _, n, _ in got) < 600 * 1024, (path, got)
