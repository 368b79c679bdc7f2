"""The release as parsed from its source and as stored; plain frozen data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .errors import Problem

# Keys become URL path segments and file names: a safe alphabet, no dots (so never `..`).
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


@dataclass(frozen=True)
class Image:
    """An image attached to a release (becomes an enclosure / media:content in feeds)."""

    url: str
    caption: str | None = None
    type: str | None = None
    length: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The fields that are set: the JSON form the store keeps and the API answers."""
        return {name: value for name, value in vars(self).items() if value is not None}


@dataclass(frozen=True)
class PublishedAt:
    """When a release was published: the exact instant and how the source wrote it.

    `jalali` is the Solar Hijri date as `YYYY/MM/DD` (ASCII digits), for display only.
    `has_time` is False for a date-only release, whose instant is noon in Tehran (see jalali.py).
    """

    instant: datetime
    jalali: str
    has_time: bool


@dataclass(frozen=True)
class Release:
    """A release's fields, parsed from one source document.

    Text fields are as parsed (decoded and cleaned of invisible characters) until
    `normalize.normalize_release` returns a copy with normalized text.
    """

    key: str
    published: PublishedAt
    title: str
    lead: str
    body: tuple[str, ...] = ()
    kicker: str | None = None
    updated: datetime | None = None
    categories: tuple[str, ...] = ()
    source: str | None = None
    language: str = "fa"
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class ParseResult:
    """One release parsed from a document, with the raw bytes it came from and any warnings."""

    release: Release
    raw: bytes
    format: str  # "text" or "json"
    warnings: tuple[Problem, ...] = field(default=())
    line: int | None = None  # the line of a `.jsonl` file it came from


@dataclass(frozen=True)
class StoredRelease:
    """A release as the store holds it, with when we first and last saw it change.

    `release.updated` is the time of the last change of content (or the source's own `updated`);
    `changed_at` is when the stored row last changed; `version` orders changes for delta feeds.
    """

    release: Release
    format: str
    ingested_at: datetime
    changed_at: datetime
    version: int = 0  # the store's data version at the last visible change
    id: int = 0  # insertion order: fixes each release's RFC 5005 archive page
    retracted_at: datetime | None = None  # the publisher withdrew it (pages answer 410)


@dataclass(frozen=True)
class Selection:
    """Which releases a feed holds: all, one category's, or one source office's."""

    category: str | None = None
    source: str | None = None


ALL = Selection()

# Scripts written right to left (BCP 47 primary subtags); any region/script subtag keeps it.
RTL_LANGUAGES = frozenset({"fa", "ar", "ur", "ps", "ckb", "he"})


def text_direction(language: str) -> str:
    """`rtl` for the right-to-left languages (and their subtags, e.g. `fa-IR`), else `ltr`."""
    primary = language.replace("_", "-").split("-", 1)[0].lower()
    return "rtl" if primary in RTL_LANGUAGES else "ltr"


class Action(StrEnum):
    """What happened to one release (the word the CLI prints and the API answers)."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CHANGED = "changed"  # re-derived by `feedapp reprocess` into new text
    CHECKED = "checked"  # parsed and normalized only (`feedapp check`)
    REJECTED = "rejected"  # the input is wrong: sending it again will not help
    FAILED = "failed"  # the store could not be written: nothing was stored, try again later
    RETRACTED = "retracted"  # withdrawn by its publisher (`feedapp retract`, the API's DELETE)
    FORBIDDEN = "forbidden"  # the writer may not change it (another office's): nothing was stored

    @property
    def stored(self) -> bool:
        """The release is in the store as the input says (new, changed or already so)."""
        return self in (Action.ADDED, Action.UPDATED, Action.UNCHANGED, Action.CHANGED)

    @property
    def changed_feeds(self) -> bool:
        """Readers see something new: the feeds that hold the release changed."""
        return self in (Action.ADDED, Action.UPDATED)
