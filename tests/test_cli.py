"""`feedapp ingest` and `feedapp check`: exact lines, exit codes, and nothing lost in a bad batch."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from feedapp import store
from feedapp.cli import main
from tests.support import ROOT, SAMPLE, SEED_KEYS, SEEDS, upgraded

DATE_LINE_ERROR = (
    "expected a Solar Hijri date line such as '۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or 'سه‌شنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰', found"
)


def ingest(runner, *paths):
    return runner.invoke(main, ["ingest", *map(str, paths)])


def test_seeds_are_all_added_then_unchanged(runner, engine, seeds_copy):
    first = ingest(runner, seeds_copy)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines() == [f"added {key}" for key in SEED_KEYS]
    assert first.stderr == "8 files: 9 added, 0 updated, 0 unchanged, 0 rejected\n"
    version = store.data_version(engine)
    again = ingest(runner, seeds_copy)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [f"unchanged {key}" for key in SEED_KEYS]
    assert store.data_version(engine) == version
    assert store.count_releases(engine) == 9


def test_unchanged_bytes_are_not_normalized_again(runner, seeds_copy, monkeypatch):
    ingest(runner, seeds_copy)

    def refuse(release):
        raise AssertionError("normalized again")

    monkeypatch.setattr("feedapp.ingest.normalize_release", refuse)
    again = ingest(runner, seeds_copy)
    assert (again.exit_code, again.stdout.splitlines()) == (0, [f"unchanged {key}" for key in SEED_KEYS])


def test_raw_bytes_are_stored_exactly_as_received(runner, engine, seeds_copy):
    ingest(runner, seeds_copy)
    for path in seeds_copy.glob("*.txt"):
        assert store.get_raw(engine, path.stem) == path.read_bytes()
    jsonl = (seeds_copy / "007_akhbar_eqtesadi.jsonl").read_bytes().splitlines()
    assert store.get_raw(engine, "008_sazman_mohitzist_ab") == jsonl[1]


def test_changed_file_updates_content_keeps_key_and_published(runner, engine, tmp_path):
    path = tmp_path / "k1.txt"
    path.write_text("۱۳۹۲/۱۲/۲۰\n\nتیتر اول\n\nلید.", encoding="utf-8")
    ingest(runner, path)
    before = store.get_release(engine, "k1")
    path.write_text("۱۳۹۲/۱۲/۲۰\n\nتیتر دوم\n\nلید.", encoding="utf-8")
    result = ingest(runner, path)
    assert result.stdout == "updated k1\n"
    after = store.get_release(engine, "k1")
    assert after.release.title == "تیتر دوم"
    assert after.release.published == before.release.published
    assert after.release.updated is not None and after.release.updated >= before.ingested_at


def test_changed_date_line_keeps_the_first_publication_and_warns(runner, engine, tmp_path):
    path = tmp_path / "k1.txt"
    path.write_text("۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.", encoding="utf-8")
    ingest(runner, path)
    path.write_text("۱۳۹۲/۱۲/۲۱\n\nتیتر\n\nلید تازه.", encoding="utf-8")
    result = ingest(runner, path)
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"warning {path}: the release now says it was published 1392/12/21, but it was first published"
        " 1392/12/20; the original publication time was kept"
    )
    assert store.get_release(engine, "k1").release.published.jalali == "1392/12/20"


def test_same_release_in_another_encoding_is_unchanged(runner, engine, tmp_path):
    path = tmp_path / SAMPLE.name
    path.write_bytes(SAMPLE.read_bytes())
    ingest(runner, path)
    path.write_bytes(codecs.BOM_UTF16_LE + SAMPLE.read_text("utf-8").encode("utf-16-le"))
    result = ingest(runner, path)
    assert result.stdout == f"unchanged {SAMPLE.stem}\n"
    assert store.get_release(engine, SAMPLE.stem).release.updated is None


BAD_FILES = {
    "empty.txt": (b"", "error {path}: the file is empty; expected a release starting with a date line"),
    "binary.txt": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",
        "error {path}: the file holds NUL bytes (binary, or"
        " UTF-16 without a byte-order mark); expected UTF-8, UTF-16 with a byte-order mark, or"
        " Windows-1256 text",
    ),
    "latin1.txt": (
        "Café\n".encode("latin-1"),
        "error {path}:1: the byte at offset 3 (0xe9) is not valid UTF-8 and"
        " the file does not read as Persian in Windows-1256 either; expected UTF-8, UTF-16 with a"
        " byte-order mark, or Windows-1256 Persian text",
    ),
    "no_date.txt": ("تیتر\n\nلید.".encode(), "error {path}:1: " + DATE_LINE_ERROR + " 'تیتر'"),
    "leap.txt": (
        "۱۳۹۲/۱۲/۳۰\n\nتیتر\n\nلید.".encode(),
        "error {path}:1: 1392/12/30 does not exist (1392 is not a leap year); expected a day from 1 to 29",
    ),
    "bad key.txt": (
        "۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.".encode(),
        "error {path}: key 'bad key' is not allowed; expected"
        " 1-128 ASCII letters, digits, '_' or '-', starting with a letter or digit",
    ),
    "notes.md": (b"# notes", "error {path}: unsupported file type '.md'; expected .txt, .json or .jsonl"),
}


def test_batch_with_bad_files_stores_the_good_ones_and_names_each_bad_one(runner, engine, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text("۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.", encoding="utf-8")
    for name, (raw, _) in BAD_FILES.items():
        (batch / name).write_bytes(raw)
    (batch / "mixed.jsonl").write_text(
        '{"key": "j1", "published": "1392/12/20", "title": "تیتر", "lead": "لید."}\n'
        '{"key": "j2", "published": "1392/12/20", "title": 5, "lead": "لید."}\n'
        '{"key": "j3", "published": "1392/12/20", "title": "تیتر", "lead": "لید."}\n'
        "not json\n",
        encoding="utf-8",
    )
    result = ingest(runner, batch, batch / "notes.md")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["added good", "added j1", "added j3"]
    expected_errors = {template.format(path=batch / name) for name, (_, template) in BAD_FILES.items()}
    expected_errors |= {
        f"error {batch / 'mixed.jsonl'}:2: title: expected a string, found a number",
        f"error {batch / 'mixed.jsonl'}:4: invalid JSON at column 1: Expecting value",
    }
    lines = result.stderr.splitlines()
    assert set(lines[:-1]) == expected_errors
    assert lines[-1] == "9 files: 3 added, 0 updated, 0 unchanged, 9 rejected"
    assert sorted(s.release.key for s in store.list_page(engine, None, 10).releases) == ["good", "j1", "j3"]


def test_key_met_twice_in_one_batch_rejects_the_later_file(runner, engine, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "k1.txt").write_text(f"۱۳۹۲/۱۲/۲۰\n\nتیتر {folder}\n\nلید.", encoding="utf-8")
    result = ingest(runner, tmp_path / "a", tmp_path / "b")
    assert result.exit_code == 1
    assert result.stdout == "added k1\n"
    assert result.stderr.splitlines()[0] == (
        f"error {tmp_path / 'b' / 'k1.txt'}: key 'k1' already came from {tmp_path / 'a' / 'k1.txt'} in this batch;"
        " expected each key once"
    )
    assert store.get_release(engine, "k1").release.title == "تیتر a"


def test_missing_path_is_a_usage_error(runner, tmp_path):
    result = ingest(runner, tmp_path / "nowhere")
    assert result.exit_code == 2
    assert f"Path '{tmp_path / 'nowhere'}' does not exist." in result.stderr


def test_no_path_is_a_usage_error(runner):
    assert runner.invoke(main, ["ingest"]).exit_code == 2


def test_check_prints_fields_without_storing(runner, engine):
    result = runner.invoke(main, ["check", str(SAMPLE)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        str(SAMPLE),
        "  key:        000_44faba8da108bc04",
        "  date:       سه‌شنبه ۲۰ اسفند ۱۳۹۲ (1392/12/20) = 2014-03-11T12:00:00+03:30",
    ]
    assert lines[3] == "  kicker:     منجم، رئیس اداره روابط عمومی و امور بین\u200cالملل شهرداری قزوین"
    assert lines[-2:] == ["  paragraphs: 10", ""]
    assert store.count_releases(engine) == 0


def test_check_json_prints_one_object_per_release(runner, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("جمعه ۱۳۹۲/۱۲/۲۰\n\nتیتر", encoding="utf-8")
    result = runner.invoke(main, ["check", "--json", str(SAMPLE), str(bad)])
    assert result.exit_code == 1
    good, broken = (json.loads(line) for line in result.stdout.splitlines())
    assert list(good) == [
        "path",
        "line",
        "ok",
        "key",
        "published",
        "jalali",
        "kicker",
        "title",
        "lead",
        "body",
        "errors",
        "warnings",
    ]
    assert (good["ok"], good["key"], good["published"], good["jalali"], len(good["body"])) == (
        True,
        "000_44faba8da108bc04",
        "2014-03-11T12:00:00+03:30",
        "1392/12/20",
        10,
    )
    assert good["title"] == "حمایت از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری سازمان‌ها می‌شود"
    assert (good["errors"], good["warnings"]) == ([], [])
    assert broken == {
        "path": str(bad),
        "line": None,
        "ok": False,
        "key": None,
        "published": None,
        "jalali": None,
        "kicker": None,
        "title": None,
        "lead": None,
        "body": [],
        "errors": [
            {"line": 3, "field": None, "message": "expected a lead paragraph after the headline, found nothing"}
        ],
        "warnings": [],
    }


@pytest.mark.slow  # runs the feedapp command
def test_console_script_splits_streams_and_exits_1_on_a_rejected_file(tmp_path):
    (tmp_path / "good.txt").write_text("۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"")
    env = {**os.environ, "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}")}
    feedapp = Path(sys.executable).with_name("feedapp")
    done = subprocess.run(
        [str(feedapp), "ingest", str(tmp_path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert done.returncode == 1
    assert done.stdout == "added good\n"
    assert done.stderr == (
        f"error {tmp_path / 'bad.txt'}: the file is empty; expected a release starting with a"
        " date line\n2 files: 1 added, 0 updated, 0 unchanged, 1 rejected\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["ingest", "--help"],
        ["ingest-service", "--help"],
        ["check", "--help"],
        ["routes"],
        ["db", "--help"],
        ["db", "upgrade", "--help"],
        ["db", "status", "--help"],
        ["reprocess", "--help"],
        ["backup", "--help"],
        ["restore", "--help"],
        ["retract", "--help"],
        ["token", "--help"],
        ["token", "create", "--help"],
        ["token", "list", "--help"],
        ["token", "revoke", "--help"],
        ["audit", "--help"],
    ],
)
def test_every_command_has_help_and_flask_commands_work(runner, args):
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    assert result.stdout.strip() != ""


@pytest.mark.slow  # runs the feedapp command
def test_help_and_version_need_no_database(tmp_path):
    from feedapp import __version__
    from tests.support import feedapp

    env = {"FEEDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'none' / 'db.sqlite3'}"}
    assert feedapp(env, "--version").stdout == f"feedapp {__version__}\n"
    helped = feedapp(env, "--help")
    assert (helped.stderr, [line.split()[0] for line in helped.stdout.split("Commands:\n")[1].splitlines()]) == (
        "",
        [
            "audit",
            "backup",
            "check",
            "db",
            "export",
            "ingest",
            "ingest-service",
            "reprocess",
            "restore",
            "retract",
            "routes",
            "run",
            "shell",
            "stats",
            "token",
        ],
    )
    assert not (tmp_path / "none").exists()


@pytest.mark.slow  # runs the feedapp command, with worker processes
def test_parallel_normalization_gives_the_same_outcomes_in_the_same_order(tmp_path):
    from tests.support import write_releases

    write_releases(tmp_path / "batch", 24)
    shutil.copytree(SEEDS, tmp_path / "batch" / "seeds")
    (tmp_path / "batch" / "bad.txt").write_bytes(b"")
    results = {}
    for jobs in ("1", "2"):
        env = {**os.environ, "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / f'db{jobs}.sqlite3'}")}
        done = subprocess.run(
            [str(Path(sys.executable).with_name("feedapp")), "ingest", "--jobs", jobs, str(tmp_path / "batch")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
        )
        with closing(sqlite3.connect(tmp_path / f"db{jobs}.sqlite3")) as connection:
            rows = connection.execute("SELECT key, title, lead, body, raw FROM releases ORDER BY key").fetchall()
        results[jobs] = (done.returncode, done.stdout, done.stderr.replace(str(tmp_path), "T"), rows)
    assert results["1"] == results["2"]
    assert results["1"][0] == 1 and len(results["1"][3]) == 24 + 9
