"""Every public path the app serves, built in one place, and absolute URLs from SITE_URL only.

Absolute URLs never come from the request (a forged Host header must change nothing).
Non-ASCII path segments (Persian category names) are percent-encoded as UTF-8.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

from .core.models import ALL, Release, Selection
from .core.syndication import FORMATS


class PageNumber(IntegerConverter):
    """`<page:n>`: a page number as written in our links, 1 to 999,999,999.

    No leading zeros (`/page/01` would duplicate `/page/1`'s content under a second URL) and no
    number too large for the database's integers (which would be a 500): anything else is 404.
    """

    regex = r"[1-9][0-9]{0,8}"


def segment(text: str) -> str:
    """One path segment, percent-encoded as UTF-8 (RFC 3986 §2.1, RFC 3987 §3.1)."""
    return quote(text, safe="")


def selection_segments(selection: Selection) -> list[str]:
    """`[]` for the whole site, `["categories", NAME]` or `["sources", NAME]`, NAME encoded."""
    if selection.category is not None:
        return ["categories", segment(selection.category)]
    if selection.source is not None:
        return ["sources", segment(selection.source)]
    return []


def feed_path(selection: Selection, fmt: str, page: int | None = None) -> str:
    """`/feed.atom`, `/feed/archive/3.rss`, `/categories/%D9%88%D8%B1%D8%B2%D8%B4/feed.json` …"""
    base = "".join(f"/{part}" for part in selection_segments(selection)) + "/feed"
    return f"{base}.{fmt}" if page is None else f"{base}/archive/{page}.{fmt}"


def list_path(older_than: str | None) -> str:
    """The home page, or the list page that follows release `older_than` (store.list_page)."""
    return "/" if older_than is None else f"/older/{segment(older_than)}"


def release_path(key: str) -> str:
    return f"/releases/{segment(key)}"


def absolute(path: str) -> str:
    """SITE_URL + path: the only way the app writes an absolute URL."""
    return current_app.config["SITE_URL"] + path


def tag_uri(specific: str) -> str:
    """An RFC 4151 tag URI under the site's tagging authority: ids that survive a change of scheme."""
    return f"tag:{current_app.config['TAG_AUTHORITY']}:{specific}"


def default_tag_authority(site_url: str) -> str:
    """`news.example.ir,2026`: the site's host (no port) and a year it held that name (RFC 4151 §2.1)."""
    host = urlsplit(site_url).hostname or "localhost"
    return f"{host},2026"


def topic_urls(changed: list[Release]) -> list[str]:
    """The subscription feeds (every format) whose content a change to these releases alters:
    the WebSub topics to publish (WebSub §7)."""
    selections = [ALL]
    for release in changed:
        selections += [Selection(category=category) for category in release.categories]
        if release.source:
            selections.append(Selection(source=release.source))
    unique = list(dict.fromkeys(selections))
    return [absolute(feed_path(selection, fmt)) for selection in unique for fmt in FORMATS]
