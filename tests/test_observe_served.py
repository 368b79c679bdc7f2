"""Metrics, reach and logs as production runs them: gunicorn with deploy/gunicorn.conf.py, two
workers recycled every few requests, the ingest service counting into the same folder, and
Feedly-like and Inoreader-like pollers beside plain ones."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from feedapp import store
from feedapp.engine import Engine
from feedapp.reach import site_day
from tests.support import feedapp, fetch, gunicorn, ingest_service, service_process, upgraded

METRICS_TOKEN = "metrics-token-0123456789"
API_TOKEN = "observe-api-token-0123456789"
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 7 subscribers; like FeedFetcher-Google)"
INOREADER = "Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; 3 subscribers)"
FEED_200 = (
    "feedapp_requests_total",
    (("family", "feed"), ("format", "atom"), ("status", "200"), ("variant", "identity")),
)
RELEASE = "۱۴۰۳/۰۵/۱۰\n\nتیتر خبر کوتاه\n\nلید خبر که بلند است و ادامه دارد تا آخر.\n\nبند اول.\n".encode()


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    status, headers, body = fetch(base + "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert (status, headers["Content-Type"]) == (200, "text/plain; version=1.0.0; charset=utf-8")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def running_in(stderr: Path) -> set[str]:
    """The pids of gunicorn's master and of the workers it says are running (booted, not exited)."""
    text = stderr.read_text()
    booted = re.findall(r"Booting worker with pid: (\d+)", text)
    return {*re.findall(r"Listening at: \S+ \((\d+)\)", text), *booted} - set(
        re.findall(r"Worker exiting \(pid: (\d+)\)", text)
    )


def test_counts_of_every_process_add_up_through_recycled_workers_and_reach_and_logs_follow(tmp_path):
    url = upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    folder = tmp_path / "metrics"
    env = {
        "FEEDAPP_DATABASE_URL": url,
        "FEEDAPP_METRICS_TOKEN": METRICS_TOKEN,
        "FEEDAPP_API_TOKEN": API_TOKEN,
        "FEEDAPP_REACH_FLUSH_SECONDS": "1",
        "FEEDAPP_ACCESS_LOG": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),  # as scripts/serve.sh names it for both servers
        "GUNICORN_CMD_ARGS": "--max-requests 7 --max-requests-jitter 0",  # a worker lives 7 requests
    }
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"")  # left by a process of an earlier run: emptied at start
    service_out = tmp_path / "service.out"
    with (
        ingest_service(env, out=service_out) as supervisor,
        gunicorn(env, workers=2, config=True, output=tmp_path) as base,
    ):
        request = urllib.request.Request(
            base + "/api/releases/observed",
            data=RELEASE,
            method="PUT",
            headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 201
            put_id = answer.headers["X-Request-ID"]
        agents = [FEEDLY, INOREADER, "Reader/1.0", "Reader/2.0"] * 10
        assert {fetch(base + "/feed.atom", {"User-Agent": agent})[0] for agent in agents} == {200}
        assert fetch(base + "/no-such-page")[0] == 404
        # A worker adds its counts to the shared files every second (metrics.FLUSH_SECONDS) and
        # when it exits: a scrape sees the other workers' last requests within a second or so.
        deadline = time.monotonic() + 10
        while (counts := scrape(base)).get(FEED_200, 0) < 40 and time.monotonic() < deadline:
            time.sleep(0.2)
        service = str(service_process(supervisor))
        deadline = time.monotonic() + 10
        while True:  # a worker recycled by the last requests is folded once gunicorn reaps it
            pids = {re.fullmatch(r"(?:counter|histogram)_(\w+)\.db", path.name)[1] for path in folder.glob("*.db")}
            running = running_in(tmp_path / "stderr.log") | {service}
            if pids - {"archive"} <= running or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    feed = FEED_200
    missing = (
        "feedapp_requests_total",
        (("family", "other"), ("format", "html"), ("status", "404"), ("variant", "identity")),
    )
    api = (
        "feedapp_requests_total",
        (("family", "api"), ("format", "json"), ("status", "201"), ("variant", "identity")),
    )
    assert (counts[feed], counts[missing], counts[api]) == (40, 1, 1)  # over about 7 workers' lives
    assert counts[("feedapp_ingests_total", (("outcome", "added"),))] == 1  # counted by the ingest service
    assert counts[("feedapp_ingest_seconds_count", ())] == 1
    assert counts[("feedapp_releases_shown", ())] == 1
    # Only the archive and the running processes' files: recycled workers left none behind.
    assert "archive" in pids and "999999" not in pids
    assert pids - {"archive"} <= running

    today = site_day(datetime.now(timezone.utc)).isoformat()
    engine = Engine(url)
    try:
        assert store.reach(engine, today) == [store.DayReach(today, "/feed.atom", {"feedly": 7, "inoreader": 3}, 2)]
    finally:
        engine.dispose()
    printed = feedapp({"FEEDAPP_DATABASE_URL": url}, "stats", "--json").stdout
    assert json.loads(printed) == {
        "day": today,
        "feed": "/feed.atom",
        "subscribers": {"feedly": 7, "inoreader": 3},
        "total": 10,
        "pollers": 2,
    }
    # The service's outcome line for the write carries the id of the request that queued it.
    [outcome] = [json.loads(line) for line in service_out.read_text().splitlines()]
    assert outcome.pop("ms") > 0 and outcome.pop("time")
    assert outcome == {
        "level": "info",
        "logger": "feedapp.ingest",
        "message": "added observed",
        "request_id": put_id,
        "job": 1,
        "action": "added",
        "key": "observed",
        "errors": 0,
        "warnings": 0,
        "office": None,
    }
    lines = [json.loads(line) for line in (tmp_path / "stdout.log").read_text().splitlines()]
    polls = [line for line in lines if line.get("path") == "/feed.atom"]
    assert len(polls) == 40 and len({line["request_id"] for line in polls}) == 40
    assert not any("address" in line or API_TOKEN in json.dumps(line) for line in lines)
