"""A person in a browser: Playwright drives Debian's Chromium against the app served by uvicorn on loopback.

Never ``playwright install`` (it downloads a browser): the test uses /usr/bin/chromium, and skips when it is
missing unless QALA_REQUIRE_BROWSER=1 (CI), where it fails instead. Screenshots in Kazakh go to
tests/artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from qala.store import users
from qala.store.seed import open_database
from tests import needs
from tests.bounded import HUNG
from tests.conftest import live_app
from tests.needs import CHROMIUM

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"
BAD = HEADER + "2023,II.1.1,diesel,-5,t,transport department,fleet-a\n"
GOOD = HEADER + "2023,II.1.1,diesel,250,t,transport department,fleet-a\n"
# Chromium end to end (slow: tens of seconds each): `make test-all` and CI. The same routes, forms, roles and
# headers are checked through the app's HTTP interface in the fast suite (test_web.py, test_headers.py).
pytestmark = pytest.mark.slow
JOB_TIMEOUT = 180_000  # ms: a job's worker process starts on the first upload (a busy machine is slow at it)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app on http://127.0.0.1:PORT (Chromium counts loopback as secure, so Secure cookies work)."""
    engine = open_database(f"sqlite:///{tmp_path / 'e2e.sqlite3'}")
    users.add_user(engine, "editor", PASSWORD, "editor")
    users.add_user(engine, "provider", PASSWORD, "provider")
    with live_app(engine, "e") as url:
        yield url


def test_sign_in_upload_switch_to_kazakh_chart_sign_out(server: str) -> None:
    needs.browser()
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(HUNG * 1000)  # waits for events; a busy machine only makes them longer
            expect.set_options(timeout=HUNG * 1000)
            page = context.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            # sign in (the browser asks for English first)
            page.goto(server + "/login")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.fill("#username", "editor")
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(server + "/")
            expect(page.locator("#logout")).to_be_visible()

            # a file with an error: nothing imported, the row named on the page
            page.goto(server + "/data")
            page.set_input_files("#file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD.encode()}])
            page.click("#upload-submit")
            errors = page.locator("#upload-errors")
            expect(errors).to_be_visible(timeout=JOB_TIMEOUT)  # the import runs as a job; htmx polls it
            expect(errors).to_contain_text("bad.csv, row 2, column 'amount'")

            # a good file: imported, and listed with its provenance
            page.set_input_files("#file", files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}])
            page.click("#upload-submit")
            ok = page.locator("#upload-ok")
            expect(ok).to_be_visible(timeout=JOB_TIMEOUT)
            expect(ok).to_contain_text("good.csv")
            expect(page.locator("table")).to_contain_text("good.csv (2)")

            # switch to Kazakh with the language link; the choice is remembered
            page.goto(server + "/data")
            page.click("a[hreflang='kk']")
            page.wait_for_url("**/data?lang=kk")
            expect(page.locator("html")).to_have_attribute("lang", "kk")
            page.screenshot(path=str(ARTIFACTS / "data-kk.png"), full_page=True)

            # the overview's chart, drawn by Plotly.js served from the plotly package
            page.goto(server + "/")
            expect(page.locator("html")).to_have_attribute("lang", "kk")
            # Plotly marks the div it draws into (#trend-chart itself) with .js-plotly-plot
            expect(page.locator("#trend-chart.js-plotly-plot, #trend-chart .js-plotly-plot").first).to_be_attached()
            expect(page.locator("#trend-chart .main-svg").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "overview-kk.png"), full_page=True)

            # sign out
            page.click("#logout")
            page.wait_for_url(server + "/")
            expect(page.locator("#login-link")).to_be_visible()
            assert page.goto(server + "/data").status == 401  # type: ignore[union-attr]
            assert not page_errors, page_errors
        finally:
            browser.close()
    for name in ("overview-kk.png", "data-kk.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


def test_pages_work_under_the_strict_content_security_policy(server: str) -> None:
    """Plotly, htmx and Swagger UI run with script-src 'self': no violation, the charts and the API docs drawn."""
    needs.browser()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 900}).new_page()
            page.set_default_timeout(60_000)
            violations: list[str] = []
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("pageerror", lambda exc: violations.append(str(exc)))
            for path in ("/", "/scenarios", "/economics"):
                page.goto(server + path)
                expect(page.locator(".main-svg").first).to_be_visible()
            page.goto(server + "/api/docs")
            expect(page.locator(".opblock-summary-path", has_text="/api/v1/imports").first).to_be_visible()
            # the report as a job: the progress, then the link (htmx posts the form and polls)
            page.goto(server + "/report")
            page.select_option("#report-format", "xlsx")
            page.click("#report-build")
            expect(page.locator("#job-file")).to_be_visible(timeout=JOB_TIMEOUT)
            assert page.locator("#job-file").get_attribute("href").startswith("/jobs/")  # type: ignore[union-attr]
            assert not violations, violations
        finally:
            browser.close()


def test_public_figures_change_only_when_the_department_publishes(server: str) -> None:
    """Issue 14 in a browser: a provider's upload waits for review; accepted, it is stale news until published."""
    needs.browser()
    from playwright.sync_api import expect, sync_playwright

    from qala.web import i18n

    gas = HEADER + "2024,I.1.1,natural_gas,9489.7232,TJ,gas utility,\n"  # the base year's gas: +3,500 TJ
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            visitor = browser.new_context(locale="en-GB").new_page()
            visitor.set_default_timeout(HUNG * 1000)
            expect.set_options(timeout=HUNG * 1000)

            def public_total() -> float:
                twin = visitor.request.get(server + "/?fmt=json").json()
                visitor.goto(server + "/")
                basic = twin["inventory"]["totals"]["basic"]
                expect(visitor.locator("main")).to_contain_text(i18n.number(basic, "en"))  # what the page shows
                return basic

            def chart_start() -> float:
                """The pathway chart's first point, as the page hands it to the chart."""
                visitor.goto(server + "/")
                data = json.loads(visitor.locator("#trend-data").text_content() or "{}")
                return data["bau"]["total"]["mean"][0]

            def sign_in(name: str):  # type: ignore[no-untyped-def]
                page = browser.new_context(locale="en-GB").new_page()
                page.goto(server + "/login")
                page.fill("#username", name)
                page.fill("#password", PASSWORD)
                page.click("#login-submit")
                page.wait_for_url(server + "/")
                return page

            before = public_total()
            start = chart_start()
            expect(visitor.locator("#version-notice")).to_contain_text("Published version 1 of 2024")

            provider = sign_in("provider")
            provider.goto(server + "/data")
            provider.set_input_files(
                "#file", files=[{"name": "gas.csv", "mimeType": "text/csv", "buffer": gas.encode()}]
            )
            provider.click("#upload-submit")
            expect(provider.locator("#upload-ok")).to_contain_text("Received for review", timeout=JOB_TIMEOUT)
            assert public_total() == before

            editor = sign_in("editor")
            editor.goto(server + "/submissions")
            editor.click("#submissions a")
            editor.fill("#reason", "checked against the meter readings")
            editor.click("#accept")
            expect(editor.locator("#submission-status")).to_have_text("accepted")
            assert public_total() == before  # accepted, not published
            assert chart_start() == start  # the chart's first point too
            expect(visitor.locator("#stale-notice")).to_be_visible()

            editor.goto(server + "/publications")
            editor.select_option("#pub-year", "2024")
            editor.fill("#pub-note", "gas utility 2024")
            editor.click("#publish")
            editor.wait_for_url(server + "/publications")
            after = public_total()
            assert after > before
            assert chart_start() > start + 150_000  # published: the chart starts from the new base year
            expect(visitor.locator("#version-notice")).to_contain_text("Published version 2 of 2024")
            expect(visitor.locator("#stale-notice")).to_have_count(0)
        finally:
            browser.close()
