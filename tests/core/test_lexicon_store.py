"""Tests for feedapp.core.lexicon_store: the compiled half-space lexicon answers exactly as the
one built from hazm's lists, and its cache file is rebuilt whenever it cannot be trusted.

Only the first test (and the fresh-process ones) reads hazm's real lexicon; the cache mechanics
run on small lexicons made with build_lexicon.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from feedapp.core import halfspace, lexicon_store
from feedapp.core.halfspace import ZWNJ, HalfspaceLexicon, build_lexicon, default_lexicon, hazm_lexicon, restore_word
from feedapp.core.lexicon_store import cache_file_name, cache_key, load_or_build, read_store

ROOT = Path(__file__).resolve().parents[2]
KEY = hashlib.sha256(b"test key").digest()

# Words no field of hazm's lexicon holds (checked below), including near misses of real keys.
ABSENT = ["", "واژهنامعلوم", "qwerty", "کتابx", "سازمان" + ZWNJ * 2 + "ها", "ــ", "\ue000", "ي", "ك" * 40]


def z(text: str) -> str:
    return text.replace("|", ZWNJ)


def small_lexicon() -> HalfspaceLexicon:
    words = [
        ("کتاب", 100, ("N",)),
        ("سازمان", 80, ("N",)),
        ("مهم", 50, ("AJ",)),
        (z("سه|شنبه"), 9, ("N",)),
        ("تیمها", 0, ("N",)),
    ]
    return build_lexicon(words, ["آنها"], [z("می|شود")], [z("کلان|شهر"), "فیلتر"], ["گذاشته"])


def must_not_build() -> HalfspaceLexicon:
    raise AssertionError("built although a good compiled lexicon was there")


def answers(lexicon: HalfspaceLexicon, key: str) -> tuple:
    """Everything _Restorer can ask the lexicon about one key, through every operation it uses."""
    spelled = lexicon.spelled[key] if key in lexicon.spelled else None
    count = lexicon.counts[key] if key in lexicon.counts else None
    return (
        key in lexicon.whole,
        key in lexicon.adjectives,
        key in lexicon.participles,
        key in lexicon.spelled,
        spelled,
        lexicon.spelled.get(key),
        key in lexicon.counts,
        count,
        lexicon.counts.get(key, 0),
        lexicon.counts.get(key),
    )


def assert_same(reference: HalfspaceLexicon, compact: HalfspaceLexicon, extra_keys: list[str]) -> None:
    """``compact`` answers every question as ``reference``, for its keys and ``extra_keys``."""
    assert_same_answers(reference_answers(reference, extra_keys), compact)
    # Nothing more either: each field holds exactly the reference's keys (and values).
    assert set(compact.whole) == reference.whole and len(compact.whole) == len(reference.whole)
    assert set(compact.adjectives) == reference.adjectives and len(compact.adjectives) == len(reference.adjectives)
    assert set(compact.participles) == reference.participles
    assert len(compact.participles) == len(reference.participles)
    assert dict(compact.spelled.items()) == dict(reference.spelled) and len(compact.spelled) == len(reference.spelled)
    assert dict(compact.counts.items()) == dict(reference.counts) and len(compact.counts) == len(reference.counts)


def reference_answers(reference: HalfspaceLexicon, extra_keys: list[str]) -> dict[str, tuple]:
    """The answers for every key of the five fields and for ``extra_keys``."""
    keys = set().union(
        reference.whole, reference.spelled, reference.counts, reference.adjectives, reference.participles
    )
    return {key: answers(reference, key) for key in [*sorted(keys), *extra_keys]}


def assert_same_answers(expected: dict[str, tuple], compact: HalfspaceLexicon) -> None:
    assert [key for key, answer in expected.items() if answers(compact, key) != answer] == []


@pytest.mark.slow  # builds hazm's lexicon or starts Python processes
def test_compiled_lexicon_answers_exactly_as_hazms_build(tmp_path: Path) -> None:
    reference = hazm_lexicon()
    built = load_or_build(lambda: reference, [tmp_path], KEY)  # compiles, writes, answers from the bytes
    # As every later process: from the file, the usage and news files read beside it (default_lexicon).
    reread = replace(
        load_or_build(must_not_build, [tmp_path], KEY), usage=reference.usage, published=reference.published
    )
    shipped = default_lexicon()  # the one the pipeline uses, from the user's (or the configured) cache
    expected = reference_answers(reference, ABSENT)
    assert [expected[word][:4] for word in ABSENT] == [(False, False, False, False)] * len(ABSENT)
    assert [expected[word][6] for word in ABSENT] == [False] * len(ABSENT)
    assert_same(reference, reread, ABSENT)
    sample = dict(list(expected.items())[::50])  # the same bytes as reread's: a sample is enough
    for compact in (built, shipped):
        assert_same_answers(sample, compact)

    # And so words come out the same: keys without their ZWNJs (every one answered above, a
    # quarter restored here), made-up ones, and keys with the affixes the restorer splits off.
    words = sorted({key.replace(ZWNJ, "") for key in expected})
    words = words[::4] + [
        f"{word}{affix}" for word in words[::40] for affix in ("ها", "های", "ترین", "ای", "گذاری", "ان")
    ]
    words += [f"{prefix}{word}" for word in words[::100] for prefix in ("کم", "نیمه", "در", "می")]
    assert [word for word in words if restore_word(word, reference) != restore_word(word, reread)] == []
    text = " ".join(words[::5])
    assert halfspace.restore_halfspaces(text) == halfspace.restore_halfspaces(text, reference)


def test_small_lexicon_round_trips_with_its_answers(tmp_path: Path) -> None:
    reference = small_lexicon()
    compact = load_or_build(lambda: reference, [tmp_path], KEY)
    assert_same(reference, compact, ABSENT + ["کتابها", "شهر"])
    assert restore_word("سهشنبه", compact) == z("سه|شنبه")
    assert restore_word("کتابها", compact) == z("کتاب|ها")
    assert restore_word("مهمترین", compact) == z("مهم|ترین")
    assert restore_word("آنها", compact) == "آنها"


# Like a frozenset and a dict, the views answer "absent" for a key the trie cannot hold: the trie
# raises TypeError for a key that is no str and ValueError for one UTF-8 cannot encode.
@pytest.mark.parametrize("key", [1, None, b"\xd8\xb4\xd9\x87\xd8\xb1", "\udc80"])
def test_views_answer_absent_for_a_key_the_trie_cannot_hold(tmp_path: Path, key: object) -> None:
    compact = load_or_build(small_lexicon, [tmp_path], KEY)
    answers = (key in compact.whole, compact.counts.get(key, -1), compact.spelled.get(key, "absent"))  # type: ignore[arg-type]
    assert answers == (False, -1, "absent")


@pytest.mark.slow  # builds hazm's lexicon or starts Python processes
def test_second_process_reads_the_file_and_never_imports_hazm(tmp_path: Path) -> None:
    probe = (
        "import json, sys\n"
        "from feedapp.core.halfspace import default_lexicon, restore_halfspaces\n"
        "default_lexicon()\n"
        "print(json.dumps([restore_halfspaces('سازمانهای مهمترین سهشنبه میشود'), 'hazm' in sys.modules]))\n"
    )
    env = {**os.environ, "FEEDAPP_LEXICON_CACHE": str(tmp_path)}

    def run() -> list:
        done = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
        )
        return json.loads(done.stdout)

    expected = z("سازمان|های مهم|ترین سه|شنبه می|شود")
    assert run() == [expected, True]  # the first builds the file from hazm's lists
    assert [path.name for path in tmp_path.iterdir()] == [cache_file_name(cache_key())]
    assert run() == [expected, False]


def test_importing_halfspace_loads_neither_hazm_nor_marisa() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, feedapp.core.halfspace; print(sorted({'hazm', 'marisa_trie'} & set(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == "[]\n"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",  # an empty file
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped in the trie
        lambda data: data[:40] + bytes([data[40] ^ 1]) + data[41:],  # one bit flipped in the header
        lambda data: b"SQLite format 3\0" + data[16:],  # another file under the name
        lambda data: os.urandom(len(data)),
    ],
)
def test_damaged_file_is_detected_and_rebuilt(tmp_path: Path, damage) -> None:
    reference = small_lexicon()
    load_or_build(lambda: reference, [tmp_path], KEY)
    path = tmp_path / cache_file_name(KEY)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    assert read_store(path, KEY) is None
    builds = []
    compact = load_or_build(lambda: builds.append(1) or reference, [tmp_path], KEY)
    assert builds == [1]
    assert_same(reference, compact, ABSENT)
    assert path.read_bytes() == good  # replaced by a whole one
    assert read_store(path, KEY) is not None


def test_file_of_another_key_is_never_used(tmp_path: Path) -> None:
    load_or_build(small_lexicon, [tmp_path], KEY)
    other = hashlib.sha256(b"hazm upgraded").digest()
    (tmp_path / cache_file_name(other)).write_bytes((tmp_path / cache_file_name(KEY)).read_bytes())
    assert read_store(tmp_path / cache_file_name(other), other) is None  # renamed: the stamp says otherwise
    built = load_or_build(lambda: build_lexicon([("تازه", 5, ("N",))]), [tmp_path], other)
    assert "تازه" in built.counts and "کتاب" not in built.counts


def test_key_changes_with_hazm_version_extra_words_and_format(tmp_path: Path, monkeypatch) -> None:
    key = cache_key()
    assert cache_key() == key  # stable while nothing changes
    monkeypatch.setattr(lexicon_store.metadata, "version", lambda name: "99.0")
    upgraded = cache_key()
    assert upgraded != key
    extra = tmp_path / "halfspace_extra.txt"
    extra.write_bytes(halfspace.EXTRA_WORDS_FILE.read_bytes() + z("واژه|تازه\n").encode())
    monkeypatch.setattr(halfspace, "EXTRA_WORDS_FILE", extra)
    edited = cache_key()
    assert edited != upgraded
    monkeypatch.setattr(lexicon_store, "FORMAT_VERSION", lexicon_store.FORMAT_VERSION + 1)
    assert cache_key() != edited
    assert len({cache_file_name(k) for k in (key, upgraded, edited, cache_key())}) == 4


def test_unwritable_folders_fall_back_to_an_in_memory_lexicon(tmp_path: Path, caplog) -> None:
    (tmp_path / "a-file").write_text("")
    folders = [tmp_path / "a-file" / "cache", tmp_path / "a-file" / "other"]
    with caplog.at_level(logging.WARNING, logger="feedapp.core.lexicon_store"):
        compact = load_or_build(small_lexicon, folders, KEY)
    assert_same(small_lexicon(), compact, ABSENT)
    assert "no writable cache folder" in caplog.text


def test_later_folder_is_used_when_the_first_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    folders = [tmp_path / "a-file" / "cache", tmp_path / "cache"]
    load_or_build(small_lexicon, folders, KEY)
    assert (tmp_path / "cache" / cache_file_name(KEY)).exists()
    load_or_build(must_not_build, folders, KEY)


def test_old_files_are_pruned_beyond_the_newest_few(tmp_path: Path) -> None:
    olds = [tmp_path / cache_file_name(hashlib.sha256(bytes([n])).digest()) for n in range(6)]
    for age, path in enumerate(olds):
        path.write_bytes(b"old")
        os.utime(path, (1_000_000 - age, 1_000_000 - age))
    dead_build = tmp_path / f".{cache_file_name(KEY)}.abc.tmp"
    dead_build.write_bytes(b"half")
    os.utime(dead_build, (1_000_000, 1_000_000))
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("kept")
    load_or_build(small_lexicon, [tmp_path], KEY)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [cache_file_name(KEY), "notes.txt", *(path.name for path in olds[: lexicon_store.KEEP_OTHER_FILES])]
    )


BUILDER = """
import sys, time
from pathlib import Path
from feedapp.core.halfspace import build_lexicon
from feedapp.core.lexicon_store import load_or_build
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # every process reaches the build at the same instant
def build():
    time.sleep(0.2)  # so that the builds overlap
    return build_lexicon([("کتاب", 100, ("N",)), ("مهم", 50, ("AJ",))], extra_lines=["فیلتر"])
lexicon = load_or_build(build, [Path(sys.argv[1])], b"k" * 32)
print(lexicon.counts["کتاب"], "فیلتر" in lexicon.whole)
"""


@pytest.mark.slow  # builds hazm's lexicon or starts Python processes
def test_processes_building_at_once_all_succeed_and_leave_one_whole_file(tmp_path: Path) -> None:
    start = str(time.time() + 2)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", BUILDER, str(tmp_path), start],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [(child.returncode, out, err) for child, (out, err) in zip(children, outputs)] == [(0, "100 True\n", "")] * 4
    assert [path.name for path in tmp_path.iterdir()] == [cache_file_name(b"k" * 32)]  # no temporary left
    assert read_store(tmp_path / cache_file_name(b"k" * 32), b"k" * 32) is not None


def test_cache_folders_follow_the_environment(tmp_path: Path, monkeypatch) -> None:
    package = Path(halfspace.__file__).parent
    for name in ("FEEDAPP_LEXICON_CACHE", "CACHE_DIRECTORY", "STATE_DIRECTORY", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert lexicon_store.cache_dirs() == [tmp_path / "home" / ".cache" / "feedapp", package]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/feedapp")
    monkeypatch.setenv("CACHE_DIRECTORY", "/var/cache/feedapp:/var/cache/other")
    assert lexicon_store.cache_dirs() == [
        Path("/var/cache/feedapp"),
        Path("/var/lib/feedapp/cache"),
        tmp_path / "xdg" / "feedapp",
        package,
    ]
    monkeypatch.setenv("FEEDAPP_LEXICON_CACHE", str(tmp_path / "mine"))
    assert lexicon_store.cache_dirs() == [tmp_path / "mine"]


def test_prebuild_command_prints_the_file(tmp_path: Path, capsys) -> None:
    key = cache_key()
    load_or_build(small_lexicon, [tmp_path], key)  # stands for a build from hazm: it is only read here
    assert lexicon_store.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path / cache_file_name(key)}\n"
