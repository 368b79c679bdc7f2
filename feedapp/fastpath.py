"""Answer repeat requests for feeds and sitemaps before Flask: cached bytes at the cost of sending them.

Aggregators poll the same URLs over and over. Once Flask has rendered a document for the
current data version, its prepared response is remembered here by path; later requests for that
path, at that version, are answered in WSGI directly (conditional GET, gzip and the browser
variant included, through http.answer like Flask's), skipping routing, request objects and
sessions. Anything else, including a change of version, delta (A-IM) requests when deltas are
on, and unknown paths, goes on to Flask. `/healthz` answers `ok` without touching the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .http import STATUS_LINES, Prepared, answer
from .rendercache import BoundedLRU

_HEALTH = (
    b"ok\n",
    [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "3"), ("Cache-Control", "no-store")],
)
CAPACITY = 2048  # prepared documents kept per process; the least recently used go first


@dataclass(frozen=True)
class _Entry:
    version: int
    prepared: Prepared


class FastPath:
    """WSGI middleware in front of the Flask app; `remember` is called by the views."""

    def __init__(
        self, wsgi_app: Callable, current_version: Callable[[], int], deltas: bool = False, max_bytes: int | None = None
    ) -> None:
        self.wsgi_app = wsgi_app
        self.current_version = current_version
        # With deltas off (the default) an A-IM request is answered like any other: feedparser
        # sends A-IM on every poll, so most readers' requests would otherwise miss this path.
        self.deltas = deltas
        # Bounded as the render caches are; a hit does not reorder (no lock on the hot path).
        self.documents: BoundedLRU[_Entry] = BoundedLRU(CAPACITY, max_bytes)
        self.hits = 0  # requests answered here (tests and benchmarks read it)

    def remember(self, path: str, version: int, prepared: Prepared) -> None:
        """The response prepared for `path` (WSGI PATH_INFO) at data version `version`."""
        self.documents.put(path, _Entry(version, prepared), prepared.weight)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz":
            body, headers = _HEALTH
            start_response("200 OK", list(headers))
            return [b""] if method == "HEAD" else [body]
        entry = self.documents.get(path)
        if (
            entry is not None
            and method in ("GET", "HEAD")
            and not (self.deltas and "HTTP_A_IM" in environ)
            and entry.version == self.current_version()
        ):
            self.hits += 1
            status, headers, body = answer(entry.prepared, environ)
            start_response(STATUS_LINES[status], list(headers))
            return [b""] if method == "HEAD" else [body]
        return self.wsgi_app(environ, start_response)
