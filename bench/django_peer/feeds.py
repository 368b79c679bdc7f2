"""The peer's feed: the FEED_SIZE most recently changed releases as Atom, rendered per request.

It reads feedapp's `releases` table with raw SQL (no model, no migrations) and, like feedapp,
puts the whole release as HTML in each entry's content, so both documents carry the same text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db import connection
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

QUERY = "SELECT key, kicker, title, lead, body, published, updated FROM releases ORDER BY changed_version DESC LIMIT %s"


@dataclass(frozen=True)
class Row:
    """One release as the feed needs it."""

    key: str
    kicker: str | None
    title: str
    lead: str
    body: list[str]
    published: datetime
    updated: datetime


def _utc(value: str | datetime | None) -> datetime | None:
    """feedapp stores UTC instants as naive ISO text in SQLite."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=timezone.utc)


def newest_releases(limit: int) -> list[Row]:
    """The `limit` releases added or changed last, as feedapp's subscription feed picks them."""
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [limit])
        rows = cursor.fetchall()
    releases = []
    for key, kicker, title, lead, body, published, updated in rows:
        published_at = _utc(published)
        releases.append(Row(key, kicker, title, lead, json.loads(body), published_at, _utc(updated) or published_at))
    # Newest publication first, as feedapp orders the entries of its feed.
    return sorted(releases, key=lambda row: row.published, reverse=True)


class ContentAtomFeed(Atom1Feed):
    """Atom with the release as HTML in <content>: Django's Atom1Feed writes only <summary>."""

    def add_item_elements(self, handler, item) -> None:  # noqa: ANN001 - Django's signature
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class LatestReleases(Feed):
    """Django's syndication view over the same data feedapp's /feed.atom shows."""

    feed_type = ContentAtomFeed
    title = "feedapp"
    link = "/"
    item_guid_is_permalink = False

    def items(self) -> list[Row]:
        return newest_releases(settings.FEED_SIZE)

    def item_title(self, item: Row) -> str:
        return item.title

    def item_description(self, item: Row) -> str:
        return item.lead

    def item_link(self, item: Row) -> str:
        return f"{settings.SITE_URL}/releases/{item.key}"

    def item_guid(self, item: Row) -> str:
        host = urlsplit(settings.SITE_URL).hostname
        return f"tag:{host},2026:release:{item.key}"

    def item_pubdate(self, item: Row) -> datetime:
        return item.published

    def item_updateddate(self, item: Row) -> datetime:
        return item.updated

    def item_extra_kwargs(self, item: Row) -> dict[str, str]:
        paragraphs = ([item.kicker] if item.kicker else []) + [item.lead, *item.body]
        html = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
        return {"content_html": f'<div dir="rtl" lang="fa">{html}</div>'}
