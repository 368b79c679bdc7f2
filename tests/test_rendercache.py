"""Rendering happens once per change of the data, in each process; a 304 renders nothing."""

from __future__ import annotations

from feedapp import create_app, state
from feedapp.cli import main
from feedapp.rendercache import RenderCache
from tests.conftest import SAMPLE, SEEDS, get_engine_of


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
    first = client.get("/feed.atom", headers={"Accept-Encoding": "gzip"})
    assert fast(app).hits == 0
    for headers in ({"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip"}):
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


def test_fast_path_never_serves_an_old_version_or_a_delta(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "DELTA_FEEDS": True})
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
    get_engine_of(app).dispose()


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


def test_a_304_has_the_same_headers_from_flask_and_from_the_fast_path(app, client, runner):
    # Readers such as rss2email keep the validators of the last answer: they must not come and go
    # with whichever path answered (RFC 9110 §15.4.5: ETag, Cache-Control, Vary; no Last-Modified).
    runner.invoke(main, ["ingest", str(SAMPLE)])
    etag = client.get("/feed.atom").headers["ETag"]
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True})  # another worker
    worker = other.test_client()
    by_flask = worker.get("/feed.atom", headers={"If-None-Match": etag})  # its first: rendered by Flask
    by_fast_path = worker.get("/feed.atom", headers={"If-None-Match": etag})
    assert (by_flask.status_code, by_fast_path.status_code, fast(other).hits) == (304, 304, 1)
    assert sorted(by_flask.headers.keys()) == sorted(by_fast_path.headers.keys()) == ["Cache-Control", "ETag", "Vary"]
    assert by_flask.headers["ETag"] == by_fast_path.headers["ETag"] == etag
    get_engine_of(other).dispose()
