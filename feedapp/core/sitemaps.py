"""Releases → sitemap index, sitemap pages, the Google News sitemap and robots.txt, as bytes.

sitemaps.org protocol 0.9; Google News sitemaps (namespace sitemap-news/0.9). Every `lastmod`
and `publication_date` is a W3C datetime with the Tehran offset of that instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from .decode import xml_safe
from .jalali import rfc3339

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_MAX_URLS = 50_000  # sitemaps.org: at most 50,000 URLs per sitemap
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # sitemaps.org: at most 50 MB uncompressed
NEWS_MAX_URLS = 1_000  # Google News sitemaps: at most 1,000 news:news entries
NEWS_WINDOW = timedelta(hours=48)  # Google News sitemaps: articles of the last two days


@dataclass(frozen=True)
class SitemapEntry:
    """A URL and when what it shows last really changed (None when unknown)."""

    loc: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class NewsEntry:
    """A news article for the Google News sitemap."""

    loc: str
    title: str
    published: datetime
    language: str


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _loc(url: str) -> str:
    """A URL as element text. Ours are percent-encoded, printable ASCII without `&`, `<`, `>`:
    as they are, without the cleaning and escaping (half of a 50,000-URL page's render)."""
    if url.isascii() and url.isprintable() and not ("&" in url or "<" in url or ">" in url):
        return url
    return escape(xml_safe(url))


def _lastmod(moment: datetime | None) -> str:
    return f"<lastmod>{rfc3339(moment)}</lastmod>" if moment else ""


def render_index(sitemaps: Iterable[SitemapEntry]) -> bytes:
    """A sitemap index (sitemaps.org §"Using Sitemap index files")."""
    items = "".join(f"<sitemap><loc>{escape(s.loc)}</loc>{_lastmod(s.lastmod)}</sitemap>\n" for s in sitemaps)
    return f'{_DECLARATION}<sitemapindex xmlns="{SITEMAP_NS}">\n{items}</sitemapindex>\n'.encode()


def render_urlset(entries: Iterable[SitemapEntry]) -> bytes:
    """One sitemap page; the caller keeps it within SITEMAP_MAX_URLS."""
    items = "".join(f"<url><loc>{_loc(e.loc)}</loc>{_lastmod(e.lastmod)}</url>\n" for e in entries)
    body = f'{_DECLARATION}<urlset xmlns="{SITEMAP_NS}">\n{items}</urlset>\n'.encode()
    if len(body) > SITEMAP_MAX_BYTES:
        raise ValueError(f"sitemap of {len(body)} bytes exceeds the {SITEMAP_MAX_BYTES}-byte limit")
    return body


def render_news(publication: str, entries: Iterable[NewsEntry], *, home: str) -> bytes:
    """A Google News sitemap; `publication` must be the name registered with Google News.

    With no article in the window it lists only `home`, without news tags: the schema requires
    at least one URL, and a 404 would read as a broken sitemap.
    """
    entries = list(entries)
    if not entries:
        return render_urlset([SitemapEntry(home)])
    name = escape(xml_safe(publication))
    items = "".join(
        f"<url><loc>{escape(e.loc)}</loc><news:news><news:publication><news:name>{name}</news:name>"
        f"<news:language>{escape(_news_language(e.language))}</news:language></news:publication>"
        f"<news:publication_date>{rfc3339(e.published)}</news:publication_date>"
        f"<news:title>{escape(xml_safe(e.title))}</news:title></news:news></url>\n"
        for e in entries
    )
    return f'{_DECLARATION}<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n{items}</urlset>\n'.encode()


def _news_language(tag: str) -> str:
    # Google News wants an ISO 639 code (zh-cn and zh-tw excepted): fa-IR → fa.
    lowered = tag.lower()
    return lowered if lowered in ("zh-cn", "zh-tw") else lowered.split("-")[0]


def render_robots(sitemap_urls: Iterable[str]) -> bytes:
    """robots.txt allowing everything and naming the sitemaps (absolute URLs, RFC 9309 + sitemaps.org)."""
    lines = ["User-agent: *", "Allow: /", ""] + [f"Sitemap: {url}" for url in sitemap_urls]
    return ("\n".join(lines) + "\n").encode("utf-8")
