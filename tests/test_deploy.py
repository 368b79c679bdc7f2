"""deploy/ runs: gunicorn with its config, nginx in front (cache, revalidation, stale), systemd units."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from feedapp import store
from feedapp.core.models import Release
from feedapp.engine import Engine
from tests.support import (
    BIN,
    NGINX,
    ROOT,
    SEEDS,
    deploy_site_conf,
    feedapp,
    fetch,
    free_port,
    gunicorn,
    ingest_service,
    nginx,
    nginx_prefix,
    upgraded,
    write_releases,
)

DEPLOY = ROOT / "deploy"
SITE = "https://news.example.ir"


def site_conf(cache: Path, upstream: int, port: int, tls_port: int | None = None) -> str:
    return deploy_site_conf(cache, upstream, port, tls_port or free_port())


def test_nginx_config_passes_nginx_t(tmp_path):
    port = free_port()
    conf = nginx_prefix(tmp_path, site_conf(tmp_path / "cache", free_port(), port), port)
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_FEED_MAX_AGE": "2",
        "FEEDAPP_PROXY_COUNT": "1",
    }
    feedapp(env, "ingest", str(SEEDS))
    _dot_segment_category(env["FEEDAPP_DATABASE_URL"])
    upstream, port = free_port(), free_port()
    conf = nginx_prefix(tmp / "nginx", site_conf(tmp / "nginx" / "cache", upstream, port), port)
    with gunicorn(env, port=upstream, config=True) as app_base, nginx(conf, port) as base:
        yield base, app_base, env, tmp


def _dot_segment_category(url: str) -> None:
    """A release in category `..`, as stores made before 0.3.0 may hold (ingest refuses it now)."""
    from datetime import datetime, timezone

    from feedapp.core.jalali import parse_date_line

    engine = Engine(url)
    published, _ = parse_date_line("1403/05/10 11:00")
    release = Release(key="dots", published=published, title="دسته نقطه‌ای", lead="لید.", categories=("..",))
    store.save_release(engine, release, b"made by an earlier feedapp", "json", datetime.now(timezone.utc))
    engine.dispose()


def test_second_fetch_through_nginx_is_a_cache_hit(stack):
    base, _, _, _ = stack
    first = fetch(base + "/feed.atom")
    second = fetch(base + "/feed.atom")
    busted = fetch(base + "/feed.atom?_=1732612345")
    assert (first[0], first[1]["X-Cache-Status"]) == (200, "MISS")
    assert (second[0], second[1]["X-Cache-Status"], second[2]) == (200, "HIT", first[2])
    assert (busted[1]["X-Cache-Status"], busted[2]) == ("HIT", first[2])
    assert second[1]["ETag"] == first[1]["ETag"]


def test_the_app_answers_and_logs_under_nginx_s_request_id(stack):
    base, app_base, _, _ = stack
    _, headers, _ = fetch(base + "/", {"X-Request-ID": "chosen-by-the-client-1"})  # nginx replaces it
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # nginx's $request_id
    _, headers, _ = fetch(app_base + "/", {"X-Request-ID": "chosen-by-the-client-1"})  # straight to gunicorn
    assert headers["X-Request-ID"] == "chosen-by-the-client-1"


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
        assert time.monotonic() < deadline, (
            "no 304 revalidation in the log:\n" + (tmp / "nginx" / "logs" / "access.log").read_text()
        )
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
    body = fetch(
        base + "/feed/archive/1.atom",
        {"X-Forwarded-Host": "evil.example", "Host": "evil.example", "X-Forwarded-Proto": "gopher"},
    )[2]
    assert b"evil.example" not in body and b"gopher" not in body


def test_stale_copy_is_served_when_the_app_is_down(tmp_path, seeded_sqlite):
    env = {"FEEDAPP_DATABASE_URL": f"sqlite:///{seeded_sqlite}", "FEEDAPP_SITE_URL": SITE, "FEEDAPP_FEED_MAX_AGE": "1"}
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
    assert [Path(u).name for u in units] == ["feedapp-ingestd.service", "feedapp.service"]
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


def test_the_ingest_service_unit_watches_the_inbox_tree_and_tells_systemd_when_it_is_warm():
    unit = (DEPLOY / "feedapp-ingestd.service").read_text(encoding="utf-8")
    settings = re.findall(r"^(\w+)=(.*)$", unit, re.MULTILINE)
    wanted = {
        "Type": "notify",
        "NotifyAccess": "all",
        "ExecStartPre": "/opt/feedapp/.venv/bin/feedapp db upgrade",
        "ExecStart": "/opt/feedapp/.venv/bin/feedapp ingest-service",
        "Restart": "always",
        "CacheDirectory": "feedapp",
    }
    assert {name: value for name, value in settings if name in wanted} == wanted
    assert [value for name, value in settings if name == "Environment"] == [
        "FEEDAPP_DATABASE_URL=sqlite:////var/lib/feedapp/feedapp.sqlite3",
        "FEEDAPP_INBOX=/var/lib/feedapp/inbox",
        "PROMETHEUS_MULTIPROC_DIR=/run/feedapp/metrics",
    ]
    # The site's /metrics sums what both services count: one folder, kept while either runs.
    for name in ("feedapp.service", "feedapp-ingestd.service"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        shared = re.findall(r"^(?:Environment=PROMETHEUS_MULTIPROC_DIR=|RuntimeDirectory\w*=)(.*)$", text, re.M)
        assert shared == ["/run/feedapp/metrics", "feedapp", "yes"]
    site = dict(re.findall(r"^(After|Wants)=(.*)$", (DEPLOY / "feedapp.service").read_text(encoding="utf-8"), re.M))
    assert site == {
        "After": "network.target feedapp-ingestd.service",
        "Wants": "network.target feedapp-ingestd.service",
    }


def test_gunicorn_takes_the_production_settings_from_the_config(tmp_path):
    # What gunicorn itself reads from deploy/gunicorn.conf.py (its --print-config), not the file's
    # text. It loads the app first (preload_app), so the app needs a database.
    env = {
        **os.environ,
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        "FEEDAPP_BIND": "127.0.0.1:8123",
        "FEEDAPP_WORKERS": "3",
    }
    done = subprocess.run(
        [str(BIN / "gunicorn"), "--print-config", "--config", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    settings = dict(re.fullmatch(r"(\w+) += ?(.*)", line).groups() for line in done.stdout.splitlines())
    wanted = {
        "bind": "['127.0.0.1:8123']",
        "workers": "3",
        "worker_class": "sync",
        "preload_app": "True",
        "accesslog": "None",  # the app's own access lines (feedapp/observe.py)
        "errorlog": "-",
        "max_requests": "100000",
        "max_requests_jitter": "10000",
        "timeout": "30",
        "graceful_timeout": "30",
        "keepalive": "5",
        "control_socket_disable": "True",
        # The config's own hooks (gunicorn's defaults print as <OnStarting.on_starting()>, <PostFork.post_fork()>).
        "on_starting": "<on_starting()>",
        "post_fork": "<post_fork()>",
        "child_exit": "<child_exit()>",
        "worker_exit": "<worker_exit()>",
    }
    assert {name: settings[name] for name in wanted} == wanted


def test_gunicorn_with_the_config_logs_to_stdout_and_stderr_from_sync_workers_of_a_preloaded_app(tmp_path):
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_ACCESS_LOG": "true",
    }
    with gunicorn(env, workers=2, config=True, output=tmp_path) as base:
        home, robots = fetch(base + "/")[2], fetch(base + "/robots.txt")[2]
        # Logged as it happens: the second worker may still be booting, the last line being written.
        errors = _lines(tmp_path / "stderr.log", lambda text: text.count("Booting worker with pid") == 2)
        _lines(tmp_path / "stdout.log", lambda text: text.count("\n") == 3)
        [master] = re.findall(r"Listening at: http://127\.0\.0\.1:\d+ \((\d+)\)", errors)
        workers = re.findall(r"Booting worker with pid: (\d+)", errors)
        # preload_app: the master loaded the app (and its libraries) before forking the workers.
        loaded = {name: _maps_lxml(pid) for name, pid in [("master", master), *(("worker", pid) for pid in workers)]}
        parents = {_parent(pid) for pid in workers}
    agent = f"Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"
    accessed = [json.loads(line) for line in (tmp_path / "stdout.log").read_text().splitlines()]
    for entry in accessed:  # each its own request id; time and duration as they came
        assert re.fullmatch(r"[0-9a-f]{16}", entry.pop("request_id")) and entry.pop("ms") >= 0
        assert datetime.fromisoformat(entry.pop("time")).utcoffset() == timedelta(0)

    def line(path: str) -> dict:
        fields = {"method": "GET", "path": path, "status": 200, "agent": agent}
        return {"level": "info", "logger": "feedapp.access", "message": f"GET {path} 200", **fields}

    # The start-up probe's, then the test's two; each worker writes its lines in batches, so the
    # two workers' lines may come in either order.
    assert sorted(accessed, key=lambda entry: entry["path"]) == [line("/"), line("/"), line("/robots.txt")]
    assert (len(home), len(robots)) > (0, 0)
    assert "Using worker: sync" in errors and len(workers) == 2
    assert (loaded, parents) == ({"master": True, "worker": True}, {master})


# deploy/gunicorn.conf.py as it is, with two hooks around it: the master asks itself to stop just
# before it forks its second worker (as `systemctl stop` may come while a recycled worker is being
# replaced), and that worker lingers a second in its boot, after the config's post_fork, so the
# master's stop reaches it before gunicorn's own handlers are in place.
STOP_WHILE_A_WORKER_BOOTS = """
import os, signal, time
exec(compile(open({config!r}).read(), {config!r}, "exec"))
graceful_timeout = 10
_forks = 0
_post_fork = post_fork


def pre_fork(server, worker):
    global _forks
    _forks += 1
    if _forks == 2:
        os.kill(os.getpid(), signal.SIGTERM)


def post_fork(server, worker):
    _post_fork(server, worker)
    time.sleep(1)
"""


def test_a_stop_that_comes_while_a_worker_boots_ends_it_instead_of_waiting_out_the_grace(tmp_path):
    config = tmp_path / "gunicorn.conf.py"
    config.write_text(STOP_WHILE_A_WORKER_BOOTS.format(config=str(DEPLOY / "gunicorn.conf.py")), encoding="utf-8")
    env = {**os.environ, "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}")}
    command = [str(BIN / "gunicorn"), "--config", str(config), "--bind", f"127.0.0.1:{free_port()}", "--workers", "2"]
    with open(tmp_path / "stderr.log", "w+b") as errors:
        process = subprocess.Popen([*command, "wsgi:app"], env=env, cwd=ROOT, stderr=errors)
        try:
            returncode = process.wait(timeout=60)
        finally:
            process.kill()
    log = (tmp_path / "stderr.log").read_text()
    booted = re.findall(r"Booting worker with pid: (\d+)", log)
    exited = re.findall(r"Worker exiting \(pid: (\d+)\)", log)
    # Both workers left by themselves, the booting one too; none was killed when the grace ran out.
    assert (returncode, sorted(exited), "SIGKILL" in log) == (0, sorted(booted), False), log
    assert len(booted) == 2 and "Handling signal: term" in log and "Shutting down: Master" in log
    assert "Exception" not in log  # the worker_exit hook ran cleanly for a worker that served nothing


def _lines(path: Path, complete) -> str:
    """The text of a log file once `complete(text)` holds (within 10 s)."""
    deadline = time.monotonic() + 10
    while not complete(text := path.read_text()):
        assert time.monotonic() < deadline, text
        time.sleep(0.05)
    return text


def _maps_lxml(pid: str) -> bool:
    """Whether lxml's compiled module is loaded in the process (a library of the app's, not gunicorn's)."""
    return "/lxml/etree." in Path(f"/proc/{pid}/maps").read_text()


def _parent(pid: str) -> str:
    return re.search(r"^PPid:\s+(\d+)$", Path(f"/proc/{pid}/status").read_text(), re.M).group(1)


# Allocates as a worker rendering sitemaps does, in a forked child (gunicorn's workers are forks of
# the master, which tunes the allocator), and says whether the allocator kept a big buffer in mmap
# and gave back the freed top of the heap. `how`: nothing (glibc's own, dynamic thresholds), or
# tune_allocator(), or the gunicorn config's on_starting hook.
ALLOCATION_PROBE = """
import ctypes, json, os, runpy, sys

libc = ctypes.CDLL(None)
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

how, returned = sys.argv[1], None
if how == "tune_allocator":
    from feedapp.allocator import tune_allocator
    returned = tune_allocator()
elif how == "on_starting":
    returned = runpy.run_path("deploy/gunicorn.conf.py")["on_starting"](None)

read, write = os.pipe()
if os.fork() == 0:
    libc.free(libc.malloc(6 << 20))  # a sitemap page rendered and freed: glibc raises its thresholds to 6 MB
    mapped = libc.mallinfo2().hblks
    block = libc.malloc(1 << 20)  # the next render's buffer: mmapped (returned when freed), or heap?
    mapped = libc.mallinfo2().hblks - mapped
    libc.free(block)
    blocks = [libc.malloc(100 << 10) for _ in range(40)]  # 4 MB of smaller buffers on the heap, freed
    for block in blocks:
        libc.free(block)
    kept = libc.mallinfo2().keepcost  # the free top of the heap, not given back to the system
    os.write(write, json.dumps({"mmapped": mapped, "top_trimmed": kept <= int(sys.argv[2])}).encode())
    os._exit(0)
os.close(write)
os.wait()
print(json.dumps({"returned": returned, **json.loads(os.read(read, 1000))}))
"""


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("nothing", {"returned": None, "mmapped": 0, "top_trimmed": False}),  # what the tuning is for
        ("tune_allocator", {"returned": True, "mmapped": 1, "top_trimmed": True}),
        ("on_starting", {"returned": None, "mmapped": 1, "top_trimmed": True}),
    ],
)
def test_fixed_malloc_thresholds_keep_big_buffers_mmapped_and_trim_the_heap_in_forked_workers(how, expected):
    # In a process of its own: the settings are the process's for good (and would change pytest's).
    from feedapp.allocator import THRESHOLD

    done = subprocess.run(
        [sys.executable, "-c", ALLOCATION_PROBE, how, str(THRESHOLD)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == expected


def test_a_dot_segment_path_is_cached_under_its_own_key_never_the_feed_it_normalizes_to(stack):
    # nginx normalizes /categories/%2e%2e/feed/archive/1.rss to /feed/archive/1.rss but passes
    # the path as sent, so the app answers with the `..` category's feed: keyed by the normalized
    # path, that answer would be served to every reader of the site's archive page.
    base, _, _, _ = stack
    poisoned = fetch(base + "/categories/%2e%2e/feed/archive/1.rss")
    assert poisoned[0] == 200
    assert _self_link(poisoned[2]) == f"{SITE}/categories/../feed/archive/1.rss"
    site = fetch(base + "/feed/archive/1.rss")
    assert (site[0], site[1]["X-Cache-Status"]) == (200, "MISS")
    assert _self_link(site[2]) == f"{SITE}/feed/archive/1.rss"


def _self_link(rss: bytes) -> str:
    return etree.fromstring(rss).find("channel/{http://www.w3.org/2005/Atom}link[@rel='self']").get("href")


@pytest.fixture(scope="module")
def tls_stack(tmp_path_factory):
    """nginx with its TLS server in front of gunicorn with the API on."""
    tmp = tmp_path_factory.mktemp("tls")
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_PROXY_COUNT": "1",
        "FEEDAPP_API_TOKEN": TOKEN,
        "FEEDAPP_DESK": "true",
        "FEEDAPP_SECRET_KEY": "deploy-test-secret-key-0123456789abcdef",
        # conftest's per-test throttle file is not set yet when a module's server starts
        "FEEDAPP_AUTH_THROTTLE_FILE": str(tmp / "auth-throttle"),
    }
    upstream, port, tls_port = free_port(), free_port(), free_port()
    conf = nginx_prefix(tmp / "nginx", site_conf(tmp / "nginx" / "cache", upstream, port, tls_port), port)
    with ingest_service(env), gunicorn(env, port=upstream, config=True), nginx(conf, port) as base:
        yield base, f"https://127.0.0.1:{tls_port}"


TOKEN = "s3cret-token-for-tests-0123456789"
RELEASE = json.dumps({"key": "over_tls", "published": "1403/05/10 11:00", "title": "تیتر", "lead": "لید."}).encode()


def https(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request over TLS to the self-signed test server."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    request = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_api_is_served_over_tls_only(tls_stack):
    base, tls = tls_stack
    plain = fetch(base + "/api/releases/over_tls", {"Authorization": f"Bearer {TOKEN}"})
    assert (plain[0], plain[1]["Content-Type"]) == (403, "application/json")
    assert json.loads(plain[2]) == {
        "errors": [
            {"message": "the publishing API is served over https only: a bearer token must not travel in clear text"}
        ]
    }
    assert https(tls + "/api/releases/over_tls", "PUT", RELEASE)[0] == 201
    assert https(tls + "/feed.atom")[0] == 200 and fetch(base + "/feed.atom")[0] == 200  # readers: either


def test_the_desk_is_sent_to_https_and_its_cookie_is_secure_there(tls_stack):
    base, tls = tls_stack
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=10)
    connection.request("GET", "/desk/?q=x", headers={"Host": "news.example.ir"})
    plain = connection.getresponse()
    assert (plain.status, plain.getheader("Location")) == (301, "https://news.example.ir/desk/?q=x")
    connection.close()
    status, headers, body = https(tls + "/desk/")
    assert status == 200 and "ورود به میز انتشار" in body.decode()
    assert re.fullmatch(r"feedapp_desk=[^;]+; Secure; HttpOnly; Path=/desk/; SameSite=Strict", headers["Set-Cookie"])


def test_nginx_refuses_a_body_over_the_api_limit_with_the_api_s_json_413(tls_stack):
    _, tls = tls_stack
    too_big = b'{"key": "too_big", "lead": "' + b"x" * (1024 * 1024) + b'"}'
    status, headers, body = https(tls + "/api/releases/too_big", "PUT", too_big)
    assert (status, headers["Content-Type"]) == (413, "application/json")
    assert json.loads(body) == {
        "errors": [
            {"message": "the body is larger than this server accepts (nginx client_max_body_size); nothing was stored"}
        ]
    }
    assert https(tls + "/api/releases/too_big")[0] == 404


def test_publishing_is_rate_limited_per_address_with_a_json_429(tls_stack):
    _, tls = tls_stack
    time.sleep(5)  # the earlier tests' requests have left the bucket (2 a second)
    # 30 at once (a loaded machine must not spread them out): burst=10 nodelay lets 10 reach the
    # app (404: no such release) and one more every half second; nginx refuses the rest.
    with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(lambda _: https(tls + "/api/releases/missing"), range(30)))
    passed = [status for status, _, _ in statuses if status == 404]
    refused = [(headers, body) for status, headers, body in statuses if status == 429]
    assert len(passed) + len(refused) == 30
    assert len(passed) >= 10 and len(refused) >= 10
    headers, body = refused[0]
    assert (headers["Retry-After"], headers["Content-Type"]) == ("1", "application/json")
    assert json.loads(body) == {"errors": [{"message": "too many requests from this address; slow down"}]}


def test_slow_clients_hold_no_worker_through_nginx(stack):
    # 200 connections trickling their headers (slowloris): nginx holds them all until
    # client_header_timeout, gunicorn sees none, and readers are served as usual. (Straight to
    # gunicorn, as many connections as it has workers take the site down: bench/slowloris.py.)
    base, app_base, _, _ = stack
    port = int(base.rsplit(":", 1)[1])
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
    try:
        for connection in slow:
            connection.sendall(b"GET /feed.atom HTTP/1.1\r\nHost: news.example.ir\r\nX-a: ")
        time.sleep(0.5)
        assert [fetch(base + "/robots.txt")[0] for _ in range(5)] == [200] * 5
        assert fetch(app_base + "/robots.txt")[0] == 200
    finally:
        for connection in slow:
            connection.close()
