"""The publishing desk (/desk/): sign-in, CSRF, check, publish, edit, retract, through a real
ingest service on a real store; the browser's view of the same flow is in test_desk_browser.py."""

from __future__ import annotations

import logging
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedapp import create_app, store, tokens
from feedapp.engine import Engine
from tests.support import BACKENDS, SAMPLE, close_app, ingest_service, make_token, upgraded

ADMIN = "desk-admin-token-0123456789"
SECRET = "desk-secret-key-for-tests-0123456789abcdef"
ZWNJ = "\u200c"
TEXT = SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def desk_store(tmp_path_factory, upgraded_sqlite: Path):
    """One SQLite store and its ingest service for this module (tests use keys of their own)."""
    path = tmp_path_factory.mktemp("desk") / "desk.sqlite3"
    shutil.copyfile(upgraded_sqlite, path)
    url = f"sqlite:///{path}"
    with ingest_service({"FEEDAPP_DATABASE_URL": url}):
        yield url


@pytest.fixture
def desk(desk_store, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": desk_store,
            "API_TOKEN": ADMIN,
            "DESK": True,
            "SECRET_KEY": SECRET,
            "AUTH_THROTTLE_FILE": str(tmp_path / "auth"),
            "AUTH_FAILURES": 3,
        }
    )
    yield app.test_client()
    close_app(app)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, token: str) -> str:
    """Sign in; the CSRF token of the signed-in session's pages."""
    page = client.get("/desk/")
    answer = client.post("/desk/sign-in", data={"token": token, "csrf_token": csrf_of(page.get_data(True))})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/desk/")
    return csrf_of(client.get("/desk/new").get_data(True))


def test_the_desk_is_off_unless_enabled(desk_store):
    app = create_app({"DATABASE_URL": desk_store, "API_TOKEN": ADMIN})
    try:
        answer = app.test_client().get("/desk/")
        assert (answer.status_code, answer.mimetype) == (404, "text/html")
    finally:
        close_app(app)


@pytest.mark.parametrize("secret", [None, "", "too-short"])
def test_the_desk_needs_a_long_secret_key(desk_store, secret):
    with pytest.raises(ValueError, match="FEEDAPP_DESK needs FEEDAPP_SECRET_KEY, at least 32 random characters"):
        create_app({"DATABASE_URL": desk_store, "DESK": True, "SECRET_KEY": secret})


@pytest.mark.parametrize(("site", "secure"), [("http://127.0.0.1:8000", ""), ("https://news.example.ir", "; Secure")])
def test_session_cookie_is_signed_httponly_strict_and_only_for_the_desk(desk_store, site, secure):
    app = create_app(
        {"DATABASE_URL": desk_store, "API_TOKEN": ADMIN, "DESK": True, "SECRET_KEY": SECRET, "SITE_URL": site}
    )
    try:
        client = app.test_client()
        page = client.get("/desk/")
        cookie = page.headers["Set-Cookie"]
        assert re.fullmatch(r"feedapp_desk=[^;]+; (Secure; )?HttpOnly; Path=/desk/; SameSite=Strict", cookie)
        assert ("Secure;" in cookie) == bool(secure)
        assert page.headers["Cache-Control"] == "no-store"
        assert "form-action 'self'" in page.headers["Content-Security-Policy"]
        assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none': no script
        feed = client.get("/feed.atom")
        assert "Set-Cookie" not in feed.headers and "Cookie" not in feed.headers.get("Vary", "")
    finally:
        close_app(app)


def test_a_form_posted_without_its_csrf_token_is_refused(desk):
    assert desk.post("/desk/sign-in", data={"token": ADMIN}).status_code == 403
    csrf = sign_in(desk, ADMIN)
    for path, data in (
        ("/desk/check", {"mode": "text", "text": TEXT}),
        ("/desk/publish", {"mode": "text", "text": TEXT, "key": "csrf_1"}),
        ("/desk/sign-out", {}),
    ):
        refused = desk.post(path, data=data)
        assert refused.status_code == 403, path
        assert "این کار انجام نشد" in refused.get_data(True)
        assert desk.post(path, data={**data, "csrf_token": "forged"}).status_code == 403
    assert desk.get("/desk/").status_code == 200 and "خروج" in desk.get("/desk/").get_data(True)  # still signed in
    assert csrf


def test_wrong_tokens_are_refused_counted_and_throttled_without_the_token_anywhere(desk, caplog):
    caplog.set_level(logging.WARNING)
    wrong = "fa_abcdefgh_" + "x" * 43
    page = desk.get("/desk/")
    for _ in range(3):
        answer = desk.post("/desk/sign-in", data={"token": wrong, "csrf_token": csrf_of(page.get_data(True))})
        assert answer.status_code == 403
        assert "این کلید درست نیست" in answer.get_data(True)
        assert wrong not in answer.get_data(True) and wrong not in answer.headers.get("Location", "")
    throttled = desk.post("/desk/sign-in", data={"token": ADMIN, "csrf_token": csrf_of(page.get_data(True))})
    assert throttled.status_code == 429  # even the right token, while throttled
    assert [r.getMessage() for r in caplog.records if r.name == "feedapp"] == [
        "desk: wrong token fa_abcdefgh from 127.0.0.1"
    ] * 3
    assert wrong not in caplog.text and ADMIN not in caplog.text


def test_check_shows_the_release_as_published_and_marks_each_change(desk, desk_store):
    csrf = sign_in(desk, ADMIN)
    answer = desk.post("/desk/check", data={"csrf_token": csrf, "mode": "text", "text": TEXT, "key": "check_only"})
    html = answer.get_data(True)
    assert answer.status_code == 200
    assert "سه‌شنبه ۲۰ اسفند ۱۳۹۲" in html and '<span class="instant" dir="ltr">2014-03-11' in html
    assert "+03:30</span>" in html  # the Tehran offset of that day
    marks = re.findall(r'<ins class="([a-z ]+)" title="پیش‌تر: ([^"]*)">([^<]*)</ins>', html)
    assert ("halfspace", "سازمانها ", f"سازمان{ZWNJ}ها ") in marks
    assert any(kinds == "letters halfspace" for kinds, _, _ in marks)  # Arabic ي and a half-space in one word
    assert 'action="/desk/publish"' in html
    engine = Engine(desk_store)
    try:
        assert store.get_release(engine, "check_only") is None  # a check stores nothing
    finally:
        engine.dispose()


def test_check_reports_errors_with_their_line_and_offers_no_publish(desk):
    csrf = sign_in(desk, ADMIN)
    broken = "1392/13/40\n\nتیتر\n\nلید"
    answer = desk.post("/desk/check", data={"csrf_token": csrf, "mode": "text", "text": broken, "key": "broken_1"})
    html = answer.get_data(True)
    assert "خطاها (منتشر نمی‌شود)" in html and "سطر 1:" in html
    assert 'action="/desk/publish"' not in html


def test_publish_edit_and_retract_an_office_release(desk, desk_store):
    office = "روابط عمومی شهرداری قزوین"
    token = make_token(desk_store, office)
    csrf = sign_in(desk, token)
    fields = {
        "csrf_token": csrf,
        "mode": "fields",
        "key": "desk_fields_1",
        "published": "1405/09/10 ساعت 10:30",
        "title": "برگزاری نشستهای تخصصی",
        "lead": "شهرداری در نامهای به استانداری خبر داد.",
        "body": "بند یک\nبند دو",
        "categories": "شهری",
        "images": "https://example.ir/a.jpg عکس نشست",
    }
    published = desk.post("/desk/publish", data=fields)
    assert (published.status_code, published.headers["Location"]) == (303, "/desk/releases/desk_fields_1/published")
    html = desk.get(published.headers["Location"]).get_data(True)
    assert re.findall(r'data-action="(\w+)"', html) == ["added"]
    assert "/releases/desk_fields_1" in html and "http://127.0.0.1:8000/feed.atom" in html
    assert f"نشست{ZWNJ}های تخصصی" in desk.get("/feed.atom").get_data(True)

    listed = desk.get("/desk/?q=" + "نشست").get_data(True)
    assert "desk_fields_1" in listed and "/desk/releases/desk_fields_1/edit" in listed
    edit = desk.get("/desk/releases/desk_fields_1/edit").get_data(True)
    assert 'name="editing" value="desk_fields_1"' in edit and "بند یک\nبند دو" in edit
    updated = desk.post("/desk/publish", data={**fields, "key": "", "editing": "desk_fields_1", "title": "تیتر تازه"})
    assert re.findall(r'data-action="(\w+)"', desk.get(updated.headers["Location"]).get_data(True)) == ["updated"]

    confirm = desk.get("/desk/releases/desk_fields_1/retract").get_data(True)
    assert "این کار برگشت ندارد" in confirm
    retracted = desk.post("/desk/releases/desk_fields_1/retract", data={"csrf_token": csrf})
    assert retracted.status_code == 303
    listed = desk.get("/desk/").get_data(True)
    assert '<tr class="retracted">' in listed and "پس گرفته شده" in listed
    assert desk.get("/releases/desk_fields_1").status_code == 410

    engine = Engine(desk_store)
    try:
        trail = [(r.action, r.key, r.token) for r in store.audit_records(engine, key="desk_fields_1")]
    finally:
        engine.dispose()
    prefix = tokens.prefix_of(token)
    assert trail == [
        ("added", "desk_fields_1", prefix),
        ("updated", "desk_fields_1", prefix),
        ("retracted", "desk_fields_1", prefix),
    ]


def test_the_fields_form_s_calendar_inputs_make_the_date_line(desk):
    csrf = sign_in(desk, ADMIN)
    new = desk.get("/desk/new").get_data(True)
    assert '<select id="f-month" name="month"><option value="1">فروردین</option>' in new
    assert 'id="f-clock" name="clock" type="time"' in new
    fields = {"csrf_token": csrf, "mode": "fields", "key": "calendar_1", "title": "تیتر", "lead": "لید."}
    dates = {"day": "10", "month": "9", "year": "1405", "clock": "10:30"}
    html = desk.post("/desk/check", data={**fields, **dates}).get_data(True)
    assert "سه‌شنبه ۱۰ آذر ۱۴۰۵، ساعت ۱۰:۳۰" in html
    assert '<span class="instant" dir="ltr">2026-12-01T10:30:00+03:30</span>' in html
    written = desk.post("/desk/check", data={**fields, "published": "1405/09/10"}).get_data(True)
    assert '<span class="instant" dir="ltr">2026-12-01T12:00:00+03:30</span>' in written  # no time: noon
    assert "ساعت ندارد: ظهر به وقت تهران گذاشته شد." in written


def test_an_edit_keeps_the_date_of_first_publication(desk, desk_store):
    csrf = sign_in(desk, ADMIN)
    first = {"csrf_token": csrf, "mode": "text", "key": "dated_1", "text": "1405/09/10\n\nتیتر\n\nلید."}
    assert desk.post("/desk/publish", data=first).status_code == 303
    moved = {"csrf_token": csrf, "mode": "text", "editing": "dated_1", "text": "1405/09/11\n\nتیتر تازه\n\nلید."}
    checked = desk.post("/desk/check", data=moved).get_data(True)
    assert "the date changed from 2026-12-01T12:00:00+03:30 to 2026-12-02T12:00:00+03:30" in checked
    assert 'action="/desk/publish"' not in checked
    refused = desk.post("/desk/publish", data=moved)
    assert refused.status_code == 422
    engine = Engine(desk_store)
    try:
        assert store.get_release(engine, "dated_1").release.title == "تیتر"  # nothing stored
    finally:
        engine.dispose()
    kept = desk.post("/desk/publish", data={**moved, "text": "1405/09/10\n\nتیتر تازه\n\nلید."})
    assert kept.headers["Location"] == "/desk/releases/dated_1/published"


def test_an_office_sees_and_changes_only_its_own_releases(desk, desk_store):
    csrf = sign_in(desk, ADMIN)
    other = {"csrf_token": csrf, "mode": "text", "text": TEXT, "key": "admin_only_1"}
    assert desk.post("/desk/publish", data=other).headers["Location"] == "/desk/releases/admin_only_1/published"
    desk.post("/desk/sign-out", data={"csrf_token": csrf})
    sign_in(desk, make_token(desk_store, "دفتر دیگر"))
    assert "admin_only_1" not in desk.get("/desk/").get_data(True)
    assert desk.get("/desk/releases/admin_only_1/edit").status_code == 404
    assert desk.get("/desk/releases/admin_only_1/retract").status_code == 404
    csrf = csrf_of(desk.get("/desk/new").get_data(True))
    forged = {"csrf_token": csrf, "mode": "text", "editing": "admin_only_1", "text": TEXT}
    assert desk.post("/desk/check", data=forged).status_code == 404  # nothing of it shown, not even its date
    assert desk.post("/desk/publish", data=forged).status_code == 404
    assert desk.post("/desk/releases/admin_only_1/retract", data={"csrf_token": csrf}).status_code == 404


def test_a_token_without_the_retract_scope_cannot_retract(desk, desk_store):
    sign_in(desk, make_token(desk_store, None, ("publish",)))
    assert desk.get("/desk/releases/anything/retract").status_code == 403


def test_a_revoked_or_expired_token_ends_the_session(desk, desk_store):
    token = make_token(desk_store, "دفتر")
    sign_in(desk, token)
    engine = Engine(desk_store)
    try:
        store.revoke_token(engine, tokens.prefix_of(token), datetime.now(timezone.utc))
    finally:
        engine.dispose()
    assert desk.get("/desk/new").headers["Location"] == "/desk/"
    assert "ورود به میز انتشار" in desk.get("/desk/").get_data(True)
    expired = make_token(desk_store, "دفتر", expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    page = desk.get("/desk/")
    assert (
        desk.post("/desk/sign-in", data={"token": expired, "csrf_token": csrf_of(page.get_data(True))}).status_code
        == 403
    )


def test_signing_out_ends_the_session(desk):
    csrf = sign_in(desk, ADMIN)
    assert desk.post("/desk/sign-out", data={"csrf_token": csrf}).status_code == 303
    assert desk.get("/desk/new").headers["Location"] == "/desk/"


@pytest.mark.parametrize("backend", BACKENDS)
def test_desk_releases_lists_an_office_newest_first_and_searches_headlines_literally(backend, request, tmp_path):
    url = (
        upgraded(request.getfixturevalue("postgres").new_database())
        if backend == "postgresql"
        else upgraded(f"sqlite:///{tmp_path}/list.sqlite3")
    )
    engine = Engine(url)
    try:
        from feedapp.core.jalali import parse_date_line
        from feedapp.core.models import Release

        published, _ = parse_date_line("1405/09/10")
        now = datetime.now(timezone.utc)
        for key, title, source in [
            ("a", "خبر ۵۰% تخفیف", "دفتر"),
            ("b", "خبر_دوم", "دفتر"),
            ("c", "خبر سوم", "دیگر"),
            ("d", "خبر چهارم", "دفتر"),
        ]:
            store.save_release(
                engine, Release(key, published, title, "لید", source=source), b"x" + key.encode(), "text", now
            )
        keys = lambda office, search: [s.release.key for s in store.desk_releases(engine, office, search, 10)]  # noqa: E731
        assert keys("دفتر", None) == ["d", "b", "a"]
        assert keys(None, None) == ["d", "c", "b", "a"]
        assert keys("دفتر", "%") == ["a"]  # % and _ are letters here, not patterns
        assert keys("دفتر", "_") == ["b"]
        assert keys("دفتر", "سوم") == []
    finally:
        engine.dispose()
