"""Re-deriving stored releases from their raw bytes with the current parser and normalizer.

The raw bytes are kept exactly as received so that everything else can be recomputed when the
normalizer improves. A re-derivation is not an editorial change: `updated`, `published`, the
key and the release's place in the subscription feed stay; the text, the documents' bytes,
their ETags and Last-Modified change, so pollers fetch the new text (store.rederive).

A run over the whole store records the last release it finished in the state table, so a run
that was killed resumes there. Imports hazm (through ingest): never import this from the web app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import store
from .core.errors import Problem
from .core.models import Action, ParseResult, Release
from .core.textdiff import word_diff
from .engine import Engine
from .ingest import Outcome, parse_document, process_parsed

# State row: the id of the last release an interrupted whole-store run finished.
MARK = "reprocess_after"
# Releases read (and normalized by one pool of processes) at a time: bounds memory at any size.
BATCH = 2000
_TEXT_FIELDS = ("kicker", "title", "lead", "source", "language")


@dataclass(frozen=True)
class Result:
    """One release re-derived: changed, unchanged, rejected (its raw bytes no longer parse) or
    failed (the store could not be written; nothing was)."""

    key: str
    action: Action
    diff: tuple[str, ...] = ()
    errors: tuple[Problem, ...] = ()


def resume_point(engine: Engine) -> int | None:
    """The release id an interrupted whole-store run finished last, if any."""
    return store.get_mark(engine, MARK)


def reprocess(
    engine: Engine,
    keys: list[str] | None = None,
    *,
    dry_run: bool = False,
    workers: int = 1,
    restart: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[Result]:
    """Re-derive every shown release (or those with `keys`) in insertion order; one Result each.

    With `dry_run` nothing is written and each change comes with its word-level diff.
    """
    now = clock or (lambda: datetime.now(timezone.utc))
    whole = keys is None and not dry_run  # only a whole-store run keeps a bookmark
    after = 0 if restart or not whole else (resume_point(engine) or 0)
    while rows := store.raw_rows(engine, after, BATCH, keys):
        results = list(_batch(engine, rows, dry_run, workers, now))
        after = rows[-1].id
        if whole:  # before the results go out: a kill from here on never redoes this batch
            store.set_mark(engine, MARK, after)
        yield from results
    if whole:
        store.set_mark(engine, MARK, None)


def _batch(
    engine: Engine, rows: list[store.RawRow], dry_run: bool, workers: int, now: Callable[[], datetime]
) -> Iterator[Result]:
    by_key = {row.key: row for row in rows}
    diffs: dict[str, tuple[str, ...]] = {}

    def handle(path: Path, line: int | None, result: ParseResult) -> Outcome:
        row = by_key[result.release.key]
        if dry_run:
            stored = store.get_release(engine, row.key)
            diffs[row.key] = describe_changes(stored.release, result.release) if stored else ()
            changed = bool(diffs[row.key])
        else:
            changed = store.rederive(engine, row.id, row.digest, result.release, now())
        return Outcome(path=path, action=Action.CHANGED if changed else Action.UNCHANGED, key=row.key)

    items = [(Path(f"<stored {row.key}>"), [parse_document(row.raw, row.format, row.key)]) for row in rows]
    # One outcome per item, in order (process_parsed's promise): the row gives the key even
    # when the raw bytes failed before a key was read.
    for row, outcome in zip(rows, process_parsed(items, handle, workers=workers), strict=True):
        key = row.key
        yield Result(
            key,
            outcome.action,
            diff=diffs.get(key, ()) if outcome.action == Action.CHANGED else (),
            errors=outcome.errors,
        )


def describe_changes(old: Release, new: Release) -> tuple[str, ...]:
    """One line per field that differs (`lead: …[-x-]{+y+}…`); empty when nothing readers see differs."""
    lines = [
        f"{name}: {word_diff(getattr(old, name) or '', getattr(new, name) or '')}"
        for name in _TEXT_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    for number in range(max(len(old.body), len(new.body))):
        before = old.body[number] if number < len(old.body) else ""
        after = new.body[number] if number < len(new.body) else ""
        if before != after:
            lines.append(f"body[{number}]: {word_diff(before, after)}")
    for name in ("categories", "images"):
        if getattr(old, name) != getattr(new, name):
            lines.append(f"{name}: {list(getattr(old, name))} → {list(getattr(new, name))}")
    return tuple(lines)
