"""HTML pages people read: the list of releases and one release. Thin views over the store."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, render_template
from werkzeug.wrappers import Response

from . import store, urls
from .core.jalali import format_jalali, published_from_instant, rfc3339
from .core.models import PublishedAt, Release, Selection, text_direction
from .state import get_engine

bp = Blueprint("pages", __name__)


@bp.app_template_filter("jalali")
def _jalali_filter(published: PublishedAt) -> str:
    return format_jalali(published)


@bp.app_template_filter("rfc3339")
def _rfc3339_filter(instant: datetime) -> str:
    return rfc3339(instant)


@bp.app_template_filter("https")
def _https_filter(url: str) -> str:
    """An image URL as our pages load it: `http://` becomes `https://`.

    Pages allow only https images (CONTENT_SECURITY_POLICY): an http image on an https page is
    mixed content that browsers upgrade or block anyway. Feeds keep the URL as published.
    """
    return "https://" + url[7:] if url[:7].lower() == "http://" else url


@bp.get("/")
@bp.get("/older/<key>")
def index(key: str | None = None) -> str:
    """Releases newest first; `/older/KEY`: the page that follows release KEY in that order
    (keyset paging: a link names the last release its page follows, never a page count)."""
    with store.snapshot(get_engine()) as db:
        page = store.list_page(db, key, current_app.config["PAGE_SIZE"])
    if page is None or (key is not None and not page.releases):
        abort(404)
    return render_template("index.html", page=page, home=key is None)


# feedapp 0.4 numbered its list pages (/page/N), which had to count N·PAGE_SIZE releases; each
# still leads to the page that now holds what it held then, for bookmarks and links. Only so far:
# deeper ones would let anyone make the database count.
NUMBERED_LIST_PAGES = 50


@bp.get("/page/<page:page>")
def numbered(page: int) -> Response:
    if not 2 <= page <= NUMBERED_LIST_PAGES:
        abort(404)
    mark = store.list_mark_at(get_engine(), (page - 1) * current_app.config["PAGE_SIZE"] - 1)
    if mark is None:
        abort(404)
    return redirect(urls.absolute(urls.list_path(mark)), 301)


@bp.app_template_filter("jalali_instant")
def _jalali_instant_filter(instant: datetime) -> str:
    return format_jalali(published_from_instant(instant))


bp.add_app_template_global(urls.list_path, "list_path")


@bp.app_template_global("category_feed")
def _category_feed(category: str) -> str:
    return urls.absolute(urls.feed_path(Selection(category=category), "atom"))


@bp.get("/releases/<key>")
def release(key: str) -> str:
    """One release: kicker, headline, lead and body, with canonical URL, Open Graph and JSON-LD."""
    stored = store.get_release(get_engine(), key)
    if stored is None:
        abort(404)
    if stored.retracted_at is not None:
        abort(410)  # RFC 9110 §15.5.11: gone on purpose, and for good
    release = stored.release
    canonical = urls.absolute(urls.release_path(release.key))
    modified = release.updated or release.published.instant
    return render_template(
        "release.html",
        release=release,
        canonical=canonical,
        modified=modified,
        direction=text_direction(release.language),
        json_ld=_news_article(release, canonical, modified),
    )


def _news_article(release: Release, canonical: str, modified: datetime) -> dict[str, object]:
    """schema.org NewsArticle for search engines (https://schema.org/NewsArticle)."""
    site = current_app.config["SITE_TITLE"]
    article: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": canonical,
        "headline": release.title,
        "description": release.lead,
        "inLanguage": release.language,
        "datePublished": rfc3339(release.published.instant),
        "dateModified": rfc3339(modified),
        "publisher": {"@type": "Organization", "name": site, "url": urls.absolute("/")},
        "author": {"@type": "Organization", "name": release.source or site},
    }
    if release.images:
        article["image"] = [image.url for image in release.images]
    return article
