"""Releases of many offices from the command line: `feedapp ingest --source NAME PATH...` and the
inbox tree of `feedapp ingest --inbox DIR` (a sub-folder per office). An office's files are
written as its token's would be: its name on what names no source, other offices' names and
releases refused, every change audited as `feedapp ingest` by the OS user."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import unicodedata
from pathlib import Path

import pytest

from feedapp import store
from feedapp.cli import main
from tests.support import feedapp, upgraded

QAZVIN = "روابط عمومی شهرداری قزوین"
TEHRAN = "روابط عمومی شهرداری تهران"
TEXT = "۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.\n".encode()
OTHER_TEXT = "۱۳۹۲/۱۲/۲۰\n\nتیتر دیگر\n\nلید.\n".encode()
RLM = "\u200f"  # a bidi mark: no text once cleaned


def json_release(key: str, source: str | None = None) -> bytes:
    document = {"key": key, "published": "1392/12/20", "title": "تیتر", "lead": "لید."}
    if source is not None:
        document["source"] = source
    return json.dumps(document, ensure_ascii=False).encode()


def write(root: Path, files: dict[str, bytes]) -> Path:
    """`files` (relative path → bytes) written under `root`, folders made as needed; `root`."""
    for name, raw in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    return root


def sources(engine, keys) -> dict[str, str | None]:
    """Each key's stored source; a key that is not stored is left out."""
    return {key: found.release.source for key in keys if (found := store.get_release(engine, key)) is not None}


def refused_source(named: str, office: str, writer: str = "this ingest (--source)") -> str:
    return (
        f"source: the release names the source {named!r}; {writer} publishes for {office!r} only"
        " (leave `source` out, or name that office)"
    )


def refused_release(key: str, held: str | None, office: str, writer: str = "this ingest (--source)") -> str:
    of = f"of the source {held!r}" if held is not None else "of no source"
    return f"the release {key!r} is {of}; {writer} may change only the releases of {office!r}"


# --source as typed → the name every release gets: normalized as token create normalizes it.
@pytest.mark.parametrize(
    "given",
    [
        QAZVIN,
        "روابط عمومی شهرداری قزوين",  # Arabic yeh
        f"  {QAZVIN.replace(' ', '   ')} ",  # spaces around and inside
    ],
    ids=["as stored", "arabic yeh", "spaces"],
)
def test_source_gives_its_office_to_every_release_that_names_none_or_names_it(runner, engine, tmp_path, given):
    batch = write(
        tmp_path / "batch",
        {
            "t1.txt": TEXT,
            "j1.json": json_release("j1"),
            "j2.json": json_release("j2", "روابط عمومی شهرداری قزوين"),  # its own office, with Arabic yeh
        },
    )
    result = runner.invoke(main, ["ingest", "--source", given, str(batch)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "added j1\nadded j2\nadded t1\n",
        "3 files: 3 added, 0 updated, 0 unchanged, 0 rejected\n",
    )
    assert sources(engine, ["j1", "j2", "t1"]) == {"j1": QAZVIN, "j2": QAZVIN, "t1": QAZVIN}


def test_a_release_naming_another_source_is_refused_and_the_rest_of_the_batch_is_stored(runner, engine, tmp_path):
    batch = write(
        tmp_path / "batch",
        {
            "a.json": json_release("a", TEHRAN),
            "b.txt": TEXT,
            "c.jsonl": json_release("c1", TEHRAN) + b"\n" + json_release("c2") + b"\n",
        },
    )
    result = runner.invoke(main, ["ingest", "--source", QAZVIN, str(batch)])
    assert (result.exit_code, result.stdout, result.stderr.splitlines()) == (
        1,
        "added b\nadded c2\n",
        [
            f"error {batch / 'a.json'}: {refused_source(TEHRAN, QAZVIN)}",
            f"error {batch / 'c.jsonl'}:1: {refused_source(TEHRAN, QAZVIN)}",
            "3 files: 2 added, 0 updated, 0 unchanged, 0 rejected, 2 forbidden",
        ],
    )
    assert sources(engine, ["a", "b", "c1", "c2"]) == {"b": QAZVIN, "c2": QAZVIN}


# Who holds k1 (the --source it was ingested with; None: a plain ingest) → how the refusal names it.
@pytest.mark.parametrize("holder", [TEHRAN, None], ids=["another office", "no office"])
@pytest.mark.parametrize("raw", [TEXT, OTHER_TEXT], ids=["same bytes", "changed bytes"])
def test_replacing_a_release_of_another_source_or_of_none_is_refused(runner, engine, tmp_path, holder, raw):
    first = write(tmp_path / "first", {"k1.txt": TEXT}) / "k1.txt"
    runner.invoke(main, ["ingest", *(["--source", holder] if holder else []), str(first)])
    before = store.get_release(engine, "k1")
    again = write(tmp_path / "again", {"k1.txt": raw}) / "k1.txt"
    result = runner.invoke(main, ["ingest", "--source", QAZVIN, str(again)])
    assert (result.exit_code, result.stdout, result.stderr.splitlines()) == (
        1,
        "",
        [
            f"error {again}: {refused_release('k1', holder, QAZVIN)}",
            "1 files: 0 added, 0 updated, 0 unchanged, 0 rejected, 1 forbidden",
        ],
    )
    assert store.get_release(engine, "k1") == before
    assert [record.action for record in store.audit_records(engine)] == ["added"]
    # Its own office replaces it.
    if holder is not None:
        own = runner.invoke(main, ["ingest", "--source", holder, str(again)])
        assert own.stdout == ("unchanged k1\n" if raw == TEXT else "updated k1\n")


def test_inbox_gives_each_folder_s_files_its_office_and_the_top_level_files_none(runner, engine, tmp_path):
    inbox = write(
        tmp_path / "inbox",
        {
            "top.txt": TEXT,
            "top.json": json_release("j_top", "وزارت ورزش و جوانان"),  # its own source, as without --inbox
            f"{QAZVIN}/q1.txt": TEXT,
            f"{QAZVIN}/1403/q2.json": json_release("q2"),  # any depth in the office's folder
            f"{TEHRAN}/t1.txt": TEXT,
            ".staging/s1.txt": TEXT,  # an upload tool's: no office, never read
        },
    )
    result = runner.invoke(main, ["ingest", "--inbox", str(inbox)])
    # In the order of their paths, as a plain ingest of the folder: تهران sorts before قزوین.
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "added j_top\nadded top\nadded t1\nadded q2\nadded q1\n",
        "5 files: 5 added, 0 updated, 0 unchanged, 0 rejected\n",
    )
    assert sources(engine, ["top", "j_top", "q1", "q2", "t1", "s1"]) == {
        "top": None,
        "j_top": "وزارت ورزش و جوانان",
        "q1": QAZVIN,
        "q2": QAZVIN,
        "t1": TEHRAN,
    }
    again = runner.invoke(main, ["ingest", "--inbox", str(inbox)])
    assert (again.exit_code, again.stderr) == (0, "5 files: 0 added, 0 updated, 5 unchanged, 0 rejected\n")


# The folder's name as made (by hand, by an upload tool, on macOS) → the office it stands for.
@pytest.mark.parametrize(
    ("folder", "office"),
    [
        (QAZVIN, QAZVIN),
        ("روابط عمومی شهرداری قزوين", QAZVIN),  # Arabic yeh
        (f"{QAZVIN} ", QAZVIN),
        (unicodedata.normalize("NFD", "روابط عمومی آموزش و پرورش"), "روابط عمومی آموزش و پرورش"),  # macOS
    ],
    ids=["as stored", "arabic yeh", "trailing space", "decomposed"],
)
def test_inbox_folder_names_are_read_as_token_create_reads_source(runner, engine, tmp_path, folder, office):
    inbox = write(tmp_path / "inbox", {f"{folder}/k1.txt": TEXT})
    result = runner.invoke(main, ["ingest", "--inbox", str(inbox)])
    assert (result.exit_code, result.stdout) == (0, "added k1\n")
    assert store.get_release(engine, "k1").release.source == office


def test_a_bad_file_in_one_office_s_folder_stops_no_other(runner, engine, tmp_path):
    long_name = "روابط" * 21  # 105 characters
    inbox = write(
        tmp_path / "inbox",
        {
            f"{QAZVIN}/empty.txt": b"",
            f"{QAZVIN}/good.txt": TEXT,
            f"{QAZVIN}/tehran.json": json_release("tehran", TEHRAN),
            f"{TEHRAN}/t1.txt": TEXT,
            f"{TEHRAN}/t2.json": json_release("t2", TEHRAN),
            f"{RLM}/hidden.txt": TEXT,
            f"{long_name}/long.txt": TEXT,
            "top.txt": TEXT,
        },
    )
    result = runner.invoke(main, ["ingest", "--inbox", str(inbox)])
    assert (result.exit_code, result.stdout) == (1, "added top\nadded t1\nadded t2\nadded good\n")
    # The folders whose name is no source name first (nothing in them is read), then in path order.
    assert result.stderr.splitlines() == [
        f"error {inbox / long_name / 'long.txt'}: the inbox folder's name '{long_name[:60]}…' is not a source name"
        " (is 105 characters long; at most 100 are allowed); nothing in it was read",
        f"error {inbox / RLM / 'hidden.txt'}: the inbox folder's name {RLM!r} is not a source name (holds no"
        " text once normalized; expected the office's name); nothing in it was read",
        f"error {inbox / QAZVIN / 'empty.txt'}: the file is empty; expected a release starting with a date line",
        f"error {inbox / QAZVIN / 'tehran.json'}: {refused_source(TEHRAN, QAZVIN, 'this inbox folder')}",
        "8 files: 4 added, 0 updated, 0 unchanged, 3 rejected, 1 forbidden",
    ]
    assert sources(engine, ["good", "tehran", "t1", "t2", "top", "hidden", "long"]) == {
        "good": QAZVIN,
        "t1": TEHRAN,
        "t2": TEHRAN,
        "top": None,
    }


def test_an_office_folder_may_not_replace_another_office_s_release(runner, engine, tmp_path):
    inbox = write(tmp_path / "inbox", {f"{TEHRAN}/k1.txt": TEXT})
    assert runner.invoke(main, ["ingest", "--inbox", str(inbox)]).stdout == "added k1\n"
    (inbox / TEHRAN / "k1.txt").rename(write(inbox, {f"{QAZVIN}/k1.txt": OTHER_TEXT}) / QAZVIN / "k1.txt")
    result = runner.invoke(main, ["ingest", "--inbox", str(inbox)])
    assert (result.exit_code, result.stdout, result.stderr.splitlines()) == (
        1,
        "",
        [
            f"error {inbox / QAZVIN / 'k1.txt'}: {refused_release('k1', TEHRAN, QAZVIN, 'this inbox folder')}",
            "1 files: 0 added, 0 updated, 0 unchanged, 0 rejected, 1 forbidden",
        ],
    )
    assert (store.get_release(engine, "k1").release.title, sources(engine, ["k1"])) == ("تیتر", {"k1": TEHRAN})


def test_office_writes_are_audited_as_the_ingest_command_by_the_os_user(runner, engine, tmp_path, monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    user = pwd.getpwuid(os.geteuid()).pw_name
    batch = write(tmp_path / "batch", {"k1.txt": TEXT, "k2.json": json_release("k2", TEHRAN)})
    inbox = write(tmp_path / "inbox", {f"{TEHRAN}/t1.txt": TEXT, f"{QAZVIN}/k1.txt": OTHER_TEXT})
    assert runner.invoke(main, ["ingest", "--source", QAZVIN, str(batch)]).stdout == "added k1\n"
    assert runner.invoke(main, ["ingest", "--inbox", str(inbox)]).stdout == "added t1\nupdated k1\n"
    digest, other = hashlib.sha256(TEXT).hexdigest(), hashlib.sha256(OTHER_TEXT).hexdigest()
    # The refused k2 left no record.
    records = store.audit_records(engine)
    assert [record._replace(recorded_at=None) for record in records] == [
        store.AuditRecord(1, None, "added", "k1", digest, None, "ingest", user),
        store.AuditRecord(2, None, "added", "t1", digest, None, "ingest", user),
        store.AuditRecord(3, None, "updated", "k1", other, None, "ingest", user),
    ]
    printed = runner.invoke(main, ["audit", "--key", "t1"])
    assert printed.stdout.split("\t")[1:] == ["added", "t1", f"feedapp ingest by {user}", digest + "\n"]


# Arguments (FILE: a release file, DIR: an inbox) → the usage error, exit status 2, nothing stored.
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: Missing argument 'PATHS...' (or --inbox DIR)."),
        (
            ["--inbox", "DIR", "FILE"],
            "Error: --inbox takes no PATHS and no --source: each of its sub-folders names its office",
        ),
        (
            ["--inbox", "DIR", "--source", QAZVIN],
            "Error: --inbox takes no PATHS and no --source: each of its sub-folders names its office",
        ),
        (
            ["--source", f"{RLM} ", "FILE"],
            "Error: Invalid value for '--source': holds no text once normalized; expected the office's name",
        ),
        (["--inbox", "FILE"], "Error: Invalid value for '--inbox': Directory '{FILE}' is a file."),
    ],
    ids=["nothing to ingest", "inbox and a path", "inbox and source", "source of no text", "inbox is a file"],
)
def test_usage_errors_name_what_is_wrong_and_store_nothing(runner, engine, tmp_path, args, message):
    file = write(tmp_path, {"k1.txt": TEXT}) / "k1.txt"
    (tmp_path / "inbox").mkdir()
    places = {"FILE": str(file), "DIR": str(tmp_path / "inbox")}
    result = runner.invoke(main, ["ingest", *(places.get(arg, arg) for arg in args)])
    assert (result.exit_code, result.stdout, result.stderr.splitlines()[-1]) == (
        2,
        "",
        message.format(FILE=file),
    )
    assert store.count_releases(engine) == 0


@pytest.mark.slow  # runs the feedapp command, with worker processes
def test_with_worker_processes_another_source_s_same_bytes_are_refused_too(tmp_path):
    # With --jobs, the check of already stored bytes runs in the process pool's feeder thread.
    env = {"FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}")}
    batch = write(tmp_path / "batch", {"k1.txt": TEXT})
    feedapp(env, "ingest", "--source", TEHRAN, str(batch))
    done = feedapp(env, "ingest", "--jobs", "2", "--source", QAZVIN, str(batch), check=False)
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (
        1,
        "",
        [
            f"error {batch / 'k1.txt'}: {refused_release('k1', TEHRAN, QAZVIN)}",
            "1 files: 0 added, 0 updated, 0 unchanged, 0 rejected, 1 forbidden",
        ],
    )
