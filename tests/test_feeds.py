"""The feeds over real HTTP (gunicorn on 127.0.0.1): formats, validators, deltas, archives, caching."""

from __future__ import annotations

import gzip
import json
import shutil
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, quote

import feedparser
import pytest
from lxml import etree

from feedapp import store
from feedapp.core.jalali import rfc3339
from feedapp.engine import Engine
from tests.support import (
    BACKENDS,
    ROOT,
    SEEDS,
    feedapp,
    fetch,
    free_port,
    gunicorn,
    ingest_here,
    upgraded,
    write_releases,
)

SITE = "https://news.example.ir"
ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONES = "{http://purl.org/atompub/tombstones/1.0}"
SEED_KEY = "000_44faba8da108bc04"
SEED_TITLE = "حمایت از فعالیت روابط عمومی‌ها موجب بروز خلاقیت‌کاری سازمان‌ها می‌شود"
GENERATED = 110  # with the 9 seeds: 119 releases, 3 archive pages of 50
TOTAL = GENERATED + 9
ATOM_RNG = etree.RelaxNG(etree.parse(str(ROOT / "tests" / "schemas" / "atom.rng")))


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feeds")
    database = (
        upgraded(f"sqlite:///{tmp / 'db.sqlite3'}")
        if request.param == "sqlite"
        else upgraded(request.getfixturevalue("postgres").new_database())
    )
    env = {
        "FEEDAPP_DATABASE_URL": database,
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_SITE_TITLE": "اخبار شهرداری",
        "FEEDAPP_DELTA_FEEDS": "true",
    }
    ingest_here(database, SEEDS)
    write_releases(tmp / "generated", GENERATED)
    ingest_here(database, tmp / "generated")
    with gunicorn(env) as base:
        yield base, env, tmp


def parsed(base: str, path: str):
    """feedparser fetching the URL itself, as aggregators do (it asks for gzip)."""
    feed = feedparser.parse(base + path)
    assert feed.status == 200
    return feed


def atom_ids(base: str, path: str) -> tuple[list[str], dict[str, str]]:
    """Entry ids and link hrefs by rel of one Atom document, validated against RFC 4287's grammar."""
    status, _, body = fetch(base + path)
    assert status == 200
    root = etree.fromstring(body)
    ATOM_RNG.assertValid(root)
    ids = [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    return ids, links


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/feed.atom", "application/atom+xml; charset=utf-8"),
        ("/feed.rss", "application/rss+xml; charset=utf-8"),
    ],
)
def test_atom_and_rss_parse_cleanly_with_the_seed_entry_exact(site, path, content_type):
    base, _, _ = site
    status, headers, _ = fetch(base + path)
    assert (status, headers["Content-Type"]) == (200, content_type)
    feed = parsed(base, path)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert len(feed.entries) == 50
    # The seed was ingested first: it is in the oldest archive page, not the current feed.
    archive = parsed(base, path.replace("feed.", "feed/archive/1."))
    assert archive.bozo == 0
    seed = next(entry for entry in archive.entries if entry.link == f"{SITE}/releases/{SEED_KEY}")
    assert seed.title == SEED_TITLE
    assert seed.id == f"tag:news.example.ir,2026:release:{SEED_KEY}"
    assert tuple(seed.published_parsed)[:6] == (2014, 3, 11, 8, 30, 0)


def test_json_feed_follows_the_1_1_spec_with_the_seed_item_exact(site):
    # feedparser 6 does not read JSON Feed: check the spec's required members directly.
    base, _, _ = site
    status, headers, body = fetch(base + "/feed/archive/1.json")
    assert (status, headers["Content-Type"]) == (200, "application/feed+json; charset=utf-8")
    document = json.loads(body)
    assert {"version", "title", "items"} <= set(document)
    assert all({"id", "content_html"} <= set(item) and isinstance(item["id"], str) for item in document["items"])
    seed = next(item for item in document["items"] if item["url"] == f"{SITE}/releases/{SEED_KEY}")
    assert (seed["id"], seed["title"], seed["date_published"]) == (
        f"tag:news.example.ir,2026:release:{SEED_KEY}",
        SEED_TITLE,
        "2014-03-11T12:00:00+03:30",
    )
    assert len(json.loads(fetch(base + "/feed.json")[2])["items"]) == 50


def test_atom_documents_validate_against_rfc4287_grammar(site):
    base, _, _ = site
    for path in ("/feed.atom", "/feed/archive/1.atom", "/feed/archive/3.atom"):
        atom_ids(base, path)


def test_archive_links_reach_every_release_exactly_once(site):
    base, _, _ = site
    current, links = atom_ids(base, "/feed.atom")
    seen: list[str] = []
    path = links["prev-archive"].removeprefix(SITE)
    pages = 0
    while path:
        ids, page_links = atom_ids(base, path)
        assert page_links["current"] == f"{SITE}/feed.atom"
        seen += ids
        pages += 1
        path = page_links.get("prev-archive", "").removeprefix(SITE)
    assert pages == 3
    assert len(seen) == len(set(seen)) == TOTAL
    assert set(current) <= set(seen)


def test_archive_pages_are_rfc5005_archives(site):
    base, _, _ = site
    _, body = fetch(base + "/feed/archive/2.atom")[1:]
    root = etree.fromstring(body)
    assert root.find("{http://purl.org/syndication/history/1.0}archive") is not None
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert (links["prev-archive"], links["next-archive"], links["self"]) == (
        f"{SITE}/feed/archive/1.atom",
        f"{SITE}/feed/archive/3.atom",
        f"{SITE}/feed/archive/2.atom",
    )
    status, headers, _ = fetch(base + "/feed/archive/2.atom")
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert fetch(base + "/feed/archive/3.atom")[1]["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "path",
    [
        "/feed/archive/0.atom",
        "/feed/archive/4.atom",
        "/feed/archive/x.atom",
        "/feed.xml",
        "/categories/%D9%86%DB%8C%D8%B3%D8%AA/feed.atom",
    ],
)
def test_pages_that_do_not_exist_are_404(site, path):
    base, _, _ = site
    assert fetch(base + path)[0] == 404


def test_json_feed_pages_with_next_url_to_older_items(site):
    base, _, _ = site
    _, _, body = fetch(base + "/feed.json")
    document = json.loads(body)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert (document["feed_url"], document["home_page_url"]) == (f"{SITE}/feed.json", f"{SITE}/")
    assert document["next_url"] == f"{SITE}/feed/archive/3.json"
    assert all({"id", "url", "content_html", "date_published"} <= set(item) for item in document["items"])


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "{etag}"},
        {"If-None-Match": "W/{etag}"},
        {"If-None-Match": '"nope", {etag}'},
        {"If-Modified-Since": "{last_modified}"},
    ],
)
def test_conditional_get_answers_304_without_a_body(site, headers):
    base, _, _ = site
    _, first, _ = fetch(base + "/feed.atom")
    filled = {
        name: value.format(etag=first["ETag"], last_modified=first["Last-Modified"]) for name, value in headers.items()
    }
    status, response, body = fetch(base + "/feed.atom", filled)
    assert (status, body) == (304, b"")
    assert (response["ETag"], response["Cache-Control"], response["Vary"]) == (
        first["ETag"],
        "public, max-age=300",
        "Accept-Encoding, Accept",
    )


def test_stale_validators_get_the_full_feed(site):
    base, _, _ = site
    assert fetch(base + "/feed.atom", {"If-None-Match": '"0-abc"'})[0] == 200
    assert fetch(base + "/feed.atom", {"If-Modified-Since": "Tue, 11 Mar 2014 08:30:00 GMT"})[0] == 200


def test_validators_and_cache_headers(site):
    base, _, _ = site
    status, headers, body = fetch(base + "/feed.rss")
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"') and not headers["ETag"].startswith("W/")
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Vary"] == "Accept-Encoding, Accept"
    assert "Content-Encoding" not in headers
    assert int(headers["Content-Length"]) == len(body)
    assert datetime.strptime(headers["Last-Modified"], "%a, %d %b %Y %H:%M:%S GMT")


def test_output_is_byte_identical_across_requests_and_workers(site):
    base, _, _ = site
    bodies = {fetch(base + "/feed.atom")[2] for _ in range(6)}
    assert len(bodies) == 1


@pytest.mark.parametrize(
    "accept, gzipped",
    [
        ("gzip, deflate", True),  # what feedparser sends
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("identity", False),
        ("gzip;q=0, *", False),
        ("*", True),
        ("GZIP", True),  # codings are case-insensitive (RFC 9110 §8.4.1)
        ("X-Gzip;Q=0.5", True),
        ("GZIP;q=0, *", False),
    ],
)
def test_gzip_is_negotiated(site, accept, gzipped):
    base, _, _ = site
    _, plain_headers, plain = fetch(base + "/feed.atom", {"Accept-Encoding": "identity"})
    status, headers, body = fetch(base + "/feed.atom", {"Accept-Encoding": accept})
    assert status == 200
    assert (headers.get("Content-Encoding") == "gzip") is gzipped
    assert (gzip.decompress(body) if gzipped else body) == plain
    if gzipped:
        assert headers["ETag"] == plain_headers["ETag"][:-1] + '-gz"'
        assert fetch(base + "/feed.atom", {"Accept-Encoding": accept, "If-None-Match": headers["ETag"]})[0] == 304


def test_head_gives_the_headers_without_the_body(site):
    base, _, _ = site
    _, get_headers, _ = fetch(base + "/feed.json")
    status, headers, body = fetch(base + "/feed.json", method="HEAD")
    assert (status, body) == (200, b"")
    assert (headers["ETag"], headers["Content-Length"]) == (get_headers["ETag"], get_headers["Content-Length"])


def test_unknown_query_parameters_change_nothing(site):
    base, _, _ = site
    _, headers, body = fetch(base + "/feed.atom")
    assert fetch(base + "/feed.atom?_=1732612345123")[2] == body
    assert fetch(base + "/feed.atom?_=42", {"If-None-Match": headers["ETag"]})[0] == 304


def test_forged_host_headers_change_no_url(site):
    base, _, _ = site
    _, _, body = fetch(base + "/feed.atom", {"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert b"evil.example" not in body
    assert f'href="{SITE}/feed.atom"'.encode() in body


def test_category_and_source_feeds_hold_their_releases(site):
    base, _, _ = site
    sport = parsed(base, "/categories/" + quote("ورزش") + "/feed.atom")
    assert [entry.link for entry in sport.entries] == [f"{SITE}/releases/006_vezarat_varzesh_olympic"]
    assert sport.feed.title == "اخبار شهرداری - ورزش"
    office = parsed(base, "/sources/" + quote("بانک مرکزی") + "/feed.rss")
    assert [entry.link for entry in office.entries] == [f"{SITE}/releases/007_bank_markazi_nerkh"]


def test_html_pages_carry_feed_autodiscovery(site):
    base, _, _ = site
    for path in ("/", f"/releases/{SEED_KEY}"):
        html = fetch(base + path)[2].decode()
        for kind, fmt in (
            ("application/atom+xml", "atom"),
            ("application/rss+xml", "rss"),
            ("application/feed+json", "json"),
        ):
            assert f'type="{kind}" title="اخبار شهرداری' in html
            assert f'href="{SITE}/feed.{fmt}"' in html


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FEEDPARSER_ACCEPT = (
    "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
    "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"
)


@pytest.mark.parametrize(
    "accept, content_type, suffix",
    [
        (BROWSER_ACCEPT, "application/xml; charset=utf-8", '-b"'),
        (FEEDPARSER_ACCEPT, "application/atom+xml; charset=utf-8", '"'),
        ("*/*", "application/atom+xml; charset=utf-8", '"'),
        ("text/html, application/atom+xml", "application/atom+xml; charset=utf-8", '"'),
    ],
)
def test_browsers_get_the_feed_as_xml_readers_as_atom(site, accept, content_type, suffix):
    base, _, _ = site
    _, plain, body = fetch(base + "/feed.atom")
    status, headers, same = fetch(base + "/feed.atom", {"Accept": accept})
    assert (status, headers["Content-Type"], same) == (200, content_type, body)
    assert headers["ETag"] == plain["ETag"][:-1] + suffix
    assert fetch(base + "/feed.atom", {"Accept": accept, "If-None-Match": headers["ETag"]})[0] == 304


def test_feeds_point_browsers_at_a_css_view(site):
    base, _, _ = site
    for path in ("/feed.atom", "/feed.rss"):
        body = fetch(base + path)[2]
        assert f'<?xml-stylesheet type="text/css" href="{SITE}/static/feed.css"?>'.encode() in body
    status, headers, _ = fetch(base + "/static/feed.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")


# The tests below change the data: they run last in this module and share the server.


def test_cli_ingest_while_serving_shows_in_the_next_poll_and_delta_holds_only_it(site):
    base, env, tmp = site
    _, before, _ = fetch(base + "/feed.atom")
    new_keys = write_releases(tmp / "later", 1, prefix="late", first=500)
    feedapp(env, "ingest", str(tmp / "later"))
    status, after, body = fetch(base + "/feed.atom", {"If-None-Match": before["ETag"]})
    assert status == 200 and after["ETag"] != before["ETag"]
    assert f"{SITE}/releases/{new_keys[0]}".encode() in body
    status, headers, body = fetch(base + "/feed.atom", {"If-None-Match": before["ETag"], "A-IM": "feed"})
    assert status == 226
    assert (headers["IM"], headers["ETag"], headers["Cache-Control"]) == ("feed", after["ETag"], "private, max-age=0")
    delta = feedparser.parse(body)
    assert [entry.link for entry in delta.entries] == [f"{SITE}/releases/{new_keys[0]}"]
    # Gzipped, the delta carries the gzip variant's ETag, as a 200 or a 304 would.
    status, headers, body = fetch(
        base + "/feed.atom", {"If-None-Match": before["ETag"], "A-IM": "feed", "Accept-Encoding": "gzip"}
    )
    gzipped = fetch(base + "/feed.atom", {"Accept-Encoding": "gzip"})[1]
    assert (status, headers["Content-Encoding"], headers["ETag"]) == (226, "gzip", gzipped["ETag"])
    assert gzipped["ETag"] == after["ETag"][:-1] + '-gz"'
    assert [e.link for e in feedparser.parse(gzip.decompress(body)).entries] == [f"{SITE}/releases/{new_keys[0]}"]
    assert fetch(base + "/feed.atom", {"If-None-Match": after["ETag"], "A-IM": "feed"})[0] == 304
    assert fetch(base + "/feed.atom", {"If-None-Match": '"garbage"', "A-IM": "feed"})[0] == 200
    assert fetch(base + "/feed.atom", {"If-None-Match": before["ETag"]})[0] == 200  # no A-IM: full feed


def test_changed_release_keeps_its_id_while_updated_moves(site):
    base, env, tmp = site
    folder = tmp / "edit"
    folder.mkdir()
    shutil.copy(SEEDS / f"{SEED_KEY}.txt", folder)
    path = folder / f"{SEED_KEY}.txt"
    path.write_bytes(
        path.read_bytes()
        .replace("تصاویر مرتبط".encode(), b"")
        .replace("پايان پيام".encode(), "جمله تازه.\nپايان پيام".encode())
    )
    before = {e.link: e for e in parsed(base, "/feed/archive/1.atom").entries}[f"{SITE}/releases/{SEED_KEY}"]
    result = feedapp(env, "ingest", str(folder))
    assert result.stdout == f"updated {SEED_KEY}\n"
    current = {e.link: e for e in parsed(base, "/feed.atom").entries}
    after = current[f"{SITE}/releases/{SEED_KEY}"]  # a changed release comes back into the current feed
    assert after.id == before.id
    assert after.published == before.published
    assert after.updated != before.updated
    assert datetime(*after.updated_parsed[:6], tzinfo=timezone.utc) > datetime(2026, 1, 1, tzinfo=timezone.utc)


class _Hub(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        _Hub.received.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # keep test output clean
        pass


def test_websub_hub_is_advertised_and_notified_after_an_ingest(tmp_path):
    hub = HTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    hub_url = f"http://127.0.0.1:{hub.server_port}/hub"
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_WEBSUB_HUB": hub_url,
    }
    try:
        result = feedapp(env, "ingest", str(SEEDS / "006_vezarat_varzesh_olympic.json"))
        assert result.returncode == 0
        topics = sorted(q["hub.url"][0] for q in _Hub.received if q["hub.mode"] == ["publish"])
        sport, olympic, office = (quote(x) for x in ("ورزش", "المپیک", "روابط عمومی وزارت ورزش و جوانان"))
        assert topics == sorted(
            [f"{SITE}/feed.{f}" for f in ("atom", "rss", "json")]
            + [f"{SITE}/categories/{c}/feed.{f}" for c in (sport, olympic) for f in ("atom", "rss", "json")]
            + [f"{SITE}/sources/{office}/feed.{f}" for f in ("atom", "rss", "json")]
        )
        _Hub.received.clear()
        assert feedapp(env, "ingest", str(SEEDS / "006_vezarat_varzesh_olympic.json")).stdout.startswith("unchanged")
        assert _Hub.received == []  # nothing changed, nothing to announce
        with gunicorn(env, workers=1) as base:
            _, headers, body = fetch(base + "/feed.atom")
        assert headers["Link"] == f'<{hub_url}>; rel="hub", <{SITE}/feed.atom>; rel="self"'
        links = {link.get("rel"): link.get("href") for link in etree.fromstring(body).findall(f"{ATOM}link")}
        assert links["hub"] == hub_url
    finally:
        hub.shutdown()
        hub.server_close()


def test_hub_that_is_down_never_fails_the_ingest(tmp_path):
    down = f"http://127.0.0.1:{free_port()}/hub"  # nothing listens there
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_WEBSUB_HUB": down,
    }
    started = time.monotonic()
    result = feedapp(env, "ingest", str(SEEDS / f"{SEED_KEY}.txt"), check=False)
    assert result.returncode == 0
    assert result.stdout == f"added {SEED_KEY}\n"
    assert result.stderr.splitlines()[-3:] == [
        f"warning: WebSub hub {down} did not accept {SITE}/feed.{fmt}; subscribers will see it on their next poll"
        for fmt in ("atom", "rss", "json")
    ]
    assert "gave up after 3 attempts" in result.stderr
    assert time.monotonic() - started < 60


# How long a change may take to reach a PostgreSQL worker (_poll_sees_the_change).
NOTIFIED_WITHIN = 0.3
assert NOTIFIED_WITHIN < store.MAX_VERSION_AGE


def _validators(base: str, path: str) -> tuple[str, str, bytes]:
    status, headers, body = fetch(base + path)
    assert status == 200, path
    return headers["Last-Modified"], headers["ETag"], body


def _next_second() -> None:
    """HTTP dates count whole seconds: let the next change fall in a later one."""
    time.sleep(1.05 - time.time() % 1)


def _poll_sees_the_change(base: str, path: str, before: tuple[str, str, bytes]) -> None:
    """The document changed: its Last-Modified and ETag version moved forward, and a poll with
    the old Last-Modified alone gets the new bytes (never a 304).

    A PostgreSQL worker learns of a commit by a notification that reaches it milliseconds later
    (store.PostgresVersionReader: 11 ms at most measured under load), so a poll sent the moment
    the change commits may still get the old bytes: polls are repeated for NOTIFIED_WITHIN, far
    longer than that and shorter than MAX_VERSION_AGE, the read a missed notification would wait
    for."""
    last_modified, etag, body = before
    deadline = time.monotonic() + NOTIFIED_WITHIN
    now_modified, now_etag, now_body = _validators(base, path)
    while now_body == body and time.monotonic() < deadline:
        time.sleep(0.01)
        now_modified, now_etag, now_body = _validators(base, path)
    assert now_body != body, path
    assert parsedate_to_datetime(now_modified) > parsedate_to_datetime(last_modified), path
    assert int(now_etag.strip('"').split("-")[0]) >= int(etag.strip('"').split("-")[0]), path
    assert fetch(base + path, {"If-Modified-Since": last_modified})[0] == 200, path


def _json_release(folder, key: str, published: datetime, category: str = "شهری") -> None:  # noqa: ANN001
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.json").write_text(
        json.dumps(
            {
                "key": key,
                "published": published.isoformat(),
                "title": f"خبر {key}",
                "lead": f"لید خبر {key}.",
                "body": [f"متن خبر {key}."],
                "categories": [category],
                "source": "روابط عمومی",
            }
        ),
        encoding="utf-8",
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_last_modified_never_goes_back_when_a_document_changes(backend, tmp_path, request):
    # A retraction takes an entry out; a back-dated release or the next archive page's first entry
    # adds bytes older than the newest shown date. Each must move Last-Modified forward.
    database = (
        upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}")
        if backend == "sqlite"
        else upgraded(request.getfixturevalue("postgres").new_database())
    )
    env = {
        "FEEDAPP_DATABASE_URL": database,
        "FEEDAPP_SITE_URL": SITE,
        "FEEDAPP_FEED_SIZE": "2",
        "FEEDAPP_DELTA_FEEDS": "true",
    }
    now = datetime.now(timezone.utc)
    for number in range(4):  # archive pages 1 and 2 full; the newest is in the news sitemap
        _json_release(
            tmp_path / "first",
            f"r{number}",
            now - timedelta(days=10 - number) if number < 3 else now - timedelta(hours=1),
        )
    ingest_here(database, tmp_path / "first")
    paths = [
        "/feed.atom",
        "/feed.rss",
        "/feed.json",
        "/categories/%D8%B4%D9%87%D8%B1%DB%8C/feed.atom",
        "/sitemap.xml",
        "/sitemaps/pages.xml",
        "/sitemaps/releases-1.xml",
        "/sitemap-news.xml",
    ]
    with gunicorn(env) as base:
        before = {path: _validators(base, path) for path in paths}
        _next_second()
        engine = Engine(database)
        assert store.retract(engine, "r3", datetime.now(timezone.utc))
        for path in paths:
            _poll_sees_the_change(base, path, before[path])
        retracted = before["/feed.atom"]
        # RFC 6721: the feed that held r3, and the archive page that holds its place, say it left.
        when = rfc3339(store.get_release(engine, "r3").retracted_at)
        for path in ("/feed.atom", "/feed/archive/2.atom"):
            root = etree.fromstring(fetch(base + path)[2])
            assert [dict(t.attrib) for t in root.iter(f"{TOMBSTONES}deleted-entry")] == [
                {"ref": "tag:news.example.ir,2026:release:r3", "when": when}
            ], path
            assert "r3" not in [e.findtext(f"{ATOM}id").rsplit(":", 1)[1] for e in root.iter(f"{ATOM}entry")]
        assert b"deleted-entry" not in fetch(base + "/feed/archive/1.atom")[2]

        before = {path: _validators(base, path) for path in ("/feed/archive/2.atom", "/sitemaps/releases-1.xml")}
        _next_second()
        _json_release(tmp_path / "backdated", "old", now - timedelta(days=4000))
        ingest_here(database, tmp_path / "backdated")  # page 3's first: page 2 links to it
        for path, validators in before.items():
            _poll_sees_the_change(base, path, validators)

        # A delta cannot say an entry left: a client whose copy predates the retraction gets the
        # whole feed, though a delta of the one newer entry would be smaller.
        status, headers, body = fetch(base + "/feed.atom", {"If-None-Match": retracted[1], "A-IM": "feed"})
        assert (status, "IM" in headers) == (200, False)
        ids = [entry.findtext(f"{ATOM}id") for entry in etree.fromstring(body).iter(f"{ATOM}entry")]
        assert [entry_id.rsplit(":", 1)[1] for entry_id in ids] == ["r2", "old"]
        engine.dispose()
