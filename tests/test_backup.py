"""`feedapp backup` and `feedapp restore`: a consistent copy taken while an ingest runs, and back.

Both backends: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from feedapp.engine import Engine
from tests.support import BIN, ROOT, SEEDS, feedapp, opened_app, write_releases


def keys_and_counters(url: str) -> tuple[list[str], dict[str, int]]:
    engine = Engine(url)
    with engine.connect() as connection:
        keys = connection.column("SELECT key FROM releases ORDER BY id")
        counters = {row["name"]: row["value"] for row in connection.rows("SELECT name, value FROM state")}
    engine.dispose()
    return keys, counters


def feeds(url: str) -> dict[str, bytes]:
    with opened_app({"DATABASE_URL": url}) as app:
        client = app.test_client()
        return {path: client.get(path).data for path in ("/feed.atom", "/feed.rss", "/feed.json", "/sitemap.xml")}


def another_database(database_url: str, tmp_path: Path, request) -> str:  # noqa: ANN001
    """A second, empty database on the same backend."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'db.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


def test_backup_during_an_ingest_holds_every_release_committed_before_it(database_url, tmp_path, request):
    env = {"FEEDAPP_DATABASE_URL": database_url}
    feedapp(env, "ingest", str(SEEDS))
    write_releases(tmp_path / "batch", 1000, prefix="during")
    with subprocess.Popen(  # its exit closes the stdout pipe
        [str(BIN / "feedapp"), "ingest", str(tmp_path / "batch")],
        cwd=ROOT,
        env={**env, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as ingest:
        for _ in range(20):  # the ingest is under way: some of its releases are committed
            assert ingest.stdout.readline().startswith("added ")
        committed, _ = keys_and_counters(database_url)
        copy = tmp_path / "backup.db"
        done = feedapp(env, "backup", str(copy))
        still_running = ingest.poll() is None
        ingest.stdout.read()
        assert ingest.wait(timeout=300) == 0
    assert still_running, "the ingest must still be running while the backup is taken"
    assert done.stderr.endswith(f": backed up to {copy}\n")
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(copy)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # Restore into a new database: every release committed before the backup started is there,
    # and the counters agree with the rows (one snapshot).
    target = another_database(database_url, tmp_path, request)
    restored = feedapp({"FEEDAPP_DATABASE_URL": target}, "restore", str(copy))
    assert restored.stderr.endswith(f": restored from {copy}\n")
    keys, counters = keys_and_counters(target)
    assert keys[: len(committed)] == committed
    assert len(keys) >= 20 + 9
    assert counters["releases_total"] == counters["releases_shown"] == len(keys) == counters["data_version"]


def test_restore_brings_back_exactly_what_was_served_and_never_reuses_a_version(seeded_database_url, tmp_path):
    database_url = seeded_database_url
    env = {"FEEDAPP_DATABASE_URL": database_url}
    served, (_, counters) = feeds(database_url), keys_and_counters(database_url)
    copy = tmp_path / "backup.db"
    feedapp(env, "backup", str(copy))
    write_releases(tmp_path / "later", 3, prefix="later")
    feedapp(env, "ingest", str(tmp_path / "later"))
    _, later = keys_and_counters(database_url)
    assert feeds(database_url) != served
    feedapp(env, "restore", str(copy))
    assert feeds(database_url) == served
    keys, restored = keys_and_counters(database_url)
    assert len(keys) == 9
    assert restored["data_version"] == later["data_version"] + 1 > counters["data_version"]


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_is_replaced(tmp_path, seeded_database_url):
    database_url = seeded_database_url
    env = {"FEEDAPP_DATABASE_URL": database_url}
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = feedapp(env, "restore", str(junk), check=False)
    assert done.returncode == 1
    if database_url.startswith("sqlite"):
        assert done.stderr == f"Error: {junk}: not a readable SQLite database (file is not a database)\n"
    else:
        assert done.stderr.startswith("Error: pg_restore failed (1): pg_restore: error: input file")
    assert len(keys_and_counters(database_url)[0]) == 9


def test_backup_never_leaves_a_partial_file_under_the_final_name(tmp_path, database_url):
    env = {"FEEDAPP_DATABASE_URL": database_url}
    copy = tmp_path / "missing-folder" / "backup.db"
    done = feedapp(env, "backup", str(copy), check=False)
    assert (done.returncode, done.stderr) == (1, f"Error: {copy.parent}: no such folder for the backup\n")
    assert not copy.exists()
    started = time.monotonic()
    assert feedapp(env, "backup", str(tmp_path / "ok.db")).returncode == 0
    assert time.monotonic() - started < 120
