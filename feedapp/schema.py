"""Schema versions: which migrations a database has, applying the missing ones, refusing to serve
a database that is not at this code's version.

The migrations are the files of `feedapp/migrations/`, applied in name order by yoyo-migrations
(a small, well-kept migration tool for plain SQL over DB-API; it records each applied migration
in its `_yoyo_migration` table). Only `feedapp db upgrade` imports yoyo: serving processes read
the applied versions with one query (`require_current`) and never create or alter a table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import __version__, store
from .engine import POSTGRESQL, SQLITE, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE = "feedapp db upgrade"
# How long `db upgrade` waits for another upgrade of the same database to finish.
LOCK_TIMEOUT_SECONDS = 600


class SchemaError(RuntimeError):
    """The database is missing, empty, or at another schema version than this code's."""


def known_versions() -> list[str]:
    """Every migration this code has, oldest first (file names without `.py`)."""
    return sorted(path.stem for path in MIGRATIONS.glob("[0-9]*.py"))


def latest_version() -> str:
    return known_versions()[-1]


@dataclass(frozen=True)
class Status:
    """Where a database stands: `current` is None when it records no version."""

    exists: bool
    legacy: bool  # feedapp tables made by code from before versions were recorded
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]  # applied by a newer feedapp

    @property
    def current(self) -> str | None:
        return self.applied[-1] if self.applied else None


def status(engine: Engine) -> Status:
    """The database's schema versions, read without changing anything."""
    if engine.dialect == SQLITE and not os.path.exists(engine.file):
        return Status(exists=False, legacy=False, applied=(), pending=tuple(known_versions()), unknown=())
    tables, applied = store.schema_versions(engine)
    known = known_versions()
    return Status(
        exists=True,
        legacy="releases" in tables and not applied,
        applied=tuple(applied),
        pending=tuple(v for v in known if v not in applied),
        unknown=tuple(v for v in applied if v not in known),
    )


def require_current(engine: Engine) -> None:
    """Raise SchemaError, saying what is wrong and what fixes it, unless the schema is this code's."""
    problem = describe_problem(engine.display, status(engine))
    if problem:
        raise SchemaError(problem)


def describe_problem(where: str, state: Status) -> str | None:
    """What is wrong with a database at `state` for this code, in a sentence, or None."""
    if not state.exists:
        return f"the database {where} does not exist; create it with `{UPGRADE}`"
    if state.unknown:
        return (
            f"the database {where} is at schema version {state.current}, which feedapp {__version__} does not"
            f" know (its newest is {latest_version()}): it was upgraded by a newer feedapp; run that version,"
            " or restore a backup taken before the upgrade"
        )
    if state.legacy:
        return (
            f"the database {where} was made by a feedapp that recorded no schema version; back it up"
            f" (`feedapp backup PATH`), then bring it up to date with `{UPGRADE}`"
        )
    if not state.applied:
        return f"the database {where} holds no feedapp tables; create them with `{UPGRADE}`"
    if state.pending:
        return (
            f"the database {where} is at schema version {state.current}, feedapp {__version__} needs"
            f" {latest_version()}; back it up (`feedapp backup PATH`), then run `{UPGRADE}`"
        )
    return None


def upgrade(engine: Engine) -> list[str]:
    """Apply every missing migration, in order; return the versions applied (none: up to date).

    A SQLite file (and its folder) is created when missing. Two upgrades of one database never
    interleave: on PostgreSQL they queue on the advisory lock that every feedapp host shares,
    and yoyo's own lock row guards both backends.
    """
    from yoyo import get_backend, read_migrations  # only this command needs yoyo

    if engine.dialect == SQLITE:
        os.makedirs(os.path.dirname(os.path.abspath(engine.file)), exist_ok=True)
    # The backend as a context manager closes its connection after (and on SQLite registers its
    # own datetime adapter meanwhile).
    with store.migration_lock(engine), get_backend(_yoyo_url(engine)) as backend:
        with backend.lock(timeout=LOCK_TIMEOUT_SECONDS):
            pending = backend.to_apply(read_migrations(str(MIGRATIONS)))
            backend.apply_migrations(pending)
    engine.dispose()  # connections opened before the upgrade may have cached the old schema
    return [migration.id for migration in pending]


def _yoyo_url(engine: Engine) -> str:
    if engine.dialect == POSTGRESQL:
        return "postgresql+psycopg://" + engine.conninfo.partition("://")[2]
    # yoyo opens `file:PATH?cache=shared` as a URI: characters such as ? and # must be escaped.
    return "sqlite:///" + quote(os.path.abspath(engine.file))
