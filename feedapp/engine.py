"""Connections for store.py: SQLite through the standard library, PostgreSQL through psycopg 3.

feedapp used SQLAlchemy Core until its import alone turned out to cost each gunicorn worker
about 13 MB of its 64 MB budget (SQLAlchemy pulls in asyncio); the store's statements are
plain enough to write once for both backends. What this module owns:

- the database URL: `sqlite:///relative/path`, `sqlite:////absolute/path`, `postgresql://…`
  (a libpq URI; `postgresql+psycopg://` is accepted too); a SQLite URL may end in
  `?timeout=SECONDS`, how long a statement waits for another process's lock (default 10);
- connections kept per thread and process, reused across requests, never across a fork, and
  closed by `Engine.dispose`, when their thread ends or when the engine is dropped;
- transactions: readers, snapshots and writers (see `Engine.begin`);
- parameters: statements use `:name` placeholders (SQLite's own style), rewritten for psycopg;
  datetimes must be aware and are stored in UTC.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, overload
from urllib.parse import quote, urlsplit, urlunsplit

SQLITE, POSTGRESQL = "sqlite", "postgresql"

# How SQLAlchemy stored SQLite datetimes (UTC, naive, microseconds always written): databases
# it created read the same, and text order is time order, so `published >= :since` works.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

# Connections a forked child inherited: closing them would end the parent's sessions (a
# psycopg close sends Terminate on the shared socket), so the child keeps them unreferenced
# by any pool and never closes them.
_inherited: list[Any] = []


class _Idle:
    """One thread's idle connections to one engine.

    When the thread ends, or the engine is dropped, its thread-local storage lets go of this
    object and the finalizer closes them: sqlite3 and psycopg would otherwise close them in the
    garbage collector, with a ResourceWarning each (and a thread-per-request server, such as
    `feedapp run`, would hold one open per finished thread until then).
    """

    __slots__ = ("connections", "__weakref__")

    def __init__(self, pid: int) -> None:
        self.connections: list[Connection] = []
        weakref.finalize(self, _release, self.connections, pid)


def _release(connections: list[Connection], pid: int) -> None:
    """Close idle connections, unless this is a forked child of the process that opened them."""
    if os.getpid() == pid:
        _close_all(connections)
    else:
        _inherited.extend(connections)
        connections.clear()


def _close_all(connections: list[Connection]) -> None:
    while connections:
        connections.pop().raw.close()  # pop: atomic, so a connection goes to one caller only


class Connection:
    """One driver connection, with `:name` parameters and aware datetimes on both backends."""

    def __init__(self, raw: Any, dialect: str, file_id: tuple[int, int] | None = None) -> None:
        self.raw = raw  # the sqlite3 or psycopg connection
        self.dialect = dialect
        self.file_id = file_id  # SQLite: (device, inode) of the file it opened

    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> Any:
        """Run one statement and return the driver's cursor (rows not yet fetched)."""
        values = {name: self._bind(value) for name, value in (params or {}).items()}
        if self.dialect == POSTGRESQL:
            return self.raw.execute(_pyformat(statement), values)
        return self.raw.execute(statement, values)

    def executemany(self, statement: str, params: Iterable[Mapping[str, Any]]) -> None:
        """Run one statement once per set of parameters (a bulk insert: one round trip per batch
        on PostgreSQL, one prepared statement on SQLite)."""
        values = [{name: self._bind(value) for name, value in each.items()} for each in params]
        if self.dialect == POSTGRESQL:
            with self.raw.cursor() as cursor:
                cursor.executemany(_pyformat(statement), values)
        else:
            self.raw.executemany(statement, values)

    def rows(self, statement: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every row, each a dict keyed by column name."""
        cursor = self.execute(statement, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def first(self, statement: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The first row as a dict, or None."""
        cursor = self.execute(statement, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip((column[0] for column in cursor.description), row))

    def scalar(self, statement: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.execute(statement, params).fetchone()
        return None if row is None else row[0]

    def column(self, statement: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.execute(statement, params).fetchall()]

    def _bind(self, value: Any) -> Any:
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime ({value.isoformat()}): give it a zone")
        value = value.astimezone(timezone.utc)
        return value.strftime(_SQLITE_TIME) if self.dialect == SQLITE else value


@lru_cache(maxsize=256)
def _pyformat(statement: str) -> str:
    """`:name` placeholders as psycopg's `%(name)s` (statements hold no `%` or `::` of their own)."""
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", statement)


@overload
def utc(value: datetime | str) -> datetime: ...
@overload
def utc(value: None) -> None: ...
@overload
def utc(value: datetime | str | None) -> datetime | None: ...


def utc(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back text, PostgreSQL aware values)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Engine:
    """Where the store lives, and this process's connections to it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path: str | None  # the SQLite file; None on PostgreSQL
        scheme, _, rest = url.partition("://")
        self.busy_timeout_ms = _BUSY_TIMEOUT_MS
        if scheme == SQLITE:
            rest, _, query = rest.partition("?")
            if not rest.startswith("/") or rest in ("/", "/:memory:"):
                raise ValueError(f"DATABASE_URL {url!r}: a SQLite URL names a file, as sqlite:///path/to/file")
            self.dialect, self.path = SQLITE, rest[1:]
            if query:
                self.busy_timeout_ms = _busy_timeout_ms(url, query)
        elif scheme in (POSTGRESQL, "postgresql+psycopg", "postgres"):
            self.dialect, self.path = POSTGRESQL, None
            self.conninfo = f"postgresql://{rest}"  # libpq's form, for psycopg and pg_dump
        else:
            raise ValueError(f"DATABASE_URL {url!r}: expected sqlite:///… or postgresql://…")
        self._local = threading.local()
        self._pid = os.getpid()
        self._pools: weakref.WeakSet[_Idle] = weakref.WeakSet()  # every thread's idle connections
        self._pools_lock = threading.Lock()
        import_driver(self.dialect)

    @property
    def file(self) -> str:
        """The SQLite file (on PostgreSQL there is none: a programming error to ask)."""
        if self.path is None:
            raise TypeError(f"{self.display} is not a SQLite database")
        return self.path

    @property
    def display(self) -> str:
        """Where the store lives, for messages: the SQLite file, or the URL without its password."""
        if self.path is not None:
            return self.path
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def IntegrityError(self) -> type[Exception]:  # noqa: N802 - the DB-API name
        """The driver's IntegrityError (a unique key taken by another writer, for instance)."""
        return import_driver(self.dialect).IntegrityError

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection outside any transaction (each statement reads its own snapshot)."""
        connection = self._checkout()
        try:
            yield connection
        finally:
            self._checkin(connection)

    @contextmanager
    def begin(self, *, write: bool = False, repeatable: bool = False) -> Iterator[Connection]:
        """A transaction, committed when the block ends, rolled back when it raises.

        SQLite: writers BEGIN IMMEDIATE, taking the write lock up front, so two read-then-write
        ingests never deadlock; readers begin deferred and, in WAL mode, never wait.
        PostgreSQL: `repeatable` gives one snapshot for the whole transaction (its default,
        READ COMMITTED, takes one per statement).
        """
        with self.connect() as connection:
            if self.dialect == SQLITE:
                if write:
                    self._check_same_file(connection)
                connection.raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            else:
                connection.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if repeatable else "BEGIN")
            try:
                yield connection
            except BaseException:
                connection.raw.execute("ROLLBACK")
                raise
            connection.raw.execute("COMMIT")
            if write:
                _note_local_write()

    def _check_same_file(self, connection: Connection) -> None:
        """Refuse to write through a connection whose file was deleted or replaced since it opened.

        SQLite keeps writing to an unlinked file: an acknowledged write would vanish at the next
        start. One stat per write transaction.
        """
        try:
            same = _file_id(self.file) == connection.file_id
        except FileNotFoundError:
            same = False
        if not same:
            connection.file_id = None  # never used again: closed when it is checked in
            raise sqlite3.OperationalError(
                f"the database file {self.path} was removed or replaced while in use;"
                " nothing was written (restore it, or run `feedapp db upgrade`)"
            )

    def dispose(self) -> None:
        """Close the idle connections of every thread (they reopen on demand); one in use stays
        open, in its thread's pool once it is given back."""
        self._reset_after_fork()
        with self._pools_lock:
            pools = list(self._pools)
        for pool in pools:
            _close_all(pool.connections)

    def forget_inherited(self) -> None:
        """After a fork: set aside, unclosed, every connection the parent opened."""
        self._reset_after_fork()

    def _idle(self) -> list[Connection]:
        pool = getattr(self._local, "idle", None)
        if pool is None:
            pool = self._local.idle = _Idle(self._pid)
            with self._pools_lock:
                self._pools.add(pool)
        return pool.connections

    def _reset_after_fork(self) -> None:
        if os.getpid() != self._pid:
            # Only this thread lives on after a fork: no lock (one held then would stay held).
            pools, self._pools, self._pools_lock = list(self._pools), weakref.WeakSet(), threading.Lock()
            for pool in pools:
                _inherited.extend(pool.connections)
                pool.connections.clear()
            self._local = threading.local()
            self._pid = os.getpid()

    def _checkout(self) -> Connection:
        self._reset_after_fork()
        idle = self._idle()
        while idle:
            connection = idle.pop()
            if self._usable(connection):
                return connection
        return self._open()

    def _checkin(self, connection: Connection) -> None:
        if os.getpid() != self._pid:
            _inherited.append(connection)
        elif self._usable(connection) and len(self._idle()) < 2:
            self._idle().append(connection)
        else:
            connection.raw.close()

    def _usable(self, connection: Connection) -> bool:
        if self.dialect == SQLITE:
            return connection.file_id is not None and not connection.raw.in_transaction
        raw = connection.raw
        if raw.closed or raw.broken or raw.info.transaction_status != 0:  # 0: idle
            return False
        try:  # a server restart leaves the socket open but dead: find out before a request does
            raw.execute("SELECT 1")
        except import_driver(POSTGRESQL).OperationalError:
            return False
        return True

    def _open(self) -> Connection:
        if self.dialect == SQLITE:
            # isolation_level=None: no implicit BEGIN; begin() issues it, so readers outside
            # a transaction run each statement alone.
            # mode=rw: a missing file is an error, never a new empty database (only the
            # migrations create one).
            raw = sqlite3.connect(sqlite_uri(self.file), uri=True, isolation_level=None, check_same_thread=False)
            file_id = _file_id(self.file)
            raw.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
            _enable_wal(raw, self.busy_timeout_ms)
            raw.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; never corrupt in WAL
            raw.execute("PRAGMA foreign_keys=ON")
            return Connection(raw, self.dialect, file_id)
        raw = import_driver(POSTGRESQL).connect(self.conninfo, autocommit=True)
        return Connection(raw, self.dialect)


# Stamps of the write transactions this process committed, through any engine: a data-version
# reader that learns of other processes' changes by notice (store.PostgresVersionReader) sees its
# own process's changes at once, before their notice comes back from the server.
_write_stamps = itertools.count(1)
_last_local_write = 0


def _note_local_write() -> None:
    global _last_local_write
    _last_local_write = next(_write_stamps)  # unique per commit, so no two threads write one stamp


def local_write_stamp() -> int:
    """A number that differs after every write transaction this process has committed."""
    return _last_local_write


_BUSY_TIMEOUT_MS = 10_000  # how long a SQLite statement waits for another process's lock


def _busy_timeout_ms(url: str, query: str) -> int:
    """The `timeout=SECONDS` of a SQLite URL's query, in milliseconds (the only parameter)."""
    name, _, value = query.partition("=")
    try:
        seconds = float(value) if name == "timeout" else -1.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ValueError(
            f"DATABASE_URL {url!r}: a SQLite URL's only parameter is ?timeout=SECONDS (0 to 3600), not {query!r}"
        )
    return round(seconds * 1000)


def _enable_wal(raw: sqlite3.Connection, timeout_ms: int) -> None:
    """Put the database in WAL mode (a no-op once it is), waiting up to the busy timeout.

    A new database is in rollback mode while `db upgrade` migrates it, and the switch to WAL
    needs a lock that SQLite's busy handler does not wait for (it could deadlock): another
    process opening the file meanwhile retries here instead of failing at once.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            raw.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def sqlite_uri(path: str, mode: str = "rw") -> str:
    """A `file:` URI that opens `path` read-write without creating it (`mode=rwc` creates)."""
    return f"file:{quote(os.path.abspath(path))}?mode={mode}"


def _file_id(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def import_driver(dialect: str) -> Any:
    """The DB-API module for a dialect; psycopg (11 MB) is imported only for PostgreSQL."""
    if dialect == SQLITE:
        return sqlite3
    import psycopg

    return psycopg


def storage_faults() -> tuple[type[BaseException], ...]:
    """Errors that are the store's and not the input's: locked, full, read-only, unreachable, gone.

    OperationalError is DB-API's class for exactly these; OSError covers the files around them.
    """
    faults: list[type[BaseException]] = [sqlite3.OperationalError, OSError]
    psycopg = sys.modules.get("psycopg")  # loaded only when a PostgreSQL store is used
    if psycopg is not None:
        faults.append(psycopg.OperationalError)
    return tuple(faults)
