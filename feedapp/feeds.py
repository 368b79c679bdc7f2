"""Feed views: the subscription feed, its RFC 5005 archive pages, per category and per source,
each in Atom, RSS and JSON Feed, with conditional GET, gzip and RFC 3229 deltas.

Thin views: look up the cached rendering for the current data version (rendering once per
change), answer 304 when the client is current, 226 with only the changed entries when it asks
for a delta, else the full document.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from . import __version__, store, urls
from .core import syndication
from .core.feeddoc import DeletedEntry, FeedDoc, FeedEntry
from .core.models import Release, StoredRelease
from .db import data_version, get_engine, remember
from .http import EPOCH, Policy, Prepared, Representation, delta_base_version, send
from .rendercache import RenderCache
from .store import Selection

bp = Blueprint("feeds", __name__)

GENERATOR = ("feedapp", __version__, None)  # no public home page to name yet
RENDERERS = {
    "atom": ("application/atom+xml", syndication.render_atom),
    "rss": ("application/rss+xml", syndication.render_rss),
    "json": ("application/feed+json", syndication.render_json),
}
_FORMAT = "<any(atom, rss, json):fmt>"


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


# Feed entries built per process, by release: a change rebuilds only the entries it touched.
ENTRY_CACHE_SIZE = 4096


def init_app(app) -> None:  # noqa: ANN001 - Flask app
    app.extensions["feedapp.feeds"] = RenderCache()
    app.extensions["feedapp.entries"] = RenderCache(capacity=ENTRY_CACHE_SIZE)
    app.register_blueprint(bp)


def _cache() -> RenderCache:
    return current_app.extensions["feedapp.feeds"]


# Each feed, by selection: its path prefix, and the Selection a matched name stands for.
_FEEDS = (
    ("", lambda name=None: store.ALL),
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
    version = data_version()
    rendered = _cache().get((selection, fmt, page), version, lambda: _render(selection, fmt, page))
    if rendered is None:
        abort(404)
    if page is None and current_app.config["DELTA_FEEDS"]:
        delta = _delta(rendered, fmt)
        if delta is not None:
            return send(delta, status=226)
    remember(version, rendered.prepared)
    return send(rendered.prepared)


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
    mimetype, render = RENDERERS[fmt]
    body = render(replace(rendered.doc, entries=changed))
    current = rendered.representation
    # RFC 3229 §10.4.1: 226 IM Used, with the ETag of the whole current feed (in the variant the
    # body is sent in, `-gz` when gzipped, as on a 200 or 304); private, so no shared cache ever
    # stores a delta (§10.5.3).
    representation = Representation(
        body=body, etag=current.etag, last_modified=current.last_modified, mimetype=mimetype
    )
    headers = (*_link_headers(rendered.doc), ("IM", "feed"))
    return Prepared(representation, Policy(max_age=0, private=True, extra_headers=headers))


def _link_headers(doc: FeedDoc) -> tuple[tuple[str, str], ...]:
    # WebSub §4: publishers advertise the hub and the topic (self) as HTTP Link headers too.
    if not doc.hub:
        return ()
    return (("Link", f'<{doc.hub}>; rel="hub", <{doc.self_url}>; rel="self"'),)


def _render(selection: Selection, fmt: str, page: int | None) -> Rendered | None:
    """Query and render one document; None when it does not exist (unknown page or selection)."""
    size = current_app.config["FEED_SIZE"]
    # Every read of one document in one snapshot: an ingest committing meanwhile must not make
    # the page count and the entries come from two versions.
    with store.snapshot(get_engine()) as db:
        # Pages are counted with retracted releases, so a retraction never moves a release.
        pages = math.ceil(store.count_releases(db, selection, retracted=True) / size)
        if page is None:
            if selection != store.ALL and store.count_releases(db, selection) == 0:
                return None
            stamps = store.recently_changed(db, size, selection)
            removals = store.removed_from_window(db, size, selection)
            next_first = None
        else:
            if not 1 <= page <= pages:
                return None
            stamps, removals, next_first = store.archive_page(db, page, size, selection)
        stamps.sort(key=lambda stamp: (stamp.published, stamp.id), reverse=True)
        entries = _entries(db, stamps)
    doc = _document(selection, fmt, page, pages, entries, removals)
    mimetype, render = RENDERERS[fmt]
    changes = [(stamp.version, stamp.changed_at) for stamp in stamps]
    changes += [(removal.version, removal.changed_at) for removal in removals] + ([next_first] if next_first else [])
    # The ETag's version and Last-Modified are the newest change behind the document, shown or
    # not (a retraction, the next archive page's first entry), so neither ever goes back while
    # the bytes change (RFC 9110 §8.8.2: a poll with If-Modified-Since must see the change).
    representation = Representation.of(
        render(doc),
        version=max((v for v, _ in changes), default=0),
        last_modified=max((at for _, at in changes), default=EPOCH),
        mimetype=mimetype,
    )
    full_page = page is not None and page < pages  # holds all the entries it ever will
    config = current_app.config
    policy = Policy(
        max_age=config["ARCHIVE_MAX_AGE"] if full_page else config["FEED_MAX_AGE"],
        extra_headers=_link_headers(doc),
        browser_mimetype="application/xml" if fmt in ("atom", "rss") else None,
    )
    return Rendered(
        prepared=Prepared(representation, policy),
        doc=doc,
        versions=tuple(stamp.version for stamp in stamps),
        removed_version=max((removal.version for removal in removals), default=0),
    )


def _entries(db: store.Readable, stamps: list[store.Stamp]) -> tuple[FeedEntry, ...]:
    """Feed entries for these releases: from the entry cache, fetching only what it lacks.

    After a change one entry is new; the other 49 of a feed are neither fetched nor rebuilt.
    """
    built: RenderCache[FeedEntry] = current_app.extensions["feedapp.entries"]
    missing = [stamp.id for stamp in stamps if not built.has(stamp.key, stamp.version)]
    fetched = store.releases_by_id(db, missing)

    def build(stamp: store.Stamp) -> Callable[[], FeedEntry]:
        return lambda: _entry(fetched[stamp.id])  # fetched only when the cache lacks it

    return tuple(built.get(stamp.key, stamp.version, build(stamp)) for stamp in stamps)


def _document(
    selection: Selection,
    fmt: str,
    page: int | None,
    pages: int,
    entries: tuple[FeedEntry, ...],
    removals: list[store.Removal],
) -> FeedDoc:
    config = current_app.config
    # RFC 6721 tombstones for what the document held, so pollers that kept an entry drop it.
    deleted = tuple(DeletedEntry(_entry_id(removal.key), removal.retracted_at) for removal in removals)

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


def _entry_id(key: str) -> str:
    return urls.tag_uri(f"release:{key}")


def _entry(stored: StoredRelease) -> FeedEntry:
    release = stored.release
    return FeedEntry(
        id=_entry_id(release.key),
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


def topic_urls(changed: list[Release], formats: tuple[str, ...] = urls.FORMATS) -> list[str]:
    """The subscription feeds (every format) whose content a change to these releases alters."""
    selections = [store.ALL]
    for release in changed:
        selections += [Selection(category=category) for category in release.categories]
        if release.source:
            selections.append(Selection(source=release.source))
    unique = list(dict.fromkeys(selections))
    return [urls.absolute(urls.feed_path(selection, fmt)) for selection in unique for fmt in formats]
