"""robots.txt, sitemaps and the news sitemap over real HTTP: valid, complete, stable, exact."""

from __future__ import annotations

import http.client
import json
from datetime import datetime, timedelta, timezone

import feedparser
import lxml.html
import pytest
from lxml import etree

from tests.support import ROOT, SEEDS, fetch, gunicorn, ingest_here, upgraded, write_releases

SITE = "https://news.example.ir"
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SCHEMAS = ROOT / "tests" / "schemas"
URLSET = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-with-news.xsd")))
INDEX = etree.XMLSchema(etree.parse(str(SCHEMAS / "siteindex.xsd")))
NOW = datetime.now(timezone.utc)


def recent(key: str, age: timedelta) -> dict:
    return {
        "key": key,
        "published": (NOW - age).isoformat(timespec="seconds"),
        "title": f"خبر {key}",
        "lead": "لید خبر.",
    }


RECENT = {
    "news_1h": timedelta(hours=1),
    "news_47h": timedelta(hours=47),
    "news_49h": timedelta(hours=49),
    "news_future": timedelta(hours=-2),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_SITE_TITLE": "اخبار شهرداری",
        "FEEDAPP_SITEMAP_SIZE": "4",
        "FEEDAPP_PAGE_SIZE": "5",
    }
    ingest_here(env["FEEDAPP_DATABASE_URL"], SEEDS)
    (tmp / "recent.jsonl").write_text(
        "".join(json.dumps(recent(k, a), ensure_ascii=False) + "\n" for k, a in RECENT.items()), encoding="utf-8"
    )
    ingest_here(env["FEEDAPP_DATABASE_URL"], tmp / "recent.jsonl")
    with gunicorn(env) as base:
        yield base, env, tmp


def xml(base: str, path: str) -> etree._Element:
    status, headers, body = fetch(base + path)
    assert (status, headers["Content-Type"]) == (200, "application/xml; charset=utf-8")
    return etree.fromstring(body)


def locs(root: etree._Element) -> list[str]:
    return [loc.text for loc in root.iter(f"{SM}loc")]


def sitemap_pages(base: str) -> dict[str, list[str]]:
    index = xml(base, "/sitemap.xml")
    INDEX.assertValid(index)
    pages = {}
    for url in locs(index):
        page = xml(base, url.removeprefix(SITE))
        URLSET.assertValid(page)
        pages[url] = locs(page)
    return pages


def test_robots_names_the_sitemaps(site):
    base, _, _ = site
    status, headers, body = fetch(base + "/robots.txt")
    assert (status, headers["Content-Type"]) == (200, "text/plain; charset=utf-8")
    assert body.decode().splitlines() == [
        "User-agent: *",
        "Allow: /",
        "",
        f"Sitemap: {SITE}/sitemap.xml",
        f"Sitemap: {SITE}/sitemap-news.xml",
    ]


def test_every_loc_in_every_sitemap_returns_200_and_covers_every_release(site):
    base, _, _ = site
    pages = sitemap_pages(base)
    assert list(pages) == [f"{SITE}/sitemaps/pages.xml"] + [f"{SITE}/sitemaps/releases-{n}.xml" for n in (1, 2, 3, 4)]
    release_urls = [url for name, urls in pages.items() if "releases-" in name for url in urls]
    assert len(release_urls) == len(set(release_urls)) == 13
    assert all(len(urls) <= 4 for urls in pages.values())
    assert pages[f"{SITE}/sitemaps/pages.xml"] == [f"{SITE}/"]  # list pages move: not for crawlers
    for url in [u for urls in pages.values() for u in urls]:
        assert fetch(base + url.removeprefix(SITE))[0] == 200, url


# The site's 13 releases in the list's order, newest publication first (news_future is
# dated two hours ahead: lists show what is stored, only the news sitemap waits for its time).
LISTED = [
    "news_future",
    "news_1h",
    "news_47h",
    "news_49h",
    "001_shahrdari_tehran_metro",  # 1404/07/15
    "005_bimeh_salamat_nowruz",  # 1403/12/30
    "003_daneshgah_hamayesh",
    "008_sazman_mohitzist_ab",
    "006_vezarat_varzesh_olympic",
    "007_bank_markazi_nerkh",
    "002_ostandari_qazvin_barf",  # 1402/11/05
    "004_havashenasi_garma",  # 1398/04/01
    "000_44faba8da108bc04",  # 1392/12/20
]


def test_list_pages_walk_every_release_newest_first_and_link_back(site):
    base, _, _ = site
    path, walked, links = "/", [], []
    while path:
        html = lxml.html.fromstring(fetch(base + path)[2])
        walked.append([href.removeprefix("/releases/") for href in html.xpath("//ol[@class='releases']//h2/a/@href")])
        prev, following = (html.xpath(f"//nav[@class='pager']/a[@rel='{rel}']") for rel in ("prev", "next"))
        links.append((path, prev[0].get("href") if prev else None))
        path = following[0].get("href") if following else None
    assert walked == [LISTED[:5], LISTED[5:10], LISTED[10:]]
    assert links == [("/", None), (f"/older/{LISTED[4]}", "/"), (f"/older/{LISTED[9]}", f"/older/{LISTED[4]}")]


@pytest.mark.parametrize(("page", "mark"), [(2, 4), (3, 9)])
def test_numbered_list_pages_of_0_4_lead_to_what_they_held(site, page, mark):
    base, _, _ = site
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    try:
        connection.request("GET", f"/page/{page}")
        response = connection.getresponse()
        assert (response.status, response.getheader("Location")) == (301, f"{SITE}/older/{LISTED[mark]}")
    finally:
        connection.close()


def test_lastmod_is_the_release_change_with_the_tehran_offset(site):
    base, _, _ = site
    page = xml(base, "/sitemaps/releases-1.xml")
    first = page.find(f"{SM}url")
    assert (first.findtext(f"{SM}loc"), first.findtext(f"{SM}lastmod")) == (
        f"{SITE}/releases/000_44faba8da108bc04",
        "2014-03-11T12:00:00+03:30",
    )
    page = xml(base, "/sitemaps/releases-2.xml")
    summer = [u for u in page.iter(f"{SM}url") if u.findtext(f"{SM}loc").endswith("004_havashenasi_garma")]
    assert summer[0].findtext(f"{SM}lastmod") == "2019-06-22T10:15:00+04:30"


def test_news_sitemap_holds_exactly_the_last_48_hours(site):
    base, _, _ = site
    root = xml(base, "/sitemap-news.xml")
    URLSET.assertValid(root)
    assert locs(root) == [f"{SITE}/releases/news_1h", f"{SITE}/releases/news_47h"]
    names = {n.text for n in root.iter(f"{NEWS}name")}
    assert names == {"اخبار شهرداری"}
    assert [n.text for n in root.iter(f"{NEWS}language")] == ["fa", "fa"]


@pytest.mark.parametrize("path", ["/sitemaps/releases-0.xml", "/sitemaps/releases-99.xml", "/sitemaps/x.xml"])
def test_empty_or_unknown_sitemap_pages_are_404(site, path):
    base, _, _ = site
    assert fetch(base + path)[0] == 404


def test_sitemaps_have_the_feeds_http_caching(site):
    base, _, _ = site
    _, headers, _ = fetch(base + "/sitemap.xml")
    assert headers["Cache-Control"] == "public, max-age=300"
    assert fetch(base + "/sitemap.xml", {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(base + "/sitemap.xml", {"Accept-Encoding": "gzip"})[1]["Content-Encoding"] == "gzip"


def test_every_entry_link_in_the_feeds_returns_200(site):
    base, _, _ = site
    for path in ("/feed.atom", "/feed.rss", "/feed/archive/1.atom"):
        feed = feedparser.parse(base + path)
        assert feed.entries
        for entry in feed.entries:
            assert fetch(base + entry.link.removeprefix(SITE))[0] == 200, entry.link


def test_sitemap_pages_keep_their_urls_when_releases_are_added(site):
    base, env, tmp = site
    before = sitemap_pages(base)
    write_releases(tmp / "more", 6)
    ingest_here(env["FEEDAPP_DATABASE_URL"], tmp / "more")
    after = sitemap_pages(base)
    full_before = [name for name, urls in before.items() if "releases-" in name and len(urls) == 4]
    for name in full_before:
        assert after[name] == before[name]
    last = max(name for name in before if "releases-" in name)
    assert after[last][: len(before[last])] == before[last]
    assert len([n for n in after if "releases-" in n]) == 5


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/page/02", None),  # and /page/2 is a redirect (test_numbered_list_pages…)
        ("/sitemaps/releases-01.xml", "/sitemaps/releases-1.xml"),
        ("/feed/archive/01.atom", "/feed/archive/1.atom"),
        ("/page/99999999999999999999", None),
        ("/sitemaps/releases-99999999999999999999.xml", None),
        ("/feed/archive/99999999999999999999.atom", None),
        ("/categories/%D8%A7%D9%82%D8%AA%D8%B5%D8%A7%D8%AF/feed/archive/18446744073709551616.rss", None),
    ],
)
def test_page_numbers_other_than_ours_are_404_never_a_duplicate_or_a_500(site, path, canonical):
    base, _, _ = site
    status, headers, _ = fetch(base + path)
    assert (status, headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    if canonical:
        assert fetch(base + canonical)[0] == 200


def test_site_icon_is_served_where_readers_look_and_named_by_every_format(tmp_path, make_app):
    app = make_app({"DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"), "SITE_URL": SITE})
    client = app.test_client()
    # buffered: a static file's response holds the file open until it is read and closed.
    icon = client.get("/favicon.ico", buffered=True)
    assert (icon.status_code, icon.headers["Content-Type"], icon.headers["Cache-Control"]) == (
        200,
        "image/vnd.microsoft.icon",
        "public, max-age=86400",
    )
    assert icon.data[:4] == b"\x00\x00\x01\x00" and icon.data == (ROOT / "feedapp/static/favicon.ico").read_bytes()
    for name, size in (("favicon.png", 64), ("icon.png", 512)):
        png = client.get(f"/static/{name}", buffered=True).data
        assert (png[:8], int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (
            b"\x89PNG\r\n\x1a\n",
            size,
            size,
        )
    atom = etree.fromstring(client.get("/feed.atom").data)
    assert (atom.findtext(f"{ATOM}icon"), atom.findtext(f"{ATOM}logo")) == (
        f"{SITE}/static/favicon.png",
        f"{SITE}/static/icon.png",
    )
    assert etree.fromstring(client.get("/feed.rss").data).findtext("channel/image/url") == f"{SITE}/static/favicon.png"
    feed = json.loads(client.get("/feed.json").data)
    assert (feed["icon"], feed["favicon"]) == (f"{SITE}/static/icon.png", f"{SITE}/static/favicon.png")
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in page
