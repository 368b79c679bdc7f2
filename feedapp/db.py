"""The app's database engine: created once per process from DATABASE_URL, schema ensured."""

from __future__ import annotations

import os

from flask import Flask, current_app
from sqlalchemy.engine import Engine, make_url

from . import store

_EXTENSION = "feedapp.engine"


def init_app(app: Flask) -> None:
    """Create the engine (and the SQLite file's folder) and the tables that are missing."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
    engine = store.create_engine(app.config["DATABASE_URL"])
    store.create_schema(engine)
    app.extensions[_EXTENSION] = engine


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions[_EXTENSION]


def after_fork(app: Flask) -> None:
    """Drop the pooled connections a forked worker inherited (without closing the parent's).

    With gunicorn's preload_app the engine is created in the master; SQLAlchemy's advice for
    forks is dispose(close=False) in the child.
    """
    app.extensions[_EXTENSION].dispose(close=False)
