"""An expert in a browser makes a variant of a scenario: Playwright drives Debian's Chromium (/usr/bin/chromium)
against the app served by uvicorn on loopback (the pattern of tests/test_web_e2e.py).

The expert changes a parameter's path and a measure's adoption, sees the result with its 5-95 % band beside the
scenario's, saves the variant with a name and a comment, compares it side by side with a variant that changes
nothing (the scenario itself, common random numbers), and reads the page in Kazakh: no code of a parameter, a
measure or a scenario is left on it. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "correct horse battery"
# Chromium end to end (slow): `make test-all` and CI. Making, saving, comparing and promoting variants through
# the app's HTTP interface is in the fast suite (test_variants.py).
pytestmark = pytest.mark.slow
BAND = re.compile(r"\d …\s?[-−]?\d")  # "p05 … p95" under each median


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    engine = open_database(f"sqlite:///{tmp_path / 'variants.sqlite3'}")
    users.add_user(engine, "expert", PASSWORD, "expert")
    with live_app(engine, "v") as url:
        yield url


def _codes() -> set[str]:
    """Every code the page could leak: parameters, drivers, measures and scenarios of Astana's model."""
    from qala.services import scenario as svc

    model, _ = svc.resolve("bau", "astana")
    return {*model.parameters, *model.drivers, *model.measures, *model.scenarios}


def test_expert_makes_saves_and_compares_a_variant_and_reads_it_in_kazakh(server: str) -> None:
    needs.browser()
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
            context.set_default_timeout(HUNG * 1000)
            expect.set_options(timeout=HUNG * 1000)
            page = context.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            page.goto(server + "/login")
            page.fill("#username", "expert")
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(server + "/")

            # a variant that changes nothing: saved first, it is the scenario itself
            page.goto(server + "/scenarios/variants")
            expect(page.locator("#v-scenario")).to_have_value("low-carbon")
            page.fill("#v-name", "as-planned")
            page.fill("#v-comment", "The scenario as it is")
            page.click("form[hx-post] button[type=submit]")
            page.wait_for_url(server + "/scenarios/variants")
            expect(page.locator("table").first).to_contain_text("as-planned")

            # a parameter's path and a measure's adoption: the result answers with its band while editing
            page.select_option("#v-parameter", "ev_share_added")
            page.fill("#v-path", "2024:0, 2030:0.2, 2060:0.9")
            page.select_option("#v-measure", "lrt")
            page.fill("#v-start", "2030")
            page.fill("#v-full", "2035")
            page.fill("#v-max", "0.5")
            page.press("#v-max", "Tab")  # the change event: htmx previews the form (2,000 draws)
            result = page.locator("#variant-result table")
            expect(result).to_be_visible()
            expect(result).to_contain_text("Scenario")
            expect(result).to_contain_text("Variant")
            expect(result).to_contain_text("Difference")
            expect(result.locator("th[scope=col]").nth(2)).to_have_text("2040")  # after the empty corner, 2030
            rows = result.locator("tr")
            expect(rows).to_have_count(4)  # years, scenario, variant, difference
            difference = rows.nth(3).locator("td")
            # the preview of the last change (earlier ones, with fewer changes, may answer first): more electric
            # cars, fewer tonnes in 2040 (2040 is the second column), the median over its 5-95 % range
            expect(difference.nth(1)).to_have_text(re.compile(r"^\s*[-−]\d"))
            assert BAND.search(difference.nth(1).inner_text().replace("\n", " "))
            page.screenshot(path=str(ARTIFACTS / "variants-preview-en.png"), full_page=True)

            # saved under a name with a comment
            page.fill("#v-name", "faster-evs")
            page.fill("#v-comment", "Faster electric cars, the LRT later")
            page.click("form[hx-post] button[type=submit]")
            page.wait_for_url(server + "/scenarios/variants")
            saved = page.locator("table").first
            expect(saved).to_contain_text("faster-evs")
            expect(saved).to_contain_text("Faster electric cars, the LRT later")

            # compared side by side with the scenario (the variant that changes nothing), chart included
            for name in ("as-planned", "faster-evs"):
                page.locator(f"input[name=compare][aria-label^='{name} ']").check()
            page.click("text=Compare the chosen variants")
            page.wait_for_url(re.compile(r".*compare=.*compare=.*"))
            table = page.locator("table", has_text="Variants side by side")
            expect(table).to_be_visible()
            expect(table).to_contain_text("as-planned (1)")
            expect(table).to_contain_text("faster-evs (1)")
            expect(table).to_contain_text("Difference")
            expect(page.locator("svg[role=img] polyline")).to_have_count(2)
            compare_url = page.url

            # in Kazakh: translated, and no code of the model left on the page (options included)
            page.goto(compare_url + "&lang=kk")
            expect(page.locator("html")).to_have_attribute("lang", "kk")
            expect(page.locator("h1")).not_to_have_text("Scenario variants")
            page.select_option("#v-parameter", "ev_share_added")
            page.fill("#v-path", "2024:0, 2030:0.2, 2060:0.9")
            page.press("#v-path", "Tab")
            expect(page.locator("#variant-result table")).to_be_visible()
            text = page.locator("main").inner_text()
            options = " ".join(page.locator("option").all_inner_texts())
            leaked = sorted(c for c in _codes() if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text + options))
            assert not leaked, leaked
            assert "Difference" not in text and "Scenario" not in text
            page.screenshot(path=str(ARTIFACTS / "variants-kk.png"), full_page=True)
            assert not page_errors, page_errors
        finally:
            browser.close()
