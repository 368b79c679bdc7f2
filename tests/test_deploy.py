"""deploy/ runs: gunicorn with its config, nginx in front (cache, revalidation, stale), systemd units."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.support import NGINX, ROOT, feedapp, fetch, free_port, gunicorn, nginx, nginx_prefix, upgraded, write_releases

DEPLOY = ROOT / "deploy"
SITE = "https://news.example.ir"


def site_conf(cache: Path, upstream: int, port: int) -> str:
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (("/var/cache/nginx/feedapp", str(cache)), ("127.0.0.1:8000", f"127.0.0.1:{upstream}"),
                     ("listen 80;", f"listen 127.0.0.1:{port};")):
        assert old in text
        text = text.replace(old, new)
    return text


def test_nginx_config_passes_nginx_t(tmp_path):
    port = free_port()
    conf = nginx_prefix(tmp_path, site_conf(tmp_path / "cache", free_port(), port), port)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    env = {"FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"), "FEEDAPP_SITE_URL": SITE,
           "FEEDAPP_FEED_MAX_AGE": "2", "FEEDAPP_PROXY_COUNT": "1"}
    feedapp(env, "ingest", str(SEEDS))
    upstream, port = free_port(), free_port()
    conf = nginx_prefix(tmp / "nginx", site_conf(tmp / "nginx" / "cache", upstream, port), port)
    with gunicorn(env, port=upstream, config=True) as app_base, nginx(conf, port) as base:
        yield base, app_base, env, tmp


def test_second_fetch_through_nginx_is_a_cache_hit(stack):
    base, _, _, _ = stack
    first = fetch(base + "/feed.atom")
    second = fetch(base + "/feed.atom")
    busted = fetch(base + "/feed.atom?_=1732612345")
    assert (first[0], first[1]["X-Cache-Status"]) == (200, "MISS")
    assert (second[0], second[1]["X-Cache-Status"], second[2]) == (200, "HIT", first[2])
    assert (busted[1]["X-Cache-Status"], busted[2]) == ("HIT", first[2])
    assert second[1]["ETag"] == first[1]["ETag"]


def test_conditional_and_gzip_requests_work_through_nginx(stack):
    base, _, _, _ = stack
    _, headers, _ = fetch(base + "/feed.rss")
    assert fetch(base + "/feed.rss", {"If-None-Match": headers["ETag"]})[0] == 304
    gz = fetch(base + "/feed.rss", {"Accept-Encoding": "gzip"})
    assert gz[1]["Content-Encoding"] == "gzip" and gz[2][:2] == b"\x1f\x8b"


def test_expired_entry_is_revalidated_with_the_app_etag(stack):
    base, _, _, tmp = stack
    fetch(base + "/sitemap.xml")
    time.sleep(3)  # FEEDAPP_FEED_MAX_AGE=2
    # Served stale at once while nginx revalidates in the background (proxy_cache_background_update).
    assert fetch(base + "/sitemap.xml")[1]["X-Cache-Status"] == "STALE"
    time.sleep(0.5)
    assert fetch(base + "/sitemap.xml")[1]["X-Cache-Status"] == "HIT"
    # The background request asked with the app's ETag and got a bodyless 304 from the app
    # (its log line is written when it completes).
    wanted = {"GET /sitemap.xml 200 304 STALE", "GET /sitemap.xml 200 304 REVALIDATED"}
    deadline = time.monotonic() + 5
    while not wanted & set((tmp / "nginx" / "logs" / "access.log").read_text().splitlines()):
        assert time.monotonic() < deadline, "no 304 revalidation in the log:\n" + (tmp / "nginx" / "logs" / "access.log").read_text()
        time.sleep(0.1)


def test_new_release_reaches_readers_through_nginx_after_max_age(stack):
    base, _, env, tmp = stack
    fetch(base + "/feed.atom")
    keys = write_releases(tmp / "new", 1, prefix="fresh")
    feedapp(env, "ingest", str(tmp / "new"))
    time.sleep(2.5)
    body = fetch(base + "/feed.atom")[2]
    if keys[0].encode() not in body:  # background update: the stale copy went out while refreshing
        time.sleep(0.5)
        body = fetch(base + "/feed.atom")[2]
    assert keys[0].encode() in body


def test_delta_requests_bypass_the_cache(stack):
    base, _, _, _ = stack
    _, headers, _ = fetch(base + "/feed.atom")
    status, delta_headers, _ = fetch(base + "/feed.atom", {"A-IM": "feed", "If-None-Match": headers["ETag"]})
    assert (status, delta_headers["X-Cache-Status"]) == (304, "BYPASS")


def test_forwarded_headers_from_clients_change_no_url(stack):
    base, _, _, _ = stack
    body = fetch(base + "/feed/archive/1.atom", {"X-Forwarded-Host": "evil.example", "Host": "evil.example",
                                                 "X-Forwarded-Proto": "gopher"})[2]
    assert b"evil.example" not in body and b"gopher" not in body


def test_stale_copy_is_served_when_the_app_is_down(tmp_path):
    env = {"FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"), "FEEDAPP_SITE_URL": SITE,
           "FEEDAPP_FEED_MAX_AGE": "1"}
    feedapp(env, "ingest", str(SEEDS))
    upstream, port = free_port(), free_port()
    conf = nginx_prefix(tmp_path / "nginx", site_conf(tmp_path / "nginx" / "cache", upstream, port), port)
    with nginx(conf, port) as base:
        with gunicorn(env, port=upstream, config=True):
            fresh = fetch(base + "/feed.atom")
        time.sleep(2.5)
        stale = fetch(base + "/feed.atom")
    assert (stale[0], stale[1]["X-Cache-Status"], stale[2]) == (200, "STALE", fresh[2])


def test_systemd_units_verify(tmp_path):
    units = []
    for unit in sorted(DEPLOY.glob("feedapp*.*")):
        text = unit.read_text(encoding="utf-8").replace("/opt/feedapp", str(ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / unit.name))
    assert [Path(u).name for u in units] == ["feedapp-ingest.path", "feedapp-ingest.service",
                                             "feedapp-ingest.timer", "feedapp.service"]
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


def test_gunicorn_config_is_what_production_needs():
    namespace: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    assert (namespace["worker_class"], namespace["preload_app"], namespace["accesslog"], namespace["errorlog"]) == (
        "sync", True, "-", "-")
    assert namespace["max_requests"] == 100_000 and namespace["max_requests_jitter"] == 10_000
    assert callable(namespace["post_fork"])


def test_gunicorn_config_fixes_the_malloc_thresholds_on_glibc():
    # deploy/gunicorn.conf.py calls tune_allocator in the master (workers inherit it); on this
    # glibc system both mallopt calls must succeed, else big sitemap renders fragment workers.
    from feedapp.allocator import tune_allocator

    assert tune_allocator() is True
    config = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    assert "def on_starting(server)" in config and "tune_allocator()" in config
