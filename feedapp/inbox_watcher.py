"""The inbox tree watched by the host's ingest service (FEEDAPP_INBOX; ingest_service.py).

The service, warm already, looks at the tree every few seconds and ingests the release files
that are new or changed since it last looked, exactly as `feedapp ingest --inbox DIR` does
(offices.py: each sub-folder is an office's, files directly in DIR are of no office), as the OS
user it runs as. Files are compared by modification time and size; the first look after a start
takes every file, which costs a read and a digest per unchanged one (stored bytes are recognized
before normalization). A file modified within the last SETTLE_SECONDS is left for the next look:
it may still be being written. What it did goes to the service's log, one line per change or
problem, then a summary; the WebSub hub, if any, is told in the background.

Imports offices, hence hazm: only the service process imports this.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from . import offices, store
from .core.models import Action, Release
from .engine import Engine
from .ingest import Outcome

# A file younger than this may still be being written: taken on a later look.
SETTLE_SECONDS = 1.0


class InboxWatcher:
    """Remembers what it ingested under `root`; `look()` ingests what changed since."""

    def __init__(self, root: Path, log: Callable[[str], None], notify: Callable[[list[Release]], None]) -> None:
        self.root = root
        self.log = log
        self.notify = notify  # told the releases whose feeds changed
        self._seen: dict[Path, tuple[int, int]] = {}  # file → (mtime_ns, size) when ingested

    def look(self, engine: Engine, now: float | None = None) -> int:
        """Ingest the new and changed files; how many files were taken."""
        if not self.root.is_dir():
            return 0
        try:
            batch = offices.inbox(self.root)
        except OSError as exc:  # a folder it may not read: said each look until fixed, the rest waits
            self.log(f"error {self.root}: the inbox could not be read ({exc})")
            return 0
        now = time.time() if now is None else now
        stamps = {path: _stamp(path, now) for path in _paths(batch)}
        wanted = {path: stamp for path, stamp in stamps.items() if stamp and self._seen.get(path) != stamp}
        if not wanted:
            return 0
        taken = replace(
            batch,
            files=[path for path in batch.files if path in wanted],
            settled=tuple(outcome for outcome in batch.settled if outcome.path in wanted),
        )
        counts: dict[Action, int] = {}
        changed = []
        for outcome in offices.ingest(engine, taken, store.os_user()):
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
            if outcome.action.changed_feeds and outcome.release:
                changed.append(outcome.release)
            for line in _lines(outcome):
                self.log(line)
        self._seen.update(wanted)
        self.log(f"inbox {self.root}: {offices.summary(taken.size, counts)}")
        if changed:
            self.notify(changed)
        return taken.size


def _paths(batch: offices.Batch) -> list[Path]:
    return [*batch.files, *(outcome.path for outcome in batch.settled)]


def _stamp(path: Path, now: float) -> tuple[int, int] | None:
    """The file's (mtime_ns, size), or None while it may still be written (or is gone)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if now - stat.st_mtime < SETTLE_SECONDS:
        return None
    return stat.st_mtime_ns, stat.st_size


def _lines(outcome: Outcome) -> list[str]:
    """The log lines of one outcome, as `feedapp ingest` prints them, but none for an unchanged
    release (every file is one after a restart) and with the file beside each change."""
    changed = outcome.ok and outcome.action != Action.UNCHANGED
    return ([f"{outcome.action} {outcome.key} ({outcome.path})"] if changed else []) + outcome.problem_lines()
