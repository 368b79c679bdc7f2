"""The publishing API: token, media types, limits, precise errors, the CLI's pipeline, retraction."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import psycopg
import pytest

from feedapp import create_app
from tests.support import BACKENDS, SAMPLE, close_app, ingest_service, upgraded

TOKEN = "s3cret-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SITE = "https://news.example.ir"
RELEASE = {
    "key": "api_1",
    "published": "1403/05/10 ساعت 11:00",
    "title": "تیتر خبر",
    "lead": "لید خبر سازمانها.",
    "body": ["یک", "دو"],
    "categories": ["اقتصاد"],
}


@pytest.fixture(scope="session")
def shared_sqlite(tmp_path_factory, upgraded_sqlite: Path):
    """One SQLite file, and one ingest service for it, for the SQLite runs of these tests.

    The service loads hazm, seconds each time it starts: started once, it then serves every
    test's writes, as it serves every write of a site. Each test gets the file back as
    `feedapp db upgrade` made it (see fresh_copy).
    """
    path = tmp_path_factory.mktemp("api") / "api.sqlite3"
    shutil.copyfile(upgraded_sqlite, path)
    with ingest_service({"FEEDAPP_DATABASE_URL": f"sqlite:///{path}"}):
        yield path


def fresh_copy(source: Path, target: Path) -> None:
    """Write `source`'s content over `target`'s in place, as `feedapp restore` does: the same file,
    so the service's open connection reads the new content (a new file would be one it refuses)."""
    with (
        contextlib.closing(sqlite3.connect(source)) as origin,
        contextlib.closing(sqlite3.connect(target, isolation_level=None)) as copy,
    ):
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")


@pytest.fixture(scope="session")
def shared_postgresql(postgres):
    """One PostgreSQL database and its ingest service for the PostgreSQL runs of these tests, as
    shared_sqlite is for SQLite; with the `state` rows `feedapp db upgrade` made there, which
    fresh_tables puts back before each test."""
    url = upgraded(postgres.new_database())
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT name, value FROM state ORDER BY name").fetchall()
    with ingest_service({"FEEDAPP_DATABASE_URL": url}):
        yield url, rows


def fresh_tables(url: str, state_rows: list[tuple[str, int]]) -> None:
    """Empty the store at `url` in place, as `feedapp db upgrade` left it: every table emptied
    (ids from 1 again) but the migrations' own (yoyo's records), and `state` as it was then, its
    data version included. The tables stay the same tables, so the service's open connections
    and prepared statements serve the next test; each test makes its own app, so no cache of an
    earlier app can serve a document of an earlier test (as with fresh_copy, whose copy brings
    the data version back too)."""
    with psycopg.connect(url) as connection:
        # The idle service holds no lock; one held by a leftover connection fails the test, not hangs it.
        connection.execute("SET LOCAL lock_timeout = '10s'")
        tables = connection.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            " AND table_name NOT LIKE '\\_yoyo\\_%' AND table_name <> 'yoyo_lock' ORDER BY table_name"
        ).fetchall()
        connection.execute(f"TRUNCATE {', '.join(name for (name,) in tables)} RESTART IDENTITY")
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO state (name, value) VALUES (%s, %s)", state_rows)


@pytest.fixture(params=BACKENDS)
def api_store(request, upgraded_sqlite: Path) -> str:
    """A fresh database at the latest schema, served by an ingest service: on each backend, the
    session's one store and service (shared_sqlite, shared_postgresql), emptied for each test."""
    if request.param == "postgresql":
        url, state_rows = request.getfixturevalue("shared_postgresql")
        fresh_tables(url, state_rows)
        return url
    path = request.getfixturevalue("shared_sqlite")
    fresh_copy(upgraded_sqlite, path)
    return f"sqlite:///{path}"


def api_app(api_store: str, tmp_path: Path, **config):
    """The app with the API on, over `api_store`, its own throttle file (the default is one per database)."""
    return create_app(
        {
            "DATABASE_URL": api_store,
            "API_TOKEN": TOKEN,
            "SITE_URL": SITE,
            "AUTH_THROTTLE_FILE": str(tmp_path / "auth"),
            **config,
        }
    )


@pytest.fixture
def api(api_store, tmp_path):
    app = api_app(api_store, tmp_path, TESTING=True, MAX_RELEASE_BYTES=20_000)
    yield app, app.test_client()
    close_app(app)


def post_json(client, document, path="/api/releases", method="post", headers=AUTH):
    return getattr(client, method)(
        path,
        data=json.dumps(document, ensure_ascii=False).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


def test_api_is_off_without_a_configured_token(client):
    for method, path in (
        ("post", "/api/releases"),
        ("get", "/api/releases/x"),
        ("delete", "/api/releases/x"),
        ("get", "/api/releases"),  # a method no route takes: routing's 405 would list POST in Allow
        ("patch", "/api/releases/x"),
    ):
        response = getattr(client, method)(path, headers=AUTH)
        # As on a site without an API: the site's own page, not the API's JSON.
        assert (response.status_code, response.mimetype) == (404, "text/html")
        assert "Allow" not in response.headers


def test_a_method_the_api_does_not_take_is_its_json_405_with_allow(api):
    _, client = api
    response = client.get("/api/releases", headers=AUTH)
    assert (response.status_code, response.mimetype) == (405, "application/json")
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert response.get_json() == {"errors": [{"message": "The method is not allowed for the requested URL."}]}


def test_a_method_no_page_takes_is_still_werkzeug_s_405(client):
    response = client.post("/feed.atom")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Bearer wrong-token-wrong-token"}, 403),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
    ],
)
def test_missing_token_is_401_and_wrong_token_403(api, headers, status):
    _, client = api
    response = post_json(client, RELEASE, headers=headers)
    assert response.status_code == status
    assert response.get_json()["errors"][0]["message"]
    assert ("WWW-Authenticate" in response.headers) is (status == 401)
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="feedapp"'


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_post_creates_get_reads_put_replaces(api):
    app, client = api
    created = post_json(client, RELEASE)
    assert created.status_code == 201
    assert created.headers["Location"] == f"{SITE}/api/releases/api_1"
    assert created.get_json() == {"key": "api_1", "action": "added", "url": f"{SITE}/releases/api_1", "warnings": []}
    read = client.get("/api/releases/api_1", headers=AUTH).get_json()
    assert (read["title"], read["lead"], read["published"], read["retracted"]) == (
        "تیتر خبر",
        "لید خبر سازمان\u200cها.",
        "2024-07-31T11:00:00+03:30",
        None,
    )
    assert json.loads(read["raw"]) == RELEASE
    assert b"api_1" in client.get("/feed.atom").data  # the next request shows it
    again = post_json(client, RELEASE, "/api/releases/api_1", "put")
    assert (again.status_code, again.get_json()["action"]) == (200, "unchanged")
    changed = post_json(client, {**RELEASE, "title": "تیتر تازه"}, "/api/releases/api_1", "put")
    assert (changed.status_code, changed.get_json()["action"]) == (200, "updated")
    assert "تیتر تازه" in client.get("/feed.atom").data.decode()


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_text_release_needs_its_key(api):
    _, client = api
    raw = SAMPLE.read_bytes()
    created = client.put(
        "/api/releases/sample", data=raw, headers={**AUTH, "Content-Type": "text/plain; charset=utf-8"}
    )
    assert (created.status_code, created.get_json()["action"]) == (201, "added")
    assert client.get("/api/releases/sample", headers=AUTH).get_json()["raw"] == raw.decode("utf-8")
    missing = client.post("/api/releases", data=raw, headers={**AUTH, "Content-Type": "text/plain"})
    assert missing.status_code == 422
    posted = client.post("/api/releases?key=sample2", data=raw, headers={**AUTH, "Content-Type": "text/plain"})
    assert posted.status_code == 201


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_release_that_does_not_parse_is_422_with_the_cli_messages(api):
    _, client = api
    response = post_json(client, {**RELEASE, "title": 5, "published": "1392/12/30", "extra": 1})
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": [
            {
                "field": "extra",
                "message": "unknown field; expected one of body, categories, images, key, kicker, language,"
                " lead, published, source, title, updated",
            },
            {
                "field": "published",
                "message": "1392/12/30 does not exist (1392 is not a leap year); expected a day from 1 to 29",
            },
            {"field": "title", "message": "expected a string, found a number"},
        ]
    }
    text = post_json(client, {}, "/api/releases/t1", "put", headers=AUTH)
    assert text.status_code == 422
    bad_text = client.put(
        "/api/releases/t1", data="تیتر\n\nلید.".encode(), headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert bad_text.get_json()["errors"][0] == {
        "line": 1,
        "message": (
            "expected a Solar Hijri date line such as '۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or 'سه‌شنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰',"
            " found 'تیتر'"
        ),
    }


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_key_in_the_body_must_match_the_url(api):
    _, client = api
    response = post_json(client, RELEASE, "/api/releases/other", "put")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "key", "message": "key 'api_1' differs from the URL's 'other'; expected the same key"}
    ]


@pytest.mark.parametrize("content_type", ["application/xml", "multipart/form-data; boundary=x", ""])
def test_wrong_media_type_is_415(api, content_type):
    _, client = api
    response = client.post("/api/releases", data=b"{}", headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 415


def test_body_over_the_limit_is_413_before_it_is_read(api):
    _, client = api
    big = {**RELEASE, "body": ["خبر " * 10_000]}  # ~80 KB > 20,000 bytes
    response = post_json(client, big)
    assert response.status_code == 413
    assert client.get("/api/releases/api_1", headers=AUTH).status_code == 404


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_retraction_removes_the_release_everywhere_and_the_page_answers_410(api):
    _, client = api
    post_json(client, RELEASE)
    post_json(client, {**RELEASE, "key": "api_2", "title": "خبر دوم"})
    assert client.get("/releases/api_1").status_code == 200
    retracted = client.delete("/api/releases/api_1", headers=AUTH)
    assert retracted.status_code == 200 and retracted.get_json()["action"] == "retracted"
    assert client.delete("/api/releases/api_1", headers=AUTH).status_code == 200  # idempotent
    page = client.get("/releases/api_1")
    assert page.status_code == 410 and "این خبر حذف شده است" in page.data.decode()
    for path in (
        "/feed.atom",
        "/feed.rss",
        "/feed.json",
        "/feed/archive/1.atom",
        "/sitemaps/releases-1.xml",
        "/sitemap-news.xml",
        "/",
        "/categories/%D8%A7%D9%82%D8%AA%D8%B5%D8%A7%D8%AF/feed.atom",
    ):
        body = client.get(path).data
        assert b"/releases/api_1" not in body, path
        assert b"/releases/api_2" in body or path == "/sitemap-news.xml", path
    assert client.get("/api/releases/api_1", headers=AUTH).get_json()["retracted"] is not None
    for method in ("get", "delete"):  # the API's JSON, not the site's 404 page
        missing = getattr(client, method)("/api/releases/nope", headers=AUTH)
        assert (missing.status_code, missing.get_json()) == (
            404,
            {"errors": [{"message": "no release has the key 'nope'"}]},
        )
    republished = post_json(client, RELEASE, "/api/releases/api_1", "put")
    assert (republished.status_code, republished.get_json()["action"]) == (200, "updated")
    assert client.get("/releases/api_1").status_code == 200


class _Hub(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        _Hub.received.append(parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_api_writes_notify_the_websub_hub(api_store, tmp_path):
    hub = HTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    app = api_app(api_store, tmp_path, WEBSUB_HUB=f"http://127.0.0.1:{hub.server_port}/")
    try:
        post_json(app.test_client(), RELEASE)
        deadline = time.monotonic() + 10
        while len(_Hub.received) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        topics = sorted(q["hub.url"][0] for q in _Hub.received)
        assert topics == sorted(
            [f"{SITE}/feed.{f}" for f in ("atom", "rss", "json")]
            + [f"{SITE}/categories/%D8%A7%D9%82%D8%AA%D8%B5%D8%A7%D8%AF/feed.{f}" for f in ("atom", "rss", "json")]
        )
    finally:
        close_app(app)
        hub.shutdown()
        hub.server_close()
        _Hub.received.clear()


def test_html_responses_carry_security_headers(api):
    _, client = api
    for path in ("/", "/releases/nope"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == (
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'none';"
            " frame-ancestors 'none'"
        )
        assert (headers["X-Content-Type-Options"], headers["Referrer-Policy"]) == (
            "nosniff",
            "strict-origin-when-cross-origin",
        )
    assert client.get("/feed.atom").headers["X-Content-Type-Options"] == "nosniff"


def test_an_internal_error_is_logged_and_answered_without_details(monkeypatch, caplog, database_url):
    from feedapp import store

    app = create_app({"DATABASE_URL": database_url})  # not TESTING: errors are handled as in production

    def fail(*_args, **_kwargs):
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(store, "get_release", fail)
    response = app.test_client().get("/releases/any")
    assert response.status_code == 500
    assert b"secret detail" not in response.data and b"Traceback" not in response.data
    assert any(
        "secret detail from deep inside" in (record.exc_text or "")
        or (record.exc_info and "secret detail" in str(record.exc_info[1]))
        for record in caplog.records
    )
    close_app(app)


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_lone_surrogate_in_a_field_name_is_422_and_the_ingest_process_lives_on(api):
    _, client = api
    raw = b'{"key": "s1", "\\ud800x": 1, "published": "1403/05/10", "title": "t", "lead": "l"}'
    response = client.post("/api/releases", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status_code, response.get_json()) == (
        422,
        {
            "errors": [
                {
                    "message": "a field name in the document holds a lone surrogate escape (\\ud800-\\udfff), which is no character;"
                    " expected valid Unicode text (RFC 8259 §8.2)"
                }
            ]
        },
    )
    assert post_json(client, RELEASE).status_code == 201


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_a_body_of_unknown_fields_gets_a_short_answer_listing_twenty(api):
    _, client = api
    document = {**RELEASE, **{f"f{number}": 1 for number in range(1500)}}
    raw = json.dumps(document).encode()
    assert len(raw) < 20_000
    response = client.post("/api/releases", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    errors = response.get_json()["errors"]
    assert (response.status_code, len(errors), errors[0]["field"], errors[-1]) == (
        422,
        21,
        "f0",
        {"message": "and 1480 more problems like these; fix these and send the release again to see them"},
    )
    assert len(response.data) < 5_000


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_feedapp_api_token_is_still_an_administrator_token_beside_office_tokens(api):
    """Deployments of earlier versions keep their FEEDAPP_API_TOKEN: it changes every office's
    releases, with every scope, and the audit trail names it."""
    from feedapp import store, tokens
    from feedapp.engine import Engine

    app, client = api
    engine = Engine(app.config["DATABASE_URL"])
    office = tokens.new_token()
    now = datetime.now(timezone.utc)
    store.add_token(engine, office[:11], tokens.digest(office), "روابط عمومی شهرداری قزوین", ("publish",), now, None)
    tehran = {**RELEASE, "source": "روابط عمومی شهرداری تهران"}
    created = post_json(client, tehran)
    assert (created.status_code, created.get_json()["action"]) == (201, "added")
    assert (
        post_json(
            client, tehran, "/api/releases/api_1", "put", headers={"Authorization": f"Bearer {office}"}
        ).status_code
        == 403
    )
    assert (
        post_json(client, {**tehran, "title": "تیتر تازه"}, "/api/releases/api_1", "put").get_json()["action"]
        == "updated"
    )
    assert client.delete("/api/releases/api_1", headers=AUTH).status_code == 200
    records = store.audit_records(engine)
    engine.dispose()
    assert [(record.action, record.key, record.token, record.command, record.os_user) for record in records] == [
        ("added", "api_1", "FEEDAPP_API_TOKEN", None, None),
        ("updated", "api_1", "FEEDAPP_API_TOKEN", None, None),
        ("retracted", "api_1", "FEEDAPP_API_TOKEN", None, None),
    ]
