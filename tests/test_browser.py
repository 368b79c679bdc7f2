"""A real browser (Debian's chromium, headless, driven by Playwright) reads the pages and a feed.

Screenshots go to $FEEDAPP_SCREENSHOTS when set (docs/screenshots for the README), else to a
temporary folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support import SEEDS, feedapp, free_port, gunicorn, upgraded

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED_TITLE = "حمایت از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری سازمان‌ها می‌شود"


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": f"http://127.0.0.1:{port}",
        "FEEDAPP_SITE_TITLE": "اخبار شهرداری قزوین",
    }
    feedapp(env, "ingest", str(SEEDS))
    shots = Path(os.environ.get("FEEDAPP_SCREENSHOTS") or tmp / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with gunicorn(env, port=port) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 412, "height": 915}, device_scale_factor=1)
        yield base, page, shots
        browser.close()


@pytest.mark.parametrize(
    "path, shot, heading",
    [
        ("/", "home.png", "h2"),
        ("/releases/000_44faba8da108bc04", "release.png", "h1"),
    ],
)
def test_pages_read_right_to_left_with_the_headline_visible(browser_page, path, shot, heading):
    base, page, shots = browser_page
    response = page.goto(base + path)
    assert response.status == 200
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "fa"
    headline = page.get_by_text(SEED_TITLE, exact=True).first if heading == "h1" else page.locator("h2").first
    assert headline.is_visible()
    if heading == "h1":
        assert page.locator("h1").inner_text() == SEED_TITLE
    # Nothing wider than a phone screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / shot), full_page=False)


def test_feed_opened_in_a_browser_is_a_readable_rtl_view(browser_page):
    base, page, shots = browser_page
    response = page.goto(base + "/feed.atom")
    assert response.status == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert page.evaluate("document.documentElement.localName") == "feed"
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    title = page.locator("xpath=/*[local-name()='feed']/*[local-name()='title']")
    assert title.text_content() == "اخبار شهرداری قزوین" and title.is_visible()
    assert page.locator("xpath=//*[local-name()='entry']/*[local-name()='title']").first.is_visible()
    assert not page.locator("xpath=//*[local-name()='entry']/*[local-name()='id']").first.is_visible()
    page.screenshot(path=str(shots / "feed.png"), full_page=False)
