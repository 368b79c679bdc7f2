"""The outermost WSGI layer: every request, fast path or Flask, gets a request id, is counted in the
metrics and the reach, and gets its access line; `/metrics` is answered here.

Per request it costs a classification of the path, a dict lookup or two and, with metrics on, a
counter and a histogram in shared memory (bench/: the fast path's figures with it on).
"""

from __future__ import annotations

import hmac
import itertools
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wsgi import ClosingIterator

from . import metrics
from .logs import REQUEST_ID, access_lines
from .reach import SUBSCRIPTION_FEED, ReachCounter

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # nginx's $request_id is 32 hex digits
_FEED_FORMAT = re.compile(r"\.(atom|rss|json|xml|txt|ico|css|png|svg)$")
# Statuses a dashboard tells apart; the rest count by class.
_STATUSES = frozenset({200, 201, 202, 226, 301, 304, 400, 401, 403, 404, 410, 413, 429})


_FIXED_FAMILIES = {
    "/sitemap.xml": "sitemap_index",
    "/sitemap-news.xml": "news_sitemap",
    "/robots.txt": "robots",
    "/healthz": "health",
    "/metrics": "metrics",
    "/": "list",
}
# Paths' labels, worked out once: pollers ask for the same few feeds all day. Bounded: made-up
# paths empty it now and then, they never grow the process.
_PATH_LABELS: dict[str, tuple[str, str]] = {}
PATHS_KEPT = 4096


def path_labels(path: str) -> tuple[str, str]:
    """(route family, format) of a path, as the metrics label a request for it."""
    labels = _PATH_LABELS.get(path)
    if labels is None:
        if len(_PATH_LABELS) >= PATHS_KEPT:
            _PATH_LABELS.clear()
        family = route_family(path)
        format_ = _FEED_FORMAT.search(path)
        labels = _PATH_LABELS[path] = (family, format_.group(1) if format_ else ("json" if family == "api" else "html"))
    return labels


def route_family(path: str) -> str:
    """What kind of document a path asks for, for the metrics' labels (a few fixed values,
    never the path itself: made-up paths must not make new series)."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/static/") or path == "/favicon.ico":
        return "static"
    if "/feed/archive/" in path:
        return "archive"
    if SUBSCRIPTION_FEED.fullmatch(path):
        return "feed"
    if path in _FIXED_FAMILIES:
        return _FIXED_FAMILIES[path]
    if path.startswith("/sitemaps/"):
        return "sitemap"
    if path.startswith("/older/"):
        return "list"
    if path.startswith("/releases/"):
        return "release"
    if path.startswith("/operators/"):
        return "operators"
    return "other"


_ids = itertools.count()
_id_prefix = [secrets.token_hex(4)]  # a random prefix of this process


def _new_prefix() -> None:
    _id_prefix[0] = secrets.token_hex(4)


# A forked worker takes a prefix of its own (checked once at the fork, not with a getpid() per request).
os.register_at_fork(after_in_child=_new_prefix)


def _new_request_id() -> str:
    """16 hex digits: a random prefix per process, then a counter (unique, and cheap: a fresh
    random id per request cost the fast path microseconds)."""
    return f"{_id_prefix[0]}{next(_ids) & 0xFFFFFFFF:08x}"


def status_label(status: int) -> str:
    return str(status) if status in _STATUSES else f"{status // 100}xx"


class Observe:
    """WSGI middleware around the whole app (see the module docstring)."""

    def __init__(
        self,
        app: Callable,
        *,
        metrics_token: str | None,
        store_gauges: Callable[[], dict[str, tuple[str, float]]],
        reach: ReachCounter | None,
        access_log: bool,
        privacy: bool,
        proxy_count: int,
    ) -> None:
        self.app = app
        self.metrics_token = metrics_token
        self.store_gauges = store_gauges
        self.reach = reach
        self.access_log = access_log
        self.privacy = privacy
        self.proxy_count = proxy_count

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID")
        request_id = given if given and _REQUEST_ID.fullmatch(given) else _new_request_id()
        environ["feedapp.request_id"] = request_id
        reset = REQUEST_ID.set(request_id)
        answer: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            answer[:] = status, headers
            return start_response(status, [*headers, ("X-Request-ID", request_id)], exc_info)

        try:
            path = environ.get("PATH_INFO", "")
            if path == "/metrics" and self.metrics_token is not None:
                body: Iterable[bytes] = self._metrics(environ, start)
            else:
                body = self.app(environ, start)
            status, headers = answer or ("500", [])
            return self._after(environ, path, body, int(status[:3]), headers, time.perf_counter() - started)
        finally:
            REQUEST_ID.reset(reset)

    def _after(
        self, environ: dict[str, Any], path: str, body: Iterable[bytes], status: int, headers: list, seconds: float
    ) -> Iterable[bytes]:
        if metrics.enabled():
            family, format_ = path_labels(path)
            gzip = any(name == "Content-Encoding" and "gzip" in value for name, value in headers)
            metrics.count_request(family, format_, "gzip" if gzip else "identity", status_label(status), seconds)
        if self.access_log:
            self._log(environ, path, status, seconds)
        if self.reach is None:
            return body
        self.reach.count(path, status, environ.get("HTTP_USER_AGENT", ""), self._address(environ))
        if not self.reach.due():
            return body
        return ClosingIterator(body, [self.reach.flush])  # after the body is sent

    def _log(self, environ: dict[str, Any], path: str, status: int, seconds: float) -> None:
        method = environ.get("REQUEST_METHOD")
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "ms": round(seconds * 1000, 2),
            "agent": environ.get("HTTP_USER_AGENT", "")[:300],
        }
        if not self.privacy:
            fields["address"] = self._address(environ)
        access_lines.write(f"{method} {path} {status}", fields)

    def _address(self, environ: dict[str, Any]) -> str:
        """The client's address: behind PROXY_COUNT proxies, the one the outermost proxy saw
        (as werkzeug's ProxyFix reads X-Forwarded-For)."""
        if self.proxy_count:
            forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            if len(forwarded) >= self.proxy_count and forwarded[-self.proxy_count]:
                return forwarded[-self.proxy_count]
        return environ.get("REMOTE_ADDR", "")

    def _metrics(self, environ: dict[str, Any], start: Callable) -> Iterable[bytes]:
        """The scrape (Prometheus text format), for a scraper that sends the metrics token."""
        sent = environ.get("HTTP_AUTHORIZATION", "")
        expected = f"Bearer {self.metrics_token}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            start("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [b"metrics need the metrics token\n"]
        body, media_type = metrics.exposition(self.store_gauges)
        start("200 OK", [("Content-Type", media_type), ("Cache-Control", "no-store")])
        return [body]
