"""Request ids, access lines, /metrics and reach counting, around the whole app (observe.py,
logs.py, metrics.py, reach.py), in one process; tests/test_observe_served.py runs them under
gunicorn."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from feedapp import logs, state, store
from feedapp.cli import main
from feedapp.observe import path_labels, route_family
from feedapp.reach import ReachCounter, poller_hash, site_day

TOKEN = "metrics-token-0123456789"
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {} subscribers; like FeedFetcher-Google)"
INOREADER = "Mozilla/5.0 (compatible; Inoreader/1.0; https://www.inoreader.com; {} subscribers)"


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/feed.atom", "feed"),
        ("/categories/شهری/feed.rss", "feed"),
        ("/sources/x/feed.json", "feed"),
        ("/feed/archive/3.atom", "archive"),
        ("/categories/x/feed/archive/1.json", "archive"),
        ("/sitemap.xml", "sitemap_index"),
        ("/sitemaps/releases-1.xml", "sitemap"),
        ("/sitemap-news.xml", "news_sitemap"),
        ("/robots.txt", "robots"),
        ("/", "list"),
        ("/older/001_x", "list"),
        ("/releases/001_x", "release"),
        ("/api/releases/x", "api"),
        ("/static/feed.css", "static"),
        ("/favicon.ico", "static"),
        ("/healthz", "health"),
        ("/metrics", "metrics"),
        ("/wp-login.php", "other"),
        ("/feed.atom/../../etc", "other"),
    ],
)
def test_each_path_counts_under_its_route_family(path, family):
    assert route_family(path) == family
    assert path_labels(path)[0] == path_labels(path)[0] == family  # worked out, then remembered


def test_every_answer_carries_a_request_id_and_keeps_a_well_formed_one_it_was_given(database_url, make_app):
    client = make_app({"DATABASE_URL": database_url}).test_client()
    made = client.get("/robots.txt").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    assert client.get("/robots.txt").headers["X-Request-ID"] != made
    given = "0f8fad5bd9cb469fa16570867728950e"  # nginx's $request_id
    assert client.get("/robots.txt", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    for unusable in ("short", "x" * 65, "a b c d e f g h", "<script>alert(1)</script>"):
        answered = client.get("/robots.txt", headers={"X-Request-ID": unusable}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{16}", answered)


@pytest.fixture
def logging_as():
    """logging_as(FORMAT): log as a serving process does (wsgi.py); undone after the test."""
    yield logs.configure
    logs.unconfigure()


def _access_lines(out: str) -> list[dict]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "feedapp.access"]


@pytest.mark.parametrize(("privacy", "address"), [(True, None), (False, "203.0.113.9")])
def test_access_lines_are_json_with_the_request_id_and_an_address_only_without_privacy(
    database_url, make_app, capsys, logging_as, privacy, address
):
    app = make_app({"DATABASE_URL": database_url, "PRIVACY": privacy, "PROXY_COUNT": 1, "ACCESS_LOG": True})
    logging_as("json")
    capsys.readouterr()
    headers = {"User-Agent": "Reader/2.0", "X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer secret-1"}
    answer = app.test_client().get("/robots.txt", headers=headers)
    logs.access_lines.flush()
    [line] = _access_lines(capsys.readouterr().out)
    assert line.pop("ms") >= 0 and datetime.fromisoformat(line.pop("time")).utcoffset() == timedelta(0)
    expected = {
        "level": "info",
        "logger": "feedapp.access",
        "message": "GET /robots.txt 200",
        "request_id": answer.headers["X-Request-ID"],
        "method": "GET",
        "path": "/robots.txt",
        "status": 200,
        "agent": "Reader/2.0",
    }
    assert line == (expected if address is None else {**expected, "address": address})


def test_access_lines_are_off_by_default_and_text_on_request(database_url, make_app, capsys, logging_as):
    client = make_app({"DATABASE_URL": database_url}).test_client()
    logging_as("json")
    capsys.readouterr()
    client.get("/robots.txt")
    logs.access_lines.flush()
    assert capsys.readouterr().out == ""
    client = make_app({"DATABASE_URL": database_url, "ACCESS_LOG": True}).test_client()
    logging_as("text")
    answer = client.get("/robots.txt", headers={"User-Agent": "R"})
    logs.access_lines.flush()
    out = capsys.readouterr().out
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d info feedapp\.access \[{answer.headers['X-Request-ID']}\] GET /robots\.txt 200"
        r" method=GET path=/robots\.txt status=200 ms=[\d.]+ agent=R\n",
        out,
    )


def _scrape(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert (answer.status_code, answer.headers["Cache-Control"]) == (200, "no-store")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def test_metrics_answer_only_their_token(database_url, make_app):
    client = make_app({"DATABASE_URL": database_url, "METRICS_TOKEN": TOKEN}).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}):
        answer = client.get("/metrics", headers=headers)
        assert (answer.status_code, answer.headers["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
    off = make_app({"DATABASE_URL": database_url}).test_client()
    assert off.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_metrics_count_requests_by_family_format_variant_and_status_and_read_the_store(seeded_database_url, make_app):
    client = make_app({"DATABASE_URL": seeded_database_url, "METRICS_TOKEN": TOKEN}).test_client()
    before = _scrape(client)
    etag = client.get("/feed.atom").headers["ETag"]
    client.get("/feed.atom", headers={"If-None-Match": etag})
    client.get("/feed.atom", headers={"Accept-Encoding": "gzip"})
    client.get("/releases/no_such_release")
    after = _scrape(client)

    def counted(family: str, fmt: str, variant: str, status: str) -> float:
        labels = (("family", family), ("format", fmt), ("status", status), ("variant", variant))
        key = ("feedapp_requests_total", labels)
        return after.get(key, 0) - before.get(key, 0)

    assert [
        counted("feed", "atom", "identity", "200"),
        counted("feed", "atom", "identity", "304"),
        counted("feed", "atom", "gzip", "200"),
        counted("release", "html", "identity", "404"),
        counted("metrics", "html", "identity", "200"),  # the first scrape
    ] == [1, 1, 1, 1, 1]
    seconds = ("feedapp_request_seconds_count", (("family", "feed"),))
    assert after[seconds] - before.get(seconds, 0) == 3
    engine = state.of(client.application).engine
    assert (after[("feedapp_releases_shown", ())], after[("feedapp_releases_retracted", ())]) == (
        store.count_releases(engine),
        0,
    )
    assert after[("feedapp_data_version", ())] == store.data_version(engine) > 0


def test_requests_counted_in_memory_reach_the_metrics_exactly_as_observe_would_write_them():
    from prometheus_client import CollectorRegistry, Histogram, generate_latest

    from feedapp import metrics

    latencies = [0.0001, 0.0005, 0.0007, 0.003, 0.003, 0.2, 0.5, 11.0, 42.0]
    registry = CollectorRegistry()
    direct = Histogram("direct", "d", ["family"], buckets=metrics.LATENCY_BUCKETS, registry=registry)
    batched = Histogram("batched", "b", ["family"], buckets=metrics.LATENCY_BUCKETS, registry=registry)
    for seconds in latencies:
        direct.labels("feed").observe(seconds)
    counts, total = [0.0] * (len(metrics.LATENCY_BUCKETS) + 1), 0.0
    for seconds in latencies:  # as count_request adds them (sum() would round differently)
        counts[metrics.bisect.bisect_left(metrics.LATENCY_BUCKETS, seconds)] += 1
        total += seconds
    metrics._observe_many(batched.labels("feed"), total, counts)
    written = generate_latest(registry).decode()
    samples = [line.split(" ", 1)[1] for line in written.splitlines() if line.startswith(("direct", "batched"))]
    half = len(samples) // 2
    assert half == len(metrics.LATENCY_BUCKETS) + 1 + 3  # buckets and +Inf, count, sum, created
    assert samples[: half - 1] == samples[half:-1]  # every bucket, the count and the sum; not `created`


def test_reach_counts_the_latest_announcement_per_aggregator_and_each_other_poller_once_a_day(
    seeded_database_url, make_app
):
    app = make_app({"DATABASE_URL": seeded_database_url, "REACH_FLUSH_SECONDS": 3600})
    client = app.test_client()
    pollers = [("Reader/1.0", "198.51.100.1"), ("Reader/1.0", "198.51.100.2"), ("Other/3", "198.51.100.1")]
    for agent, address in [*pollers, *pollers]:  # each twice: counted once
        client.get("/feed.atom", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": address})
    for count in (12, 14):  # the latest figure wins
        client.get("/feed.atom", headers={"User-Agent": FEEDLY.format(count)})
    client.get("/feed.rss", headers={"User-Agent": INOREADER.format("1,250")})
    etag = client.get("/feed.rss").headers["ETag"]
    client.get("/feed.rss", headers={"User-Agent": "Poller/1", "If-None-Match": etag})  # a 304 delivers the feed too
    client.get("/categories/no_such_category/feed.atom", headers={"User-Agent": "Made-up/1"})  # 404: not a feed
    client.get("/feed/archive/1.atom", headers={"User-Agent": FEEDLY.format(99)})  # archives are not subscribed to
    state.of(app).reach.flush()
    today = site_day(datetime.now(timezone.utc)).isoformat()
    assert store.reach(state.of(app).engine, today) == [
        store.DayReach(today, "/feed.atom", {"feedly": 14}, 3),
        store.DayReach(today, "/feed.rss", {"inoreader": 1250}, 2),  # the first GET's agent, and Poller/1
    ]
    printed = app.test_cli_runner().invoke(main, ["stats", "--days", "1", "--json"])
    assert [json.loads(line) for line in printed.output.splitlines()] == [
        {"day": today, "feed": "/feed.atom", "subscribers": {"feedly": 14}, "total": 14, "pollers": 3},
        {"day": today, "feed": "/feed.rss", "subscribers": {"inoreader": 1250}, "total": 1250, "pollers": 2},
    ]
    printed = app.test_cli_runner().invoke(main, ["stats", "--days", "1"])
    assert printed.output == f"{today}\t/feed.atom\t14\t3\tfeedly=14\n{today}\t/feed.rss\t1250\t2\tinoreader=1250\n"


def test_reach_sums_an_aggregator_s_subscriptions_and_processes_agree(database_url, make_app):
    engine = state.of(make_app({"DATABASE_URL": database_url})).engine
    moment = datetime(2026, 3, 20, 20, 0, tzinfo=timezone.utc)  # 23:30 in Tehran, 20 March: day 1404-12-29
    first, second = ReachCounter(engine, 3600), ReachCounter(engine, 3600)  # two workers
    first.count("/feed.atom", 200, "Feedbin feed-id:1 - 5 subscribers", "10.0.0.1", moment)
    second.count("/feed.atom", 200, "Feedbin feed-id:2 - 7 subscribers", "10.0.0.1", moment)
    second.count("/feed.atom", 200, "Feedbin feed-id:1 - 4 subscribers", "10.0.0.1", moment + timedelta(minutes=1))
    for counter in (first, second):
        counter.count("/feed.atom", 200, "Reader/1.0", "10.0.0.9", moment)  # one poller, seen by both
    second.flush(moment)
    first.flush(moment)  # older news of feed-id 1 than second's: kept out
    assert store.reach(engine, "2026-03-20") == [store.DayReach("2026-03-20", "/feed.atom", {"feedbin": 11}, 1)]


def test_a_day_is_counted_once_the_next_is_over_and_its_pollers_and_key_forgotten(database_url, make_app):
    engine = state.of(make_app({"DATABASE_URL": database_url})).engine
    counter = ReachCounter(engine, 3600)
    days = [datetime(2026, 3, day, 8, 0, tzinfo=timezone.utc) for day in (1, 2, 3)]
    for moment in days:
        counter.count("/feed.json", 200, "Reader/1.0", "10.0.0.9", moment)
        counter.count("/feed.json", 200, "Reader/1.0", "10.0.0.8", moment)
        counter.flush(moment)  # on 3 March: 1 March is over (2 March may still be flushed late)
    with engine.connect() as connection:
        assert connection.rows("SELECT day, feed, pollers FROM reach_daily") == [
            {"day": "2026-03-01", "feed": "/feed.json", "pollers": 2}
        ]
        assert connection.column("SELECT DISTINCT day FROM reach_pollers ORDER BY day") == ["2026-03-02", "2026-03-03"]
        assert connection.column("SELECT day FROM reach_keys ORDER BY day") == ["2026-03-02", "2026-03-03"]
        keys = connection.column("SELECT secret FROM reach_keys ORDER BY day")
    assert store.reach(engine, "2026-03-01") == [
        store.DayReach(f"2026-03-0{day}", "/feed.json", {}, 2) for day in (1, 2, 3)
    ]
    # One poller's two days cannot be linked: each day hashes with its own key.
    assert poller_hash(keys[0].encode(), "10.0.0.9", "Reader/1.0") != poller_hash(
        keys[1].encode(), "10.0.0.9", "Reader/1.0"
    )


def test_the_site_s_day_is_tehran_s():
    assert site_day(datetime(2026, 3, 20, 20, 29, tzinfo=timezone.utc)) == date(2026, 3, 20)  # 23:59 +03:30
    assert site_day(datetime(2026, 3, 20, 20, 30, tzinfo=timezone.utc)) == date(2026, 3, 21)


def test_counts_a_flush_could_not_write_are_kept_for_the_next(database_url, make_app):
    engine = state.of(make_app({"DATABASE_URL": database_url})).engine
    counter = ReachCounter(engine, 3600)
    moment = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    counter.count("/feed.atom", 200, FEEDLY.format(3), "10.0.0.1", moment)
    counter.count("/feed.atom", 200, "Reader/1.0", "10.0.0.9", moment)
    with engine.begin(write=True) as connection:
        connection.execute("ALTER TABLE reach_announced RENAME TO reach_away")
    counter.flush(moment)  # fails: logged, kept
    with engine.begin(write=True) as connection:
        connection.execute("ALTER TABLE reach_away RENAME TO reach_announced")
    counter.flush(moment)
    assert store.reach(engine, "2026-03-01") == [store.DayReach("2026-03-01", "/feed.atom", {"feedly": 3}, 1)]


def test_operators_see_each_feed_s_readers_per_day_as_a_chart_and_a_table(database_url, make_app):
    import lxml.html

    app = make_app({"DATABASE_URL": database_url, "API_TOKEN": "admin-token-0123456789"})
    counter = ReachCounter(state.of(app).engine, 3600)
    now = datetime.now(timezone.utc)
    yesterday = now - timedelta(days=1)
    counter.count("/feed.atom", 200, "Reader/1.0", "10.0.0.1", yesterday)
    counter.count("/feed.atom", 200, "Reader/1.0", "10.0.0.2", yesterday)
    counter.count("/feed.atom", 200, FEEDLY.format(14), "10.0.0.3", now)
    counter.count("/feed.atom", 200, "Reader/1.0", "10.0.0.1", now)
    counter.flush(now)
    client = app.test_client()
    answer = client.get("/operators/reach?days=2")  # the test client comes from 127.0.0.1, unproxied
    assert (answer.status_code, answer.headers["Cache-Control"]) == (200, "no-store")
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    page = lxml.html.fromstring(answer.data)
    assert page.xpath("//h2/text()") == ["/feed.atom"]
    # Readers a day (announced subscribers + other pollers): 2 yesterday, 15 today, on a 0-20 axis.
    assert page.xpath("//polyline/@points") == ["0.0,144.0 600.0,40.0"]
    days = [site_day(moment).isoformat() for moment in (now, yesterday)]
    assert [[cell.text_content() for cell in row.xpath("td")][1:] for row in page.xpath("//tbody/tr")] == [
        ["۱۴", "feedly ۱۴", "۱"],
        ["۰", "", "۲"],
    ]
    assert page.xpath("//tbody/tr/td/time/@datetime") == days
    assert not page.xpath("//script")


@pytest.mark.parametrize(
    ("environ", "headers", "status"),
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, {}, 404),
        ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "203.0.113.9"}, 404),  # nginx's, from outside
        ({"REMOTE_ADDR": "127.0.0.1"}, {"Forwarded": "for=203.0.113.9"}, 404),
        ({"REMOTE_ADDR": "::1"}, {}, 200),
        ({"REMOTE_ADDR": "203.0.113.9"}, {"Authorization": "Bearer admin-token-0123456789"}, 200),
        ({"REMOTE_ADDR": "203.0.113.9"}, {"Authorization": "Bearer wrong-token-0123456789"}, 404),
    ],
)
def test_the_operators_page_answers_loopback_or_the_administrator_token_only(
    database_url, make_app, environ, headers, status
):
    client = make_app({"DATABASE_URL": database_url, "API_TOKEN": "admin-token-0123456789"}).test_client()
    assert client.get("/operators/reach", headers=headers, environ_base=environ).status_code == status


def test_the_operators_page_dates_days_in_the_jalali_calendar():
    from feedapp.operators import _jalali

    assert (_jalali(date(2026, 3, 20)), _jalali(date(2026, 3, 21))) == ("۱۴۰۴/۱۲/۲۹", "۱۴۰۵/۰۱/۰۱")


def test_the_feedapp_command_s_output_holds_no_log_line(database_url, make_app, capsys):
    # Only serving processes log to stdout (wsgi.py, the ingest service): a command's stdout is
    # its output, even when the app it made answers requests.
    app = make_app({"DATABASE_URL": database_url, "LOG_FORMAT": "json", "ACCESS_LOG": True})
    app.test_client().get("/robots.txt")
    logs.access_lines.flush()
    printed = app.test_cli_runner().invoke(main, ["stats"])
    assert (printed.output, capsys.readouterr().out) == ("", "")
