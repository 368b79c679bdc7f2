"""Stored releases → the FeedDoc and FeedEntry values core.syndication renders: ids, absolute
URLs, titles, RFC 5005 archive links and RFC 6721 tombstones, from the site's configuration."""

from __future__ import annotations

from typing import Any

from flask import current_app

from . import __version__, urls
from .core import syndication
from .core.feeddoc import DeletedEntry, FeedDoc, FeedEntry
from .core.models import Selection, StoredRelease
from .http import EPOCH
from .store import Removal

GENERATOR = ("feedapp", __version__, None)  # no public home page to name yet


def document(
    selection: Selection,
    fmt: str,
    page: int | None,
    pages: int,
    entries: tuple[FeedEntry, ...],
    removals: list[Removal],
) -> FeedDoc:
    """The subscription feed (`page` None) or archive page `page` of `pages`, in format `fmt`."""
    config = current_app.config
    # RFC 6721 tombstones for what the document held, so pollers that kept an entry drop it.
    deleted = tuple(DeletedEntry(entry_id(removal.key), removal.retracted_at) for removal in removals)

    def link(target_page: int | None) -> str:
        return urls.absolute(urls.feed_path(selection, fmt, target_page))

    archive_links: dict[str, Any]
    if page is None:
        archive_links = {"prev_archive_url": link(pages) if pages else None}
    else:
        archive_links = {
            "current_url": link(None),
            "prev_archive_url": link(page - 1) if page > 1 else None,
            "next_archive_url": link(page + 1) if page < pages else None,
            "is_archive": True,
        }
    return FeedDoc(
        id=urls.tag_uri(":".join(["feed", *urls.selection_segments(selection)])),
        title=_title(selection),
        subtitle=config["SITE_SUBTITLE"],
        language="fa",
        updated=max([entry.updated for entry in entries] + [entry.when for entry in deleted], default=EPOCH),
        self_url=link(page),
        html_url=urls.absolute("/"),
        entries=entries,
        generator=GENERATOR,
        icon=config["FEED_ICON"],
        logo=config["FEED_LOGO"],
        rights=config["FEED_RIGHTS"],
        ttl=config["FEED_TTL"],
        hub=config["WEBSUB_HUB"],
        stylesheet_url=urls.absolute("/static/feed.css"),
        deleted=deleted,
        **archive_links,
    )


def _title(selection: Selection) -> str:
    site = current_app.config["SITE_TITLE"]
    name = selection.category or selection.source
    return f"{site} - {name}" if name else site


def entry_id(key: str) -> str:
    """The release's entry id: a tag URI that never changes (RFC 4287 §4.2.6)."""
    return urls.tag_uri(f"release:{key}")


def entry(stored: StoredRelease) -> FeedEntry:
    """One release as a feed entry: its page's URL and the whole release as HTML content."""
    release = stored.release
    return FeedEntry(
        id=entry_id(release.key),
        url=urls.absolute(urls.release_path(release.key)),
        title=release.title or release.key,  # never empty: feedgen would refuse the whole feed
        summary=release.lead,
        content_html=syndication.release_html(
            kicker=release.kicker,
            lead=release.lead,
            body=release.body,
            images=release.images,
            language=release.language,
            published=release.published,
        ),
        published=release.published.instant,
        updated=release.updated or release.published.instant,
        author=release.source,
        categories=release.categories,
        language=release.language,
        images=release.images,
    )


def link_headers(doc: FeedDoc) -> tuple[tuple[str, str], ...]:
    """WebSub §4: publishers advertise the hub and the topic (self) as HTTP Link headers too."""
    if not doc.hub:
        return ()
    return (("Link", f'<{doc.hub}>; rel="hub", <{doc.self_url}>; rel="self"'),)
