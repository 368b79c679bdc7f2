"""Every SQL statement of the running feedapp: reads, the one write path, schema look-ups.

The tables are made and changed only by the migrations in `feedapp/migrations/`, which keep the
statements of their own time (see schema.py).

Plain SQL that runs as written on SQLite (default) and PostgreSQL, through `engine.py`. On
SQLite the database runs in WAL mode, so feed readers are never blocked by an ingest, and write
transactions start with BEGIN IMMEDIATE, so two ingests never interleave a read-then-write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import mmap
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from .core.models import ALL, Action, Image, PublishedAt, Release, Selection, StoredRelease
from .engine import POSTGRESQL, Connection, Engine, local_write_stamp, sqlite_uri, utc

# The tables themselves are made by the migrations in feedapp/migrations/ (`feedapp db upgrade`).
_VERSION = "data_version"
_VERSION_CHANNEL = "feedapp_data_version"  # PostgreSQL: NOTIFY'd by every change of the version
# Counters kept with every insert and retraction: O(1) page counts at any size.
_TOTAL = "releases_total"  # rows in releases, retracted included
_SHOWN = "releases_shown"  # rows not retracted

# Places to a block of `position_blocks` (migration 0005): a sitemap page whose size is a
# multiple of it is read from its blocks, not from its releases.
BLOCK = 1000

# Columns whose change is a change of the release as readers see it.
_CONTENT_COLUMNS = ("kicker", "title", "lead", "body", "categories", "source", "language", "images")


Readable = Engine | Connection  # read functions take an engine, or the connection of a snapshot


@contextmanager
def _reading(db: Readable) -> Iterator[Connection]:
    """A connection to read on: the snapshot's own, or one from the engine."""
    if isinstance(db, Connection):
        yield db
    else:
        with db.connect() as connection:
            yield connection


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent view for several reads (a document's page count, entries and version).

    Separate statements can straddle another process's commit, and a document built from both
    would mix two versions. SQLite: one deferred transaction in WAL mode reads one snapshot.
    PostgreSQL: REPEATABLE READ (its default snapshot is per statement).
    """
    with engine.begin(repeatable=True) as connection:
        yield connection


# Every feedapp host that upgrades one PostgreSQL database takes this lock first.
_MIGRATION_LOCK = 7142026


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock for migrations (SQLite: nothing to hold)."""
    if engine.dialect != POSTGRESQL:
        yield
        return
    with engine.connect() as connection:
        connection.execute("SELECT pg_advisory_lock(:lock)", {"lock": _MIGRATION_LOCK})
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(:lock)", {"lock": _MIGRATION_LOCK})


_MIGRATIONS_TABLE = "_yoyo_migration"  # where yoyo-migrations records what it applied


def schema_versions(engine: Engine) -> tuple[set[str], list[str]]:
    """The database's table names, and the migrations applied to it, oldest first."""
    with _reading(engine) as connection:
        if engine.dialect == POSTGRESQL:
            tables = set(
                connection.column(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                )
            )
        else:
            tables = set(connection.column("SELECT name FROM sqlite_master WHERE type = 'table'"))
        applied = []
        if _MIGRATIONS_TABLE in tables:
            applied = connection.column(
                f"SELECT migration_id FROM {_MIGRATIONS_TABLE} ORDER BY applied_at_utc, migration_id"
            )
    engine.dispose()  # read in the master of a preloading gunicorn: leave it no connection to fork
    return tables, applied


@dataclass(frozen=True)
class SaveResult:
    """What saving did, and the release as stored afterwards (published may be the original)."""

    action: Action
    stored: StoredRelease


def get_release_if_raw(engine: Readable, key: str, raw: bytes, format: str) -> StoredRelease | None:
    """The stored release with this key if it was stored from exactly these bytes, else None."""
    with _reading(engine) as connection:
        row = connection.first(
            "SELECT * FROM releases WHERE key = :key AND raw_sha256 = :digest AND format = :format"
            " AND retracted_at IS NULL",
            {"key": key, "digest": _digest(raw), "format": format},
        )
    return _stored(row) if row else None


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def save_release(engine: Engine, release: Release, raw: bytes, format: str, now: datetime) -> SaveResult:
    """Insert or update one release atomically; unchanged input changes nothing.

    A changed release keeps its key and first `published`, and gets `updated` = the source's
    `updated` if it gave one, else `now`.
    """
    try:
        return _save(engine, release, raw, format, now)
    except engine.IntegrityError:
        # Another process inserted the same key between our read and our insert (possible on
        # PostgreSQL, whose transactions do not take SQLite's write lock up front): now it is
        # an update or unchanged, decided on the committed row.
        return _save(engine, release, raw, format, now)


def _save(engine: Engine, release: Release, raw: bytes, format: str, now: datetime) -> SaveResult:
    with engine.begin(write=True) as connection:
        saved = _write(connection, release, raw, format, now)
        _job_stored(connection, saved.action)
        return saved


def _write(connection: Connection, release: Release, raw: bytes, format: str, now: datetime) -> SaveResult:
    """save_release's work inside its transaction."""
    digest = _digest(raw)
    row = connection.first("SELECT * FROM releases WHERE key = :key", {"key": release.key})
    _check_owner(row)
    if row is None:
        _record(connection, Action.ADDED, release.key, digest, now)
        return SaveResult(Action.ADDED, _insert_new(connection, release, raw, format, now))
    retracted = row["retracted_at"] is not None  # sending it again publishes it again
    if row["raw_sha256"] == digest and row["format"] == format and not retracted:
        return SaveResult(Action.UNCHANGED, _stored(row))
    content = _content_values(release)
    source_updated = release.updated if release.updated != utc(row["updated"]) else None
    same = all(content[name] == row[name] for name in _CONTENT_COLUMNS)
    if same and source_updated is None and not retracted:
        # Same release in other bytes (re-encoded, whitespace): keep the newest bytes quietly.
        _update(connection, row["id"], {"raw": raw, "raw_sha256": digest, "format": format})
        _record(connection, Action.UNCHANGED, release.key, digest, now)
        return SaveResult(Action.UNCHANGED, _stored({**row, "format": format}))
    values = {
        **content,
        "raw": raw,
        "raw_sha256": digest,
        "format": format,
        "updated": utc(row["updated"]) if same and retracted else source_updated or now,
        "changed_at": now,
        **_edited(_bump_version(connection)),
        "retracted_at": None,
    }
    values["source_position"] = _source_place(connection, row["source"], release.source, row["source_position"])
    _update(connection, row["id"], values)
    if retracted:
        _count(connection, _SHOWN, +1)
    _set_categories(connection, row["id"], release.categories, values["edited_version"])
    _refresh_blocks(connection, [row["position"]])
    _record(connection, Action.UPDATED, release.key, digest, now)
    return SaveResult(Action.UPDATED, _stored({**row, **values}))


def _insert_new(connection: Connection, release: Release, raw: bytes, format: str, now: datetime) -> StoredRelease:
    """Insert a release whose key is not stored yet, with its categories, counters, version
    and block (insert_batch does the same for many at once)."""
    version = _bump_version(connection)
    source_place = _source_place(connection, None, release.source, None)
    values = _new_row(release, raw, format, now, version, _next_place(connection, ALL), source_place)
    release_id = connection.scalar(_insert("releases", values) + " RETURNING id", values)
    _count(connection, _TOTAL, +1)
    _count(connection, _SHOWN, +1)
    _set_categories(connection, release_id, release.categories, values["edited_version"])
    _refresh_blocks(connection, [values["position"]])
    return _stored({**values, "id": release_id})


def insert_batch(engine: Engine, items: Iterable[tuple[Release, bytes, str]], now: datetime) -> int:
    """Insert new releases (release, raw bytes, format) in one transaction, each stored exactly
    as `save_release` stores a new key (its own data version, places, categories, counters);
    how many. For bulk loads of releases known to be new (`python -m bench populate`): a key
    already stored, or twice in the batch, fails the whole batch (IntegrityError).

    Written in bulk: the version and counters moved once, each place looked up once per
    source and category, the rows sent with executemany.
    """
    items = list(items)
    if not items:
        return 0
    with engine.begin(write=True) as connection:
        newest = _bump_version(connection, len(items))
        first = (_last_place(connection, ALL) or 0) + 1
        places = _Places(connection)
        rows = [
            _new_row(
                release,
                raw,
                format,
                now,
                newest - len(items) + 1 + number,
                first + number,
                None if release.source is None else places.take(Selection(source=release.source)),
            )
            for number, (release, raw, format) in enumerate(items)
        ]
        connection.executemany(_insert("releases", rows[0]), rows)
        ids = dict(
            connection.execute(
                "SELECT position, id FROM releases WHERE position BETWEEN :first AND :last",
                {"first": first, "last": first + len(items) - 1},
            ).fetchall()
        )
        members = [
            {
                "release_id": ids[row["position"]],
                "category": category,
                "position": places.take(Selection(category=category)),
                "edited_version": row["edited_version"],
            }
            for row, (release, _, _) in zip(rows, items)
            for category in dict.fromkeys(release.categories)
        ]
        if members:
            connection.executemany(_insert("release_categories", members[0]), members)
        _count(connection, _TOTAL, len(items))
        _count(connection, _SHOWN, len(items))
        _refresh_blocks(connection, range(first, first + len(items)))
    return len(items)


def _new_row(
    release: Release, raw: bytes, format: str, now: datetime, version: int, place: int, source_place: int | None
) -> dict[str, Any]:
    """The releases row of a release added now, at this data version and these places."""
    return {
        **_content_values(release),
        **_published_values(release.published),
        "key": release.key,
        "format": format,
        "raw": raw,
        "raw_sha256": _digest(raw),
        "updated": release.updated,
        "ingested_at": now,
        "changed_at": now,
        **_edited(version),
        "position": place,
        "source_position": source_place,
    }


class _Places:
    """The next place in each selection's pages, for a batch: each read once, then counted on."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._last: dict[Selection, int] = {}

    def take(self, selection: Selection) -> int:
        if selection not in self._last:
            self._last[selection] = _last_place(self._connection, selection) or 0
        self._last[selection] += 1
        return self._last[selection]


def rederive(engine: Engine, release_id: int, digest: str, release: Release, now: datetime) -> bool:
    """Store text re-derived from a release's raw bytes (`feedapp reprocess`); True if it changed.

    Not an editorial change: `updated`, `published` and the release's place in the subscription
    feed stay; changed_version and changed_at move, so caches, ETags and Last-Modified follow.
    Nothing is written when the release was changed or retracted since its bytes were read.
    """
    with engine.begin(write=True) as connection:
        row = connection.first(
            "SELECT * FROM releases WHERE id = :id AND raw_sha256 = :digest AND retracted_at IS NULL",
            {"id": release_id, "digest": digest},
        )
        content = _content_values(release)
        if row is None or all(content[name] == row[name] for name in _CONTENT_COLUMNS):
            return False
        values = {**content, "changed_at": now, "changed_version": _bump_version(connection)}
        values["source_position"] = _source_place(connection, row["source"], release.source, row["source_position"])
        _update(connection, release_id, values)
        _set_categories(connection, release_id, release.categories, row["edited_version"])
        _refresh_blocks(connection, [row["position"]])
        return True


class RawRow(NamedTuple):
    """A stored release's bytes as received, and what identifies them."""

    id: int
    key: str
    format: str
    raw: bytes
    digest: str


def raw_rows(engine: Readable, after_id: int, limit: int, keys: list[str] | None = None) -> list[RawRow]:
    """Shown releases with id > after_id in insertion order (only `keys`, when given), at most `limit`."""
    params: dict[str, Any] = {"after": after_id, "limit": limit}
    statement = "SELECT id, key, format, raw, raw_sha256 FROM releases WHERE id > :after AND retracted_at IS NULL"
    if keys is not None:
        params.update({f"key{number}": key for number, key in enumerate(keys)})
        statement += f" AND key IN ({', '.join(':key' + str(number) for number in range(len(keys)))})"
    with _reading(engine) as connection:
        rows = connection.execute(statement + " ORDER BY id LIMIT :limit", params).fetchall()
    return [RawRow(id, key, format, bytes(raw), digest) for id, key, format, raw, digest in rows]


def get_mark(engine: Readable, name: str) -> int | None:
    """A value kept in the state table (a counter, a resumable command's progress), or None."""
    with _reading(engine) as connection:
        return connection.scalar("SELECT value FROM state WHERE name = :name", {"name": name})


def set_mark(engine: Engine, name: str, value: int | None) -> None:
    """Set (None: remove) a bookmark in the state table."""
    with engine.begin(write=True) as connection:
        connection.execute("DELETE FROM state WHERE name = :name", {"name": name})
        if value is not None:
            connection.execute("INSERT INTO state (name, value) VALUES (:name, :value)", {"name": name, "value": value})


def retract(engine: Engine, key: str, now: datetime) -> StoredRelease | None:
    """Retract a release (idempotent); None when no release has that key."""
    with engine.begin(write=True) as connection:
        row = connection.first("SELECT * FROM releases WHERE key = :key", {"key": key})
        _check_owner(row)
        if row is None or row["retracted_at"] is not None:
            return _stored(row) if row else None
        values = {"retracted_at": now, "changed_at": now, "changed_version": _bump_version(connection)}
        _update(connection, row["id"], values)
        _count(connection, _SHOWN, -1)
        _refresh_blocks(connection, [row["position"]])
        _record(connection, Action.RETRACTED, key, row["raw_sha256"], now)
        return _stored({**row, **values})


def _edited(version: int) -> dict[str, int]:
    """An editorial change (add, update, republication): it moves the release to the top of the
    subscription feed. A re-derivation (`reprocess`) moves only changed_version."""
    return {"changed_version": version, "edited_version": version}


def _insert(table: str, values: dict[str, Any]) -> str:
    """INSERT of these columns, each bound by its own name."""
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + name for name in values)})"


def _update(connection: Connection, release_id: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    connection.execute(f"UPDATE releases SET {assignments} WHERE id = :id_", {**values, "id_": release_id})


def _content_values(release: Release) -> dict[str, Any]:
    return {
        "kicker": release.kicker,
        "title": release.title,
        "lead": release.lead,
        "body": _json(list(release.body)),
        "categories": _json(list(release.categories)),
        "source": release.source,
        "language": release.language,
        "images": _json([image.as_dict() for image in release.images]),
    }


def _published_values(published: PublishedAt) -> dict[str, Any]:
    return {
        "published": published.instant,
        "published_jalali": published.jalali,
        "published_has_time": published.has_time,
    }


def _json(value: Any) -> str:
    # Stable text, so equal content compares equal as stored.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _set_categories(connection: Connection, release_id: int, categories: Any, edited_version: int) -> None:
    """The release's categories become `categories`: one it keeps keeps its place in that
    category's pages, one it gains puts it last, one it loses leaves a gap (no page moves).
    Each row carries the release's `edited_version`, the order of the category's feed."""
    wanted = list(dict.fromkeys(categories))
    held = connection.column("SELECT category FROM release_categories WHERE release_id = :id", {"id": release_id})
    for category in set(held) - set(wanted):
        connection.execute(
            "DELETE FROM release_categories WHERE release_id = :id AND category = :category",
            {"id": release_id, "category": category},
        )
    for category in wanted:
        if category not in held:
            values = {
                "release_id": release_id,
                "category": category,
                "position": _next_place(connection, Selection(category=category)),
                "edited_version": edited_version,
            }
            connection.execute(_insert("release_categories", values), values)
    if held:
        connection.execute(
            "UPDATE release_categories SET edited_version = :version"
            " WHERE release_id = :id AND edited_version <> :version",
            {"id": release_id, "version": edited_version},
        )


def _source_place(connection: Connection, held: str | None, wanted: str | None, place: int | None) -> int | None:
    """A release's place among its source office's releases: kept while the source stays, last
    among the new source's when it changes."""
    if wanted is None:
        return None
    return place if wanted == held and place is not None else _next_place(connection, Selection(source=wanted))


def _next_place(connection: Connection, selection: Selection) -> int:
    """The place a release added now takes in the selection's pages.

    Called after _bump_version, whose row lock orders writers: no two take the same place.
    """
    return (_last_place(connection, selection) or 0) + 1


def _refresh_blocks(connection: Connection, positions: Iterable[int]) -> None:
    """Recompute the `position_blocks` rows of these places from their releases (a retraction
    can lower a block's newest shown date, so each is computed again, never just raised)."""
    for block in sorted({(position - 1) // BLOCK for position in positions}):
        connection.execute(
            "INSERT INTO position_blocks (block, version, published, updated)"
            " SELECT :block, MAX(changed_version), MAX(CASE WHEN retracted_at IS NULL THEN published END),"
            " MAX(CASE WHEN retracted_at IS NULL THEN updated END)"
            " FROM releases WHERE position BETWEEN :first AND :last"
            " ON CONFLICT (block) DO UPDATE SET version = excluded.version,"
            " published = excluded.published, updated = excluded.updated",
            {"block": block, "first": block * BLOCK + 1, "last": (block + 1) * BLOCK},
        )


def _count(connection: Connection, counter: str, change: int) -> None:
    connection.execute(
        "UPDATE state SET value = value + :change WHERE name = :name", {"name": counter, "change": change}
    )


def _bump_version(connection: Connection, by: int = 1) -> int:
    """Raise the data version inside the caller's transaction (by one per change); return the
    new value.

    The row stays locked until commit, so versions are handed out and committed in one order.
    """
    connection.execute("UPDATE state SET value = value + :by WHERE name = :name", {"name": _VERSION, "by": by})
    _announce_version(connection)
    return connection.scalar("SELECT value FROM state WHERE name = :name", {"name": _VERSION})


def _announce_version(connection: Connection) -> None:
    """PostgreSQL: tell the version readers (PostgresVersionReader) at commit, not before."""
    if connection.dialect == POSTGRESQL:
        connection.execute(f"NOTIFY {_VERSION_CHANNEL}")


def _stored(row: dict[str, Any]) -> StoredRelease:
    release = Release(
        key=row["key"],
        published=PublishedAt(
            instant=utc(row["published"]), jalali=row["published_jalali"], has_time=bool(row["published_has_time"])
        ),
        updated=utc(row["updated"]),
        kicker=row["kicker"],
        title=row["title"],
        lead=row["lead"],
        body=tuple(json.loads(row["body"])),
        categories=tuple(json.loads(row["categories"])),
        source=row["source"],
        language=row["language"],
        images=tuple(Image(**image) for image in json.loads(row["images"])),
    )
    return StoredRelease(
        release=release,
        format=row["format"],
        ingested_at=utc(row["ingested_at"]),
        changed_at=utc(row["changed_at"]),
        version=row["changed_version"],
        id=row["id"],
        retracted_at=utc(row.get("retracted_at")),
    )


def get_release(engine: Readable, key: str) -> StoredRelease | None:
    """The stored release with this key, or None."""
    with _reading(engine) as connection:
        row = connection.first("SELECT * FROM releases WHERE key = :key", {"key": key})
    return _stored(row) if row else None


def desk_releases(engine: Readable, office: str | None, search: str | None, limit: int) -> list[StoredRelease]:
    """An office's releases (every release for office None), retracted ones too, newest first
    (by when they were first stored: the (source, id) index), whose headline holds `search`."""
    statement = "SELECT * FROM releases WHERE 1 = 1"
    params: dict[str, Any] = {"limit": limit}
    if office is not None:
        statement += " AND source = :office"
        params["office"] = office
    if search:
        statement += " AND title LIKE :pattern ESCAPE '!'"
        params["pattern"] = "%" + search.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    return _fetch(engine, statement + " ORDER BY id DESC LIMIT :limit", params)


def get_raw(engine: Readable, key: str) -> bytes | None:
    """The bytes of this release exactly as received, or None."""
    with _reading(engine) as connection:
        raw = connection.scalar("SELECT raw FROM releases WHERE key = :key", {"key": key})
    return None if raw is None else bytes(raw)


def _select(selection: Selection, columns: str = "releases.*", *, retracted: bool = False) -> tuple[str, dict]:
    """SELECT of the selection's releases (retracted ones only when asked: page membership
    counts them), ready for more conditions (`AND …`) and its parameters."""
    statement = f"SELECT {columns} FROM releases"
    params: dict[str, Any] = {}
    if selection.category is not None:
        statement += " JOIN release_categories ON release_categories.release_id = releases.id"
    statement += " WHERE 1 = 1"
    if not retracted:
        statement += " AND releases.retracted_at IS NULL"
    if selection.category is not None:
        statement += " AND release_categories.category = :category"
        params["category"] = selection.category
    if selection.source is not None:
        statement += " AND releases.source = :source"
        params["source"] = selection.source
    return statement, params


def _place(selection: Selection) -> str:
    """The column holding a release's place in the selection's pages (insertion order)."""
    if selection.category is not None:
        return "release_categories.position"
    if selection.source is not None:
        return "releases.source_position"
    return "releases.position"


def _edit_order(selection: Selection) -> str:
    """The column of the selection's most-recently-edited order, in the table of its index: a
    category's copy in release_categories (migration 0005), so its feed reads the first
    entries of one index instead of sorting every member."""
    return "release_categories.edited_version" if selection.category is not None else "releases.edited_version"


def _last_place(db: Readable, selection: Selection) -> int | None:
    """The highest place taken in the selection's pages (None: no release ever had one).

    One index entry, read from the end (retracted releases included; a category a release
    lost no longer counts it, but its place is never given again while a later one is held).
    """
    place = _place(selection)
    members, params = _select(selection, place, retracted=True)
    with _reading(db) as connection:
        return connection.scalar(f"{members} AND {place} IS NOT NULL ORDER BY {place} DESC LIMIT 1", params)


def _page_range(page: int, size: int) -> dict[str, int]:
    """The places of page `page` (1 = oldest), `size` to a page: `:first` to `:last`."""
    return {"first": (page - 1) * size + 1, "last": page * size}


def _fetch(engine: Readable, statement: str, params: dict[str, Any]) -> list[StoredRelease]:
    with _reading(engine) as connection:
        return [_stored(row) for row in connection.rows(statement, params)]


class ListPage(NamedTuple):
    """A list page's releases, newest first, and the keys of its links' pages: `older`, the
    last release shown, whose older page follows (None: nothing older); `newer`, the release
    the newer page shows releases older than (None: the newer page is the home page)."""

    releases: list[StoredRelease]
    older: str | None
    newer: str | None


# The list's order: newest publication first, ties by insertion, newest first (releases_published).
_LIST_ORDER = "releases.published DESC, releases.id DESC"


def list_page(engine: Readable, older_than: str | None, size: int) -> ListPage | None:
    """The `size` shown releases that come just after release `older_than` in the list's order
    (None: the newest), or None when no release has that key (a retracted one still marks
    its place).

    Keyset paging: a range of the (published, id) index from the marking release, the same
    cost at any depth, where counting to page N (OFFSET) visited every release before it.
    """
    with _reading(engine) as connection:
        mark = None
        if older_than is not None:
            mark = connection.first("SELECT published, id FROM releases WHERE key = :key", {"key": older_than})
            if mark is None:
                return None
        statement, params = _select(ALL)
        if mark is not None:
            statement += " AND (releases.published, releases.id) < (:published, :id)"
            params = {**params, **mark}
        rows = connection.rows(f"{statement} ORDER BY {_LIST_ORDER} LIMIT :limit", {**params, "limit": size + 1})
        newer = None if mark is None else _newer_mark(connection, mark, size)
    shown = [_stored(row) for row in rows[:size]]
    return ListPage(shown, shown[-1].release.key if len(rows) > size else None, newer)


def _newer_mark(connection: Connection, mark: dict[str, Any], size: int) -> str | None:
    """The release marking the page before the one that starts after `mark`: `size` releases
    newer than it (None when there are fewer: that page is the home page)."""
    statement, params = _select(ALL, "releases.key")
    keys = connection.column(
        f"{statement} AND (releases.published, releases.id) > (:published, :id)"
        " ORDER BY releases.published, releases.id LIMIT :size",
        {**params, **mark, "size": size},
    )
    return keys[-1] if len(keys) == size else None


def list_marks(engine: Readable, size: int) -> list[str]:
    """The key marking each list page after the home page, in order (`feedapp export`): one
    walk of the list's index."""
    statement, params = _select(ALL, "releases.key")
    with _reading(engine) as connection:
        keys = connection.column(f"{statement} ORDER BY {_LIST_ORDER}", params)
    return keys[size - 1 : -1 : size]


def list_mark_at(engine: Readable, depth: int) -> str | None:
    """The key of the shown release at `depth` (0 = newest) in the list's order: the marks of
    the numbered list pages of feedapp 0.4 (`/page/N`). Counts its way there (OFFSET), so callers
    bound `depth`."""
    statement, params = _select(ALL, "releases.key")
    with _reading(engine) as connection:
        statement += f" ORDER BY {_LIST_ORDER} LIMIT 1 OFFSET :depth"
        return connection.scalar(statement, {**params, "depth": depth})


class Stamp(NamedTuple):
    """What a feed needs to know of a release before its content: which one, and which version."""

    id: int
    key: str
    version: int
    published: datetime
    changed_at: datetime


_STAMP_COLUMNS = "releases.id, releases.key, releases.changed_version, releases.published, releases.changed_at"


def _stamps(engine: Readable, statement: str, params: dict[str, Any]) -> list[Stamp]:
    with _reading(engine) as connection:
        return [
            Stamp(id, key, version, utc(published), utc(changed_at))
            for id, key, version, published, changed_at in connection.execute(statement, params).fetchall()
        ]


def recently_changed(engine: Readable, limit: int, selection: Selection = ALL) -> list[Stamp]:
    """The `limit` releases added or edited most recently: a subscription feed's entries."""
    statement, params = _select(selection, _STAMP_COLUMNS)
    order = _edit_order(selection)
    return _stamps(engine, f"{statement} ORDER BY {order} DESC LIMIT :limit", {**params, "limit": limit})


class Change(NamedTuple):
    """A change behind a document that none of its shown entries carries: which version, when."""

    version: int
    at: datetime


class Removal(NamedTuple):
    """A retracted release that a document held: its key, its change version and times."""

    key: str
    version: int
    changed_at: datetime
    retracted_at: datetime


_REMOVAL_COLUMNS = "releases.key, releases.changed_version, releases.changed_at, releases.retracted_at"


def _removals(rows: list[Any]) -> list[Removal]:
    return [
        Removal(key, version, utc(changed_at), utc(retracted_at)) for key, version, changed_at, retracted_at in rows
    ]


def removed_from_window(engine: Readable, limit: int, selection: Selection = ALL) -> list[Removal]:
    """The retractions that took releases out of the selection's `limit` most recent, newest
    first, at most `limit` of them.

    A retracted release was in that window iff it was edited no earlier than the window's oldest
    entry (or the window is not full). Only retracted rows are read (a partial index).
    """
    order = _edit_order(selection)
    window, params = _select(selection, f"{order} AS edited")
    oldest = (
        f"SELECT CASE WHEN COUNT(*) < :limit THEN 0 ELSE MIN(edited) END FROM"
        f" ({window} ORDER BY {order} DESC LIMIT :limit) AS newest"
    )
    removed, _ = _select(selection, _REMOVAL_COLUMNS, retracted=True)
    statement = (
        f"{removed} AND releases.retracted_at IS NOT NULL AND {order} >= ({oldest})"
        " ORDER BY releases.changed_version DESC LIMIT :limit"
    )
    with _reading(engine) as connection:
        return _removals(connection.execute(statement, {**params, "limit": limit}).fetchall())


class ArchivePage(NamedTuple):
    """What an archive page shows, the retracted releases it held, and the first release of the
    next page (whose arrival gives the page its next-archive link), if any."""

    stamps: list[Stamp]
    removals: list[Removal]
    next_first: Change | None


def archive_page(engine: Readable, page: int, size: int, selection: Selection = ALL) -> ArchivePage:
    """Page `page` (1 = oldest) of the selection's releases in insertion order, `size` to a page.

    Membership is by place (see migration 0004), so adding releases never moves one to another
    page (RFC 5005 archives stay stable); retracted releases keep their place. A range of an
    index, never a count of the pages before.
    """
    members, params = _select(selection, f"{_STAMP_COLUMNS}, releases.retracted_at", retracted=True)
    place = _place(selection)
    params = {**params, **_page_range(page, size)}
    with _reading(engine) as connection:
        rows = connection.execute(f"{members} AND {place} BETWEEN :first AND :last ORDER BY {place}", params)
        rows = rows.fetchall()
        following = connection.first(f"{members} AND {place} > :last ORDER BY {place} LIMIT 1", params)
    stamps, removals = [], []
    for id, key, version, published, changed_at, retracted_at in rows:
        if retracted_at is None:
            stamps.append(Stamp(id, key, version, utc(published), utc(changed_at)))
        else:
            removals.append(Removal(key, version, utc(changed_at), utc(retracted_at)))
    removals.sort(key=lambda removal: removal.version, reverse=True)
    next_first = Change(following["changed_version"], utc(following["changed_at"])) if following else None
    return ArchivePage(stamps, removals, next_first)


def releases_by_id(engine: Readable, ids: list[int]) -> dict[int, StoredRelease]:
    """The stored releases with these ids (callers fetch only what their caches lack)."""
    if not ids:
        return {}
    params = {f"id{number}": id for number, id in enumerate(ids)}
    statement = f"SELECT * FROM releases WHERE id IN ({', '.join(':' + name for name in params)})"
    return {stored.id: stored for stored in _fetch(engine, statement, params)}


class SitemapPage(NamedTuple):
    """A sitemap page's shown releases as (key, last real change), and the newest change of
    any of its releases (an addition, an edit, a retraction): its time and data version."""

    urls: list[tuple[str, datetime]]
    changed_at: datetime | None
    version: int


def sitemap_page(engine: Readable, page: int, size: int) -> SitemapPage:
    """Page `page` (1 = oldest) of releases in insertion order, `size` to a page."""
    statement = (
        "SELECT key, published, updated, retracted_at, changed_at, changed_version FROM releases"
        " WHERE position BETWEEN :first AND :last ORDER BY position"
    )
    with _reading(engine) as connection:
        rows = connection.execute(statement, _page_range(page, size)).fetchall()
    shown = [
        (key, max(filter(None, (utc(published), utc(updated)))))
        for key, published, updated, retracted_at, *_ in rows
        if retracted_at is None
    ]
    changed = max((utc(row[4]) for row in rows), default=None)
    return SitemapPage(shown, changed, max((row[5] for row in rows), default=0))


def sitemap_page_version(engine: Readable, page: int, size: int) -> int:
    """The newest data version among a sitemap page's releases: the page's bytes can change
    only when it does. Read from the page's blocks when its size is a multiple of BLOCK (a
    few rows), else from an index range of its releases."""
    if size % BLOCK == 0:
        statement = "SELECT MAX(version) FROM position_blocks WHERE block BETWEEN :first AND :last"
        params = {"first": (page - 1) * size // BLOCK, "last": page * size // BLOCK - 1}
    else:
        statement = "SELECT MAX(changed_version) FROM releases WHERE position BETWEEN :first AND :last"
        params = _page_range(page, size)
    with _reading(engine) as connection:
        return connection.scalar(statement, params) or 0


def last_change(engine: Readable) -> datetime | None:
    """When any release was last added, changed or retracted (None when there are none)."""
    with _reading(engine) as connection:
        return utc(connection.scalar("SELECT MAX(changed_at) FROM releases"))


def last_published(engine: Readable, at_or_before: datetime) -> datetime | None:
    """The newest publication time at or before a moment, retracted releases included."""
    with _reading(engine) as connection:
        return utc(
            connection.scalar(
                "SELECT MAX(published) FROM releases WHERE published <= :moment", {"moment": at_or_before}
            )
        )


def sitemap_page_lastmods(engine: Readable, size: int) -> list[datetime | None]:
    """The newest change in each sitemap page of `size` releases, oldest page first (None for a
    page whose releases were all retracted).

    From the blocks when `size` is a multiple of BLOCK: one row per 1,000 releases (3,000 rows
    at 3 million), else from every release.
    """
    if size % BLOCK == 0:
        statement = (
            "SELECT block / CAST(:blocks AS INTEGER) AS page, MAX(published), MAX(updated)"
            " FROM position_blocks GROUP BY page ORDER BY page"
        )
        params = {"blocks": size // BLOCK}
    else:
        statement = (
            "SELECT (position - 1) / CAST(:size AS INTEGER) AS page,"
            " MAX(CASE WHEN retracted_at IS NULL THEN published END),"
            " MAX(CASE WHEN retracted_at IS NULL THEN updated END)"
            " FROM releases GROUP BY page ORDER BY page"
        )
        params = {"size": size}
    with _reading(engine) as connection:
        rows = connection.execute(statement, params).fetchall()
    return [max(filter(None, (utc(published), utc(updated))), default=None) for _, published, updated in rows]


def published_since(engine: Readable, since: datetime, limit: int) -> list[StoredRelease]:
    """Releases published at or after `since`, newest first, at most `limit`."""
    statement, params = _select(ALL)
    statement += " AND releases.published >= :since ORDER BY releases.published DESC, releases.id DESC LIMIT :limit"
    return _fetch(engine, statement, {**params, "since": since, "limit": limit})


def selections(engine: Readable) -> list[Selection]:
    """Every category and every source office with shown releases, each as a Selection."""
    with _reading(engine) as connection:
        categories = connection.column(
            "SELECT DISTINCT release_categories.category FROM release_categories"
            " JOIN releases ON releases.id = release_categories.release_id"
            " WHERE releases.retracted_at IS NULL ORDER BY release_categories.category"
        )
        sources = connection.column(
            "SELECT DISTINCT source FROM releases WHERE retracted_at IS NULL AND source IS NOT NULL ORDER BY source"
        )
    return [Selection(category=c) for c in categories] + [Selection(source=s) for s in sources]


def all_keys(engine: Readable) -> list[str]:
    """Every shown (not retracted) release key, in insertion order."""
    with _reading(engine) as connection:
        return connection.column("SELECT key FROM releases WHERE retracted_at IS NULL ORDER BY id")


def count_releases(engine: Readable, selection: Selection = ALL, *, retracted: bool = False) -> int:
    """How many releases the selection shows (and has retracted, with `retracted`).

    The whole store's counts are counters kept with every insert and retraction: the main feed's
    page count never scans the table. Other counts use the selection's index.
    """
    if selection == ALL:
        statement, params = "SELECT value FROM state WHERE name = :name", {"name": _TOTAL if retracted else _SHOWN}
    else:
        statement, params = _select(selection, "COUNT(*)", retracted=retracted)
    with _reading(engine) as connection:
        return connection.scalar(statement, params)


def archive_page_count(engine: Readable, selection: Selection, size: int) -> int:
    """How many RFC 5005 archive pages of `size` the selection has (the last may be partial):
    up to the last place taken, retracted releases included, so no release ever moves to
    another page. The feeds and `feedapp export` both count with this, so the export has every
    page served."""
    return math.ceil((_last_place(engine, selection) or 0) / size)


def has_releases(engine: Readable, selection: Selection) -> bool:
    """Whether the selection shows any release (an unknown category or source shows none)."""
    statement, params = _select(selection, "1")
    with _reading(engine) as connection:
        return connection.first(statement + " LIMIT 1", params) is not None


# A version read is trusted without reading again for at most this long, whatever the change
# signals say: a bound on staleness should a signal ever be missed (a journal mode changed
# under a running site, a notice lost with a connection that failed without a word).
MAX_VERSION_AGE = 1.0  # seconds


class _Seen(NamedTuple):
    signal: Any  # what the reader's change signal said just before the read
    version: int
    at: float  # time.monotonic() of the read


@dataclass
class _Watch:
    """A thread's connection for version reads, what it watches for changes, its last read."""

    raw: Any  # the sqlite3 or psycopg connection
    header: mmap.mmap | None = None  # SQLite: the mapped WAL-index header, if any
    notices: list[Any] = dataclasses.field(default_factory=list)  # PostgreSQL: what the server said unasked
    seen: _Seen | None = None

    def trusts(self, signal: Any) -> bool:
        """Whether the last read still holds: the signal unchanged since, and not too old."""
        seen = self.seen
        return (
            seen is not None
            and signal is not None
            and signal == seen.signal
            and time.monotonic() - seen.at < MAX_VERSION_AGE
        )

    def saw(self, signal: Any, version: int) -> int:
        self.seen = _Seen(signal, version, time.monotonic())
        return version

    def close(self) -> None:
        if self.header is not None:
            self.header.close()
        self.raw.close()


class _ThreadConnections:
    """A version reader's connections: one per thread and process, opened on first use, all
    closed by close() (never left to the garbage collector, a ResourceWarning each)."""

    def __init__(self, connect: Callable[[], _Watch]) -> None:
        self._connect = connect
        self._local = threading.local()
        self._opened: list[tuple[_Watch, int]] = []
        self._lock = threading.Lock()

    def get(self) -> _Watch:
        watch = getattr(self._local, "watch", None)
        if watch is None or self._local.pid != os.getpid():  # never reuse one across a fork
            watch = self._connect()
            self._local.watch, self._local.pid = watch, os.getpid()
            with self._lock:
                self._opened.append((watch, os.getpid()))
        return watch

    def discard(self) -> None:
        """Drop this thread's connection (the server closed it); the next get() opens another."""
        watch = getattr(self._local, "watch", None)
        self._local.watch = None
        if watch is not None:
            with self._lock:
                self._opened = [(held, pid) for held, pid in self._opened if held is not watch]
            watch.close()

    def close(self) -> None:
        """Close every connection this process opened (a forked child leaves its parent's)."""
        with self._lock:
            opened, self._opened = self._opened, []
        self._local = threading.local()
        for watch, pid in opened:
            if pid == os.getpid():
                watch.close()


class SqliteVersionReader:
    """data_version() for a SQLite file in WAL mode, most often for the price of a memory compare.

    Every commit rewrites the WAL-index header at the start of the `-shm` file that every
    connection maps (its change counter, last frame, salts and checksums:
    https://sqlite.org/walformat.html, "The WAL-Index Header"). The header is read before the
    version, so while it holds the same bytes no commit has ended since that read and the version
    still holds; any change, a checkpoint's included, costs one SELECT (about 10 µs, which every
    request paid before). The reader's own open connection keeps the `-shm` file in place
    (SQLite removes it only when its last connection closes). Without WAL, or without the file,
    every call reads; no read is trusted for longer than MAX_VERSION_AGE.
    """

    _QUERY = f"SELECT value FROM state WHERE name = '{_VERSION}'"
    _HEADER = 96  # the header's two copies (48 bytes each), written one after the other

    def __init__(self, path: str) -> None:
        self.path = path
        self.connections = _ThreadConnections(self._connect)
        self.reads = 0  # versions read from the table (tests and benchmarks read it)

    def _connect(self) -> _Watch:
        raw = sqlite3.connect(sqlite_uri(self.path), uri=True, isolation_level=None, check_same_thread=False)
        raw.execute(self._QUERY).fetchone()  # opens the WAL index (the -shm file) if there is one
        if raw.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return _Watch(raw)
        try:
            with open(self.path + "-shm", "rb") as file:
                header = mmap.mmap(file.fileno(), self._HEADER, prot=mmap.PROT_READ)
        except (OSError, ValueError):  # no such file, or not yet that long
            return _Watch(raw)
        return _Watch(raw, header)

    def __call__(self) -> int:
        watch = self.connections.get()
        signal = watch.header[: self._HEADER] if watch.header is not None else None
        if watch.trusts(signal):
            return watch.seen.version  # type: ignore[union-attr]  # trusts() checked it
        self.reads += 1
        row = watch.raw.execute(self._QUERY).fetchone()
        return watch.saw(signal, row[0] if row else 0)

    def close(self) -> None:
        self.connections.close()


_CONNECTION_OK = 0  # libpq's CONNECTION_OK (psycopg.pq.ConnStatus.OK), without importing psycopg


class PostgresVersionReader:
    """data_version() for PostgreSQL: a read when the server says the version moved.

    Each thread's connection LISTENs on the channel every change NOTIFYs in its own transaction
    (`_bump_version`), so a request first takes what has arrived on the socket (about 1 µs, no
    round trip) and reads the version only after a notification (or any message the server sent
    unasked), after a write committed by this process (its notification may still be on its way),
    or when the last read is MAX_VERSION_AGE old. The server signals the listening sessions as
    the change commits, and the notification is on the workers' sockets 17 µs later at the
    median (over 2,000 changes on the loaded 2-core machine: 1.8 ms at the 99th percentile,
    11 ms at most): a worker may answer from the old version that long after a commit. The
    read itself is one round trip (about 80 µs, which every request paid before), a statement
    prepared once per connection run through libpq directly. A connection the server dropped
    fails the next read, which is tried once more on a new connection.
    """

    _QUERY = SqliteVersionReader._QUERY
    _STATEMENT = b"feedapp_data_version"

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.connections = _ThreadConnections(self._connect)
        self.reads = 0  # versions read from the table (tests and benchmarks read it)

    def _connect(self) -> _Watch:
        import psycopg

        connection = psycopg.connect(self.conninfo, autocommit=True)
        self._check(connection.pgconn.prepare(self._STATEMENT, self._QUERY.encode()), expected="COMMAND_OK")
        connection.execute(f"LISTEN {_VERSION_CHANNEL}")  # before the first read: no change missed
        watch = _Watch(connection)
        # The server speaks out of turn mostly to say it is closing the session (a restart, an
        # administrator): read at once, so the next call fails and is tried on a new connection.
        connection.add_notice_handler(watch.notices.append)
        return watch

    def __call__(self) -> int:
        import psycopg

        try:
            return self._read()
        except psycopg.OperationalError:
            self.connections.discard()
            return self._read()

    def _read(self) -> int:
        watch = self.connections.get()
        pgconn = watch.raw.pgconn
        pgconn.consume_input()  # what the socket holds, without waiting; fails if the server left
        self._check_connected(pgconn)
        heard = False
        while pgconn.notifies() is not None:  # parsing the input passes notices to the handler
            heard = True
        if watch.notices:
            heard = True
            watch.notices.clear()
        signal = local_write_stamp()
        if not heard and watch.trusts(signal):
            return watch.seen.version  # type: ignore[union-attr]  # trusts() checked it
        self.reads += 1
        result = pgconn.exec_prepared(self._STATEMENT, [])
        self._check(result, expected="TUPLES_OK")
        return watch.saw(signal, int(result.get_value(0, 0)) if result.ntuples else 0)

    @staticmethod
    def _check_connected(pgconn: Any) -> None:
        if pgconn.status != _CONNECTION_OK:
            import psycopg

            raise psycopg.OperationalError("version read: the connection to the server was lost")

    @staticmethod
    def _check(result: Any, expected: str) -> None:
        """Raise psycopg's OperationalError unless libpq's result has the expected status (a
        dropped connection gives FATAL_ERROR)."""
        import psycopg
        from psycopg import pq

        if result.status != getattr(pq.ExecStatus, expected):
            message = (result.error_message or b"").decode("utf-8", "replace").strip()
            raise psycopg.OperationalError(message or f"version read: {pq.ExecStatus(result.status).name}")

    def close(self) -> None:
        self.connections.close()


def version_reader(engine: Engine) -> SqliteVersionReader | PostgresVersionReader:
    """The cheapest data_version() for the engine's backend, for code that reads it per request."""
    return SqliteVersionReader(engine.path) if engine.path else PostgresVersionReader(engine.conninfo)


def data_version(engine: Readable) -> int:
    """A number that grows with every visible change to the stored releases (0 when empty)."""
    return get_mark(engine, _VERSION) or 0


def raise_data_version(engine: Engine, at_least: int) -> None:
    """Make the data version at least `at_least` (after a restore: past every version served)."""
    with engine.begin(write=True) as connection:
        connection.execute(
            "UPDATE state SET value = :value WHERE name = :name AND value < :value",
            {"name": _VERSION, "value": at_least},
        )
        _announce_version(connection)


# --- Publishing tokens and the audit trail (migration 0006) -------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who changes the store: a publishing token (`token`: its prefix, or `FEEDAPP_API_TOKEN`),
    bound to one source office (`office`) or to none (an administrator's); or a command
    (`command`: `ingest`, `retract`) run by an OS user (`user`). `writer`: how a refusal names
    it (a token, `this ingest (--source)`, `this inbox folder`); never recorded."""

    token: str | None = None
    office: str | None = None
    command: str | None = None
    user: str | None = None
    writer: str = "this token"


def os_user() -> str:
    """Who runs this process, for the audit trail: the effective user's name (its uid when it has
    none), and the user who ran sudo when sudo switched to it (`feedapp (sudo by maryam)`)."""
    import pwd

    try:
        name = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        name = f"uid {os.geteuid()}"
    by = os.environ.get("SUDO_USER")
    return f"{name} (sudo by {by})" if by and by != name else name


class OfficeError(Exception):
    """A token bound to one source office tried to change a release that is not that office's,
    or to publish one under another office's name. Nothing was written. (Not an OSError, which
    storage_faults() would take for the store's fault.)"""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# The actor of the changes made in this context (see acting_as); None: no check, no record.
_ACTOR: ContextVar[Actor | None] = ContextVar("feedapp_store_actor", default=None)


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    """Every change saved (save_release) or retracted (retract) in this block is made by `actor`:
    refused with OfficeError when the actor's office may not change that release, and recorded in
    the audit trail in the transaction of the change, so that a committed change always has its
    record. Outside such a block (reprocess, bulk loads) nothing is checked or recorded."""
    reset = _ACTOR.set(actor)
    try:
        yield
    finally:
        _ACTOR.reset(reset)


def office_release(release: Release) -> Release:
    """The release as the current actor may store it: a token bound to an office publishes
    under that office's name (a release that names no source gets it); naming another source
    is an OfficeError. Unchanged for an administrator, a command, or no actor."""
    actor = _ACTOR.get()
    if actor is None or actor.office is None or release.source == actor.office:
        return release
    if release.source is None:
        return replace(release, source=actor.office)
    raise OfficeError(
        f"the release names the source {release.source!r}; {actor.writer} publishes for {actor.office!r}"
        " only (leave `source` out, or name that office)",
        field="source",
    )


def check_office(key: str, source: str | None) -> None:
    """Raise OfficeError unless the current actor may change the stored release `key` of
    `source` (an actor bound to no office may change every release)."""
    actor = _ACTOR.get()
    if actor is None or actor.office is None or source == actor.office:
        return
    held = f"of the source {source!r}" if source is not None else "of no source"
    raise OfficeError(f"the release {key!r} is {held}; {actor.writer} may change only the releases of {actor.office!r}")


def _check_owner(row: dict[str, Any] | None) -> None:
    """check_office for the stored row a write transaction just read (None: a new key)."""
    if row is not None:
        check_office(row["key"], row["source"])


def _record(connection: Connection, action: Action, key: str, raw_sha256: str, now: datetime) -> None:
    """Add the current actor's change to the audit trail, in the caller's transaction."""
    actor = _ACTOR.get()
    if actor is None:
        return
    values = {
        "recorded_at": now,
        "action": str(action),
        "key": key,
        "raw_sha256": raw_sha256,
        "token": actor.token,
        "command": actor.command,
        "os_user": actor.user,
    }
    connection.execute(_insert("audit_log", values), values)


class AuditRecord(NamedTuple):
    """One change in the audit trail: when, what, which release and bytes, and who."""

    id: int
    recorded_at: datetime
    action: str
    key: str
    raw_sha256: str
    token: str | None
    command: str | None
    os_user: str | None


def audit_records(engine: Readable, since: datetime | None = None, key: str | None = None) -> list[AuditRecord]:
    """The audit trail in the order it was written, from `since` on and of one key if given."""
    statement = "SELECT * FROM audit_log WHERE 1 = 1"
    params: dict[str, Any] = {}
    if since is not None:
        statement += " AND recorded_at >= :since"
        params["since"] = since
    if key is not None:
        statement += " AND key = :key"
        params["key"] = key
    with _reading(engine) as connection:
        rows = connection.rows(statement + " ORDER BY id", params)
    return [
        AuditRecord(
            id=row["id"],
            recorded_at=utc(row["recorded_at"]),
            action=row["action"],
            key=row["key"],
            raw_sha256=row["raw_sha256"],
            token=row["token"],
            command=row["command"],
            os_user=row["os_user"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ApiToken:
    """A publishing token as stored: its public prefix and the SHA-256 of the whole token, never
    the token; `source` None for an administrator token."""

    id: int
    prefix: str
    sha256: str
    source: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def _token(row: dict[str, Any]) -> ApiToken:
    return ApiToken(
        id=row["id"],
        prefix=row["prefix"],
        sha256=row["sha256"],
        source=row["source"],
        scopes=tuple(row["scopes"].split(",")),
        created_at=utc(row["created_at"]),
        expires_at=utc(row["expires_at"]),
        revoked_at=utc(row["revoked_at"]),
        last_used_at=utc(row["last_used_at"]),
    )


def add_token(
    engine: Engine,
    prefix: str,
    sha256: str,
    source: str | None,
    scopes: Iterable[str],
    created_at: datetime,
    expires_at: datetime | None,
) -> ApiToken:
    """Store a new token's prefix and digest (engine.IntegrityError when the prefix is taken)."""
    values = {
        "prefix": prefix,
        "sha256": sha256,
        "source": source,
        "scopes": ",".join(scopes),
        "created_at": created_at,
        "expires_at": expires_at,
    }
    with engine.begin(write=True) as connection:
        token_id = connection.scalar(_insert("api_tokens", values) + " RETURNING id", values)
    return _token({**values, "id": token_id, "revoked_at": None, "last_used_at": None})


def get_token(engine: Readable, prefix: str) -> ApiToken | None:
    """The token with this prefix (revoked and expired ones included), or None."""
    with _reading(engine) as connection:
        row = connection.first("SELECT * FROM api_tokens WHERE prefix = :prefix", {"prefix": prefix})
    return _token(row) if row else None


def list_tokens(engine: Readable) -> list[ApiToken]:
    """Every token ever made, oldest first."""
    with _reading(engine) as connection:
        return [_token(row) for row in connection.rows("SELECT * FROM api_tokens ORDER BY id")]


def has_tokens(engine: Readable) -> bool:
    """Whether any token was ever made (the publishing API is then on)."""
    with _reading(engine) as connection:
        return connection.first("SELECT id FROM api_tokens LIMIT 1") is not None


def revoke_token(engine: Engine, prefix: str, now: datetime) -> ApiToken | None:
    """End the token with this prefix at `now`, unless it already ended; the token as it stands
    after, or None when no token has that prefix. Its row stays: the audit trail names it."""
    with engine.begin(write=True) as connection:
        connection.execute(
            "UPDATE api_tokens SET revoked_at = :now WHERE prefix = :prefix AND revoked_at IS NULL",
            {"prefix": prefix, "now": now},
        )
        row = connection.first("SELECT * FROM api_tokens WHERE prefix = :prefix", {"prefix": prefix})
    return _token(row) if row else None


def token_used(engine: Engine, token_id: int, now: datetime, unless_since: datetime) -> None:
    """Set the token's `last_used_at` to `now` unless it is already `unless_since` or later: one
    write per token and period, not one per request."""
    with engine.begin(write=True) as connection:
        connection.execute(
            "UPDATE api_tokens SET last_used_at = :now"
            " WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :since)",
            {"id": token_id, "now": now, "since": unless_since},
        )


# --- The ingest queue (migration 0007; feedapp/ingest_service.py) ---------------------------------

# Job states: received and committed; stored by its release's transaction; answered.
QUEUED, STORED, DONE = "queued", "stored", "done"
# Job purposes: store the release (the API, the desk's publish); only check it (the desk's check).
STORE, CHECK = "store", "check"

# The job whose release the current context stores (see completing), if any.
_JOB: ContextVar[int | None] = ContextVar("feedapp_store_job", default=None)


class Job(NamedTuple):
    """A document handed to the ingest service, as a service takes it."""

    id: int
    format: str
    key: str | None
    raw: bytes
    actor: Actor | None
    state: str
    action: str | None  # the action its release's transaction took (state `stored`)
    attempts: int  # takes, this one included
    request_id: str | None = None  # of the API request that queued it (its log lines' id)
    purpose: str = STORE  # STORE, or CHECK: parse and normalize, answer, store nothing


class JobState(NamedTuple):
    """Where a job stands, for the web worker waiting on it and GET /api/jobs/ID."""

    id: int
    state: str
    received_at: datetime
    finished_at: datetime | None
    reply: dict[str, Any] | None  # the outcome, once done
    office: str | None  # the office of the token that sent it (None: an administrator's)


def enqueue_job(
    engine: Engine,
    raw: bytes,
    format: str,
    key: str | None,
    actor: Actor | None,
    now: datetime,
    request_id: str | None = None,
    purpose: str = STORE,
) -> int:
    """Commit a received document to the queue before anything else is done with it; its id."""
    values = {
        "received_at": now,
        "format": format,
        "key": key,
        "raw": raw,
        "actor": _json(dataclasses.asdict(actor)) if actor else None,
        "state": QUEUED,
        "request_id": request_id,
        "purpose": purpose,
    }
    with engine.begin(write=True) as connection:
        return connection.scalar(_insert("ingest_jobs", values) + " RETURNING id", values)


def job_state(engine: Readable, job_id: int) -> JobState | None:
    """The job with this id as it stands, or None."""
    with _reading(engine) as connection:
        row = connection.first(
            "SELECT id, state, received_at, finished_at, reply, actor FROM ingest_jobs WHERE id = :id", {"id": job_id}
        )
    if row is None:
        return None
    reply = json.loads(row["reply"]) if row["reply"] else None
    office = json.loads(row["actor"]).get("office") if row["actor"] else None
    return JobState(row["id"], row["state"], utc(row["received_at"]), utc(row["finished_at"]), reply, office)


def claim_job(engine: Engine, claimant: str, now: datetime, stale_before: datetime) -> Job | None:
    """Take the oldest job not done that nobody holds (or whose holder took it before
    `stale_before`, on another host, and must have died), for `claimant`; None when there is none.

    On PostgreSQL, SKIP LOCKED lets the services of several hosts take jobs at once, each its
    own; SQLite's write lock serializes the takes.
    """
    with _reading(engine) as connection:
        # Most looks find nothing: a read, not a write transaction, each second of an idle service.
        if connection.first("SELECT id FROM ingest_jobs WHERE state <> 'done' LIMIT 1") is None:
            return None
    skip_locked = " FOR UPDATE SKIP LOCKED" if engine.dialect == POSTGRESQL else ""
    with engine.begin(write=True) as connection:
        row = connection.first(
            "UPDATE ingest_jobs SET claimed_by = :claimant, claimed_at = :now, attempts = attempts + 1"
            " WHERE id = (SELECT id FROM ingest_jobs WHERE state <> 'done'"
            " AND (claimed_by IS NULL OR claimed_at < :stale) ORDER BY id LIMIT 1" + skip_locked + ")"
            " RETURNING id, format, key, raw, actor, state, action, attempts, request_id, purpose",
            {"claimant": claimant, "now": now, "stale": stale_before},
        )
    if row is None:
        return None
    # Fields this code knows only: a job queued by another version must still be answered.
    fields = json.loads(row["actor"]) if row["actor"] else None
    actor = Actor(**{k: v for k, v in fields.items() if k in Actor.__dataclass_fields__}) if fields else None
    return Job(
        row["id"],
        row["format"],
        row["key"],
        bytes(row["raw"]),
        actor,
        row["state"],
        row["action"],
        row["attempts"],
        row["request_id"],
        row["purpose"],
    )


def release_claims(engine: Engine, claimants_like: str) -> int:
    """Let go of the jobs not done held by claimants matching the LIKE pattern (a restarted
    service's own host: whoever held them there is dead); how many."""
    with engine.begin(write=True) as connection:
        return connection.execute(
            "UPDATE ingest_jobs SET claimed_by = NULL WHERE state <> 'done' AND claimed_by LIKE :pattern",
            {"pattern": claimants_like},
        ).rowcount


@contextmanager
def completing(job_id: int | None) -> Iterator[None]:
    """The release saved in this block is the job's: its transaction marks the job `stored`
    with the action it took, so that whatever dies after, the job's action is known."""
    reset = _JOB.set(job_id)
    try:
        yield
    finally:
        _JOB.reset(reset)


def _job_stored(connection: Connection, action: Action) -> None:
    job_id = _JOB.get()
    if job_id is not None:
        connection.execute(
            "UPDATE ingest_jobs SET state = :state, action = :action WHERE id = :id",
            {"state": STORED, "action": str(action), "id": job_id},
        )


def finish_job(engine: Engine, job_id: int, reply: dict[str, Any], now: datetime) -> None:
    """Answer the job: its outcome, for the web worker waiting on it."""
    with engine.begin(write=True) as connection:
        connection.execute(
            "UPDATE ingest_jobs SET state = :state, reply = :reply, finished_at = :now WHERE id = :id",
            {"state": DONE, "reply": _json(reply), "now": now, "id": job_id},
        )


def prune_jobs(engine: Engine, finished_before: datetime, checked_before: datetime | None = None) -> int:
    """Delete the jobs answered before `finished_before` (their releases, bytes included, are in
    `releases`, and their changes in the audit trail), and the checks answered before
    `checked_before` (a draft's bytes, kept no longer than its writer needs them); how many."""
    checked_before = checked_before or finished_before
    with engine.begin(write=True) as connection:
        return connection.execute(
            "DELETE FROM ingest_jobs WHERE state = 'done'"
            " AND (finished_at < :before OR (purpose = :check AND finished_at < :checked))",
            {"before": finished_before, "check": CHECK, "checked": checked_before},
        ).rowcount


# --- Reach: who reads the feeds (migration 0008; feedapp/reach.py, `feedapp stats`) ------------


class Announced(NamedTuple):
    """An aggregator's subscriber count for one feed on one day, as of `seen_at`."""

    day: str
    feed: str
    aggregator: str
    feed_id: str  # '' when the aggregator names no subscription id
    subscribers: int
    seen_at: datetime


def reach_secret(engine: Engine, day: str) -> str:
    """The day's key for hashing pollers, made on first use (every process gets the same one)."""
    import secrets

    with engine.begin(write=True) as connection:
        connection.execute(
            "INSERT INTO reach_keys (day, secret) VALUES (:day, :secret) ON CONFLICT (day) DO NOTHING",
            {"day": day, "secret": secrets.token_hex(32)},
        )
        return connection.scalar("SELECT secret FROM reach_keys WHERE day = :day", {"day": day})


def record_reach(engine: Engine, announced: Iterable[Announced], pollers: Iterable[tuple[str, str, str]]) -> None:
    """Add what processes counted: announcements (of one aggregator's subscription, the latest
    seen wins, whichever process writes first) and other pollers as (day, feed, poller hash),
    each counted once per day."""
    with engine.begin(write=True) as connection:
        connection.executemany(
            "INSERT INTO reach_announced (day, feed, aggregator, feed_id, subscribers, seen_at)"
            " VALUES (:day, :feed, :aggregator, :feed_id, :subscribers, :seen_at)"
            " ON CONFLICT (day, feed, aggregator, feed_id) DO UPDATE"
            " SET subscribers = excluded.subscribers, seen_at = excluded.seen_at"
            " WHERE excluded.seen_at >= reach_announced.seen_at",
            [row._asdict() for row in announced],
        )
        connection.executemany(
            "INSERT INTO reach_pollers (day, feed, poller) VALUES (:day, :feed, :poller) ON CONFLICT DO NOTHING",
            [{"day": day, "feed": feed, "poller": poller} for day, feed, poller in pollers],
        )


def close_reach_days(engine: Engine, before: str) -> None:
    """Count the other pollers of every day before `before` into reach_daily, then forget those
    days' pollers and keys (their hashes can no longer be recomputed by anyone)."""
    with engine.begin(write=True) as connection:
        connection.execute(
            "INSERT INTO reach_daily (day, feed, pollers)"
            " SELECT day, feed, COUNT(*) FROM reach_pollers WHERE day < :before GROUP BY day, feed"
            " ON CONFLICT (day, feed) DO UPDATE SET pollers = reach_daily.pollers + excluded.pollers",
            {"before": before},
        )
        connection.execute("DELETE FROM reach_pollers WHERE day < :before", {"before": before})
        connection.execute("DELETE FROM reach_keys WHERE day < :before", {"before": before})


class DayReach(NamedTuple):
    """One feed's readers on one day: each aggregator's announced subscribers (summed over its
    subscriptions), and how many other pollers fetched it."""

    day: str
    feed: str
    subscribers: dict[str, int]
    pollers: int


def reach(engine: Readable, since: str) -> list[DayReach]:
    """Every feed's reach on each day from `since` on, by day then feed."""
    with _reading(engine) as connection:
        announced = connection.rows(
            "SELECT day, feed, aggregator, SUM(subscribers) AS subscribers FROM reach_announced"
            " WHERE day >= :since GROUP BY day, feed, aggregator",
            {"since": since},
        )
        pollers = connection.rows(
            "SELECT day, feed, pollers FROM reach_daily WHERE day >= :since"
            " UNION ALL SELECT day, feed, COUNT(*) FROM reach_pollers WHERE day >= :since GROUP BY day, feed",
            {"since": since},
        )
    days: dict[tuple[str, str], DayReach] = {}

    def day_of(day: str, feed: str) -> DayReach:
        return days.setdefault((day, feed), DayReach(day, feed, {}, 0))

    for row in announced:
        day_of(row["day"], row["feed"]).subscribers[row["aggregator"]] = row["subscribers"]
    for row in pollers:
        found = day_of(row["day"], row["feed"])
        days[row["day"], row["feed"]] = found._replace(pollers=found.pollers + row["pollers"])
    return [days[key] for key in sorted(days)]
