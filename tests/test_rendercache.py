"""Rendering happens once per change of the data, in each process; a 304 renders nothing."""

from __future__ import annotations

import pytest

from feedapp import state
from feedapp.cli import main
from feedapp.rendercache import RenderCache
from tests.support import SAMPLE, SEEDS


def builds(app) -> int:
    return state.of(app).feeds.builds


def test_feed_is_rendered_once_per_change_whatever_the_query(app, client, runner):
    runner.invoke(main, ["ingest", str(SEEDS)])
    first = client.get("/feed.atom")
    assert builds(app) == 1
    for path in ("/feed.atom", "/feed.atom?_=1", "/feed.atom?_=2&utm_source=x"):
        assert client.get(path).data == first.data
    assert client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/feed.atom", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    assert builds(app) == 1
    client.get("/feed.rss")
    assert builds(app) == 2


@pytest.mark.slow  # runs the feedapp command
def test_an_ingest_in_another_process_invalidates_the_cache(app, client, tmp_path):
    from tests.support import feedapp

    client.get("/feed.atom")
    assert builds(app) == 1
    feedapp({"FEEDAPP_DATABASE_URL": app.config["DATABASE_URL"]}, "ingest", str(SAMPLE))
    response = client.get("/feed.atom")
    assert builds(app) == 2
    assert b"000_44faba8da108bc04" in response.data


def test_unchanged_reingest_keeps_the_cache(app, client, runner):
    runner.invoke(main, ["ingest", str(SAMPLE)])
    client.get("/feed.atom")
    runner.invoke(main, ["ingest", str(SAMPLE)])
    client.get("/feed.atom")
    assert builds(app) == 1


def test_cache_keeps_only_its_capacity_least_recently_used_first():
    cache: RenderCache[str] = RenderCache(capacity=2)
    cache.get("a", 1, lambda: "A")
    cache.get("b", 1, lambda: "B")
    cache.get("a", 1, lambda: "never")
    cache.get("c", 1, lambda: "C")
    assert cache.get("a", 1, lambda: "A again") == "A"
    assert cache.get("b", 1, lambda: "B rebuilt") == "B rebuilt"
    assert cache.get("a", 2, lambda: "A v2") == "A v2"
    assert cache.builds == 5


def fast(app):
    return state.of(app).fast_path


def test_repeat_requests_are_answered_before_flask_with_the_same_bytes_and_headers(app, client, runner):
    runner.invoke(main, ["ingest", str(SEEDS)])
    headers = {"Accept-Encoding": "gzip", "X-Request-ID": "request-00000001"}  # the answers echo the id
    first = client.get("/feed.atom", headers=headers)
    assert fast(app).hits == 0
    for _ in range(2):
        again = client.get("/feed.atom?_=7", headers=headers)
        assert (again.status_code, again.data, sorted(again.headers.items())) == (
            200,
            first.data,
            sorted(first.headers.items()),
        )
    not_modified = client.get("/feed.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert (not_modified.status_code, not_modified.data) == (304, b"")
    head = client.head("/feed.atom", headers={"Accept-Encoding": "gzip"})
    assert (head.data, head.headers["Content-Length"]) == (b"", first.headers["Content-Length"])
    assert fast(app).hits == 4
    assert builds(app) == 1


def test_fast_path_never_serves_an_old_version_or_a_delta(database_url, make_app):
    app = make_app({"DATABASE_URL": database_url, "TESTING": True, "DELTA_FEEDS": True})
    client, runner = app.test_client(), app.test_cli_runner()
    runner.invoke(main, ["ingest", str(SAMPLE)])
    old = client.get("/feed.atom")
    client.get("/feed.atom")
    assert fast(app).hits == 1
    runner.invoke(main, ["ingest", str(SEEDS)])
    new = client.get("/feed.atom")
    assert fast(app).hits == 1 and new.data != old.data  # the new version went through Flask
    delta = client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": old.headers["ETag"]})
    assert delta.status_code == 226 and fast(app).hits == 1


def test_with_deltas_off_a_request_asking_for_one_is_answered_by_the_fast_path(app, client, runner):
    # feedparser sends A-IM on every poll: with deltas off (the default) those polls are plain ones.
    runner.invoke(main, ["ingest", str(SAMPLE)])
    first = client.get("/feed.atom")
    asks = {"A-IM": "feed", "If-None-Match": first.headers["ETag"]}
    assert client.get("/feed.atom", headers=asks).status_code == 304
    assert fast(app).hits == 1
    runner.invoke(main, ["ingest", str(SEEDS)])
    full = client.get("/feed.atom", headers=asks)
    assert (full.status_code, "IM" in full.headers, full.data) == (200, False, client.get("/feed.atom").data)


def test_news_sitemap_is_never_answered_by_the_fast_path(app, client, runner):
    runner.invoke(main, ["ingest", str(SAMPLE)])
    for _ in range(3):
        client.get("/sitemap-news.xml")
    assert fast(app).hits == 0


def test_healthz_answers_ok(app, client):
    response = client.get("/healthz")
    assert (
        response.status_code,
        response.data,
        response.headers["Content-Type"],
        response.headers["Cache-Control"],
    ) == (200, b"ok\n", "text/plain; charset=utf-8", "no-store")


def test_a_304_has_the_same_headers_from_flask_and_from_the_fast_path(app, client, runner, make_app):
    # Readers such as rss2email keep the validators of the last answer: they must not come and go
    # with whichever path answered (RFC 9110 §15.4.5: ETag, Cache-Control, Vary; no Last-Modified).
    runner.invoke(main, ["ingest", str(SAMPLE)])
    etag = client.get("/feed.atom").headers["ETag"]
    other = make_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True})  # another worker
    worker = other.test_client()
    by_flask = worker.get("/feed.atom", headers={"If-None-Match": etag})  # its first: rendered by Flask
    by_fast_path = worker.get("/feed.atom", headers={"If-None-Match": etag})
    assert (by_flask.status_code, by_fast_path.status_code, fast(other).hits) == (304, 304, 1)
    assert (
        sorted(by_flask.headers.keys())
        == sorted(by_fast_path.headers.keys())
        == [
            "Cache-Control",
            "ETag",
            "Vary",
            "X-Request-ID",
        ]
    )
    assert by_flask.headers["ETag"] == by_fast_path.headers["ETag"] == etag


def _adder(app):
    """add(number): store release `r{number}` directly (no ingest: no hazm)."""
    from datetime import datetime, timezone

    from feedapp import store
    from feedapp.core.models import PublishedAt, Release

    engine = state.of(app).engine
    when = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)

    def add(number: int) -> None:
        published = PublishedAt(instant=when, jalali="1404/12/10", has_time=True)
        release = Release(key=f"r{number}", published=published, title=f"تیتر {number}", lead="لید.")
        store.save_release(engine, release, f"{number}".encode(), "text", when)

    return add


def _revalidate(client, etags: dict[str, str]) -> dict[str, int]:
    """Each path's status when asked again with its ETag."""
    return {path: client.get(path, headers={"If-None-Match": etag}).status_code for path, etag in etags.items()}


def test_a_new_release_renders_and_changes_only_the_sitemap_page_it_joins(database_url, make_app):
    app = make_app({"DATABASE_URL": database_url, "TESTING": True, "SITEMAP_SIZE": 2})
    add = _adder(app)
    for number in range(5):
        add(number)
    client = app.test_client()
    paths = [f"/sitemaps/releases-{page}.xml" for page in (1, 2, 3)]
    etags = {path: client.get(path).headers["ETag"] for path in paths}
    built = state.of(app).crawlers.builds
    add(5)  # joins page 3
    assert _revalidate(client, etags) == {
        "/sitemaps/releases-1.xml": 304,
        "/sitemaps/releases-2.xml": 304,
        "/sitemaps/releases-3.xml": 200,
    }
    assert state.of(app).crawlers.builds == built + 1  # page 3 only
    assert client.get("/sitemaps/releases-3.xml").data.count(b"<url>") == 2


def test_a_change_renders_again_only_the_archive_pages_it_changed(database_url, make_app):
    from datetime import datetime, timezone

    from feedapp import store

    app = make_app({"DATABASE_URL": database_url, "TESTING": True, "FEED_SIZE": 2})
    add = _adder(app)
    for number in range(5):  # pages 1 and 2 full, page 3 holds r4
        add(number)
    client = app.test_client()
    paths = [f"/feed/archive/{page}.atom" for page in (1, 2, 3)]

    def etags() -> dict[str, str]:
        return {path: client.get(path).headers["ETag"] for path in paths}

    def after(change) -> tuple[dict[str, int], int]:
        """The pages' answers to revalidation after `change`, and how many were rendered."""
        before, built = etags(), builds(app)
        change()
        return _revalidate(client, before), builds(app) - built

    assert after(lambda: add(5)) == (dict(zip(paths, [304, 304, 200])), 1)  # r5 joins page 3
    assert after(lambda: add(6)) == (dict(zip(paths, [304, 304, 200])), 1)  # page 3 links to the new page 4
    retract = lambda: store.retract(state.of(app).engine, "r1", datetime(2026, 3, 2, tzinfo=timezone.utc))  # noqa: E731
    assert after(retract) == (dict(zip(paths, [200, 304, 304])), 1)  # page 1's tombstone
    assert after(lambda: add(7)) == (dict(zip(paths, [304, 304, 304])), 0)  # r7 joins page 4
    assert [client.get(path).status_code for path in paths] == [200, 200, 200]


def test_cache_keeps_its_bytes_under_the_bound_and_always_the_newest_value():
    cache: RenderCache[str] = RenderCache(max_bytes=10, weigh=len)
    assert cache.get("a", 1, lambda: "aaaa") == "aaaa"
    assert cache.get("b", 1, lambda: "bbbb") == "bbbb"
    assert cache.bytes == 8
    cache.get("c", 1, lambda: "cccc")  # 12 bytes: the least recently used goes
    assert (cache.has("a", 1), cache.has("b", 1), cache.has("c", 1), cache.bytes) == (False, True, True, 8)
    cache.get("b", 2, lambda: "b")  # a new version replaces the old one's weight
    assert cache.bytes == 5
    cache.get("big", 1, lambda: "x" * 50)  # alone over the bound, yet kept: it was just built
    assert (cache.has("b", 2), cache.has("c", 1), cache.has("big", 1), cache.bytes) == (False, False, True, 50)


def test_fast_path_keeps_its_documents_bytes_under_the_bound_newest_last_out():
    from feedapp.fastpath import FastPath
    from feedapp.http import EPOCH, Policy, Prepared, Representation

    def prepared(size: int) -> Prepared:
        body = b"x" * size
        return Prepared(Representation.of(body, version=1, last_modified=EPOCH, mimetype="text/plain"), Policy(60))

    fast = FastPath(lambda environ, start_response: [], lambda: 1, max_bytes=100)
    fast.remember("/a", 1, prepared(20))  # weighs 40: its body and a gzip copy as large
    fast.remember("/b", 1, prepared(20))
    assert fast.documents.bytes == 80
    fast.remember("/c", 1, prepared(20))
    assert (sorted(fast.documents.keys()), fast.documents.bytes) == (["/b", "/c"], 80)
    fast.remember("/big", 1, prepared(500))
    assert (sorted(fast.documents.keys()), fast.documents.bytes) == (["/big"], 1000)


def test_a_light_copy_outlives_its_value_and_is_only_for_the_version_it_was_built_at():
    cache: RenderCache[str] = RenderCache(max_bytes=10, weigh=len, lighten=str.upper)
    assert cache.get("a", 1, lambda: "aaaaaaaa") == "aaaaaaaa"
    assert cache.get("b", 1, lambda: "bbbbbbbb") == "bbbbbbbb"  # over 10 bytes: "a" makes room
    assert not cache.has("a", 1)
    assert (cache.light("a", 1), cache.light("a", 2), cache.light("c", 1)) == ("AAAAAAAA", None, None)


def test_an_unchanged_sitemap_page_answers_304_without_a_render_after_its_bytes_made_room(
    tmp_path, upgraded_sqlite, make_app
):
    """Two sitemap pages that do not fit the crawler cache together (1 MB: half for crawlers, a
    page of 2,500 URLs weighs about 0.6 MB): a crawler revalidating either gets 304 from the
    page's validators, rendered once, while a page whose releases changed is rendered again."""
    from datetime import datetime, timezone
    from shutil import copyfile

    from bench.populate import releases
    from feedapp import store

    copyfile(upgraded_sqlite, tmp_path / "db.sqlite3")
    app = make_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SITEMAP_SIZE": 2_500, "RENDER_CACHE_MB": 1}
    )
    engine = state.of(app).engine
    store.insert_batch(engine, releases(5_000, categories=3, sources=2), datetime.now(timezone.utc))
    client, crawlers = app.test_client(), state.of(app).crawlers
    etags = [client.get(f"/sitemaps/releases-{page}.xml").headers["ETag"] for page in (1, 2)]
    assert crawlers.builds == 2 and not crawlers.has(("releases", 1), store.sitemap_page_version(engine, 1, 2_500))

    store.retract(engine, "syn-00004999", datetime.now(timezone.utc))  # a release of page 2
    again = client.get("/sitemaps/releases-1.xml", headers={"If-None-Match": etags[0]})
    assert (again.status_code, again.headers["ETag"], again.data, crawlers.builds) == (304, etags[0], b"", 2)
    changed = client.get("/sitemaps/releases-2.xml", headers={"If-None-Match": etags[1]})
    assert (changed.status_code, crawlers.builds) == (200, 3)
    assert changed.headers["ETag"] != etags[1] and changed.data.count(b"<url>") == 2_499
    plain = client.get("/sitemaps/releases-1.xml")  # no validator: the bytes, rendered again
    assert (plain.status_code, plain.data.count(b"<url>"), crawlers.builds) == (200, 2_500, 4)


def test_a_feed_whose_entries_do_not_all_fit_the_entry_cache_is_rendered_whole(database_url, make_app):
    """With 1 MB of render cache the entry cache holds about 24 of these entries (256 KB of
    about 11 KB each). A category feed read after the site feed finds some of its entries cached
    and builds the others newest first, pushing the cached ones out before their turn: each is
    still in the document (a 500 before: an entry cached when the feed was read had not been
    fetched), which is byte for byte what an app with room for every entry serves."""
    from datetime import datetime, timezone
    from urllib.parse import quote

    from bench.populate import category_pool, releases, source_pool
    from feedapp import store

    small = make_app({"DATABASE_URL": database_url, "RENDER_CACHE_MB": 1})
    store.insert_batch(state.of(small).engine, releases(200, categories=2, sources=2), datetime.now(timezone.utc))
    roomy = make_app({"DATABASE_URL": database_url})
    paths = ["/feed.atom"]
    paths += [f"/categories/{quote(name)}/feed.atom" for name in category_pool(2)]
    paths += [f"/sources/{quote(name)}/feed.rss" for name in source_pool(2)]
    for path in paths:
        response, expected = small.test_client().get(path), roomy.test_client().get(path)
        assert (path, response.status_code, response.data) == (path, 200, expected.data)
    assert state.of(small).entries.bytes <= 2**20 // 4
