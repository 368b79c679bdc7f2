"""Files → parsed, normalized, dated releases → store: the only writer, one outcome per release.

Each file (each line of a `.jsonl` file) is handled on its own: a bad one is reported and the
rest of the batch goes on. Imports hazm through core.normalize: never import this from the web app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import Engine

from . import store
from .core.errors import Problem, ReleaseError
from .core.jsonrelease import parse_json_release, split_json_lines
from .core.models import ParseResult, Release
from .core.normalize import normalize_release
from .core.parse import parse_text_release

SUFFIXES = (".txt", ".json", ".jsonl")
REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    """What happened to one release: its action, or the errors that rejected it.

    `action` is added/updated/unchanged when stored, "checked" when only parsed, or "rejected".
    """

    path: Path
    action: str
    line: int | None = None
    key: str | None = None
    release: Release | None = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.action != REJECTED


class PathNotFound(Exception):
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
            raise PathNotFound(str(given))
    return list(dict.fromkeys(files))


def parse_file(path: Path) -> Iterator[Outcome | ParseResult]:
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
            yield _guarded(path, number, lambda line=line, number=number: parse_json_release(line, line=number))
    elif path.suffix == ".json":
        yield _guarded(path, None, lambda: parse_json_release(raw))
    elif path.suffix == ".txt":
        yield _guarded(path, None, lambda: parse_text_release(raw, path.stem))
    else:
        yield _rejected(path, None, [Problem(f"unsupported file type {path.suffix or '(none)'!r}; expected .txt, .json or .jsonl")])


def _guarded(path: Path, line: int | None, parse: Callable[[], ParseResult]) -> Outcome | ParseResult:
    try:
        return parse()
    except ReleaseError as exc:
        return _rejected(path, line, exc.problems)


def _rejected(path: Path, line: int | None, problems: list[Problem], key: str | None = None) -> Outcome:
    return Outcome(path=path, action=REJECTED, line=line, key=key, errors=tuple(problems))


Handler = Callable[[Path, int | None, ParseResult], Outcome]


def process(paths: Iterable[Path], handle: Handler, shortcut: Handler | None = None) -> Iterator[Outcome]:
    """Parse and normalize every release in `paths`, hand each to `handle`; one outcome each."""
    return process_parsed(((path, parse_file(path)) for path in paths), handle, shortcut)


def parse_document(raw: bytes, format: str, key: str | None = None) -> Outcome | ParseResult:
    """Parse one document received whole (the publishing API): a text release needs `key`."""
    source = Path(f"<{format} release>")
    if format == "text":
        return _guarded(source, None, lambda: parse_text_release(raw, key or ""))
    result = _guarded(source, None, lambda: parse_json_release(raw))
    if isinstance(result, ParseResult) and key is not None and result.release.key != key:
        return _rejected(source, None, [Problem(
            f"key {result.release.key!r} differs from the URL's {key!r}; expected the same key", field="key")])
    return result


def process_parsed(items: Iterable[tuple[Path, Iterable[Outcome | ParseResult]]], handle: Handler,
                   shortcut: Handler | None = None) -> Iterator[Outcome]:
    """Normalize every parsed release and hand each to `handle`; one outcome each.

    `shortcut`, if given, sees each parsed release before normalization (the costly step) and
    may answer for it, returning an Outcome, or return None to go on.
    A key met twice in one batch is an error for the later file: the earlier one stands.
    An unexpected exception rejects that release only, with its type and message.
    """
    seen: dict[str, Path] = {}
    for path, parsed in items:
        for item in parsed:
            if isinstance(item, Outcome):
                yield item
                continue
            line = item.line
            key = item.release.key
            if key in seen:
                yield _rejected(path, line, [Problem(
                    f"key {key!r} already came from {seen[key]} in this batch; expected each key once")], key)
                continue
            seen[key] = path
            try:
                known = shortcut(path, line, item) if shortcut else None
                if known:
                    yield known
                    continue
                try:
                    normalized = normalize_release(item.release, json_fields=item.format == "json")
                except ReleaseError as exc:
                    yield _rejected(path, line, exc.problems, key)
                    continue
                yield handle(path, line, replace(item, release=normalized))
            except Exception as exc:  # noqa: BLE001 - one broken release must not stop the batch
                yield _rejected(path, line, [Problem(f"internal error {type(exc).__name__}: {exc}")], key)


def check_files(paths: Iterable[Path]) -> Iterator[Outcome]:
    """Parse and normalize without storing."""
    def handle(path: Path, line: int | None, result: ParseResult) -> Outcome:
        return Outcome(path=path, action="checked", line=line, key=result.release.key,
                       release=result.release, warnings=result.warnings)
    return process(paths, handle)


def ingest_files(engine: Engine, paths: Iterable[Path], clock: Callable[[], datetime] | None = None) -> Iterator[Outcome]:
    """Parse, normalize and store every release; each release is its own transaction."""
    return ingest_parsed(engine, ((path, parse_file(path)) for path in paths), clock)


def ingest_document(engine: Engine, raw: bytes, format: str, key: str | None = None,
                    clock: Callable[[], datetime] | None = None) -> Outcome:
    """Parse, normalize and store one document received whole (the publishing API)."""
    [outcome] = ingest_parsed(engine, [(Path(f"<{format} release>"), [parse_document(raw, format, key)])], clock)
    return outcome


def ingest_parsed(engine: Engine, items: Iterable[tuple[Path, Iterable[Outcome | ParseResult]]],
                  clock: Callable[[], datetime] | None = None) -> Iterator[Outcome]:
    """Store parsed documents: the one write path of the CLI and the API."""
    now = clock or (lambda: datetime.now(timezone.utc))

    def unchanged(path: Path, line: int | None, result: ParseResult) -> Outcome | None:
        # The same bytes as stored need no normalizing: re-ingesting a folder stays cheap.
        stored = store.get_release_if_raw(engine, result.release.key, result.raw, result.format)
        if stored is None:
            return None
        return Outcome(path=path, action=store.UNCHANGED, line=line, key=result.release.key,
                       release=stored.release, warnings=result.warnings)

    def handle(path: Path, line: int | None, result: ParseResult) -> Outcome:
        saved = store.save_release(engine, result.release, result.raw, result.format, now())
        warnings = list(result.warnings)
        kept, given = saved.stored.release.published, result.release.published
        if saved.action == store.UPDATED and kept.instant != given.instant:
            warnings.append(Problem(
                f"the release now says it was published {given.jalali}, but it was first published"
                f" {kept.jalali}; the original publication time was kept"))
        return Outcome(path=path, action=saved.action, line=line, key=result.release.key,
                       release=saved.stored.release, warnings=tuple(warnings))
    return process_parsed(items, handle, unchanged)
