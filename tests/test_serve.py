"""Real gunicorn on 127.0.0.1 serving what an ingest stored, spoken to over HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.support import SEEDS, feedapp, gunicorn, upgraded


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": "https://news.example.ir",
    }
    hostile = tmp / "hostile.json"
    hostile.write_text(
        json.dumps(
            {
                "key": "hostile",
                "published": "1403/01/05 10:00",
                "title": "تیتر <script>alert(1)</script> & «نقل»",
                "lead": "لید </script><img src=x onerror=alert(2)>",
                "body": ["<b>پررنگ</b> ]]> &amp;"],
                "images": [{"url": "https://news.example.ir/a.jpg?x=1&y=2", "caption": "<i>عکس</i>"}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (tmp / "images.json").write_text(
        json.dumps(
            {
                "key": "images",
                "published": "1403/01/06 10:00",
                "title": "تیتر",
                "lead": "لید.",
                "images": [{"url": "http://press.example.ir/p.jpg"}, {"url": "HTTPS://cdn.example.ir/Q.jpg"}],
            }
        ),
        encoding="utf-8",
    )
    feedapp(env, "ingest", str(SEEDS), str(hostile), str(tmp / "images.json"))  # one hazm start
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


@pytest.mark.parametrize("path", ["/page/0", "/page/1", "/page/x", "/page/99", "/page/-1"])
def test_nonsense_page_is_404(server, path):
    assert get(server + path)[0] == 404


def test_release_page_has_canonical_open_graph_and_news_article(server):
    _, _, body = get(server + "/releases/004_havashenasi_garma")
    url = "https://news.example.ir/releases/004_havashenasi_garma"
    assert f'<link rel="canonical" href="{url}">' in body
    assert f'<meta property="og:url" content="{url}">' in body
    assert '<meta property="og:title" content="دمای هوای اهواز به 50 درجه می‌رسد">' in body
    assert '<meta property="article:published_time" content="2019-06-22T10:15:00+04:30">' in body
    article = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1))
    assert article == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": url,
        "headline": "دمای هوای اهواز به 50 درجه می‌رسد",
        "description": "کارشناسان هواشناسی برای روزهای آینده افزایش دمای هوا تا 50 درجه سانتی‌گراد را در اهواز"
        " پیش‌بینی کردند.",
        "inLanguage": "fa",
        "datePublished": "2019-06-22T10:15:00+04:30",
        "dateModified": "2019-06-22T10:15:00+04:30",
        "publisher": {"@type": "Organization", "name": "feedapp", "url": "https://news.example.ir/"},
        "author": {"@type": "Organization", "name": "feedapp"},
    }


def test_hostile_release_text_is_shown_as_text_never_markup(server):
    _, _, body = get(server + "/releases/hostile")
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>پررنگ" not in body
    assert "تیتر &lt;script&gt;alert(1)&lt;/script&gt; &amp; «نقل»" in body
    assert "&lt;b&gt;پررنگ&lt;/b&gt; ]]&gt; &amp;amp;" in body
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in ld and json.loads(ld)["headline"] == "تیتر <script>alert(1)</script> & «نقل»"
    assert body.count("<script") == 1


def test_unknown_release_is_a_404_page_in_the_site_style(server):
    status, headers, body = get(server + "/releases/nope")
    assert (status, headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert '<html lang="fa" dir="rtl">' in body and "صفحه پیدا نشد" in body


def test_images_load_over_https_on_pages_and_keep_their_published_url_in_feeds(server):
    # The page's CSP allows https images only; an http one would be mixed content on our https
    # pages. Upper-case schemes are valid (RFC 3986 §3.1) and stored in lower case.
    _, headers, page = get(server + "/releases/images")
    assert "img-src 'self' https: data:" in headers["Content-Security-Policy"]
    assert re.findall(r'<img src="([^"]*)"', page) == ["https://press.example.ir/p.jpg", "https://cdn.example.ir/Q.jpg"]
    _, _, feed = get(server + "/feed.json")
    (item,) = [item for item in json.loads(feed)["items"] if item["url"].endswith("/releases/images")]
    assert [attachment["url"] for attachment in item["attachments"]] == [
        "http://press.example.ir/p.jpg",
        "https://cdn.example.ir/Q.jpg",
    ]


def test_serve_script_on_another_port_links_to_that_port(tmp_path):
    """`FEEDAPP_BIND=127.0.0.1:PORT ./scripts/serve.sh` without FEEDAPP_SITE_URL: every link and
    the feeds' stylesheet point at that port, and the script says so."""
    import os
    import subprocess
    import tempfile

    from lxml import etree

    from tests.support import ROOT, _running, free_port

    port = free_port()
    env = {name: value for name, value in os.environ.items() if name != "FEEDAPP_SITE_URL"}
    env |= {
        "FEEDAPP_BIND": f"127.0.0.1:{port}",
        "FEEDAPP_WORKERS": "1",
        "FEEDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve.sh")], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors
        )
        process.stderr = errors
        base = f"http://127.0.0.1:{port}"
        with _running(process, "scripts/serve.sh", lambda: urllib.request.urlopen(base + "/", timeout=5).close(), 120):
            status, _, body = get(base + "/feed.atom")
        errors.seek(0)
        said = [line for line in errors.read().decode().splitlines() if line.startswith("serve:")]
    assert said == [f"serve: FEEDAPP_SITE_URL is not set; links will use {base} (set it to the site's public URL)"]
    assert status == 200
    feed = etree.fromstring(body.encode())
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.find(f"{atom}link[@rel='self']").get("href") == f"{base}/feed.atom"
    assert f'<?xml-stylesheet type="text/css" href="{base}/static/feed.css"?>' in body
