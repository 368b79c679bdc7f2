"""`python -m bench populate`: a store of synthetic releases, written in bulk through the store.

The store it writes must be the one saving each release writes (`store.save_release`, the
ingest's write path), so that benchmarks on it measure what a real store of that size costs:
compared here table by table, on SQLite and PostgreSQL. Its releases must be what ingest would
make of their raw bytes: they parse back into themselves and normalizing leaves them as they are.
No timing is asserted.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from bench import populate
from bench.__main__ import main as bench_main
from feedapp import schema, store
from feedapp.core import limits
from feedapp.core.jalali import published_from_instant
from feedapp.core.jsonrelease import parse_json_release
from feedapp.core.models import KEY_PATTERN
from feedapp.engine import Engine
from tests.support import upgraded

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
PROGRESS = re.compile(r"[\d,]+/[\d,]+ releases \(\d+%\), [\d,]+ releases/s")
# Small pools, so that sources and categories recur and their pages' places climb.
POOLS = ["--categories", "4", "--sources", "3"]


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[str, list[str]]:
    """`python -m bench populate --database-url URL ARGS`: its stdout, and its stderr without progress lines."""
    assert bench_main(["populate", "--database-url", url, *args]) == 0
    out, err = capsys.readouterr()
    return out, [line for line in err.splitlines() if not PROGRESS.fullmatch(line)]


def summary(count: int, first: int, last: int, url: str) -> re.Pattern[str]:
    return re.compile(
        rf"populated {count} releases \(syn-{first:08d} to syn-{last:08d}\) in \d+\.\d s"
        rf" \([\d,]+ releases/s\) into {re.escape(url)}\n"
    )


def tables(url: str) -> dict[str, list[dict]]:
    """Every feedapp table's rows in a stable order, without the times of writing (ingested_at,
    changed_at: the clock's, not the release's)."""
    engine = Engine(url)
    names, _ = store.schema_versions(engine)
    rows = {}
    with engine.connect() as connection:
        for name in sorted(names):
            if "yoyo" in name:
                continue
            # Ordered by the first two columns: id; release_id, category; the state's name.
            rows[name] = connection.rows(f"SELECT * FROM {name} ORDER BY 1, 2")
            for row in rows[name]:
                row.pop("ingested_at", None)
                row.pop("changed_at", None)
    engine.dispose()
    return rows


def fresh_store(empty_database_url: str, request: pytest.FixtureRequest) -> str:
    """A second new database on the same backend, at the latest schema."""
    if empty_database_url.startswith("sqlite:///"):
        return upgraded(empty_database_url.replace(".sqlite3", "-saved.sqlite3"))
    return upgraded(request.getfixturevalue("postgres").new_database())


def test_populate_writes_what_saving_each_release_writes_and_appends(
    empty_database_url: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    url = empty_database_url
    out, err = run(capsys, url, "--count", "30", "--batch", "7", *POOLS)
    assert summary(30, 0, 29, url).fullmatch(out), out
    assert err == [f"applied {version}" for version in schema.known_versions()]  # created as `db upgrade` does
    # A second run appends after the releases stored, in one batch, with another seed.
    out, err = run(capsys, url, "--count", "12", "--seed", "5", *POOLS)
    assert summary(12, 30, 41, url).fullmatch(out), out
    assert err == []

    saved = fresh_store(url, request)
    engine = Engine(saved)
    made = [
        *populate.releases(30, 0, categories=4, sources=3),
        *populate.releases(12, 5, first=30, categories=4, sources=3),
    ]
    for release, raw, format in made:
        assert store.save_release(engine, release, raw, format, NOW).action == "added"
    releases = [release for release, _, _ in made]
    engine.dispose()

    written = tables(url)
    assert written == tables(saved)
    assert {"releases", "release_categories", "state"} <= set(written)
    assert len(written["releases"]) == 42
    assert len(written["release_categories"]) == sum(len(release.categories) for release in releases)
    engine = Engine(url)
    assert store.all_keys(engine) == [f"syn-{number:08d}" for number in range(42)]
    assert store.count_releases(engine, retracted=True) == 42
    assert store.data_version(engine) == 42
    engine.dispose()


def test_an_empty_run_creates_the_store_and_writes_nothing(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    out, err = run(capsys, url, "--count", "0")
    assert re.fullmatch(rf"populated 0 releases in \d+\.\d s \(0 releases/s\) into {re.escape(url)}\n", out), out
    assert err == [f"applied {version}" for version in schema.known_versions()]
    engine = Engine(url)
    assert schema.status(engine).pending == ()
    engine.dispose()


def test_release_numbers_make_the_keys_and_the_seed_makes_the_rest() -> None:
    first = list(populate.releases(6, seed=3))
    assert [release.key for release, _, _ in first] == [f"syn-{number:08d}" for number in range(6)]
    assert list(populate.releases(6, seed=3)) == first  # deterministic
    # Release n is the same whether written in one run or appended by a later one.
    assert list(populate.releases(2, seed=3, first=4)) == first[4:]
    other = list(populate.releases(6, seed=4))
    assert [release.key for release, _, _ in other] == [release.key for release, _, _ in first]
    assert all(a.title != b.title and a.body != b.body for (a, _, _), (b, _, _) in zip(first, other))


def test_releases_are_shaped_like_real_ones_and_within_the_limits() -> None:
    made = list(populate.releases(1_000, seed=0))
    releases = [release for release, _, _ in made]
    sources, categories = set(populate.source_pool(1_000)), set(populate.category_pool(40))
    for release in releases:
        assert KEY_PATTERN.fullmatch(release.key)
        assert 60 <= len(release.title) <= 90, release.title
        assert 160 <= len(release.lead) <= 500, release.lead
        assert 3 <= len(release.body) <= 8
        assert all(240 <= len(paragraph) <= 700 for paragraph in release.body)
        assert "\u200c" in release.lead + "".join(release.body)  # half-spaces, as Persian is written
        assert release.source in sources
        assert set(release.categories) <= categories and len(set(release.categories)) == len(release.categories)
        assert release.language == "fa" and release.updated is None
        for kind, text in [("title", release.title), ("lead", release.lead), ("kicker", release.kicker)]:
            assert limits.text_problem(kind, text, kind) is None
        assert all(limits.name_problem("name", name) is None for name in [release.source, *release.categories])
    assert Counter(len(release.categories) for release in releases) == {0: 118, 1: 393, 2: 356, 3: 133}
    assert sum(bool(release.images) for release in releases) == 287
    assert sum(bool(release.kicker) for release in releases) == 384
    # A thousand a day from 1397/01/01 (1,000 releases: the first day), eight backdated.
    instants = [release.published.instant for release in releases]
    assert instants[0] == datetime(2018, 3, 20, 20, 30, 27, tzinfo=timezone.utc)
    assert instants[-1] == datetime(2018, 3, 21, 20, 28, 55, tzinfo=timezone.utc)
    assert sum(later < earlier for earlier, later in zip(instants, instants[1:])) == 8
    slots = [populate.FIRST_INSTANT + timedelta(seconds=86.4 * number) for number in range(1_000)]
    assert all(-timedelta(days=8) < instant - slot < timedelta(seconds=40) for instant, slot in zip(instants, slots))
    backdated = [release.published.jalali for release in releases if release.published.jalali != "1397/01/01"]
    assert sorted(backdated) == ["1396/12/23", "1396/12/23", "1396/12/26"] + ["1396/12/28"] * 3 + ["1396/12/29"]


def test_published_is_the_instant_with_its_jalali_date() -> None:
    for release, _, _ in populate.releases(300, seed=1, per_day=3):  # 100 days, across the clock change of 1397/01/02
        assert release.published == published_from_instant(release.published.instant)


def test_raw_bytes_are_a_json_release_that_parses_into_the_release() -> None:
    for release, raw, format in populate.releases(200, seed=2, categories=300, sources=1_500):
        assert format == "json"
        assert raw == json.dumps(populate.document(release), ensure_ascii=False).encode()
        assert parse_json_release(raw).release == release


def test_normalizing_leaves_the_releases_as_they_are() -> None:
    """What ingest stores is the normalized release: the same one, so populate's store is ingest's
    (and `feedapp reprocess` finds nothing to change). Loads hazm (a few seconds)."""
    from feedapp.core.normalize import normalize_release

    for release, _, _ in populate.releases(30, seed=0, categories=300, sources=1_500):
        assert normalize_release(release) == release


def test_pools_hold_distinct_names_of_the_size_asked() -> None:
    assert populate.category_pool(40) == list(populate.CATEGORIES)
    assert populate.category_pool(42)[40:] == ["اقتصادی و اجتماعی", "اقتصادی و فرهنگی"]
    assert populate.source_pool(1_002)[0] == "روابط عمومی شهرداری تهران"
    assert populate.source_pool(1_002)[1_000:] == ["روابط عمومی شهرداری تهران ۲", "روابط عمومی استانداری تهران ۲"]
    for size in (0, 1, 3_000):
        assert len(set(populate.category_pool(size))) == size
        assert len(set(populate.source_pool(size))) == size
    nameless = [release for release, _, _ in populate.releases(20, categories=0, sources=0)]
    assert all(release.source is None and release.categories == () for release in nameless)
