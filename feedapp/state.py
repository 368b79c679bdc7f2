"""What one app keeps per process, in one object: its database engine (opened once from
DATABASE_URL, its schema checked), how it reads the data version, its render caches, the fast
path, the ingest client and the API's sign-in throttle.

Kept at `app.extensions["feedapp"]` (Flask's place for extension state); views reach it with
`current()` (or `get_engine()`, `data_version()`), code outside a request with `of(app)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_request_context, request

from . import schema, store
from .engine import Engine
from .http import hollow
from .rendercache import RenderCache

if TYPE_CHECKING:
    from .core.feeddoc import FeedEntry
    from .fastpath import FastPath
    from .ingest_client import IngestClient
    from .reach import ReachCounter
    from .throttle import AuthThrottle

_KEY = "feedapp"

# Feed entries built per process, by release: a change rebuilds only the entries it touched.
ENTRY_CACHE_SIZE = 4096


@dataclass
class AppState:
    engine: Engine
    data_version: Callable[[], int]  # the store's data version, read the cheapest way the backend allows
    feeds: RenderCache[Any]  # feeds and archive pages, rendered
    entries: RenderCache[Any]  # feed entries, by release
    crawlers: RenderCache[Any]  # robots.txt and the sitemaps
    cache_bytes: int  # what the fast path may hold too (mostly the same documents as the caches)
    fast_path: FastPath | None = None  # set once the app's WSGI stack is built
    ingest_client: IngestClient | None = None  # made on the API's first write
    throttle: AuthThrottle | None = None  # made on the API's first request
    reach: ReachCounter | None = None  # set when FEEDAPP_REACH is on (reach.py)

    def close(self) -> None:
        """Close what the app opened in this process: the engine's connections, the data-version
        reader's, the API's wake socket (for tests and tools that make apps); reach counts are
        written first."""
        if self.reach is not None:
            self.reach.flush()
        self.engine.dispose()
        close = getattr(self.data_version, "close", None)
        if close is not None:
            close()
        if self.ingest_client is not None:
            self.ingest_client.close()

    @classmethod
    def create(cls, engine: Engine, data_version: Callable[[], int], cache_bytes: int) -> AppState:
        """A new app's state, its caches sharing `cache_bytes` (RENDER_CACHE_MB): half for the
        sitemaps (one 50,000-URL page holds megabytes), a quarter each for feeds and entries."""
        return cls(
            engine=engine,
            data_version=data_version,
            feeds=RenderCache(
                max_bytes=cache_bytes // 4, weigh=lambda rendered: rendered.prepared.weight if rendered else 0
            ),
            entries=RenderCache(capacity=ENTRY_CACHE_SIZE, max_bytes=cache_bytes // 4, weigh=_entry_weight),
            crawlers=RenderCache(
                max_bytes=cache_bytes // 2, weigh=lambda prepared: prepared.weight if prepared else 0, lighten=hollow
            ),
            cache_bytes=cache_bytes,
        )


def _entry_weight(entry: FeedEntry) -> int:
    # Python keeps Persian text at two bytes a character.
    return 2 * (len(entry.content_html) + len(entry.summary) + len(entry.title))


def attach(app: Flask, state: AppState) -> None:
    app.extensions[_KEY] = state


def of(app: Flask) -> AppState:
    return app.extensions[_KEY]


def current() -> AppState:
    """The state of the app handling the current request (or pushed context)."""
    return current_app.extensions[_KEY]


def init_app(app: Flask) -> None:
    """Open the engine and attach the app's state; refuse (SchemaError) a database that is not
    at this code's schema.

    Never creates or alters a table: that is `feedapp db upgrade`'s alone.
    """
    engine = open_engine(app.config["DATABASE_URL"])
    attach(app, AppState.create(engine, store.version_reader(engine), app.config["RENDER_CACHE_MB"] * 2**20))


def open_engine(url: str) -> Engine:
    """The engine for a DATABASE_URL whose schema is this code's (else SchemaError)."""
    engine = Engine(url)
    schema.require_current(engine)
    return engine


def get_engine() -> Engine:
    """The current app's engine."""
    return current().engine


def data_version() -> int:
    """The store's data version, read the cheapest way the backend allows, once per request
    (kept in the request's environ: a request reads one version throughout)."""
    if not has_request_context():
        return current().data_version()
    environ = request.environ
    if _VERSION_READ not in environ:
        environ[_VERSION_READ] = current().data_version()
    return environ[_VERSION_READ]


_VERSION_READ = "feedapp.data_version"


def after_fork(app: Flask) -> None:
    """Set aside, unclosed, any connection a forked worker inherited (closing one would close
    the parent's session); the engine notices forks by itself too, this makes it explicit."""
    of(app).engine.forget_inherited()
