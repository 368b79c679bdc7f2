"""The inbox tree watched by the ingest service (feedapp/inbox_watcher.py): in this process with a
given clock, and in the real service with FEEDAPP_INBOX set."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from feedapp import store
from feedapp.engine import Engine
from feedapp.inbox_watcher import SETTLE_SECONDS, InboxWatcher
from tests.support import ingest_service, upgraded
from tests.test_faults import wait_until
from tests.test_inbox import OTHER_TEXT, QAZVIN, TEXT, json_release, sources, write

OLD = 1_700_000_000  # files' modification time: long settled
SUMMARY_ADDED = "1 files: 1 added, 0 updated, 0 unchanged, 0 rejected"
SUMMARY_UPDATED = "1 files: 0 added, 1 updated, 0 unchanged, 0 rejected"


def aged(root: Path, when: float = OLD) -> Path:
    """Every file under `root` last modified at `when`."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))
    return root


def watcher(root: Path) -> tuple[InboxWatcher, list[str], list[list[str]]]:
    """A watcher of `root`, the lines it logs, and the keys of each notification it sends."""
    logged: list[str] = []
    notified: list[list[str]] = []
    return (
        InboxWatcher(root, logged.append, lambda releases: notified.append([r.key for r in releases])),
        logged,
        notified,
    )


@pytest.mark.slow  # normalizes with hazm
def test_first_look_takes_every_file_as_its_folders_office_and_later_looks_only_what_changed(engine, tmp_path):
    inbox = aged(write(tmp_path / "inbox", {f"{QAZVIN}/q1.txt": TEXT, "top.json": json_release("top"), "bad.txt": b""}))
    watch, logged, notified = watcher(inbox)
    assert watch.look(engine, now=OLD + 60) == 3
    assert sources(engine, ["q1", "top"]) == {"q1": QAZVIN, "top": None}
    assert logged == [
        f"error {inbox / 'bad.txt'}: the file is empty; expected a release starting with a date line",
        f"added top ({inbox / 'top.json'})",
        f"added q1 ({inbox / QAZVIN / 'q1.txt'})",
        f"inbox {inbox}: 3 files: 2 added, 0 updated, 0 unchanged, 1 rejected",
    ]
    assert notified == [["top", "q1"]]
    # Nothing changed: nothing read, nothing logged.
    logged.clear()
    assert watch.look(engine, now=OLD + 120) == 0
    assert logged == []
    # A changed file is taken again (so is every file whose time moved: read, recognized unchanged).
    (inbox / QAZVIN / "q1.txt").write_bytes(OTHER_TEXT)
    aged(inbox / QAZVIN, OLD + 200)
    assert watch.look(engine, now=OLD + 300) == 1
    assert logged == [f"updated q1 ({inbox / QAZVIN / 'q1.txt'})", f"inbox {inbox}: {SUMMARY_UPDATED}"]
    # The audit trail says the service's OS user ingested them.
    assert [(record.action, record.key, record.command, record.os_user) for record in store.audit_records(engine)] == [
        ("added", "top", "ingest", store.os_user()),
        ("added", "q1", "ingest", store.os_user()),
        ("updated", "q1", "ingest", store.os_user()),
    ]


@pytest.mark.slow  # normalizes with hazm
def test_a_file_still_being_written_is_left_for_a_later_look(engine, tmp_path):
    inbox = write(tmp_path / "inbox", {"new.txt": TEXT})
    written = (inbox / "new.txt").stat().st_mtime
    watch, logged, _ = watcher(inbox)
    assert watch.look(engine, now=written + SETTLE_SECONDS / 2) == 0
    assert store.get_release(engine, "new") is None
    assert watch.look(engine, now=written + SETTLE_SECONDS + 0.1) == 1
    assert logged == [f"added new ({inbox / 'new.txt'})", f"inbox {inbox}: {SUMMARY_ADDED}"]


def test_a_missing_inbox_is_no_error(engine, tmp_path):
    watch, logged, _ = watcher(tmp_path / "not-yet")
    assert (watch.look(engine), logged) == (0, [])


@pytest.mark.slow  # the ingest service (hazm)
def test_the_service_ingests_its_inbox_tree_and_what_is_dropped_there_later(tmp_path):
    url = upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    inbox = aged(write(tmp_path / "inbox", {f"{QAZVIN}/q1.txt": TEXT}), time.time() - 60)
    log = tmp_path / "service.log"
    engine = Engine(url)
    try:
        with ingest_service({"FEEDAPP_DATABASE_URL": url, "FEEDAPP_INBOX": str(inbox)}, log):
            assert wait_until(lambda: sources(engine, ["q1"]) == {"q1": QAZVIN}, 30), log.read_text()
            write(inbox, {"later.json": json_release("later")})  # dropped while it runs
            assert wait_until(lambda: sources(engine, ["later"]) == {"later": None}, 30), log.read_text()
        said = [line.removeprefix("feedapp ingest service: ") for line in log.read_text().splitlines()]
    finally:
        engine.dispose()
    assert [line for line in said if not line.startswith("ready (pid")] == [
        f"watching the inbox {inbox} (every 5 s)",
        f"added q1 ({inbox / QAZVIN / 'q1.txt'})",
        f"inbox {inbox}: {SUMMARY_ADDED}",
        f"added later ({inbox / 'later.json'})",
        f"inbox {inbox}: {SUMMARY_ADDED}",
    ]


def test_an_inbox_that_cannot_be_read_is_said_and_the_service_goes_on(engine, tmp_path, monkeypatch):
    inbox = write(tmp_path / "inbox", {"a.txt": TEXT})

    def unreadable(root: Path) -> None:
        raise PermissionError(13, "Permission denied", str(root / "office"))

    monkeypatch.setattr("feedapp.offices.inbox", unreadable)
    watch, logged, _ = watcher(inbox)
    assert watch.look(engine, now=OLD) == 0
    assert logged == [
        f"error {inbox}: the inbox could not be read ([Errno 13] Permission denied: '{inbox / 'office'}')"
    ]
