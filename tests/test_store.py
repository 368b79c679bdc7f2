"""The store on a real SQLite file: WAL, aware instants, exact raw bytes, idempotent atomic saves."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from feedapp import store
from feedapp.core.models import Action, Image, PublishedAt, Release, Selection
from feedapp.engine import Engine, utc

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
PUBLISHED = PublishedAt(instant=datetime(2014, 3, 11, 8, 30, tzinfo=timezone.utc), jalali="1392/12/20", has_time=False)


def release(**changes) -> Release:
    base = Release(
        key="k1",
        published=PUBLISHED,
        title="تیتر",
        lead="لید.",
        body=("یک", "دو"),
        kicker="کیکر",
        categories=("اقتصاد",),
        source="اداره",
        images=(Image(url="https://a.ir/x.jpg", length=5),),
    )
    return dataclasses.replace(base, **changes)


def test_sqlite_database_runs_in_wal_mode(sqlite_engine):
    with sqlite_engine.connect() as connection:
        assert connection.scalar("PRAGMA journal_mode") == "wal"


@contextmanager
def no_waiting(engine):
    """Within the block, the engine's connection fails at once on a lock instead of waiting 10 s.

    The setting is made on the idle connection the engine hands to this thread's next
    `connect()` or `begin()`, so it is the one the code under test uses.
    """
    with engine.connect() as connection:
        connection.raw.execute("PRAGMA busy_timeout=0")
    try:
        yield
    finally:
        with engine.connect() as connection:
            connection.raw.execute("PRAGMA busy_timeout=10000")


def test_sqlite_readers_are_not_blocked_by_an_open_write_transaction(sqlite_engine, tmp_path):
    engine = sqlite_engine
    store.save_release(engine, release(), b"raw", "text", T0)
    writer = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE releases SET title = 'x'")
    try:
        with no_waiting(engine), engine.connect() as connection:  # a plain read, as the web app does
            assert connection.scalar("SELECT title FROM releases") == "تیتر"
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_sqlite_writers_take_the_lock_up_front(sqlite_engine, tmp_path):
    engine = sqlite_engine
    writer = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with no_waiting(engine), pytest.raises(sqlite3.OperationalError, match="database is locked"):
            with engine.begin(write=True):  # BEGIN IMMEDIATE needs the lock at once
                pass
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_saved_release_reads_back_equal_with_aware_utc_instants(engine):
    saved = store.save_release(engine, release(), b"raw bytes", "text", T0)
    assert saved.action == Action.ADDED
    stored = store.get_release(engine, "k1")
    assert stored.release == release()
    assert stored.release.published.instant.tzinfo is timezone.utc
    assert (stored.ingested_at, stored.changed_at, stored.format) == (T0, T0, "text")
    assert store.get_raw(engine, "k1") == b"raw bytes"


def test_same_bytes_again_change_nothing(engine):
    store.save_release(engine, release(), b"raw", "text", T0)
    version = store.data_version(engine)
    again = store.save_release(engine, release(), b"raw", "text", T0 + timedelta(hours=1))
    assert again.action == Action.UNCHANGED
    assert store.data_version(engine) == version == 1
    assert store.get_release(engine, "k1").changed_at == T0


def test_changed_content_keeps_key_and_published_and_sets_updated(engine):
    store.save_release(engine, release(), b"raw", "text", T0)
    later = T0 + timedelta(days=2)
    other_date = PublishedAt(instant=PUBLISHED.instant + timedelta(days=1), jalali="1392/12/21", has_time=False)
    saved = store.save_release(engine, release(title="تیتر تازه", published=other_date), b"raw2", "text", later)
    assert saved.action == Action.UPDATED
    stored = store.get_release(engine, "k1")
    assert stored.release.title == "تیتر تازه"
    assert stored.release.published == PUBLISHED
    assert stored.release.updated == later
    assert (stored.ingested_at, stored.changed_at) == (T0, later)
    assert store.get_raw(engine, "k1") == b"raw2"
    assert store.data_version(engine) == 2


def test_source_updated_time_is_used_when_given(engine):
    store.save_release(engine, release(), b"raw", "json", T0)
    given = T0 + timedelta(minutes=5)
    store.save_release(engine, release(lead="لید تازه.", updated=given), b"raw2", "json", T0 + timedelta(days=1))
    assert store.get_release(engine, "k1").release.updated == given


def test_new_bytes_with_the_same_content_are_kept_quietly(engine):
    store.save_release(engine, release(), b"raw", "text", T0)
    saved = store.save_release(engine, release(), b"same release, other encoding", "text", T0 + timedelta(days=1))
    assert saved.action == Action.UNCHANGED
    assert store.get_raw(engine, "k1") == b"same release, other encoding"
    assert store.get_release(engine, "k1").release.updated is None
    assert store.data_version(engine) == 1


def test_failed_save_leaves_no_half_written_release(engine, monkeypatch):
    def fail(connection):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_bump_version", fail)
    with pytest.raises(RuntimeError):
        store.save_release(engine, release(), b"raw", "text", T0)
    assert store.get_release(engine, "k1") is None
    assert store.count_releases(engine) == 0


def test_concurrent_writers_never_lose_a_release_or_a_version(engine):
    # Four threads save 25 releases each, and all of them save one shared key: every release is
    # stored once, and every visible change got its own version.
    import threading

    errors = []

    def work(worker: int) -> None:
        try:
            for number in range(25):
                store.save_release(
                    engine, release(key=f"w{worker}_{number}"), f"{worker}/{number}".encode(), "text", T0
                )
            store.save_release(engine, release(key="shared", title=f"t{worker}"), f"{worker}".encode(), "text", T0)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count_releases(engine) == 101
    versions = sorted(s.version for s in store.recently_changed(engine, 200))
    assert len(set(versions)) == 101
    assert store.data_version(engine) == 104  # 100 adds, the shared key's add and 3 updates


def test_list_pages_walk_newest_first_by_marks_and_link_back(engine):
    """Keyset list pages: ties in `published` go by insertion, newest first; a retracted
    release still marks its place; the newer link of a page finds the page before it."""
    days = {"a": 1, "b": 3, "c": 2, "d": 3, "e": 5, "f": 4, "g": 3}  # b, d, g tie
    for key, day in days.items():
        published = dataclasses.replace(PUBLISHED, instant=PUBLISHED.instant + timedelta(days=day))
        store.save_release(engine, release(key=key, published=published), key.encode(), "text", T0)
    store.retract(engine, "g", T0)
    walked, mark, newer = [], None, []
    while True:
        page = store.list_page(engine, mark, 2)
        walked.append([stored.release.key for stored in page.releases])
        newer.append(page.newer)
        if page.older is None:
            break
        mark = page.older
    assert walked == [["e", "f"], ["d", "b"], ["c", "a"]]
    assert newer == [None, None, "f"]  # from ["c", "a"] back to the page that starts after "f"
    assert store.list_marks(engine, 2) == ["f", "b"]
    assert store.list_mark_at(engine, 3) == "b"
    # A retracted release marks the page after its place; an unknown key marks nothing.
    assert [stored.release.key for stored in store.list_page(engine, "g", 2).releases] == ["d", "b"]
    assert store.list_page(engine, "g", 2).newer == "e"
    assert store.list_page(engine, "nothing", 2) is None
    assert store.list_page(engine, "a", 2) == store.ListPage([], None, "b")
    assert store.count_releases(engine) == 6


def test_naive_datetime_is_refused(engine):
    naive = PublishedAt(instant=datetime(2014, 3, 11, 8, 30), jalali="1392/12/20", has_time=False)
    with pytest.raises(ValueError, match="refusing to store a naive datetime"):
        store.save_release(engine, release(published=naive), b"raw", "text", T0)


def test_counts_follow_retraction_and_republication(engine):
    store.save_release(engine, release(key="a"), b"a", "text", T0)
    store.save_release(engine, release(key="b"), b"b", "text", T0)
    steps = [
        (lambda: store.retract(engine, "a", T0), (1, 2)),
        (lambda: store.retract(engine, "a", T0), (1, 2)),  # idempotent
        (lambda: store.save_release(engine, release(key="a"), b"a", "text", T0), (2, 2)),  # published again
        (lambda: store.save_release(engine, release(key="c"), b"c", "text", T0), (3, 3)),
    ]
    for step, (shown, total) in steps:
        step()
        assert (store.count_releases(engine), store.count_releases(engine, retracted=True)) == (shown, total)
    assert store.all_keys(engine) == ["a", "b", "c"]


def _plans(sqlite_engine, read) -> list[str]:
    """SQLite's query plan lines for every statement `read` runs."""
    return _traced(sqlite_engine, read)[1]


# What every request after a change reads (a feed, its archive page, the lists, the sitemaps):
# indexed lookups only, so first renders stay as fast at 100,000 releases as at 1,000.
PER_REQUEST_READS = {
    "recently_changed": lambda db: store.recently_changed(db, 50),
    "recently_changed by category": lambda db: store.recently_changed(db, 50, Selection(category="اقتصاد")),
    "archive_page": lambda db: store.archive_page(db, 2, 50),
    "removed_from_window": lambda db: store.removed_from_window(db, 50),
    "removed_from_window by category": lambda db: store.removed_from_window(db, 50, Selection(category="ب")),
    "removed_from_window by source": lambda db: store.removed_from_window(db, 50, Selection(source="اداره")),
    "last_change": lambda db: store.last_change(db),
    "last_published": lambda db: store.last_published(db, T0),
    "list_page": lambda db: store.list_page(db, None, 21),
    "count_releases": lambda db: (store.count_releases(db), store.count_releases(db, retracted=True)),
    "count_releases by source": lambda db: store.count_releases(db, Selection(source="اداره")),
    "sitemap_page": lambda db: store.sitemap_page(db, 1, 50_000),
    "sitemap_page_lastmods": lambda db: store.sitemap_page_lastmods(db, 50_000),
    "data_version": lambda db: store.data_version(db),
}


@pytest.mark.parametrize("read", PER_REQUEST_READS.values(), ids=PER_REQUEST_READS.keys())
def test_per_request_reads_never_scan_the_release_rows(sqlite_engine, read):
    for number in range(3):
        store.save_release(sqlite_engine, release(key=f"k{number}"), f"{number}".encode(), "text", T0)
    plans = _plans(sqlite_engine, read)
    assert plans, "the read ran no statement"
    # "SCAN releases" alone reads every row; through an index or by rowid is what we want.
    assert [line for line in plans if line in ("SCAN releases", "SCAN release_categories")] == [], plans


def _traced(sqlite_engine, read) -> tuple[list[str], list[str]]:
    """The statements `read` runs, and SQLite's query plan lines for them."""
    with sqlite_engine.connect() as connection:
        statements: list[str] = []
        connection.raw.set_trace_callback(statements.append)
        try:
            read(connection)
        finally:
            connection.raw.set_trace_callback(None)
        plans = [
            row[3] for statement in statements for row in connection.raw.execute("EXPLAIN QUERY PLAN " + statement)
        ]
    return statements, plans


# Pages by place (migration 0004): what they read is a range of an index, whatever the page.
RANGE_READS = {
    "archive_page": lambda db: store.archive_page(db, 2, 2),
    "archive_page by category": lambda db: store.archive_page(db, 2, 2, Selection(category="اقتصاد")),
    "archive_page by source": lambda db: store.archive_page(db, 2, 2, Selection(source="اداره")),
    "archive_page_count": lambda db: store.archive_page_count(db, store.ALL, 2),
    "archive_page_count by category": lambda db: store.archive_page_count(db, Selection(category="اقتصاد"), 2),
    "archive_page_count by source": lambda db: store.archive_page_count(db, Selection(source="اداره"), 2),
    "has_releases by category": lambda db: store.has_releases(db, Selection(category="اقتصاد")),
    "has_releases by source": lambda db: store.has_releases(db, Selection(source="اداره")),
    "sitemap_page": lambda db: store.sitemap_page(db, 2, 2),
    "list_page": lambda db: store.list_page(db, "k2", 2),
    "removed_from_window by category": lambda db: store.removed_from_window(db, 2, Selection(category="اقتصاد")),
    "removed_from_window by source": lambda db: store.removed_from_window(db, 2, Selection(source="اداره")),
    # A page of whole blocks reads its blocks, never its releases.
    "sitemap_page_version": lambda db: store.sitemap_page_version(db, 2, 2 * store.BLOCK),
}


@pytest.mark.parametrize("read", RANGE_READS.values(), ids=RANGE_READS.keys())
def test_page_reads_search_an_index_range_and_never_count_their_way(sqlite_engine, read):
    for number in range(5):
        store.save_release(sqlite_engine, release(key=f"k{number}"), f"{number}".encode(), "text", T0)
    statements, plans = _traced(sqlite_engine, read)
    assert [statement for statement in statements if "OFFSET" in statement.upper()] == []
    # No SCAN of either table, not even of a covering index: only SEARCH (a range or a lookup).
    assert [line for line in plans if line.startswith(("SCAN releases", "SCAN release_categories"))] == [], plans


@pytest.mark.parametrize("selection", [Selection(category="اقتصاد"), Selection(source="اداره")], ids=str)
def test_a_selection_feed_reads_the_first_entries_of_an_index_not_a_sort_of_its_members(sqlite_engine, selection):
    """Migration 0005: a category's or a source's most recently edited releases come in the
    order of an index that starts with the selection, so reading 2 reads 2 entries."""
    for number in range(5):
        store.save_release(sqlite_engine, release(key=f"k{number}"), f"{number}".encode(), "text", T0)
    statements, plans = _traced(sqlite_engine, lambda db: store.recently_changed(db, 2, selection))
    edited = "release_categories_edited (category=?)" if selection.category else "releases_source_edited (source=?)"
    assert [line for line in plans if not line.startswith("SEARCH releases USING INTEGER PRIMARY KEY")] == [
        f"SEARCH {'release_categories USING COVERING' if selection.category else 'releases USING'} INDEX {edited}"
    ]
    assert [stamp.key for stamp in store.recently_changed(sqlite_engine, 2, selection)] == ["k4", "k3"]


def keys_of(page: store.ArchivePage) -> list[str]:
    return sorted([stamp.key for stamp in page.stamps] + [removal.key for removal in page.removals])


def test_a_release_keeps_its_place_in_every_page_through_edits_and_retraction(engine):
    def save(key, categories, source, minute):
        changed = release(key=key, categories=categories, source=source, title=f"تیتر {minute}")
        store.save_release(engine, changed, f"{key}{minute}".encode(), "text", T0 + timedelta(minutes=minute))

    economy, sport = Selection(category="اقتصاد"), Selection(category="ورزش")
    office, other = Selection(source="اداره"), Selection(source="اداره دیگر")
    for number in range(4):  # a0..a3: economy, the office
        save(f"a{number}", ("اقتصاد",), "اداره", number)
    save("a1", ("اقتصاد", "ورزش"), "اداره", 10)  # keeps its economy place, is first in sport
    save("a2", ("ورزش",), "اداره دیگر", 11)  # leaves economy (a gap) and the office (a gap)
    store.retract(engine, "a0", T0 + timedelta(minutes=12))  # keeps its places
    save("a4", ("اقتصاد",), "اداره", 13)
    selections = {"all": store.ALL, "economy": economy, "sport": sport, "office": office, "other": other}
    pages = {
        name: [keys_of(store.archive_page(engine, page, 2, selection)) for page in (1, 2, 3)]
        for name, selection in selections.items()
    }
    assert pages == {
        "all": [["a0", "a1"], ["a2", "a3"], ["a4"]],
        "economy": [["a0", "a1"], ["a3"], ["a4"]],
        "sport": [["a1", "a2"], [], []],
        "office": [["a0", "a1"], ["a3"], ["a4"]],
        "other": [["a2"], [], []],
    }
    counts = {name: store.archive_page_count(engine, selection, 2) for name, selection in selections.items()}
    assert counts == {"all": 3, "economy": 3, "sport": 1, "office": 3, "other": 1}
    assert [store.has_releases(engine, s) for s in (economy, sport, other, Selection(category="نه"))] == [
        True,
        True,
        True,
        False,
    ]
    assert [key for key, _ in store.sitemap_page(engine, 1, 2)[0]] == ["a1"]  # a0 retracted
    assert store.archive_page(engine, 1, 2, economy).next_first is not None


@pytest.mark.parametrize(
    ("url", "dialect", "path"),
    [
        ("sqlite:///instance/feedapp.sqlite3", "sqlite", "instance/feedapp.sqlite3"),
        ("sqlite:////var/lib/feedapp/feedapp.sqlite3", "sqlite", "/var/lib/feedapp/feedapp.sqlite3"),
        ("postgresql://feedapp@db.internal/feedapp", "postgresql", None),
        ("postgresql+psycopg://feedapp@db.internal/feedapp", "postgresql", None),
    ],
)
def test_database_url_names_the_backend_and_file(url, dialect, path):
    engine = Engine(url)
    assert (engine.dialect, engine.path) == (dialect, path)


@pytest.mark.parametrize(
    ("url", "path", "timeout_ms"),
    [
        ("sqlite:///instance/feedapp.sqlite3", "instance/feedapp.sqlite3", 10_000),
        ("sqlite:///instance/feedapp.sqlite3?timeout=2.5", "instance/feedapp.sqlite3", 2_500),
        ("sqlite:////var/lib/feedapp/feedapp.sqlite3?timeout=0", "/var/lib/feedapp/feedapp.sqlite3", 0),
    ],
)
def test_sqlite_url_may_say_how_long_a_statement_waits_for_a_lock(url, path, timeout_ms, tmp_path):
    engine = Engine(url)
    assert (engine.path, engine.busy_timeout_ms) == (path, timeout_ms)
    database = tmp_path / "db.sqlite3"
    sqlite3.connect(database).close()
    query = url.partition("?")[2]
    opened = Engine(f"sqlite:///{database}" + (f"?{query}" if query else ""))
    try:
        with opened.connect() as connection:
            assert connection.scalar("PRAGMA busy_timeout") == timeout_ms
    finally:
        opened.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "a SQLite URL names a file, as sqlite:///path/to/file"),
        ("sqlite:///:memory:", "a SQLite URL names a file, as sqlite:///path/to/file"),
        ("mysql://feedapp@db/feedapp", "expected sqlite:///… or postgresql://…"),
        (
            "sqlite:///db.sqlite3?timeout=soon",
            "a SQLite URL's only parameter is ?timeout=SECONDS (0 to 3600), not 'timeout=soon'",
        ),
        (
            "sqlite:///db.sqlite3?mode=ro",
            "a SQLite URL's only parameter is ?timeout=SECONDS (0 to 3600), not 'mode=ro'",
        ),
        (
            "sqlite:///db.sqlite3?timeout=-1",
            "a SQLite URL's only parameter is ?timeout=SECONDS (0 to 3600), not 'timeout=-1'",
        ),
    ],
)
def test_unusable_database_url_is_refused_with_what_was_expected(url, message):
    with pytest.raises(ValueError) as error:
        Engine(url)
    assert str(error.value) == f"DATABASE_URL {url!r}: {message}"


def test_postgresql_version_reader_reads_again_on_a_new_connection_after_the_server_dropped_it(postgres):
    from tests.support import upgraded

    engine = Engine(upgraded(postgres.new_database()))
    reader = store.PostgresVersionReader(engine.conninfo)
    try:
        assert reader() == 0
        store.save_release(engine, release(), b"raw", "text", T0)
        assert reader() == 1
        dropped = reader.connections.get().raw.info.backend_pid
        with engine.connect() as connection:  # what a server restart does to the reader's session
            assert connection.scalar("SELECT pg_terminate_backend(:pid)", {"pid": dropped}) is True
            gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
            deadline = time.monotonic() + 10
            while connection.scalar(gone, {"pid": dropped}) and time.monotonic() < deadline:
                time.sleep(0.01)
        assert reader() == 1
        assert reader.connections.get().raw.info.backend_pid != dropped
    finally:
        reader.close()
        engine.dispose()


def change_version_in_another_process(engine: Engine, to: int) -> None:
    """Raise the data version to `to` from a new process, as the ingest service or a CLI does."""
    code = "import sys; from feedapp import store, engine; store.raise_data_version(engine.Engine(sys.argv[1]), int(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", code, engine.url, str(to)], check=True, timeout=60)


def calls_until(reader, version: int) -> int:
    """How many calls the reader took to answer `version` (PostgreSQL's notice travels on its
    own after the commit: tens of microseconds, waited for here up to 10 s)."""
    deadline = time.monotonic() + 10
    calls = 1
    while reader() != version and time.monotonic() < deadline:
        calls += 1
        time.sleep(0.001)
    return calls


@contextmanager
def reading_versions(engine: Engine, monkeypatch, trusted_for: float):
    """The backend's version reader, a read trusted for `trusted_for` seconds at most."""
    monkeypatch.setattr(store, "MAX_VERSION_AGE", trusted_for)
    reader = store.version_reader(engine)
    try:
        yield reader
    finally:
        reader.close()


def test_a_version_reader_reads_again_only_when_another_process_changed_the_version(engine, monkeypatch):
    with reading_versions(engine, monkeypatch, trusted_for=3600.0) as reader:  # only a change signal reads
        assert [reader() for _ in range(200)] == [0] * 200
        assert reader.reads == 1
        for version in (5, 9):
            change_version_in_another_process(engine, version)
            calls = calls_until(reader, version)
            if engine.path:  # SQLite's header is rewritten before the commit returns
                assert calls == 1
            assert [reader() for _ in range(200)] == [version] * 200
        assert reader.reads == 3


def test_a_version_reader_sees_a_change_made_by_its_own_process_at_once(engine, monkeypatch):
    with reading_versions(engine, monkeypatch, trusted_for=3600.0) as reader:
        assert reader() == 0
        store.save_release(engine, release(), b"raw", "text", T0)
        assert reader() == 1
        store.retract(engine, "k1", T0)
        assert reader() == 2
        assert reader.reads == 3


def test_a_version_reader_never_trusts_a_read_older_than_its_bound(engine, monkeypatch):
    with reading_versions(engine, monkeypatch, trusted_for=0.0) as reader:
        assert [reader() for _ in range(20)] == [0] * 20
        assert reader.reads == 20


def test_sqlite_version_reader_follows_changes_across_checkpoints(sqlite_engine, monkeypatch):
    monkeypatch.setattr(store, "MAX_VERSION_AGE", 3600.0)
    reader = store.SqliteVersionReader(sqlite_engine.file)
    other = sqlite3.connect(sqlite_engine.file, isolation_level=None)
    try:
        assert reader() == 0
        for version in (3, 4, 7):
            # A full checkpoint empties the WAL: the next commit starts it again from frame one.
            assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
            change_version_in_another_process(sqlite_engine, version)
            assert reader() == version
        assert reader.reads == 4
    finally:
        other.close()
        reader.close()


def test_sqlite_version_reader_reads_every_time_without_wal(sqlite_engine, monkeypatch):
    monkeypatch.setattr(store, "MAX_VERSION_AGE", 3600.0)
    sqlite_engine.dispose()
    other = sqlite3.connect(sqlite_engine.file, isolation_level=None)  # not the engine's: it sets WAL
    assert other.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    reader = store.SqliteVersionReader(sqlite_engine.file)
    try:
        assert [reader() for _ in range(5)] == [0] * 5
        other.execute("UPDATE state SET value = 6 WHERE name = 'data_version'")
        assert reader() == 6
        assert reader.reads == 6
    finally:
        other.close()
        reader.close()


def _expected_blocks(engine, size: int) -> tuple[list, list[int]]:
    """Each sitemap page's newest shown date and newest version, computed from every release."""
    with engine.connect() as connection:
        rows = connection.rows("SELECT position, published, updated, retracted_at, changed_version FROM releases")
    pages: dict[int, list[dict]] = {}
    for row in rows:
        pages.setdefault((row["position"] - 1) // size, []).append(row)
    lastmods, versions = [], []
    for number in sorted(pages):
        shown = [row for row in pages[number] if row["retracted_at"] is None]
        dates = [utc(row[column]) for row in shown for column in ("published", "updated") if row[column]]
        lastmods.append(max(dates, default=None))
        versions.append(max(row["changed_version"] for row in pages[number]))
    return lastmods, versions


def test_sitemap_blocks_follow_every_kind_of_change(engine, monkeypatch):
    """Pages of whole blocks are read from position_blocks; after adds (one by one and in a
    batch), edits, re-derivations and retractions they say what the releases say."""
    monkeypatch.setattr(store, "BLOCK", 4)  # blocks of 4 places: pages of 8 are two blocks
    size = 8

    def at(number: int) -> PublishedAt:
        return dataclasses.replace(PUBLISHED, instant=PUBLISHED.instant + timedelta(days=number % 7))

    for number in range(10):
        store.save_release(engine, release(key=f"k{number}", published=at(number)), b"%d" % number, "text", T0)
    batch = [(release(key=f"b{number}", published=at(number)), b"b", "text") for number in range(9)]
    assert store.insert_batch(engine, batch, T0) == 9  # places 11..19: blocks 2 (partly), 3, 4
    edited = release(key="k5", published=at(5), title="تیتر دیگر", updated=T0 + timedelta(days=9000))
    store.save_release(engine, edited, b"edited", "text", T0 + timedelta(hours=1))
    stored = store.get_release(engine, "k9")
    rederived = dataclasses.replace(stored.release, lead="لید دیگر.")
    assert store.rederive(engine, stored.id, store._digest(b"9"), rederived, T0 + timedelta(hours=2))
    for key in ("k2", "b2", "b3", "b4", "b5"):  # b2..b5 fill block 3 (places 13..16): it shows nothing
        store.retract(engine, key, T0 + timedelta(hours=3))

    lastmods, versions = _expected_blocks(engine, size)
    assert store.sitemap_page_lastmods(engine, size) == lastmods
    assert [store.sitemap_page_version(engine, page, size) for page in (1, 2, 3)] == versions
    assert len(lastmods) == 3 and lastmods[0] == T0 + timedelta(days=9000)  # the edit's `updated`
    # Pages that are not whole blocks are read from the releases, with the same answers.
    assert store.sitemap_page_lastmods(engine, 2) == _expected_blocks(engine, 2)[0]
    by_block = store.sitemap_page_lastmods(engine, 4)
    assert by_block == _expected_blocks(engine, 4)[0] and by_block[3] is None  # the retracted block
    assert [store.sitemap_page_version(engine, page, 4) for page in range(1, 6)] == _expected_blocks(engine, 4)[1]


@pytest.mark.parametrize("selection", [store.ALL, Selection(category="اقتصاد"), Selection(source="اداره")], ids=str)
def test_an_edited_release_leads_its_selection_feed_and_a_reprocessed_one_keeps_its_place(engine, selection):
    for number in range(4):
        store.save_release(engine, release(key=f"k{number}"), b"%d" % number, "text", T0)
    store.save_release(engine, release(key="k1", title="تیتر تازه"), b"edited", "text", T0 + timedelta(hours=1))
    stored = store.get_release(engine, "k2")
    rederived = dataclasses.replace(stored.release, lead="لید دیگر.")
    assert store.rederive(engine, stored.id, store._digest(b"2"), rederived, T0 + timedelta(hours=2))
    store.retract(engine, "k3", T0 + timedelta(hours=3))
    assert [stamp.key for stamp in store.recently_changed(engine, 3, selection)] == ["k1", "k2", "k0"]
    assert [removal.key for removal in store.removed_from_window(engine, 3, selection)] == ["k3"]


def test_the_site_feed_reads_its_removals_from_the_retracted_releases_only(sqlite_engine):
    """Migration 0005: the retracted releases in changed_version order are a partial index of
    their own; the walk of every release's changed_version (to skip a sort of a few rows) grew
    with the store: 130 ms at 100,000 releases."""
    for number in range(5):
        store.save_release(sqlite_engine, release(key=f"k{number}"), f"{number}".encode(), "text", T0)
    store.retract(sqlite_engine, "k1", T0)
    _, plans = _traced(sqlite_engine, lambda db: store.removed_from_window(db, 50))
    walks = [line for line in plans if "releases USING" in line and "INTEGER PRIMARY KEY" not in line]
    assert walks[0] == "SCAN releases USING INDEX releases_retracted_changed", plans
    assert [removal.key for removal in store.removed_from_window(sqlite_engine, 50)] == ["k1"]
