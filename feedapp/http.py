"""Conditional responses and cache headers for rendered documents, in one place.

RFC 9110 §13 (preconditions), §8.8 (validators), §12.5.3 (Accept-Encoding); RFC 3229 for
deltas. A representation is rendered once per change of the data, compressed once, and its
response headers are built once per variant, so answering a request is a few dictionary
lookups and a write of bytes, whether Flask answers it or the fast path (fastpath.py) does.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property, lru_cache
from typing import Any

from flask import Response, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import http_date, parse_accept_header, parse_date

# Each variant of a resource's bytes is another representation, so its strong ETag must differ
# (RFC 9110 §8.8.3): gzip-coded bodies, and feeds labelled application/xml for browsers.
GZIP_SUFFIX = "-gz"
BROWSER_SUFFIX = "-b"
_SUFFIXES = (GZIP_SUFFIX, BROWSER_SUFFIX)
# zlib level 6: within a few percent of level 9's size at a fraction of its time, which counts
# for the first request after a change (a 50,000-URL sitemap is megabytes).
GZIP_LEVEL = 6
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # the validators' time of a document with no entries
STATUS_LINES = {200: "200 OK", 226: "226 IM Used", 304: "304 Not Modified"}

Environ = dict[str, Any]
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Representation:
    """Bytes ready to send, with their validators; the gzip form is made once, when first asked."""

    body: bytes
    etag: str  # opaque tag without quotes: "{version}-{hash}"
    last_modified: datetime
    mimetype: str

    @classmethod
    def of(cls, body: bytes, *, version: int, last_modified: datetime, mimetype: str) -> Representation:
        """Wrap rendered bytes. The ETag starts with `version` (see delta_base_version)."""
        digest = hashlib.sha256(body).hexdigest()[:24]
        return cls(body=body, etag=f"{version}-{digest}", last_modified=last_modified, mimetype=mimetype)

    @property
    def version(self) -> int:
        """The data version the ETag starts with."""
        return int(self.etag.partition("-")[0])

    @cached_property
    def gzipped(self) -> bytes:
        # mtime=0: the gzip header holds no timestamp, so equal bodies compress to equal bytes.
        return gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(frozen=True)
class Policy:
    """How a document may be cached and labelled, besides its bytes."""

    max_age: int
    private: bool = False
    extra_headers: tuple[tuple[str, str], ...] = ()
    browser_mimetype: str | None = None  # a browser navigation gets the bytes labelled with it


@dataclass(frozen=True)
class _Variant:
    body: bytes
    headers: Headers  # for 200 (or 226): with Content-Type, -Length, -Encoding
    not_modified: Headers  # for 304: ETag and caching only (RFC 9110 §15.4.5)


@dataclass
class Prepared:
    """A representation with the response headers of each of its variants, built on first use."""

    representation: Representation
    policy: Policy
    _variants: dict[tuple[bool, bool], _Variant] = field(default_factory=dict)

    @property
    def weight(self) -> int:
        """The bytes it holds, for the caches' bounds: its body, and a gzip copy counted as large
        (an upper bound, whether or not a client asked for it yet)."""
        return 2 * len(self.representation.body)

    def variant(self, use_gzip: bool, for_browser: bool) -> _Variant:
        key = (use_gzip, for_browser)
        found = self._variants.get(key)
        if found is None:
            found = self._variants[key] = self._build(use_gzip, for_browser)
        return found

    def _build(self, use_gzip: bool, for_browser: bool) -> _Variant:
        rep, policy = self.representation, self.policy
        etag = rep.etag + (BROWSER_SUFFIX if for_browser else "") + (GZIP_SUFFIX if use_gzip else "")
        caching = [
            ("ETag", f'"{etag}"'),
            ("Last-Modified", http_date(rep.last_modified)),
            ("Cache-Control", f"{'private' if policy.private else 'public'}, max-age={policy.max_age}"),
            ("Vary", "Accept-Encoding, Accept" if policy.browser_mimetype else "Accept-Encoding"),
        ]
        overridden = {name for name, _ in policy.extra_headers}
        caching = [(name, value) for name, value in caching if name not in overridden] + list(policy.extra_headers)
        body = rep.gzipped if use_gzip else rep.body
        mimetype = policy.browser_mimetype if for_browser else rep.mimetype
        entity = [
            ("Content-Type", f"{mimetype}; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if use_gzip:
            entity.append(("Content-Encoding", "gzip"))
        # RFC 9110 §15.4.5: a 304 repeats ETag, Cache-Control and Vary, not Last-Modified (the
        # ETag validates; werkzeug strips it from Flask's 304s too, so both paths answer alike).
        not_modified = [(name, value) for name, value in caching if name != "Last-Modified"]
        return _Variant(body=body, headers=caching + entity, not_modified=not_modified)


def hollow(prepared: Prepared) -> Prepared:
    """The prepared document without its bytes: its validators and policy, what a 304 needs."""
    return Prepared(replace(prepared.representation, body=b""), prepared.policy)


@lru_cache(maxsize=512)
def accepts_gzip(accept_encoding: str) -> bool:
    """True when an Accept-Encoding value admits gzip (q > 0); an explicit `gzip;q=0` beats `*`.

    Content codings are case-insensitive (RFC 9110 §8.4.1): `GZIP` is gzip.
    """
    qualities = dict(parse_accept_header(accept_encoding.lower()))
    for name in ("gzip", "x-gzip", "*"):
        if name in qualities:
            return qualities[name] > 0
    return False


@lru_cache(maxsize=512)
def is_browser_navigation(accept: str) -> bool:
    """A person's browser opening the URL (it asks for HTML) rather than a feed reader.

    Browsers show application/atom+xml and application/rss+xml as plain text or a download,
    but render application/xml with its CSS stylesheet; feed readers name the feed types.
    Only what the client names counts: `*/*` is no sign of a browser.
    """
    named = dict(parse_accept_header(accept, MIMEAccept))
    return named.get("text/html", 0) > 0 and not any(
        kind in named for kind in ("application/atom+xml", "application/rss+xml")
    )


@lru_cache(maxsize=1024)
def _requested_tags(header: str) -> tuple[str, ...]:
    """If-None-Match tags, weak marks and our variant suffixes removed (weak comparison, §13.1.2)."""
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        while tag.endswith(_SUFFIXES):
            tag = tag.rsplit("-", 1)[0]
        if tag:
            tags.append(tag)
    return tuple(tags)


def is_conditional(environ: Environ) -> bool:
    """Whether the request carries a validator (If-None-Match or If-Modified-Since)."""
    return "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ


def is_fresh(representation: Representation, environ: Environ) -> bool:
    """Whether the client's copy is current (→ 304): If-None-Match first, else If-Modified-Since."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = _requested_tags(if_none_match)
        return "*" in tags or representation.etag in tags
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and representation.last_modified.replace(microsecond=0) <= since


def delta_base_version(environ: Environ) -> int | None:
    """The data version of the client's copy when it asks for an RFC 3229 feed delta, else None."""
    instance_manipulations = {token.split(";")[0].strip().lower() for token in environ.get("HTTP_A_IM", "").split(",")}
    if "feed" not in instance_manipulations:
        return None
    for tag in _requested_tags(environ.get("HTTP_IF_NONE_MATCH", "")):
        version, _, digest = tag.partition("-")
        if version.isdigit() and digest:
            return int(version)
    return None


def answer(prepared: Prepared, environ: Environ, status: int = 200) -> tuple[int, Headers, bytes]:
    """Status, headers and body for this request: 304 when the client's copy is fresh."""
    use_gzip = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
    for_browser = prepared.policy.browser_mimetype is not None and is_browser_navigation(environ.get("HTTP_ACCEPT", ""))
    variant = prepared.variant(use_gzip, for_browser)
    if status == 200 and is_fresh(prepared.representation, environ):
        return 304, variant.not_modified, b""
    return status, variant.headers, variant.body


def send(prepared: Prepared, status: int = 200) -> Response:
    """The prepared document as a Flask response for the current request."""
    status, headers, body = answer(prepared, request.environ, status)
    return Response(body, status=status, headers=headers)
