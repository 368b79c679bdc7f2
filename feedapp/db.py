"""The app's database engine: opened once per process from DATABASE_URL, its schema checked."""

from __future__ import annotations

from flask import Flask

from . import schema, state, store
from .dbapi import Engine


def init_app(app: Flask) -> None:
    """Open the engine and attach the app's state; refuse (SchemaError) a database that is not
    at this code's schema.

    Never creates or alters a table: that is `feedapp db upgrade`'s alone.
    """
    engine = open_engine(app.config["DATABASE_URL"])
    sqlite_file = engine.path  # None on PostgreSQL
    version = store.SqliteVersionReader(sqlite_file) if sqlite_file else store.PostgresVersionReader(engine.conninfo)
    cache_bytes = app.config["RENDER_CACHE_MB"] * 2**20
    state.attach(app, state.AppState.create(engine, version, cache_bytes))


def open_engine(url: str) -> Engine:
    """The engine for a DATABASE_URL whose schema is this code's (else SchemaError)."""
    engine = Engine(url)
    schema.require_current(engine)
    return engine


def get_engine() -> Engine:
    """The current app's engine."""
    return state.current().engine


def data_version() -> int:
    """The store's data version, read the cheapest way the backend allows (once per request)."""
    return state.current().data_version()


def after_fork(app: Flask) -> None:
    """Set aside, unclosed, any connection a forked worker inherited (closing one would close
    the parent's session); the engine notices forks by itself too, this makes it explicit."""
    state.of(app).engine.forget_inherited()
