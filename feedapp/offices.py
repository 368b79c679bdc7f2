"""Releases ingested for a source office from the command line: `feedapp ingest --source NAME
PATH...` (every release in PATHs is that office's), and the inbox tree of `feedapp ingest --inbox
DIR` (each sub-folder of DIR is one office's drop folder, named as the office; files directly in
DIR are ingested as a plain `feedapp ingest` does).

An office's files are written as a token bound to that office writes (store.acting_as with an
Actor of that office): a release that names no source gets the office's name, one naming another
source is refused, and so is replacing a release of another source or of none, checked in the
write's own transaction. The audit trail records them as any `feedapp ingest`: the command and
the OS user (the office is the release's own `source`).

Imports feedapp.ingest, hence hazm: only the CLI's ingest command imports this.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import store
from .core.decode import clean_text
from .core.errors import Problem, excerpt
from .core.limits import name_problem
from .core.models import Action
from .core.normalize import normalize_text
from .engine import Engine
from .ingest import Outcome, collect_files, ingest_files

# The audit trail's name for the command, with or without an office (as `feedapp ingest` records today).
COMMAND = "ingest"


def source_name(name: str) -> str:
    """`name` as releases store their `source` (and `feedapp token create --source` its office),
    or ValueError saying why it cannot be one.

    NFC first: a name that reached us decomposed (a folder made on macOS, say) would otherwise
    stay another string than the office's own, since hazm does not compose it.
    """
    normalized = normalize_text(" ".join(clean_text(unicodedata.normalize("NFC", name)).split()))
    if not normalized:
        raise ValueError("holds no text once normalized; expected the office's name")
    problem = name_problem("source", normalized)
    if problem is not None:
        raise ValueError(problem.message)
    return normalized


@dataclass(frozen=True)
class Batch:
    """The files of one `feedapp ingest`, in the order they are ingested, with the office each
    is ingested for, and the outcomes settled without reading a file.

    A file missing from `offices` is ingested for no office: its releases keep the source they
    name, if any, and may replace any release (a plain `feedapp ingest`). `writer` is how a
    refusal names the writer bound to an office.
    """

    files: list[Path]
    offices: Mapping[Path, str] = field(default_factory=dict)
    settled: tuple[Outcome, ...] = ()
    writer: str = "this ingest (--source)"

    @property
    def size(self) -> int:
        """How many files the batch covers, read or settled (the summary's count)."""
        return len(self.files) + len(self.settled)


def for_office(paths: Iterable[Path], office: str | None) -> Batch:
    """The release files of `paths` (as collect_files finds them), each for `office` (a name as
    source_name returns it), or for none."""
    files = collect_files(paths)
    return Batch(files, {path: office for path in files} if office is not None else {})


def inbox(root: Path) -> Batch:
    """The release files under `root`: those in a sub-folder `root/NAME/…` (at any depth) for the
    office NAME, those directly in `root` for none.

    A folder whose name starts with `.` is no office and is left alone: upload tools stage
    partial files in such folders. A folder whose name cannot be a source name settles each of
    its files as rejected, unread: the others go on.
    """
    files: list[Path] = []
    offices: dict[Path, str] = {}
    settled: list[Outcome] = []
    names: dict[str, str | Problem] = {}  # folder → office, normalized once per folder
    for path in collect_files([root]):
        parts = path.relative_to(root).parts
        if len(parts) == 1:
            files.append(path)
            continue
        folder = parts[0]
        if folder.startswith("."):
            continue
        if folder not in names:
            names[folder] = _folder_office(folder)
        office = names[folder]
        if isinstance(office, Problem):
            settled.append(Outcome(path=path, action=Action.REJECTED, errors=(office,)))
            continue
        files.append(path)
        offices[path] = office
    return Batch(files, offices, tuple(settled), writer="this inbox folder")


def _folder_office(folder: str) -> str | Problem:
    try:
        return source_name(folder)
    except ValueError as exc:
        return Problem(
            f"the inbox folder's name {excerpt(folder)} is not a source name ({exc}); nothing in it was read"
        )


def ingest(
    engine: Engine,
    batch: Batch,
    user: str,
    files: Iterable[Path] | None = None,
    workers: int = 1,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[Outcome]:
    """Ingest the batch as `user` running `feedapp ingest`: one outcome per release, the settled
    ones first. `files`: the batch's files, wrapped (in a progress bar) if the caller wishes."""
    yield from batch.settled
    anyone = store.Actor(command=COMMAND, user=user)
    actors = {
        office: store.Actor(office=office, command=COMMAND, user=user, writer=batch.writer)
        for office in set(batch.offices.values())
    }

    def actor_of(path: Path) -> store.Actor:
        office = batch.offices.get(path)
        return actors[office] if office is not None else anyone

    paths = batch.files if files is None else files
    yield from ingest_files(engine, paths, clock, workers, actor_of=actor_of)


def summary(files: int, counts: Mapping[Action, int]) -> str:
    """The summary line of an ingest: `N files: A added, U updated, C unchanged, R rejected`."""
    text = ", ".join(
        f"{counts.get(a, 0)} {a}" for a in (Action.ADDED, Action.UPDATED, Action.UNCHANGED, Action.REJECTED)
    )
    # Named apart, only when there are any: another office's releases (forbidden), and the
    # store's fault rather than the files' (failed: retry them).
    for apart in (Action.FORBIDDEN, Action.FAILED):
        if counts.get(apart):
            text += f", {counts[apart]} {apart}"
    return f"{files} files: {text}"
