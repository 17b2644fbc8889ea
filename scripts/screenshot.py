"""The README's screenshot: the overview in Kazakh, as a browser shows it (Playwright and Debian's Chromium).

    .venv/bin/python scripts/screenshot.py [docs/img/overview-kk.png]

Serves a fresh database (Astana bundled) on loopback, opens ``/?lang=kk`` at 1,366 × 900 and saves the
top of the page, down to the pathways chart, once the chart is drawn.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import expect, sync_playwright

from qala.store.seed import open_database
from qala.web.app import create_app
from qala.web.settings import WebSettings

OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "overview-kk.png"
CHROMIUM = "/usr/bin/chromium"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    home = Path(tempfile.mkdtemp(prefix="qala-shot-"))
    engine = open_database(f"sqlite:///{home / 'shot.sqlite3'}")
    settings = WebSettings(
        secret_key="s" * 40, cookie_secure=False, max_upload_bytes=2**20, default_city="astana", database_url=None
    )
    server = uvicorn.Server(uvicorn.Config(create_app(engine, settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            return 1
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="kk-KZ")
            page.goto(f"http://127.0.0.1:{port}/?lang=kk")
            expect(page.locator("#trend-chart .main-svg").first).to_be_visible(timeout=120_000)
            out.parent.mkdir(parents=True, exist_ok=True)
            chart = page.locator("#trend-chart").first.bounding_box()
            assert chart is not None
            height = int(chart["y"] + chart["height"] + 16)
            page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": 1366, "height": height})
            browser.close()
    finally:
        server.should_exit = True
        thread.join()
        engine.dispose()
    print(f"{out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
