"""The publishing desk in a real browser (Debian's chromium, headless, JavaScript off), served by
gunicorn with the host's ingest service: sign in, paste the sample release with its dropped
half-spaces, see the marked changes, publish, find it in /feed.atom, edit, retract, sign out;
a wrong or expired token; a form posted without its CSRF token.

Screenshots go to $FEEDAPP_SCREENSHOTS when set (docs/screenshots for the README), else to a
temporary folder.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support import SAMPLE, free_port, gunicorn, ingest_service, make_token, upgraded
from tests.test_browser import CHROMIUM, FLAGS

OFFICE = "روابط عمومی شهرداری قزوین"
ZWNJ = "\u200c"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
TITLE = f"حمایت از فعالیت روابط عمومی{ZWNJ}ها موجب بروز خلاقیت{ZWNJ}کاری سازمان{ZWNJ}ها می{ZWNJ}شود"


@pytest.fixture(scope="module")
def desk_site(tmp_path_factory):
    """gunicorn and the ingest service on one store, a browser without JavaScript, an office token."""
    tmp = tmp_path_factory.mktemp("desk-browser")
    port = free_port()
    url = upgraded(f"sqlite:///{tmp / 'db.sqlite3'}")
    env = {
        "FEEDAPP_DATABASE_URL": url,
        "FEEDAPP_SITE_URL": f"http://127.0.0.1:{port}",
        "FEEDAPP_SITE_TITLE": "اخبار شهرداری قزوین",
        "FEEDAPP_DESK": "true",
        "FEEDAPP_SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
        "FEEDAPP_AUTH_THROTTLE_FILE": str(tmp / "auth"),
    }
    shots = Path(os.environ.get("FEEDAPP_SCREENSHOTS") or tmp / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    token = make_token(url, OFFICE)
    expired = make_token(url, OFFICE, expires_at=datetime.now(timezone.utc) - timedelta(days=1))
    with ingest_service(env), gunicorn(env, port=port) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 900, "height": 1000})
        yield base, context.new_page(), shots, token, expired
        browser.close()


def screenshot(page, path: Path, full_page: bool = False) -> None:
    """A picture for the README, of the page once loaded."""
    page.wait_for_load_state("load")
    page.screenshot(path=str(path), full_page=full_page)


def sign_in(page, base: str, token: str) -> None:
    page.goto(base + "/desk/")
    page.get_by_label("کلید انتشار دفتر").fill(token)
    page.get_by_role("button", name="ورود").click()


def test_a_wrong_or_expired_token_is_refused_and_named_nowhere(desk_site):
    base, page, shots, _, expired = desk_site
    for token in ("fa_abcdefgh_" + "x" * 43, expired):
        sign_in(page, base, token)
        expect(page.get_by_role("alert")).to_have_text("این کلید درست نیست، یا باطل یا منقضی شده است.")
        assert token not in page.content() and token not in page.url
    screenshot(page, shots / "desk-sign-in.png")


def test_an_office_checks_publishes_edits_and_retracts_a_release(desk_site):
    base, page, shots, token, _ = desk_site
    sign_in(page, base, token)
    assert page.url == base + "/desk/"
    expect(page.locator(".who")).to_have_text(OFFICE)
    assert token not in page.content() and token not in page.url

    page.get_by_role("link", name="خبر تازه").click()
    page.locator("#text-key").fill("desk_browser_1")
    page.locator("#text").fill(SAMPLE_TEXT)
    screenshot(page, shots / "desk-paste.png")
    page.locator("#text").locator("xpath=..").get_by_role("button", name="بررسی").click()
    # The check page: the parsed date with its instant and offset, and each change marked.
    expect(page.get_by_role("heading", name="بررسی خبر")).to_be_visible()
    expect(page.locator(".instant")).to_have_text("2014-03-11T12:00:00+03:30")
    halfspaces = page.locator(".desk-preview ins.halfspace")
    assert halfspaces.count() > 10
    expect(page.locator(".desk-preview ins", has_text=f"سازمان{ZWNJ}ها").first).to_be_visible()
    assert halfspaces.first.get_attribute("title").startswith("پیش‌تر: ")
    screenshot(page, shots / "desk-check.png", full_page=True)

    page.get_by_role("button", name="انتشار").click()
    expect(page.locator(".outcome")).to_have_attribute("data-action", "added")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    screenshot(page, shots / "desk-published.png")
    page.get_by_role("link", name=f"صفحهٔ خبر: {TITLE}").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    feed = page.request.get(base + "/feed.atom").text()
    assert "/releases/desk_browser_1" in feed and TITLE in feed

    # Edit: the text as received, a new headline; the key and the first publication stay.
    page.goto(base + "/desk/?q=" + "خلاقیت")
    page.get_by_role("link", name="ویرایش").first.click()
    text = page.locator("#text").input_value()
    assert text.replace("\r\n", "\n") == SAMPLE_TEXT.replace("\r\n", "\n").rstrip("\n") or text.startswith(
        SAMPLE_TEXT[:40]
    )
    page.locator("#text").fill(SAMPLE_TEXT.replace("حمايت از فعاليت", "پشتیبانی از فعالیت", 1))
    page.locator("#text").locator("xpath=..").get_by_role("button", name="بررسی").click()
    page.get_by_role("button", name="انتشار").click()
    expect(page.locator(".outcome")).to_have_attribute("data-action", "updated")

    page.goto(base + "/desk/")
    screenshot(page, shots / "desk-list.png")
    page.get_by_role("link", name="پس گرفتن").first.click()
    expect(page.get_by_text("این کار برگشت ندارد", exact=False)).to_be_visible()
    screenshot(page, shots / "desk-retract.png")
    page.get_by_role("button", name="بله، پس بگیر").click()
    expect(page.locator("tr.retracted .badge")).to_have_text("پس گرفته شده")
    screenshot(page, shots / "desk-retracted.png")
    assert page.request.get(base + "/releases/desk_browser_1").status == 410

    page.get_by_role("button", name="خروج").click()
    expect(page.get_by_role("heading", name="ورود به میز انتشار")).to_be_visible()
    assert page.request.get(base + "/desk/new", max_redirects=0).status == 302


def test_a_form_posted_without_its_csrf_token_is_refused(desk_site):
    base, page, _, token, _ = desk_site
    sign_in(page, base, token)
    page.get_by_role("link", name="خبر تازه").click()
    # The session cookie goes with the request, as with a form another site made post here.
    answer = page.request.post(base + "/desk/publish", form={"mode": "text", "text": SAMPLE_TEXT, "key": "forged_1"})
    assert answer.status == 403
    assert re.search("این کار انجام نشد", answer.text())
    assert page.request.get(base + "/releases/forged_1").status == 404
