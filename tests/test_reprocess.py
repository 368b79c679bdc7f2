"""`feedapp reprocess`: stored releases re-derived from their raw bytes with the current code.

The stored text is first made what an older normalizer without the half-space restorer left
(every ZWNJ of the derived fields removed; the raw bytes untouched), as a store made before an
improvement would hold it; reprocessing must then give exactly what ingesting gives today.
"""

from __future__ import annotations

import pytest
from lxml import etree

from feedapp import reprocess
from feedapp.engine import Engine
from tests.support import feedapp

# Every test stores the seeds with the feedapp command, and reprocessing starts worker processes.
pytestmark = pytest.mark.slow

ZWNJ = "\u200c"
DERIVED = ("title", "lead", "body", "kicker")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def aged(seeded_database_url: str) -> tuple[dict[str, str], dict[str, dict]]:
    """A store of the seeds whose derived text lost its half-spaces; (env, rows as ingested today)."""
    env = {"FEEDAPP_DATABASE_URL": seeded_database_url}
    today = release_rows(env)
    for column in DERIVED:
        execute(env, f"UPDATE releases SET {column} = replace({column}, :zwnj, ' ')", zwnj=ZWNJ)
    return env, today


def execute(env: dict[str, str], statement: str, **params: object) -> None:
    engine = Engine(env["FEEDAPP_DATABASE_URL"])
    with engine.begin(write=True) as connection:
        connection.execute(statement, params)
    engine.dispose()


def release_rows(env: dict[str, str]) -> dict[str, dict]:
    engine = Engine(env["FEEDAPP_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.rows("SELECT * FROM releases")
    engine.dispose()
    return {row["key"]: {**row, "raw": bytes(row["raw"])} for row in rows}


def test_dry_run_shows_each_change_as_a_word_diff_and_writes_nothing(aged):
    env, today = aged
    before = release_rows(env)
    changed = sorted(key for key, row in today.items() if any(row[c] != before[key][c] for c in DERIVED))
    assert len(changed) >= 5
    done = feedapp(env, "reprocess", "--dry-run")
    assert done.returncode == 0
    assert [line.split()[1] for line in done.stdout.splitlines() if line.startswith("changed ")] == changed
    assert done.stderr == f"9 releases: {len(changed)} would change, {9 - len(changed)} unchanged, 0 failed\n"
    assert "  title: حمایت از فعالیت روابط [-عمومی ها -]{+عمومی<ZWNJ>ها +}" in done.stdout
    assert release_rows(env) == before


def test_reprocess_restores_todays_text_without_moving_updated_or_the_feed_order(aged, make_app):
    env, today = aged
    before = release_rows(env)
    client = make_app({"DATABASE_URL": env["FEEDAPP_DATABASE_URL"]}).test_client()
    old_feed = client.get("/feed.atom")
    done = feedapp(env, "reprocess")
    changed = [line.split()[1] for line in done.stdout.splitlines()]
    assert done.stderr == f"9 releases: {len(changed)} changed, {9 - len(changed)} unchanged, 0 failed\n"
    after = release_rows(env)
    for key, row in after.items():
        assert {c: row[c] for c in DERIVED} == {c: today[key][c] for c in DERIVED}
        kept = ("raw", "raw_sha256", "published", "updated", "edited_version", "ingested_at", "retracted_at")
        assert {c: row[c] for c in kept} == {c: before[key][c] for c in kept}
        assert (row["changed_version"] > before[key]["changed_version"]) == (key in changed)
    new_feed = client.get("/feed.atom")
    assert new_feed.headers["ETag"] != old_feed.headers["ETag"]
    assert new_feed.headers["Last-Modified"] >= old_feed.headers["Last-Modified"]
    ids = [entry.findtext(f"{ATOM}id") for entry in etree.fromstring(new_feed.data).iter(f"{ATOM}entry")]
    assert ids == [entry.findtext(f"{ATOM}id") for entry in etree.fromstring(old_feed.data).iter(f"{ATOM}entry")]
    assert ZWNJ in new_feed.get_data(as_text=True)
    again = feedapp(env, "reprocess")
    assert (again.stdout, again.stderr) == ("", "9 releases: 0 changed, 9 unchanged, 0 failed\n")


def test_only_the_named_keys_are_reprocessed(aged):
    env, today = aged
    done = feedapp(env, "reprocess", "000_44faba8da108bc04")
    assert (done.stdout, done.stderr) == (
        "changed 000_44faba8da108bc04\n",
        "1 releases: 1 changed, 0 unchanged, 0 failed\n",
    )
    after = release_rows(env)
    assert after["000_44faba8da108bc04"]["title"] == today["000_44faba8da108bc04"]["title"]
    assert ZWNJ not in after["001_shahrdari_tehran_metro"]["title"]


def test_a_killed_run_resumes_after_the_last_finished_batch(aged, monkeypatch):
    env, today = aged
    engine = Engine(env["FEEDAPP_DATABASE_URL"])
    monkeypatch.setattr(reprocess, "BATCH", 4)
    run = reprocess.reprocess(engine)
    first = [next(run) for _ in range(4)]
    run.close()  # the process dies here, after its first batch
    assert reprocess.resume_point(engine) == 4
    done = feedapp(env, "reprocess")
    assert done.stderr.splitlines() == [
        "resuming after release #4 (--restart to start over)",
        "5 releases: " + done.stderr.split("5 releases: ")[1].strip(),
    ]
    assert [r.key for r in first] == sorted(today)[:4]
    assert reprocess.resume_point(engine) is None
    after = release_rows(env)
    assert {key: row["title"] for key, row in after.items()} == {key: row["title"] for key, row in today.items()}
    engine.dispose()


def test_raw_bytes_that_no_longer_parse_are_reported_and_the_release_kept(aged):
    env, _ = aged
    execute(env, "UPDATE releases SET raw = :raw WHERE key = '002_ostandari_qazvin_barf'", raw=b"\x00")
    before = release_rows(env)["002_ostandari_qazvin_barf"]
    done = feedapp(env, "reprocess", "002_ostandari_qazvin_barf", check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith("error 002_ostandari_qazvin_barf: stored raw bytes: ")
    assert done.stderr.splitlines()[0].endswith("; the stored release is kept")
    assert release_rows(env)["002_ostandari_qazvin_barf"] == before
