"""Sitemap index, pages, news sitemap and robots.txt: exact bytes, valid against the official XSDs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from feedapp.core import sitemaps
from tests.support import ROOT

SCHEMAS = ROOT / "tests" / "schemas"
URLSET = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd")))
INDEX = etree.XMLSchema(etree.parse(str(SCHEMAS / "siteindex.xsd")))
NEWS = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-with-news.xsd")))
WINTER = datetime(2014, 3, 11, 8, 30, tzinfo=timezone.utc)
SUMMER = datetime(2019, 6, 22, 5, 45, tzinfo=timezone.utc)
PERSIAN_URL = "https://news.example.ir/categories/%D9%88%D8%B1%D8%B2%D8%B4"


def test_urlset_is_exact_and_valid():
    body = sitemaps.render_urlset(
        [
            sitemaps.SitemapEntry("https://news.example.ir/releases/a?x=1&y=2", WINTER),
            sitemaps.SitemapEntry(PERSIAN_URL),
        ]
    )
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        b"<url><loc>https://news.example.ir/releases/a?x=1&amp;y=2</loc><lastmod>2014-03-11T12:00:00+03:30</lastmod></url>\n"
        b"<url><loc>" + PERSIAN_URL.encode() + b"</loc></url>\n"
        b"</urlset>\n"
    )
    URLSET.assertValid(etree.fromstring(body))


def test_index_uses_w3c_datetimes_with_the_tehran_offset_of_each_instant():
    body = sitemaps.render_index(
        [sitemaps.SitemapEntry("https://n.ir/s1.xml", WINTER), sitemaps.SitemapEntry("https://n.ir/s2.xml", SUMMER)]
    )
    INDEX.assertValid(etree.fromstring(body))
    lastmods = etree.fromstring(body).findall(".//{http://www.sitemaps.org/schemas/sitemap/0.9}lastmod")
    assert [e.text for e in lastmods] == ["2014-03-11T12:00:00+03:30", "2019-06-22T10:15:00+04:30"]


def test_news_sitemap_is_exact_and_valid():
    body = sitemaps.render_news(
        "اخبار <شهر> & روستا",
        [sitemaps.NewsEntry("https://n.ir/releases/a", "تیتر «خبر» & <b>", SUMMER, "fa-IR")],
        home="https://n.ir/",
    )
    NEWS.assertValid(etree.fromstring(body))
    assert "<news:name>اخبار &lt;شهر&gt; &amp; روستا</news:name>" in body.decode()
    assert "<news:language>fa</news:language>" in body.decode()
    assert "<news:publication_date>2019-06-22T10:15:00+04:30</news:publication_date>" in body.decode()
    assert "<news:title>تیتر «خبر» &amp; &lt;b&gt;</news:title>" in body.decode()


@pytest.mark.parametrize("tag, expected", [("fa", "fa"), ("fa-IR", "fa"), ("EN-us", "en"), ("zh-TW", "zh-tw")])
def test_news_language_is_an_iso_639_code(tag, expected):
    body = sitemaps.render_news(
        "x", [sitemaps.NewsEntry("https://n.ir/a", "t", WINTER, tag)], home="https://n.ir/"
    ).decode()
    assert f"<news:language>{expected}</news:language>" in body


def test_news_sitemap_without_recent_articles_lists_the_home_page_and_stays_valid():
    body = sitemaps.render_news("x", [], home="https://n.ir/")
    NEWS.assertValid(etree.fromstring(body))
    assert body == sitemaps.render_urlset([sitemaps.SitemapEntry("https://n.ir/")])


def test_robots_allows_all_and_names_the_sitemaps():
    assert sitemaps.render_robots(["https://n.ir/sitemap.xml", "https://n.ir/sitemap-news.xml"]) == (
        b"User-agent: *\nAllow: /\n\nSitemap: https://n.ir/sitemap.xml\nSitemap: https://n.ir/sitemap-news.xml\n"
    )


def test_a_sitemap_over_50_mb_is_refused(monkeypatch):
    monkeypatch.setattr(sitemaps, "SITEMAP_MAX_BYTES", 200)
    with pytest.raises(ValueError, match="exceeds the 200-byte limit"):
        sitemaps.render_urlset([sitemaps.SitemapEntry(f"https://n.ir/{i}") for i in range(5)])


@pytest.mark.parametrize(
    ("loc", "written"),
    [
        ("https://news.example.ir/releases/syn-00000001", "https://news.example.ir/releases/syn-00000001"),
        ("https://news.example.ir/releases/a?x=1&y=2", "https://news.example.ir/releases/a?x=1&amp;y=2"),
        ("https://news.example.ir/<b>", "https://news.example.ir/&lt;b&gt;"),
        ("https://news.example.ir/a\x01b\x7f", "https://news.example.ir/ab"),  # controls out (decode.xml_safe)
        ("https://news.example.ir/خبر", "https://news.example.ir/خبر"),
    ],
)
def test_a_loc_is_written_as_it_is_only_when_it_needs_no_cleaning_or_escaping(loc, written):
    body = sitemaps.render_urlset([sitemaps.SitemapEntry(loc)]).decode()
    assert body.splitlines()[2] == f"<url><loc>{written}</loc></url>"
