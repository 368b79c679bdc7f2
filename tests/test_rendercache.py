"""Rendering happens once per change of the data, in each process; a 304 renders nothing."""

from __future__ import annotations

from feedapp.cli import main
from feedapp.rendercache import RenderCache
from tests.conftest import SAMPLE, SEEDS


def builds(app) -> int:
    return app.extensions["feedapp.feeds"].builds


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
