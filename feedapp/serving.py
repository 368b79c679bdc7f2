"""How every rendered document (feeds, archive pages, sitemaps, robots.txt) is served: built
once per change of the data, remembered for the fast path, sent with the one cache policy.

The render cache and the fast path are per process (see rendercache.py, fastpath.py); the
conditional GET, gzip and browser variants are http.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import Response, abort, current_app, request

from . import state
from .http import Policy, Prepared, send
from .rendercache import RenderCache
from .state import data_version

T = TypeVar("T")


def cache_policy(
    *, final: bool = False, extra_headers: tuple[tuple[str, str], ...] = (), browser_mimetype: str | None = None
) -> Policy:
    """Fresh for FEED_MAX_AGE while a document can still change, for ARCHIVE_MAX_AGE once it
    never will (a full archive page)."""
    config = current_app.config
    max_age = config["ARCHIVE_MAX_AGE"] if final else config["FEED_MAX_AGE"]
    return Policy(max_age=max_age, extra_headers=extra_headers, browser_mimetype=browser_mimetype)


def cached(
    cache: RenderCache[T | None],
    key: Hashable,
    build: Callable[[int], T | None],
    depends_on: Callable[[int], Hashable] | None = None,
) -> tuple[int, T]:
    """(the store's data version, the value for `key`); 404 when `build` gives None.

    `build` runs only when what the value depends on changed: by default the data version (any
    change anywhere). A document that depends on less (a sitemap page: its own releases) or more
    (the news sitemap: the clock too) says so with `depends_on`, given the data version.
    """
    version = data_version()
    value = cache.get(key, depends_on(version) if depends_on else version, lambda: build(version))
    if value is None:
        abort(404)
    return version, value


def send_remembered(version: int, prepared: Prepared) -> Response:
    """Send `prepared`, and let the fast path answer this path from now on while `version` holds."""
    fast = state.current().fast_path
    if fast is not None:
        fast.remember(request.environ["PATH_INFO"], version, prepared)
    return send(prepared)
