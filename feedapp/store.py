"""Every SQL statement of feedapp: schema, connection settings, reads and the one write path.

SQLAlchemy Core, so the same statements run on SQLite (default) and PostgreSQL. On SQLite the
database runs in WAL mode, so feed readers are never blocked by an ingest, and write
transactions start with BEGIN IMMEDIATE, so two ingests never interleave a read-then-write.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .core.models import Image, PublishedAt, Release, StoredRelease

ADDED, UPDATED, UNCHANGED = "added", "updated", "unchanged"


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


metadata = sa.MetaData()

releases = sa.Table(
    "releases", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(128), nullable=False, unique=True),
    sa.Column("format", sa.String(8), nullable=False),
    # The bytes exactly as received; every other column is derived from them and can be
    # recomputed when the parser or normalizer improves.
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Column("raw_sha256", sa.String(64), nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("published_jalali", sa.String(10), nullable=False),
    sa.Column("published_has_time", sa.Boolean, nullable=False),
    sa.Column("updated", UTCDateTime),
    sa.Column("kicker", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("lead", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # JSON array of paragraphs
    sa.Column("categories", sa.Text, nullable=False),  # JSON array
    sa.Column("source", sa.Text),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("images", sa.Text, nullable=False),  # JSON array of objects
    sa.Column("ingested_at", UTCDateTime, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    # The data_version at this release's last visible change: orders the subscription feed
    # (newest changes first) and answers "what changed since version N" for delta feeds.
    sa.Column("changed_version", sa.Integer, nullable=False, server_default="0"),
    # Set when the publisher retracts the release: gone from feeds, sitemaps and lists, its
    # page answers 410; the row stays, so archive and sitemap pages keep their membership.
    sa.Column("retracted_at", UTCDateTime),
    sa.Index("releases_published", "published", "id"),
    sa.Index("releases_changed_at", "changed_at"),
    sa.Index("releases_changed_version", "changed_version"),
    sa.Index("releases_source", "source", "id"),
)

# Categories as rows, so per-category feeds and archives are indexed queries.
release_categories = sa.Table(
    "release_categories", metadata,
    sa.Column("release_id", sa.Integer, sa.ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category", sa.Text, primary_key=True),
    sa.Index("release_categories_category", "category", "release_id"),
)

# One counter bumped in the same transaction as every visible change: a cheap "has anything
# changed?" for caches in every process.
state = sa.Table(
    "state", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)
_VERSION = "data_version"
_TOTAL = "releases_total"  # rows in releases, retracted included: O(1) page counts at any size

# Columns whose change is a change of the release as readers see it.
_CONTENT_COLUMNS = ("kicker", "title", "lead", "body", "categories", "source", "language", "images")


def create_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite set up for WAL and immediate write transactions.

    `postgresql://…` means psycopg 3 (SQLAlchemy's own default for that scheme is psycopg2).
    """
    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(parsed, pool_pre_ping=parsed.get_backend_name() == "postgresql")
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; never corrupt in WAL
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the write lock up front (no deadlock between two read-then-write ingests);
    # readers begin deferred, so under WAL they never wait for a writer.
    immediate = connection.get_execution_options().get(_WRITER_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_WRITER_OPTION = "feedapp_writer"


def _writer(engine: Engine) -> Engine:
    """The engine, marked so its transactions are write transactions (see _sqlite_begin)."""
    return engine.execution_options(**{_WRITER_OPTION: True})


Readable = Engine | Connection  # read functions take an engine, or the connection of a snapshot


@contextmanager
def _reading(db: Readable) -> Iterator[Connection]:
    """A connection to read on: the snapshot's own, or a fresh one from the engine."""
    if isinstance(db, Connection):
        yield db
    else:
        with db.connect() as connection:
            yield connection


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent view for several reads (a document's page count, entries and version).

    Separate statements on separate connections can straddle another process's commit, and a
    document built from both would mix two versions. SQLite: one deferred transaction in WAL
    mode reads one snapshot. PostgreSQL: REPEATABLE READ (its default snapshot is per statement).
    """
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def create_schema(engine: Engine) -> None:
    """Create the tables that do not exist yet (safe when several workers start at once)."""
    writer = _writer(engine)
    with writer.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Two workers starting at once must not both create the tables: serialize them.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7142026)")
        metadata.create_all(connection)
        _upgrade(connection)
        # The version row exists from the start, so concurrent writers only ever UPDATE it
        # (that row lock is what orders their changes).
        if connection.execute(sa.select(state.c.value).where(state.c.name == _VERSION)).first() is None:
            connection.execute(state.insert().values(name=_VERSION, value=0))
        if connection.execute(sa.select(state.c.value).where(state.c.name == _TOTAL)).first() is None:
            total = connection.execute(sa.select(sa.func.count()).select_from(releases)).scalar_one()
            connection.execute(state.insert().values(name=_TOTAL, value=total))


def _upgrade(connection: Connection) -> None:
    """Bring a database made by an earlier feedapp up to the current schema, in place."""
    columns = {column["name"] for column in sa.inspect(connection).get_columns("releases")}
    if "retracted_at" not in columns:
        kind = "TIMESTAMP WITH TIME ZONE" if connection.dialect.name == "postgresql" else "DATETIME"
        connection.exec_driver_sql(f"ALTER TABLE releases ADD COLUMN retracted_at {kind}")
    if "changed_version" in columns:
        return
    connection.exec_driver_sql("ALTER TABLE releases ADD COLUMN changed_version INTEGER NOT NULL DEFAULT 0")
    connection.execute(releases.update().values(changed_version=releases.c.id))
    for index in releases.indexes:
        if index.name in ("releases_changed_version", "releases_source"):
            index.create(connection, checkfirst=True)
    rows = connection.execute(sa.select(releases.c.id, releases.c.categories)).all()
    for release_id, categories in rows:
        _write_categories(connection, release_id, json.loads(categories))


@dataclass(frozen=True)
class SaveResult:
    """What saving did, and the release as stored afterwards (published may be the original)."""

    action: str
    stored: StoredRelease


def get_release_if_raw(engine: Readable, key: str, raw: bytes, format: str) -> StoredRelease | None:
    """The stored release with this key if it was stored from exactly these bytes, else None."""
    query = sa.select(releases).where(releases.c.key == key, releases.c.raw_sha256 == _digest(raw),
                                      releases.c.format == format, releases.c.retracted_at.is_(None))
    with _reading(engine) as connection:
        row = connection.execute(query).first()
    return _stored(row._mapping) if row else None


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def save_release(engine: Engine, release: Release, raw: bytes, format: str, now: datetime) -> SaveResult:
    """Insert or update one release atomically; unchanged input changes nothing.

    A changed release keeps its key and first `published`, and gets `updated` = the source's
    `updated` if it gave one, else `now`.
    """
    try:
        return _save(engine, release, raw, format, now)
    except sa.exc.IntegrityError:
        # Another process inserted the same key between our read and our insert (possible on
        # PostgreSQL, whose transactions do not take SQLite's write lock up front): now it is
        # an update or unchanged, decided on the committed row.
        return _save(engine, release, raw, format, now)


def _save(engine: Engine, release: Release, raw: bytes, format: str, now: datetime) -> SaveResult:
    digest = _digest(raw)
    with _writer(engine).begin() as connection:
        row = connection.execute(sa.select(releases).where(releases.c.key == release.key)).first()
        if row is None:
            values = {**_content_values(release), **_published_values(release.published),
                      "key": release.key, "format": format, "raw": raw, "raw_sha256": digest,
                      "updated": release.updated, "ingested_at": now, "changed_at": now,
                      "changed_version": _bump_version(connection)}
            release_id = connection.execute(releases.insert().values(**values)).inserted_primary_key[0]
            connection.execute(state.update().where(state.c.name == _TOTAL).values(value=state.c.value + 1))
            _write_categories(connection, release_id, release.categories)
            return SaveResult(ADDED, _stored({**values, "id": release_id}))
        retracted = row.retracted_at is not None  # sending it again publishes it again
        if row.raw_sha256 == digest and row.format == format and not retracted:
            return SaveResult(UNCHANGED, _stored(row._mapping))
        content = _content_values(release)
        source_updated = release.updated if release.updated != row.updated else None
        same = all(content[name] == row._mapping[name] for name in _CONTENT_COLUMNS)
        if same and source_updated is None and not retracted:
            # Same release in other bytes (re-encoded, whitespace): keep the newest bytes quietly.
            connection.execute(releases.update().where(releases.c.id == row.id)
                               .values(raw=raw, raw_sha256=digest, format=format))
            return SaveResult(UNCHANGED, _stored({**row._mapping, "format": format}))
        values = {**content, "raw": raw, "raw_sha256": digest, "format": format,
                  "updated": row.updated if same and retracted else source_updated or now,
                  "changed_at": now, "changed_version": _bump_version(connection), "retracted_at": None}
        connection.execute(releases.update().where(releases.c.id == row.id).values(**values))
        connection.execute(release_categories.delete().where(release_categories.c.release_id == row.id))
        _write_categories(connection, row.id, release.categories)
        return SaveResult(UPDATED, _stored({**row._mapping, **values}))


def retract(engine: Engine, key: str, now: datetime) -> StoredRelease | None:
    """Retract a release (idempotent); None when no release has that key."""
    with _writer(engine).begin() as connection:
        row = connection.execute(sa.select(releases).where(releases.c.key == key)).first()
        if row is None or row.retracted_at is not None:
            return _stored(row._mapping) if row else None
        values = {"retracted_at": now, "changed_at": now, "changed_version": _bump_version(connection)}
        connection.execute(releases.update().where(releases.c.id == row.id).values(**values))
        return _stored({**row._mapping, **values})


def _content_values(release: Release) -> dict[str, Any]:
    return {
        "kicker": release.kicker,
        "title": release.title,
        "lead": release.lead,
        "body": _json(list(release.body)),
        "categories": _json(list(release.categories)),
        "source": release.source,
        "language": release.language,
        "images": _json([{k: v for k, v in vars(image).items() if v is not None} for image in release.images]),
    }


def _published_values(published: PublishedAt) -> dict[str, Any]:
    return {"published": published.instant, "published_jalali": published.jalali,
            "published_has_time": published.has_time}


def _json(value: Any) -> str:
    # Stable text, so equal content compares equal as stored.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _write_categories(connection: Connection, release_id: int, categories: Any) -> None:
    rows = [{"release_id": release_id, "category": category} for category in dict.fromkeys(categories)]
    if rows:
        connection.execute(release_categories.insert(), rows)


def _bump_version(connection: Connection) -> int:
    """Increment the data version inside the caller's transaction; return the new value.

    The row stays locked until commit, so versions are handed out and committed in one order.
    """
    connection.execute(state.update().where(state.c.name == _VERSION).values(value=state.c.value + 1))
    return connection.execute(sa.select(state.c.value).where(state.c.name == _VERSION)).scalar_one()


def _stored(row: Any) -> StoredRelease:
    release = Release(
        key=row["key"],
        published=PublishedAt(instant=_utc(row["published"]), jalali=row["published_jalali"],
                              has_time=bool(row["published_has_time"])),
        updated=_utc(row["updated"]),
        kicker=row["kicker"],
        title=row["title"],
        lead=row["lead"],
        body=tuple(json.loads(row["body"])),
        categories=tuple(json.loads(row["categories"])),
        source=row["source"],
        language=row["language"],
        images=tuple(Image(**image) for image in json.loads(row["images"])),
    )
    return StoredRelease(release=release, format=row["format"], ingested_at=_utc(row["ingested_at"]),
                         changed_at=_utc(row["changed_at"]), version=row["changed_version"], id=row["id"],
                         retracted_at=_utc(row.get("retracted_at")))


def _utc(value: datetime | None) -> datetime | None:
    # Values read back from a row are already aware; values we just wrote may be any zone.
    return value.astimezone(timezone.utc) if value is not None else None


def get_release(engine: Readable, key: str) -> StoredRelease | None:
    """The stored release with this key, or None."""
    with _reading(engine) as connection:
        row = connection.execute(sa.select(releases).where(releases.c.key == key)).first()
    return _stored(row._mapping) if row else None


def get_raw(engine: Readable, key: str) -> bytes | None:
    """The bytes of this release exactly as received, or None."""
    with _reading(engine) as connection:
        return connection.execute(sa.select(releases.c.raw).where(releases.c.key == key)).scalar()


@dataclass(frozen=True)
class Selection:
    """Which releases a feed holds: all, one category's, or one source office's."""

    category: str | None = None
    source: str | None = None


ALL = Selection()


def _select(selection: Selection, *columns: Any, retracted: bool = False) -> sa.Select:
    """Releases of the selection; retracted ones only when asked (page membership counts them)."""
    query = sa.select(*(columns or (releases,)))
    if not retracted:
        query = query.where(releases.c.retracted_at.is_(None))
    if selection.category is not None:
        query = query.join(release_categories, release_categories.c.release_id == releases.c.id).where(
            release_categories.c.category == selection.category)
    if selection.source is not None:
        query = query.where(releases.c.source == selection.source)
    return query


def _fetch(engine: Readable, query: sa.Select) -> list[StoredRelease]:
    with _reading(engine) as connection:
        return [_stored(row._mapping) for row in connection.execute(query)]


def latest_releases(engine: Readable, limit: int, offset: int = 0, selection: Selection = ALL) -> list[StoredRelease]:
    """Releases newest first by publication (ties broken by insertion order, newest first)."""
    query = (_select(selection).order_by(releases.c.published.desc(), releases.c.id.desc())
             .limit(limit).offset(offset))
    return _fetch(engine, query)


class Stamp(NamedTuple):
    """What a feed needs to know of a release before its content: which one, and which version."""

    id: int
    key: str
    version: int
    published: datetime
    changed_at: datetime


_STAMP_COLUMNS = (releases.c.id, releases.c.key, releases.c.changed_version, releases.c.published,
                  releases.c.changed_at)


def _stamps(engine: Readable, query: sa.Select) -> list[Stamp]:
    with _reading(engine) as connection:
        return [Stamp(*row) for row in connection.execute(query)]


def recently_changed(engine: Readable, limit: int, selection: Selection = ALL) -> list[Stamp]:
    """The `limit` releases added or changed most recently: a subscription feed's entries."""
    return _stamps(engine, _select(selection, *_STAMP_COLUMNS).order_by(releases.c.changed_version.desc()).limit(limit))


def archive_page(engine: Readable, page: int, size: int, selection: Selection = ALL) -> list[Stamp]:
    """Page `page` (1 = oldest) of releases in insertion order, `size` to a page.

    Membership depends only on insertion order, so adding releases never moves one to
    another page (RFC 5005 archives stay stable).
    """
    return _stamps(engine, sa.select(*_STAMP_COLUMNS).where(_on_page(selection, page, size)).order_by(releases.c.id))


def _on_page(selection: Selection, page: int, size: int) -> sa.ColumnElement[bool]:
    """Releases on page `page` of the selection in insertion order, retracted ones counted for
    membership (so a retraction never moves a release to another page) but not shown."""
    members = (_select(selection, releases.c.id, retracted=True).order_by(releases.c.id)
               .limit(size).offset((page - 1) * size))
    return sa.and_(releases.c.id.in_(members.scalar_subquery()), releases.c.retracted_at.is_(None))


def releases_by_id(engine: Readable, ids: list[int]) -> dict[int, StoredRelease]:
    """The stored releases with these ids (callers fetch only what their caches lack)."""
    if not ids:
        return {}
    return {stored.id: stored for stored in _fetch(engine, sa.select(releases).where(releases.c.id.in_(ids)))}


def sitemap_page(engine: Readable, page: int, size: int) -> list[tuple[str, datetime]]:
    """(key, last real change) of page `page` (1 = oldest) of releases in insertion order."""
    query = (sa.select(releases.c.key, releases.c.published, releases.c.updated)
             .where(_on_page(ALL, page, size)).order_by(releases.c.id))
    with _reading(engine) as connection:
        return [(key, max(filter(None, (_utc(published), _utc(updated)))))
                for key, published, updated in connection.execute(query)]


def sitemap_page_lastmods(engine: Readable, size: int) -> list[datetime]:
    """The newest change in each sitemap page of `size` releases, oldest page first."""
    shown = releases.c.retracted_at.is_(None)
    numbered = sa.select(
        ((sa.func.row_number().over(order_by=releases.c.id) - 1) // size).label("page"),
        sa.case((shown, releases.c.published)).label("published"),
        sa.case((shown, releases.c.updated)).label("updated"),
    ).subquery()
    query = (sa.select(numbered.c.page, sa.func.max(numbered.c.published), sa.func.max(numbered.c.updated))
             .group_by(numbered.c.page).order_by(numbered.c.page))
    with _reading(engine) as connection:
        return [max(filter(None, (published, updated)), default=None) for _, published, updated in connection.execute(query)]


def published_since(engine: Readable, since: datetime, limit: int) -> list[StoredRelease]:
    """Releases published at or after `since`, newest first, at most `limit`."""
    query = (_select(ALL).where(releases.c.published >= since)
             .order_by(releases.c.published.desc(), releases.c.id.desc()).limit(limit))
    return _fetch(engine, query)


def selections(engine: Readable) -> list[Selection]:
    """Every category and every source office with shown releases, each as a Selection."""
    with _reading(engine) as connection:
        categories = connection.execute(
            sa.select(release_categories.c.category).distinct()
            .join(releases, releases.c.id == release_categories.c.release_id)
            .where(releases.c.retracted_at.is_(None)).order_by(release_categories.c.category)).scalars().all()
        sources = connection.execute(_select(ALL, releases.c.source).where(releases.c.source.is_not(None))
                                     .distinct().order_by(releases.c.source)).scalars().all()
    return [Selection(category=c) for c in categories] + [Selection(source=s) for s in sources]


def all_keys(engine: Readable) -> list[str]:
    """Every shown (not retracted) release key, in insertion order."""
    with _reading(engine) as connection:
        return connection.execute(_select(ALL, releases.c.key).order_by(releases.c.id)).scalars().all()


def count_releases(engine: Readable, selection: Selection = ALL, *, retracted: bool = False) -> int:
    """How many releases the selection shows (and has retracted, with `retracted`).

    The whole store's total, retracted included, is a counter kept with every insert: the main
    feed's page count never scans the table. Other counts use the selection's index.
    """
    if selection == ALL and retracted:
        query = sa.select(state.c.value).where(state.c.name == _TOTAL)
        with _reading(engine) as connection:
            return connection.execute(query).scalar_one()
    query = sa.select(sa.func.count()).select_from(_select(selection, retracted=retracted).subquery())
    with _reading(engine) as connection:
        return connection.execute(query).scalar_one()


class SqliteVersionReader:
    """data_version() for a SQLite file on one plain sqlite3 connection per thread and process.

    A lone SELECT in autocommit mode reads a consistent snapshot without BEGIN/ROLLBACK round
    trips or SQLAlchemy's statement handling: tens of microseconds, paid by every request.
    """

    _QUERY = f"SELECT value FROM {state.name} WHERE name = '{_VERSION}'"

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()

    def __call__(self) -> int:
        connection = getattr(self.local, "connection", None)
        if connection is None or self.local.pid != os.getpid():  # never reuse one across a fork
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.local.connection, self.local.pid = connection, os.getpid()
        row = connection.execute(self._QUERY).fetchone()
        return row[0] if row else 0


def data_version(engine: Readable) -> int:
    """A number that grows with every visible change to the stored releases (0 when empty)."""
    with _reading(engine) as connection:
        value = connection.execute(sa.select(state.c.value).where(state.c.name == _VERSION)).scalar()
    return value or 0
