"""Files → parsed, normalized, dated releases → store, one outcome per release: the one way
releases are added and updated (by the CLI and the API's ingest child; `reprocess` reuses its
parsing and normalizing). Retraction is `store.retract`'s.

Each file (each line of a `.jsonl` file) is handled on its own: a bad one is reported and the
rest of the batch goes on. Imports hazm through core.normalize: never import this from the web app.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from . import store
from .core.errors import Problem, ReleaseError
from .core.jsonrelease import parse_json_release, split_json_lines
from .core.models import Action, ParseResult, Release
from .core.normalize import normalize_release, normalize_text
from .core.parse import parse_text_release
from .engine import Engine, storage_faults

SUFFIXES = (".txt", ".json", ".jsonl")


@dataclass(frozen=True)
class Outcome:
    """What happened to one release: its action, or the errors that rejected it.

    A store fault (locked, full, read-only, unreachable) is FAILED, not REJECTED: nothing was
    stored, and the same input later may well succeed. FORBIDDEN: the writer (a token bound to
    one source office) may not change that release; nothing was stored.
    """

    path: Path
    action: Action
    line: int | None = None
    key: str | None = None
    release: Release | None = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.action not in (Action.REJECTED, Action.FAILED, Action.FORBIDDEN)

    def problem_lines(self) -> list[str]:
        """`error PATH[:LINE]: …` then `warning PATH[:LINE]: …`, one per problem, as `feedapp
        ingest` prints them (and the ingest service logs them)."""
        lines = []
        for kind, problems in (("error", self.errors), ("warning", self.warnings)):
            for problem in problems:
                line = problem.line if problem.line is not None else self.line
                where = f"{self.path}:{line}" if line is not None else str(self.path)
                lines.append(f"{kind} {where}: {problem.describe()}")
        return lines


class PathNotFoundError(Exception):
    """A path named on the command line does not exist: a usage error, before any work."""


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and release files found recursively in folders named, in a stable order.

    A file named explicitly is taken whatever its suffix (and rejected later if unsupported);
    in folders only *.txt, *.json and *.jsonl count.
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.exists():
            files.append(path)
        else:
            raise PathNotFoundError(str(given))
    return list(dict.fromkeys(files))


def _parsed_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Iterator[Outcome | ParseResult]]]:
    return ((path, _parse_file(path)) for path in paths)


def _parse_file(path: Path) -> Iterator[Outcome | ParseResult]:
    """Parse one file: a ParseResult per release, or an Outcome for each part that failed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield _rejected(path, None, [Problem(f"cannot be read: {exc.strerror or exc}")])
        return
    if path.suffix == ".jsonl":
        if not raw.strip():
            yield _rejected(path, None, [Problem("the file is empty; expected one JSON release per line")])
        for number, line in split_json_lines(raw):
            yield _guarded(path, number, functools.partial(parse_json_release, line, line=number))
    elif path.suffix == ".json":
        yield _guarded(path, None, lambda: parse_json_release(raw))
    elif path.suffix == ".txt":
        yield _guarded(path, None, lambda: parse_text_release(raw, path.stem))
    else:
        yield _rejected(
            path, None, [Problem(f"unsupported file type {path.suffix or '(none)'!r}; expected .txt, .json or .jsonl")]
        )


def _guarded(path: Path, line: int | None, parse: Callable[[], ParseResult]) -> Outcome | ParseResult:
    try:
        return parse()
    except ReleaseError as exc:
        return _rejected(path, line, exc.problems)


def _rejected(path: Path, line: int | None, problems: list[Problem], key: str | None = None) -> Outcome:
    return Outcome(path=path, action=Action.REJECTED, line=line, key=key, errors=tuple(problems))


def _internal_error(path: Path, line: int | None, exc: Exception, key: str | None) -> Outcome:
    """A bug met on one release: rejected with the exception's type and message."""
    return _rejected(path, line, [Problem(f"internal error {type(exc).__name__}: {exc}")], key)


def _unexpected(path: Path, line: int | None, exc: Exception, key: str | None) -> Outcome:
    """An exception while storing: the store's fault (failed, retry later), a release the
    writer may not change (forbidden), or a bug (rejected)."""
    if isinstance(exc, store.OfficeError):
        return Outcome(
            path=path, action=Action.FORBIDDEN, line=line, key=key, errors=(Problem(str(exc), field=exc.field),)
        )
    if not isinstance(exc, storage_faults()):
        return _internal_error(path, line, exc, key)
    message = f"the store could not be written ({type(exc).__name__}: {exc}); nothing was stored, try again later"
    return Outcome(path=path, action=Action.FAILED, line=line, key=key, errors=(Problem(message),))


Handler = Callable[[Path, int | None, ParseResult], Outcome]
# Sees a parsed release before normalization: an outcome settles it, None lets it go on.
Shortcut = Callable[[Path, int | None, ParseResult], Outcome | None]


def parse_document(raw: bytes, format: str, key: str | None = None) -> Outcome | ParseResult:
    """Parse one document received whole (the publishing API): a text release needs `key`."""
    source = Path(f"<{format} release>")
    if format == "text":
        return _guarded(source, None, lambda: parse_text_release(raw, key or ""))
    result = _guarded(source, None, lambda: parse_json_release(raw))
    if isinstance(result, ParseResult) and key is not None and result.release.key != key:
        return _rejected(
            source,
            None,
            [Problem(f"key {result.release.key!r} differs from the URL's {key!r}; expected the same key", field="key")],
        )
    return result


def process_parsed(
    items: Iterable[tuple[Path, Iterable[Outcome | ParseResult]]],
    handle: Handler,
    shortcut: Shortcut | None = None,
    workers: int = 1,
) -> Iterator[Outcome]:
    """Normalize every parsed release and hand each to `handle`; one outcome each, in order.

    `shortcut`, if given, sees each parsed release before normalization (the costly step) and
    may answer for it, returning an Outcome, or return None to go on. With `workers` > 1,
    normalization runs in that many processes (hazm is CPU-bound) while this one stores.
    A key met twice in one batch is an error for the later file: the earlier one stands.
    An unexpected exception rejects that release only, with its type and message.
    """
    for item in _normalized(_screened(items, shortcut), workers):
        if isinstance(item, Outcome):
            yield item
            continue
        path, result = item
        try:
            yield handle(path, result.line, result)
        except Exception as exc:  # noqa: BLE001 - one broken release must not stop the batch
            yield _unexpected(path, result.line, exc, result.release.key)


_ToNormalize = tuple[Path, ParseResult]


def _screened(
    items: Iterable[tuple[Path, Iterable[Outcome | ParseResult]]], shortcut: Shortcut | None
) -> Iterator[Outcome | _ToNormalize]:
    """Final outcomes (parse errors, repeated keys, shortcuts) and the releases left to normalize."""
    seen: dict[str, Path] = {}
    for path, parsed in items:
        for item in parsed:
            if isinstance(item, Outcome):
                yield item
                continue
            key = item.release.key
            if key in seen:
                yield _rejected(
                    path,
                    item.line,
                    [Problem(f"key {key!r} already came from {seen[key]} in this batch; expected each key once")],
                    key,
                )
                continue
            seen[key] = path
            try:
                known = shortcut(path, item.line, item) if shortcut else None
            except Exception as exc:  # noqa: BLE001 - one broken release must not stop the batch
                known = _unexpected(path, item.line, exc, key)
            yield known or (path, item)


def _normalized(items: Iterable[Outcome | _ToNormalize], workers: int) -> Iterator[Outcome | _ToNormalize]:
    if workers <= 1:
        yield from map(_normalize_one, items)
        return
    # Load hazm's normalizer and lexicon once, here, and fork: the children share them instead of
    # each spending seconds loading its own; they never touch this process's connections.
    normalize_text("گرم کردن")
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_normalize_one, items, chunksize=32)


def _normalize_one(item: Outcome | _ToNormalize) -> Outcome | _ToNormalize:
    """Normalize one release (in a worker process when several): a normalized copy, or a rejection."""
    if isinstance(item, Outcome):
        return item
    path, result = item
    try:
        normalized = normalize_release(result.release, json_fields=result.format == "json")
    except ReleaseError as exc:
        return _rejected(path, result.line, exc.problems, result.release.key)
    except Exception as exc:  # noqa: BLE001 - one broken release must not stop the batch
        return _internal_error(path, result.line, exc, result.release.key)
    return path, replace(result, release=normalized)


def check_document(raw: bytes, format: str, key: str | None = None) -> tuple[Outcome, Release | None]:
    """Parse and normalize one document received whole, storing nothing (the desk's Check).

    The outcome is CHECKED with the normalized release and the parser's warnings, or REJECTED
    with every error; with it, the release as parsed, before normalization (None when it did
    not parse), so that the changes normalization makes can be shown.
    """
    parsed = parse_document(raw, format, key)
    if isinstance(parsed, Outcome):
        return parsed, None
    source = Path(f"<{format} release>")
    checked = _normalize_one((source, parsed))
    if isinstance(checked, Outcome):
        return checked, parsed.release
    normalized = checked[1].release
    outcome = Outcome(source, Action.CHECKED, key=normalized.key, release=normalized, warnings=parsed.warnings)
    return outcome, parsed.release


def check_files(paths: Iterable[Path]) -> Iterator[Outcome]:
    """Parse and normalize without storing."""

    def handle(path: Path, line: int | None, result: ParseResult) -> Outcome:
        return Outcome(
            path=path,
            action=Action.CHECKED,
            line=line,
            key=result.release.key,
            release=result.release,
            warnings=result.warnings,
        )

    return process_parsed(_parsed_files(paths), handle)


# Who writes the releases of a file (store.Actor); see ingest_files.
ActorOf = Callable[[Path], store.Actor | None]


def ingest_files(
    engine: Engine,
    paths: Iterable[Path],
    clock: Callable[[], datetime] | None = None,
    workers: int = 1,
    actor_of: ActorOf | None = None,
) -> Iterator[Outcome]:
    """Parse, normalize and store every release; each release is its own transaction.

    `actor_of`, if given, names the writer of each file's releases, as store.acting_as would
    (checked against its office, recorded in the audit trail); without it, the caller's
    acting_as block, if any, is the writer of them all.
    """
    return _ingest_parsed(engine, _parsed_files(paths), clock, workers, actor_of)


def ingest_document(
    engine: Engine, raw: bytes, format: str, key: str | None = None, clock: Callable[[], datetime] | None = None
) -> Outcome:
    """Parse, normalize and store one document received whole (the publishing API)."""
    [outcome] = _ingest_parsed(engine, [(Path(f"<{format} release>"), [parse_document(raw, format, key)])], clock)
    return outcome


def _ingest_parsed(
    engine: Engine,
    items: Iterable[tuple[Path, Iterable[Outcome | ParseResult]]],
    clock: Callable[[], datetime] | None = None,
    workers: int = 1,
    actor_of: ActorOf | None = None,
) -> Iterator[Outcome]:
    """Store parsed documents: the one write path of the CLI and the API."""
    now = clock or (lambda: datetime.now(timezone.utc))

    def acting(path: Path) -> contextlib.AbstractContextManager[None]:
        # Entered around each check and write, not once around the batch: with workers > 1 the
        # shortcut below runs in the process pool's feeder thread, which does not see the
        # caller's context (so not its acting_as either).
        return store.acting_as(actor_of(path)) if actor_of else contextlib.nullcontext()

    def unchanged(path: Path, line: int | None, result: ParseResult) -> Outcome | None:
        # The same bytes as stored need no normalizing: re-ingesting a folder stays cheap.
        stored = store.get_release_if_raw(engine, result.release.key, result.raw, result.format)
        if stored is None:
            return None
        with acting(path):
            store.check_office(stored.release.key, stored.release.source)  # another office's: refused
        return Outcome(
            path=path,
            action=Action.UNCHANGED,
            line=line,
            key=result.release.key,
            release=stored.release,
            warnings=result.warnings,
        )

    def handle(path: Path, line: int | None, result: ParseResult) -> Outcome:
        # A writer bound to an office (an API token, `feedapp ingest --source`, an inbox folder)
        # publishes under its name.
        with acting(path):
            release = store.office_release(result.release)
            saved = store.save_release(engine, release, result.raw, result.format, now())
        warnings = list(result.warnings)
        kept, given = saved.stored.release.published, result.release.published
        if saved.action == Action.UPDATED and kept.instant != given.instant:
            warnings.append(
                Problem(
                    f"the release now says it was published {given.jalali}, but it was first published"
                    f" {kept.jalali}; the original publication time was kept"
                )
            )
        return Outcome(
            path=path,
            action=saved.action,
            line=line,
            key=result.release.key,
            release=saved.stored.release,
            warnings=tuple(warnings),
        )

    return process_parsed(items, handle, unchanged, workers)
