"""Feed views: the subscription feed, its RFC 5005 archive pages, per category and per source,
each in Atom, RSS and JSON Feed, with conditional GET, gzip and RFC 3229 deltas.

Thin views: look up the cached rendering for the current data version (rendering once per
change), answer 304 when the client is current, 226 with only the changed entries when it asks
for a delta, else the full document. Stored releases become FeedDocs in feeddocs.py.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import NamedTuple

from flask import Blueprint, Flask, Response, current_app, request

from . import feeddocs, state, store
from .core.feeddoc import FeedDoc, FeedEntry
from .core.models import ALL, Selection, StoredRelease
from .core.syndication import FORMATS
from .http import EPOCH, Policy, Prepared, Representation, delta_base_version, send
from .rendercache import RenderCache
from .serving import cache_policy, cached, send_remembered
from .state import get_engine

bp = Blueprint("feeds", __name__)

_FORMAT = f"<any({', '.join(FORMATS)}):fmt>"


@dataclass(frozen=True)
class Rendered:
    """A feed document in one format: its bytes, and what a delta needs to re-render a subset."""

    prepared: Prepared
    doc: FeedDoc
    versions: tuple[int, ...]  # each entry's change version, in doc.entries order
    removed_version: int = 0  # the newest retraction that took an entry out of the document

    @property
    def representation(self) -> Representation:
        return self.prepared.representation


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


# Each feed, by selection: its path prefix, and the Selection a matched name stands for.
_FEEDS = (
    ("", lambda name=None: ALL),
    ("/categories/<name>", lambda name: Selection(category=name)),
    ("/sources/<name>", lambda name: Selection(source=name)),
)


def _register_routes() -> None:
    """The subscription feed and its archive pages for the whole site, a category, a source."""
    for prefix, selection in _FEEDS:

        def subscription(fmt: str, selection: Callable[..., Selection] = selection, **name: str) -> Response:
            return _serve(selection(**name), fmt, None)

        def archive(page: int, fmt: str, selection: Callable[..., Selection] = selection, **name: str) -> Response:
            return _serve(selection(**name), fmt, page)

        kind = prefix.split("/")[1] if prefix else "site"
        bp.add_url_rule(f"{prefix}/feed.{_FORMAT}", f"{kind}_feed", subscription)
        bp.add_url_rule(f"{prefix}/feed/archive/<page:page>.{_FORMAT}", f"{kind}_archive", archive)


_register_routes()


def _serve(selection: Selection, fmt: str, page: int | None) -> Response:
    cache, key = state.current().feeds, (selection, fmt, page)
    if page is not None:
        # An archive page is rendered again only when what it shows changed, not after every
        # change anywhere: its reads (index ranges, a few rows) stand for its version.
        with store.snapshot(get_engine()) as db:
            reads = _read(db, selection, page)
            shown = reads.shown(page) if reads else None
            version, rendered = cached(cache, key, lambda _: _render(db, selection, fmt, page, reads), lambda _: shown)
        return send_remembered(version, rendered.prepared)
    version, rendered = cached(cache, key, lambda _: _build(selection, fmt))
    if current_app.config["DELTA_FEEDS"]:
        delta = _delta(rendered, fmt)
        if delta is not None:
            return send(delta, status=226)
    return send_remembered(version, rendered.prepared)


def _build(selection: Selection, fmt: str) -> Rendered | None:
    """The subscription feed, read and rendered in one snapshot: an ingest committing meanwhile
    must not make the page count and the entries come from two versions."""
    with store.snapshot(get_engine()) as db:
        return _render(db, selection, fmt, None, _read(db, selection, None))


def _delta(rendered: Rendered, fmt: str) -> Prepared | None:
    """Only the entries added or changed since the client's version, when that is meaningful.

    None (send the full feed) when the client's ETag is not ours or not older than the feed,
    or when every entry changed (some older changes may have scrolled out of the window).
    """
    base = delta_base_version(request.environ)
    if base is None or base >= max(rendered.versions, default=0):
        return None  # not a delta request, or nothing newer than the client's copy
    if base < rendered.removed_version:
        return None  # an entry left since the client's copy: only the whole feed says so
    changed = tuple(entry for entry, version in zip(rendered.doc.entries, rendered.versions) if version > base)
    if len(changed) == len(rendered.doc.entries):
        return None
    feed_format = FORMATS[fmt]
    body = feed_format.render(replace(rendered.doc, entries=changed))
    current = rendered.representation
    # RFC 3229 §10.4.1: 226 IM Used, with the ETag of the whole current feed (in the variant the
    # body is sent in, `-gz` when gzipped, as on a 200 or 304); private, so no shared cache ever
    # stores a delta (§10.5.3).
    representation = Representation(
        body=body, etag=current.etag, last_modified=current.last_modified, mimetype=feed_format.media_type
    )
    headers = (*feeddocs.link_headers(rendered.doc), ("IM", "feed"))
    return Prepared(representation, Policy(max_age=0, private=True, extra_headers=headers))


class _Reads(NamedTuple):
    """What one feed document shows, read in one snapshot."""

    pages: int  # archive pages of the selection (the last may be partial)
    stamps: tuple[store.Stamp, ...]  # shown, newest first
    removals: tuple[store.Removal, ...]  # retracted from the document, newest retraction first
    next_first: store.Change | None  # an archive page's next page's first entry

    def shown(self, page: int) -> Hashable:
        """What archive page `page`'s bytes and validators follow: equal values, equal
        documents (of the page count, only whether the page is the last)."""
        return (self.stamps, self.removals, self.next_first, page < self.pages)


def _read(db: store.Readable, selection: Selection, page: int | None) -> _Reads | None:
    """The reads behind the subscription feed (`page` None) or one archive page; None when it
    does not exist (unknown page or selection)."""
    size = current_app.config["FEED_SIZE"]
    pages = store.archive_page_count(db, selection, size)
    if page is None:
        if selection != ALL and not store.has_releases(db, selection):
            return None
        stamps = store.recently_changed(db, size, selection)
        removals = store.removed_from_window(db, size, selection)
        next_first = None
    else:
        if not 1 <= page <= pages:
            return None
        stamps, removals, next_first = store.archive_page(db, page, size, selection)
    stamps.sort(key=lambda stamp: (stamp.published, stamp.id), reverse=True)
    return _Reads(pages, tuple(stamps), tuple(removals), next_first)


def _render(
    db: store.Readable, selection: Selection, fmt: str, page: int | None, reads: _Reads | None
) -> Rendered | None:
    """Render one document from its reads (entries from `db`, the reads' snapshot); None when
    it does not exist."""
    if reads is None:
        return None
    pages, stamps, removals, next_first = reads
    doc = feeddocs.document(selection, fmt, page, pages, _entries(db, stamps), list(removals))
    feed_format = FORMATS[fmt]
    changes = [(stamp.version, stamp.changed_at) for stamp in stamps]
    changes += [(removal.version, removal.changed_at) for removal in removals] + ([next_first] if next_first else [])
    # The ETag's version and Last-Modified are the newest change behind the document, shown or
    # not (a retraction, the next archive page's first entry), so neither ever goes back while
    # the bytes change (RFC 9110 §8.8.2: a poll with If-Modified-Since must see the change).
    representation = Representation.of(
        feed_format.render(doc),
        version=max((v for v, _ in changes), default=0),
        last_modified=max((at for _, at in changes), default=EPOCH),
        mimetype=feed_format.media_type,
    )
    policy = cache_policy(
        final=page is not None and page < pages,  # a full archive page holds all it ever will
        extra_headers=feeddocs.link_headers(doc),
        browser_mimetype=feed_format.browser_media_type,
    )
    return Rendered(
        prepared=Prepared(representation, policy),
        doc=doc,
        versions=tuple(stamp.version for stamp in stamps),
        removed_version=max((removal.version for removal in removals), default=0),
    )


def _entries(db: store.Readable, stamps: tuple[store.Stamp, ...]) -> tuple[FeedEntry, ...]:
    """Feed entries for these releases: from the entry cache, fetching only what it lacks.

    After a change one entry is new; the other 49 of a feed are neither fetched nor rebuilt.
    """
    built: RenderCache[FeedEntry] = state.current().entries
    fetched: dict[int, StoredRelease] = {}

    def build(stamp: store.Stamp) -> Callable[[], FeedEntry]:
        def make() -> FeedEntry:
            if stamp.id not in fetched:  # cached when looked up, pushed out since (another thread)
                fetched.update(store.releases_by_id(db, [stamp.id]))
            return feeddocs.entry(fetched[stamp.id])

        return make

    # The cached entries are taken first, which makes them the most recently used: the entries
    # built next push out others, never one this document has yet to read.
    entries = {s.id: built.get(s.key, s.version, build(s)) for s in stamps if built.has(s.key, s.version)}
    fetched.update(store.releases_by_id(db, [stamp.id for stamp in stamps if stamp.id not in entries]))
    entries.update({s.id: built.get(s.key, s.version, build(s)) for s in stamps if s.id not in entries})
    return tuple(entries[stamp.id] for stamp in stamps)
