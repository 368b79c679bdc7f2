"""What one app keeps per process, in one object: its engine, how it reads the data version, its
render caches, the fast path, the ingest client and the API's sign-in throttle.

Kept at `app.extensions["feedapp"]` (Flask's place for extension state); views reach it with
`current()`, code outside a request with `of(app)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from .rendercache import RenderCache

if TYPE_CHECKING:
    from .dbapi import Engine
    from .fastpath import FastPath
    from .ingest_worker import IngestClient
    from .throttle import AuthThrottle

_KEY = "feedapp"

# Feed entries built per process, by release: a change rebuilds only the entries it touched.
ENTRY_CACHE_SIZE = 4096


@dataclass
class AppState:
    engine: Engine
    data_version: Callable[[], int]  # the store's data version, read the cheapest way the backend allows
    feeds: RenderCache[Any] = field(default_factory=RenderCache)  # feeds and archive pages, rendered
    entries: RenderCache[Any] = field(default_factory=lambda: RenderCache(capacity=ENTRY_CACHE_SIZE))
    crawlers: RenderCache[Any] = field(default_factory=RenderCache)  # robots.txt and the sitemaps
    fast_path: FastPath | None = None  # set once the app's WSGI stack is built
    ingest_client: IngestClient | None = None  # started on the API's first write
    throttle: AuthThrottle | None = None  # made on the API's first request


def attach(app: Flask, state: AppState) -> None:
    app.extensions[_KEY] = state


def of(app: Flask) -> AppState:
    return app.extensions[_KEY]


def current() -> AppState:
    """The state of the app handling the current request (or pushed context)."""
    return current_app.extensions[_KEY]
