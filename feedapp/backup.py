"""Consistent copies of the store while it serves and ingests, and bringing one back.

SQLite: the online backup API copies one snapshot of the file (WAL mode lets writers go on
meanwhile) into `PATH.partial`, checked with `PRAGMA integrity_check` and renamed to PATH.
PostgreSQL: `pg_dump --format=custom`, which reads one snapshot (REPEATABLE READ), and
`pg_restore --clean --if-exists --single-transaction` back.

A restore moves the data version past every version the site has served, so no ETag or cached
rendering from before the restore can be taken for the restored data.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from . import store
from .engine import POSTGRESQL, Engine, sqlite_uri


class BackupError(RuntimeError):
    """A backup or restore that could not be done; nothing was replaced."""


def backup(engine: Engine, path: Path) -> None:
    """Write a consistent copy of the store to `path` (replaced only once the copy is whole)."""
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such folder for the backup")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    if engine.dialect == POSTGRESQL:
        _run(
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(partial),
            "--dbname",
            engine.conninfo,
        )
    else:
        with _open(engine.file) as source, _open(str(partial), "rwc") as copy:
            source.backup(copy)  # one step: one read snapshot of the whole file
            copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        _check_sqlite(partial)
    os.replace(partial, path)


def restore(engine: Engine, path: Path) -> None:
    """Replace the store's content with the backup at `path` (stop the site first)."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    served = store.data_version(engine) if _exists(engine) else 0
    if engine.dialect == POSTGRESQL:
        _run(
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--dbname",
            engine.conninfo,
            str(path),
        )
    else:
        _check_sqlite(path)
        os.makedirs(os.path.dirname(os.path.abspath(engine.file)), exist_ok=True)
        # Into the file in place (same inode, WAL kept consistent), not a rename over it.
        with _open(str(path), "ro") as source, _open(engine.file, "rwc") as target:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
    engine.dispose()
    store.raise_data_version(engine, served + 1)


def _exists(engine: Engine) -> bool:
    on_disk = engine.dialect == POSTGRESQL or os.path.exists(engine.file)
    return on_disk and "state" in store.schema_versions(engine)[0]


@contextmanager
def _open(path: str, mode: str = "rw") -> Iterator[sqlite3.Connection]:
    """A plain SQLite connection, closed after (sqlite3's own context manager only commits)."""
    with closing(sqlite3.connect(sqlite_uri(path, mode), uri=True, isolation_level=None)) as connection:
        connection.execute("PRAGMA busy_timeout=10000")
        yield connection


def _check_sqlite(path: Path) -> None:
    try:
        with _open(str(path), "ro") as copy:
            result = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from None
    if result != ["ok"]:
        raise BackupError(f"{path}: integrity check failed: {'; '.join(result[:5])}")
    if "releases" not in tables:
        raise BackupError(f"{path}: not a feedapp database (no releases table)")


def _pg_tool(name: str) -> str:
    """PostgreSQL's client tool: on PATH, else the newest in Debian's /usr/lib/postgresql."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    return found


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
