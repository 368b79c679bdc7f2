"""The half-space lexicon compiled once into a small file, so that a process reads that instead of
rebuilding it from hazm's word list (about a second and 100 MB on every start).

Why a MARISA trie (the ``marisa-trie`` wheel) and not the alternatives, measured on hazm 0.12's
data (about 220,000 keys; bench/lexicon.py and bench/README.md):

* the trie holds every key with its flags, frequency and half-spaced spelling in 1.2 MB, loads in
  about 10 ms and answers a lookup in C in about a microsecond: a process needs 40 MB at its
  peak instead of 136, and restoring text whose words are all new takes about 11% longer than
  with the dicts (the same once its words are memoised);
* an SQLite table (stdlib, no dependency) took 5.3 MB, and every lookup of an unseen key goes
  through sqlite3's Python call path: the same text restored about 3 times slower;
* a ``marshal``-ed copy of the dicts keeps dict speed but loads in 0.2 s and adds 30 MB to every
  process, most of what this module exists to save.

The file is a cache, never shipped: it is built on first use from :func:`halfspace.hazm_lexicon`
(or ahead of time with ``python -m feedapp.core.lexicon_store``), named and stamped with a key of
everything it was built from (:func:`cache_key`), so a hazm upgrade, an edited
``halfspace_extra.txt`` or ``halfspace_names.txt``, or a change to the code that builds it makes a
new one. Where it lives: see :func:`cache_dirs`.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import os
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from importlib import metadata
from pathlib import Path

import marisa_trie

from . import halfspace
from .halfspace import HalfspaceLexicon

log = logging.getLogger(__name__)

# Bump when the layout of the file or of a row changes: old files are then ignored and replaced.
FORMAT_VERSION = 2  # 2: the NAME flag
CACHE_ENV = "FEEDAPP_LEXICON_CACHE"
FILE_PREFIX = "halfspace-lexicon-"
FILE_SUFFIX = ".marisa"
# Header: magic, the key the file was built for, the SHA-256 of the trie bytes after it.
_MAGIC = b"FEEDAPP-HALFSPACE-LEXICON\n"
_DIGEST = 32
_HEADER = len(_MAGIC) + 2 * _DIGEST
# Files of other keys kept beside a new one: two installs (say Python 3.11 with hazm 0.10 and 3.13
# with hazm 0.12) sharing one cache folder must not delete each other's file on every start.
KEEP_OTHER_FILES = 3
# A temporary file this old was left by a build that died: nobody is still writing it.
STALE_TEMPORARY_SECONDS = 3600

# A row: flags, frequency (signed 64-bit), then the half-spaced spelling in UTF-8 when SPELLED.
_ROW = struct.Struct("<Bq")
WHOLE, ADJECTIVE, PARTICIPLE, COUNTED, SPELLED, NAME = 1, 2, 4, 8, 16, 32
# Rows decoded and kept per process: _Restorer memoises whole words already; this only spares the
# three or four reads of one key within an analysis and bounds memory on endless streams.
ROW_MEMO = 1 << 16


def cache_key() -> bytes:
    """SHA-256 of what the compiled lexicon is built from: hazm's version, ``halfspace_extra.txt``,
    ``halfspace_names.txt``, the code that builds and encodes it (halfspace.py, this module) and FORMAT_VERSION.

    hazm's version is read from its installed metadata: importing hazm would cost the second
    this module saves.
    """
    try:
        hazm_version = metadata.version("hazm")
    except metadata.PackageNotFoundError:
        hazm_version = "missing"
    digest = hashlib.sha256(f"format {FORMAT_VERSION}\nhazm {hazm_version}\n".encode())
    for path in (halfspace.EXTRA_WORDS_FILE, halfspace.NAMES_FILE, Path(halfspace.__file__), Path(__file__)):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def cache_dirs() -> list[Path]:
    """Folders to look for the compiled lexicon in, then to build it in, in order.

    ``$FEEDAPP_LEXICON_CACHE`` alone when set. Otherwise systemd's ``$CACHE_DIRECTORY``
    (``CacheDirectory=``), then ``cache/`` under ``$STATE_DIRECTORY`` (``StateDirectory=``: the
    shipped units run with ProtectSystem=strict and ProtectHome=yes, where the state folder is the
    only one that persists), then ``$XDG_CACHE_HOME/feedapp`` (``~/.cache/feedapp``), and last the
    package's own folder (writable in a checkout, where the user's cache comes first; in a
    read-only install it can hold a file built at install time). When none is writable the
    lexicon is compiled in memory for each process.
    """
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return [Path(configured)]
    folders = []
    # systemd passes one path per name in the setting, separated by ':'; feedapp's units name one.
    if os.environ.get("CACHE_DIRECTORY"):
        folders.append(Path(os.environ["CACHE_DIRECTORY"].split(":")[0]))
    if os.environ.get("STATE_DIRECTORY"):
        folders.append(Path(os.environ["STATE_DIRECTORY"].split(":")[0]) / "cache")
    try:
        user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folders.append(user_cache / "feedapp")
    except RuntimeError:
        pass  # no $HOME and no passwd entry: no user cache
    folders.append(Path(halfspace.__file__).parent)
    return folders


def cache_file_name(key: bytes) -> str:
    """The file name for ``key``: a different key never reads or replaces another key's file."""
    return f"{FILE_PREFIX}{key.hex()[:24]}{FILE_SUFFIX}"


def compile_lexicon(lexicon: HalfspaceLexicon) -> bytes:
    """The trie bytes holding every key of ``lexicon``'s six fields with what they say of it."""
    keys = set().union(
        lexicon.whole, lexicon.spelled, lexicon.counts, lexicon.adjectives, lexicon.participles, lexicon.names
    )
    items = []
    for key in sorted(keys):  # sorted: the same lexicon always gives the same bytes
        flags = (
            (WHOLE if key in lexicon.whole else 0)
            | (ADJECTIVE if key in lexicon.adjectives else 0)
            | (PARTICIPLE if key in lexicon.participles else 0)
            | (COUNTED if key in lexicon.counts else 0)
            | (SPELLED if key in lexicon.spelled else 0)
            | (NAME if key in lexicon.names else 0)
        )
        spelling = lexicon.spelled[key].encode() if flags & SPELLED else b""
        items.append((key, _ROW.pack(flags, lexicon.counts.get(key, 0)) + spelling))
    return marisa_trie.BytesTrie(items).tobytes()


class CompactLexicon:
    """A compiled lexicon: rows read from the trie on demand, a few decoded rows memoised."""

    def __init__(self, trie_bytes: bytes) -> None:
        """Raise RuntimeError when ``trie_bytes`` is no trie (marisa checks its own structure)."""
        self._trie = marisa_trie.BytesTrie().frombytes(trie_bytes)
        self.row = functools.lru_cache(maxsize=ROW_MEMO)(self._read_row)

    def _read_row(self, key: str) -> tuple[int, int, str | None] | None:
        """(flags, frequency, spelling or None) of ``key``; None when no field holds it."""
        values = self._trie.get(key)
        return None if values is None else _decode(values[0])

    def rows(self) -> Iterator[tuple[str, tuple[int, int, str | None]]]:
        """Every key with its row, in the trie's order (iterating a field: only tests do)."""
        # Not through the memo: a full scan would only evict what the restorer uses.
        return ((key, _decode(value)) for key, value in self._trie.iteritems())

    @functools.cached_property
    def sizes(self) -> dict[int, int]:
        """Flag → how many keys carry it, counted in one scan when a field's len() is first asked."""
        sizes = dict.fromkeys((WHOLE, ADJECTIVE, PARTICIPLE, COUNTED, SPELLED, NAME), 0)
        for _, (flags, _, _) in self.rows():
            for flag in sizes:
                sizes[flag] += bool(flags & flag)
        return sizes

    def lexicon(self) -> HalfspaceLexicon:
        """A HalfspaceLexicon whose fields are read-only views on this trie."""
        return HalfspaceLexicon(
            whole=_Keys(self, WHOLE),
            spelled=_Spellings(self, SPELLED),
            counts=_Counts(self, COUNTED),
            adjectives=_Keys(self, ADJECTIVE),
            participles=_Keys(self, PARTICIPLE),
            names=_Keys(self, NAME),
        )


def _decode(value: bytes) -> tuple[int, int, str | None]:
    flags, count = _ROW.unpack_from(value)
    return flags, count, value[_ROW.size :].decode() if flags & SPELLED else None


class _View:
    """The keys whose row carries one flag; what a field says of a key is in its row."""

    def __init__(self, store: CompactLexicon, flag: int) -> None:
        self._row = store.row  # the memoised reader: the hot path is this plus a flag test
        self._store = store
        self._flag = flag

    def _flagged(self, key: object) -> tuple[int, int, str | None] | None:
        """The row of ``key`` when it carries this view's flag."""
        try:
            row = self._row(key)
        except (TypeError, ValueError):  # no str, or one UTF-8 cannot encode: no field holds it
            return None
        return row if row is not None and row[0] & self._flag else None

    def __contains__(self, key: object) -> bool:
        # The restorer's hot path (several per new word): _flagged inlined, no bool() call.
        try:
            row = self._row(key)
        except (TypeError, ValueError):
            return False
        return row is not None and row[0] & self._flag != 0

    def __iter__(self) -> Iterator[str]:
        return (key for key, (flags, _, _) in self._store.rows() if flags & self._flag)

    def __len__(self) -> int:
        return self._store.sizes[self._flag]


class _Keys(_View, Set[str]):
    """``whole``, ``adjectives``, ``participles`` or ``names``."""


class _Counts(_View, Mapping[str, int]):
    """Key → frequency, for the keys hazm counts (COUNTED: a count of 0 is still a key)."""

    def __getitem__(self, key: str) -> int:
        row = self._flagged(key)
        if row is None:
            raise KeyError(key)
        return row[1]

    # Not Mapping's get, which raises and catches a KeyError for each miss.
    def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
        row = self._flagged(key)
        return default if row is None else row[1]


class _Spellings(_View, Mapping[str, str]):
    """ZWNJ-free key → its spelling with half-spaces."""

    def __getitem__(self, key: str) -> str:
        row = self._flagged(key)
        if row is None or row[2] is None:
            raise KeyError(key)
        return row[2]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        row = self._flagged(key)
        return default if row is None or row[2] is None else row[2]


def read_store(path: Path, key: bytes) -> CompactLexicon | None:
    """The compiled lexicon in ``path`` when it is whole and built for ``key``, else None.

    The whole file is read and its checksum checked before marisa parses it: a truncated,
    overwritten or foreign file is refused here, never half-used (or crashing C++) later.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None  # absent (the usual first run) or unreadable: build one
    payload = data[_HEADER:]
    expected = _MAGIC + key + hashlib.sha256(payload).digest()
    if data[:_HEADER] != expected:
        log.warning("half-space lexicon: %s is damaged or was built for something else; rebuilding it", path)
        return None
    try:
        return CompactLexicon(payload)
    except RuntimeError:
        log.warning("half-space lexicon: marisa cannot read %s; rebuilding it", path)
        return None


def write_store(path: Path, key: bytes, trie_bytes: bytes) -> None:
    """Write the file whole under a temporary name, then rename it over ``path``.

    The rename is atomic: a reader, or another process building at the same time, sees either
    no file or a whole one. Two processes that both build write the same bytes; the last rename
    wins. Raise OSError when the folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(_MAGIC + key + hashlib.sha256(trie_bytes).digest())
            file.write(trie_bytes)
            file.flush()
            os.fsync(file.fileno())  # the bytes reach the disk before the name does
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def prune(folder: Path, keep: str) -> None:
    """Remove compiled lexicons of old keys beyond the newest few, and dead builds' temporaries."""
    try:
        others = [path for path in folder.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}") if path.name != keep]
        others.sort(key=lambda path: path.stat().st_mtime, reverse=True)
        stale = others[KEEP_OTHER_FILES:]
        cutoff = time.time() - STALE_TEMPORARY_SECONDS
        stale += [path for path in folder.glob(f".{FILE_PREFIX}*.tmp") if path.stat().st_mtime < cutoff]
        for path in stale:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first, or the folder is read-only: nothing to clean here


def load_or_build(
    build: Callable[[], HalfspaceLexicon],
    folders: Sequence[Path] | None = None,
    key: bytes | None = None,
) -> HalfspaceLexicon:
    """The compiled lexicon from the first of ``folders`` (default :func:`cache_dirs`) holding a
    good one; else ``build()`` it, compile it, and save it in the first folder that takes it.

    Either way the answer is read from compiled bytes, so a process that built the file
    behaves exactly like the ones that read it.
    """
    folders = cache_dirs() if folders is None else folders
    key = cache_key() if key is None else key
    name = cache_file_name(key)
    for folder in folders:
        store = read_store(folder / name, key)
        if store is not None:
            return store.lexicon()
    trie_bytes = compile_lexicon(build())
    for folder in folders:
        try:
            write_store(folder / name, key, trie_bytes)
        except OSError:
            continue
        prune(folder, keep=name)
        break
    else:
        log.warning(
            "half-space lexicon: no writable cache folder among %s; compiled in memory for this process"
            " (set %s to a writable folder)",
            ", ".join(map(str, folders)),
            CACHE_ENV,
        )
    return CompactLexicon(trie_bytes).lexicon()


def main(argv: list[str] | None = None) -> int:
    """``python -m feedapp.core.lexicon_store [FOLDER]``: build the compiled lexicon ahead of use."""
    parser = argparse.ArgumentParser(
        prog="python -m feedapp.core.lexicon_store",
        description="Build the compiled half-space lexicon ahead of use (at install time, say, as the user"
        " the ingest runs as, or into the folder FEEDAPP_LEXICON_CACHE will name) and print where it is.",
    )
    parser.add_argument(
        "folder", nargs="?", type=Path, help="where to build it (default: the first usable cache folder)"
    )
    args = parser.parse_args(argv)
    folders = [args.folder] if args.folder else cache_dirs()
    key = cache_key()
    load_or_build(halfspace.hazm_lexicon, folders, key)
    for folder in folders:
        path = folder / cache_file_name(key)
        if read_store(path, key) is not None:
            print(path)
            return 0
    print("no writable folder among: " + ", ".join(map(str, folders)), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
