"""What crawlers read: robots.txt, the sitemap index and pages, the Google News sitemap.

Sitemap pages hold releases in insertion order, SITEMAP_SIZE to a page, so adding releases never
moves a URL to another page. Rendered once per change of the data (the news sitemap also once a
minute, since releases age out of its 48 hours), with the feeds' conditional GET and gzip.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, current_app, request

from . import state, store, urls
from .core import sitemaps
from .http import EPOCH, Prepared, Representation, is_conditional, is_fresh, send
from .serving import cache_policy, cached, send_remembered
from .state import data_version, get_engine

bp = Blueprint("crawlers", __name__)

XML = "application/xml"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


Build = Callable[[int, datetime], Representation | None]


def _serve(
    key: tuple, build: Build, *, depends_on: Callable[[int], Hashable] | None = None, now: datetime | None = None
) -> Response:
    """Serve a crawler document from the cache (see serving.cached for `depends_on`); a document
    built for a moment (`now`) is not left to the fast path, which knows data versions, not clocks."""
    moment = now or datetime.now(timezone.utc)
    cache = state.current().crawlers
    if depends_on is not None:
        depends_on = functools.cache(depends_on)  # read once, here and in cached()
    if depends_on is not None and is_conditional(request.environ):
        # A crawler revalidating a page whose own releases did not change since this process
        # rendered it: 304 from its validators, though its bytes made room for other pages.
        light = cache.light(key, depends_on(data_version()))
        if light is not None and is_fresh(light.representation, request.environ):
            return send(light)
    # The prepared response is cached, not just its bytes: headers are built once per variant.
    version, prepared = cached(cache, key, lambda version: _prepared(build(version, moment)), depends_on)
    return send(prepared) if now else send_remembered(version, prepared)


def _prepared(representation: Representation | None) -> Prepared | None:
    return None if representation is None else Prepared(representation, cache_policy())


def _representation(body: bytes, version: int, last_modified: datetime | None, mimetype: str = XML) -> Representation:
    return Representation.of(body, version=version, last_modified=last_modified or EPOCH, mimetype=mimetype)


@bp.get("/robots.txt")
def robots() -> Response:
    def build(version: int, _now: datetime) -> Representation:
        body = sitemaps.render_robots([urls.absolute("/sitemap.xml"), urls.absolute("/sitemap-news.xml")])
        return _representation(body, version, None, "text/plain")

    return _serve(("robots",), build)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site icon where browsers and feed readers look for it first (scripts/make_icons.py)."""
    response = current_app.send_static_file("favicon.ico")
    response.cache_control.public, response.cache_control.max_age = True, 86400
    response.cache_control.no_cache = None
    return response


@bp.get("/sitemap.xml")
def sitemap_index() -> Response:
    def build(version: int, _now: datetime) -> Representation:
        lastmods = store.sitemap_page_lastmods(get_engine(), _page_size())
        newest = max(filter(None, lastmods), default=None)
        entries = [sitemaps.SitemapEntry(urls.absolute("/sitemaps/pages.xml"), newest)]
        # A page whose releases were all retracted is empty (404): left out, its number kept.
        entries += [
            sitemaps.SitemapEntry(urls.absolute(f"/sitemaps/releases-{number}.xml"), lastmod)
            for number, lastmod in enumerate(lastmods, start=1)
            if lastmod is not None
        ]
        return _representation(sitemaps.render_index(entries), version, store.last_change(get_engine()))

    return _serve(("index",), build)


@bp.get("/sitemaps/pages.xml")
def sitemap_pages() -> Response:
    """The home page. Not the older list pages: what each holds moves with every new release,
    and every release is in the release sitemaps, so they would only spend a crawler's visits
    (and a list of them would pass sitemaps.org's 50,000 URLs at a million releases)."""

    def build(version: int, _now: datetime) -> Representation:
        home = store.list_page(get_engine(), None, 1)  # None only for a key, and this asks for none
        newest = home.releases[0].release if home and home.releases else None
        lastmod = (newest.updated or newest.published.instant) if newest else None
        entries = [sitemaps.SitemapEntry(urls.absolute("/"), lastmod)]
        return _representation(sitemaps.render_urlset(entries), version, store.last_change(get_engine()))

    return _serve(("pages",), build)


@bp.get("/sitemaps/releases-<page:page>.xml")
def sitemap_releases(page: int) -> Response:
    def build(_version: int, _now: datetime) -> Representation | None:
        found = store.sitemap_page(get_engine(), page, _page_size())  # the route admits only pages ≥ 1
        if not found.urls:
            return None  # empty pages do not exist
        entries = [sitemaps.SitemapEntry(urls.absolute(urls.release_path(key)), lastmod) for key, lastmod in found.urls]
        # The page's own version in its ETag: a change elsewhere leaves it, so crawlers get 304.
        return _representation(sitemaps.render_urlset(entries), found.version, found.changed_at)

    # Rendered again only when one of its own releases changed, not at every change of the store.
    def own_version(_version: int) -> int:
        return store.sitemap_page_version(get_engine(), page, _page_size())

    return _serve(("releases", page), build, depends_on=own_version)


@bp.get("/sitemap-news.xml")
def news_sitemap() -> Response:
    """Releases published in the last 48 hours (Google News), at most 1,000, newest first."""

    def build(version: int, now: datetime) -> Representation:
        recent = store.published_since(get_engine(), now - sitemaps.NEWS_WINDOW, sitemaps.NEWS_MAX_URLS)
        recent = [stored for stored in recent if stored.release.published.instant <= now]
        entries = [
            sitemaps.NewsEntry(
                loc=urls.absolute(urls.release_path(s.release.key)),
                title=s.release.title,
                published=s.release.published.instant,
                language=s.release.language,
            )
            for s in recent
        ]
        body = sitemaps.render_news(current_app.config["SITE_TITLE"], entries, home=urls.absolute("/"))
        return _representation(body, version, _news_last_modified(now))

    now = datetime.now(timezone.utc)
    minute = now.replace(second=0, microsecond=0)
    return _serve(("news",), build, depends_on=lambda version: (version, minute), now=now)


def _news_last_modified(now: datetime) -> datetime | None:
    """When the news sitemap last changed: an ingest or retraction, or the clock moving a release
    in (its publication time came) or out (48 hours after it) of the window."""
    engine = get_engine()
    came = store.last_published(engine, now)
    left = store.last_published(engine, now - sitemaps.NEWS_WINDOW)
    moments = (store.last_change(engine), came, left + sitemaps.NEWS_WINDOW if left else None)
    return max(filter(None, moments), default=None)


def _page_size() -> int:
    return current_app.config["SITEMAP_SIZE"]
