"""What a feed document says, independent of its format: the input of core.syndication.

The web layer maps stored releases onto these (absolute URLs, ids, links); syndication turns one
FeedDoc into Atom, RSS or JSON Feed bytes. Nothing here knows about requests or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import Image


@dataclass(frozen=True)
class FeedEntry:
    """One release as a feed entry. Instants are aware; URLs absolute.

    `id` is a tag URI (RFC 4151) that never changes for the release. `content_html` is the full
    release as HTML, already wrapped in `<div dir="rtl" lang="…">` (syndication.release_html).
    """

    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    author: str | None = None
    categories: tuple[str, ...] = ()
    language: str = "fa"
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class DeletedEntry:
    """An entry the feed no longer holds (RFC 6721): its id and when it was retracted."""

    id: str
    when: datetime


@dataclass(frozen=True)
class FeedDoc:
    """One feed document (the subscription feed, or one RFC 5005 archive page) in one format.

    `self_url` is this document in the format being rendered; the archive links are in that same
    format. `updated` is the newest change among the entries (never "now"). `ttl` is minutes.
    """

    id: str
    title: str
    language: str
    updated: datetime
    self_url: str
    html_url: str
    entries: tuple[FeedEntry, ...]
    generator: tuple[str, str, str | None]  # name, version, URI
    subtitle: str | None = None
    icon: str | None = None
    logo: str | None = None
    rights: str | None = None
    ttl: int | None = None
    hub: str | None = None
    current_url: str | None = None  # RFC 5005 §4: set on archive documents
    prev_archive_url: str | None = None
    next_archive_url: str | None = None
    is_archive: bool = False  # RFC 5005 §4: fh:archive
    stylesheet_url: str | None = None  # CSS for people who open the feed in a browser
    deleted: tuple[DeletedEntry, ...] = ()  # Atom only: at:deleted-entry (RFC 6721)
