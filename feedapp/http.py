"""Conditional responses and cache headers for rendered documents, in one place.

RFC 9110 §13 (preconditions), §8.8 (validators); RFC 3229 for the delta status and headers.
A representation is rendered once per change of the data and kept with its gzip form, so a
request costs a lookup, a comparison and a write of bytes.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import Response, request
from werkzeug.http import http_date, parse_date

# Each variant of a resource's bytes is another representation, so its strong ETag must differ
# (RFC 9110 §8.8.3): gzip-coded bodies, and feeds labelled application/xml for browsers.
GZIP_SUFFIX = "-gz"
BROWSER_SUFFIX = "-b"
_SUFFIXES = (GZIP_SUFFIX, BROWSER_SUFFIX)


@dataclass(frozen=True)
class Representation:
    """Bytes ready to send, both plain and gzip-compressed, with their validators."""

    body: bytes
    gzipped: bytes
    etag: str  # opaque tag without quotes: "{version}-{hash}"
    last_modified: datetime
    mimetype: str

    @classmethod
    def of(cls, body: bytes, *, version: int, last_modified: datetime, mimetype: str) -> "Representation":
        """Wrap rendered bytes. The ETag starts with `version` (see delta_base_version)."""
        digest = hashlib.sha256(body).hexdigest()[:24]
        # mtime=0: the gzip header holds no timestamp, so equal bodies compress to equal bytes.
        return cls(body=body, gzipped=gzip.compress(body, compresslevel=9, mtime=0),
                   etag=f"{version}-{digest}", last_modified=last_modified, mimetype=mimetype)


def accepts_gzip() -> bool:
    """True when the client accepts gzip (q > 0); feedparser asks for gzip and deflate.

    An explicit `gzip;q=0` wins over a `*` (RFC 9110 §12.5.3).
    """
    qualities = dict(request.accept_encodings)
    for name in ("gzip", "x-gzip", "*"):
        if name in qualities:
            return qualities[name] > 0
    return False


def _requested_tags() -> list[str]:
    """If-None-Match tags, weak marks and our gzip suffix removed (weak comparison, §13.1.2)."""
    header = request.headers.get("If-None-Match", "")
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
    return tags


def is_fresh(representation: Representation) -> bool:
    """Whether the client's copy is current (→ 304): If-None-Match first, else If-Modified-Since."""
    if "If-None-Match" in request.headers:
        tags = _requested_tags()
        return "*" in tags or representation.etag in tags
    since = parse_date(request.headers.get("If-Modified-Since"))
    return since is not None and representation.last_modified.replace(microsecond=0) <= since


def delta_base_version() -> int | None:
    """The data version of the client's copy when it asks for an RFC 3229 feed delta, else None."""
    instance_manipulations = {token.split(";")[0].strip().lower()
                              for token in request.headers.get("A-IM", "").split(",")}
    if "feed" not in instance_manipulations:
        return None
    for tag in _requested_tags():
        version, _, digest = tag.partition("-")
        if version.isdigit() and digest:
            return int(version)
    return None


def is_browser_navigation() -> bool:
    """A person's browser opening the URL (it asks for HTML) rather than a feed reader.

    Browsers show application/atom+xml and application/rss+xml as plain text or a download,
    but render application/xml with its CSS stylesheet; feed readers name the feed types.
    """
    named = dict(request.accept_mimetypes)  # only what the client names: */* is no browser sign
    return named.get("text/html", 0) > 0 and not any(
        kind in named for kind in ("application/atom+xml", "application/rss+xml"))


def send(representation: Representation, *, max_age: int, status: int = 200, private: bool = False,
         extra_headers: dict[str, str] | None = None, browser_mimetype: str | None = None) -> Response:
    """The representation as a response, or 304 when the client's copy is fresh.

    With `browser_mimetype`, a browser navigation gets the same bytes labelled with it.
    """
    use_gzip = accepts_gzip()
    for_browser = browser_mimetype is not None and is_browser_navigation()
    mimetype = browser_mimetype if for_browser else representation.mimetype
    etag = representation.etag + (BROWSER_SUFFIX if for_browser else "") + (GZIP_SUFFIX if use_gzip else "")
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(representation.last_modified),
        "Cache-Control": f"{'private' if private else 'public'}, max-age={max_age}",
        "Vary": "Accept-Encoding, Accept" if browser_mimetype else "Accept-Encoding",
        **(extra_headers or {}),
    }
    if status == 200 and is_fresh(representation):
        return Response(status=304, headers=headers)
    body = representation.gzipped if use_gzip else representation.body
    response = Response(body, status=status, headers=headers, content_type=f"{mimetype}; charset=utf-8")
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    return response
