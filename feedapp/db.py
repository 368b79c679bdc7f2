"""The app's database engine: created once per process from DATABASE_URL, its schema checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, current_app, request

from . import schema, store
from .dbapi import Engine

_EXTENSION = "feedapp.engine"
_VERSION_READER = "feedapp.data_version"
FAST_PATH = "feedapp.fastpath"

if TYPE_CHECKING:
    from .http import Prepared


def init_app(app: Flask) -> None:
    """Create the engine; refuse (SchemaError) a database that is not at this code's schema.

    Never creates or alters a table: that is `feedapp db upgrade`'s alone.
    """
    engine = store.create_engine(app.config["DATABASE_URL"])
    schema.require_current(engine)
    sqlite_file = engine.path  # None on PostgreSQL
    app.extensions[_EXTENSION] = engine
    app.extensions[_VERSION_READER] = (
        store.SqliteVersionReader(sqlite_file) if sqlite_file else lambda: store.data_version(engine)
    )


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions[_EXTENSION]


def version_reader(app: Flask) -> Callable[[], int]:
    """The app's data_version function, callable outside a request (for the fast path)."""
    return app.extensions[_VERSION_READER]


def remember(version: int, prepared: Prepared) -> None:
    """Let the fast path answer this request's path from now on, while the version holds."""
    fast = current_app.extensions.get(FAST_PATH)
    if fast is not None:
        fast.remember(request.environ["PATH_INFO"], version, prepared)


def data_version() -> int:
    """The store's data version, read the cheapest way the backend allows (once per request)."""
    return current_app.extensions[_VERSION_READER]()


def after_fork(app: Flask) -> None:
    """Set aside, unclosed, any connection a forked worker inherited (closing one would close
    the parent's session); the engine notices forks by itself too, this makes it explicit."""
    app.extensions[_EXTENSION].forget_inherited()
