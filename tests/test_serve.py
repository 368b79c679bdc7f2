"""Real gunicorn on 127.0.0.1 serving what an ingest stored, spoken to over HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.conftest import SEEDS
from tests.support import feedapp, gunicorn


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    env = {"FEEDAPP_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}", "FEEDAPP_SITE_URL": "https://news.example.ir"}
    feedapp(env, "ingest", str(SEEDS))
    with gunicorn(env) as base:
        yield base


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def test_home_lists_releases_newest_first_in_rtl(server):
    status, headers, body = get(server + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="fa" dir="rtl">' in body
    newest, oldest = body.index("خط ۱۰ متروی تهران"), body.index("حمایت از فعالیت روابط عمومی")
    assert newest < oldest
    assert 'href="/releases/000_44faba8da108bc04"' in body


def test_release_page_shows_jalali_date_and_exact_instant(server):
    status, _, body = get(server + "/releases/000_44faba8da108bc04")
    assert status == 200
    assert '<time datetime="2014-03-11T12:00:00+03:30">سه‌شنبه ۲۰ اسفند ۱۳۹۲</time>' in body
    assert "<h1>حمایت از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری سازمان‌ها می‌شود</h1>" in body
    assert body.count("<p>") == 10


def test_release_text_is_escaped(server):
    _, _, body = get(server + "/releases/003_daneshgah_hamayesh")
    assert "Deep Learning &amp; NLP &lt; Workshop &gt;" in body


def test_unknown_release_is_404(server):
    assert get(server + "/releases/nope")[0] == 404


@pytest.mark.parametrize("query", ["?page=0", "?page=x", "?page=99"])
def test_nonsense_page_is_404(server, query):
    assert get(server + "/" + query)[0] == 404
