"""The publishing API over a real socket to real gunicorn: bodies that end early or run long, and
a worker killed while its write is under way. What the test client cannot show: the server's
own framing (Content-Length, chunked) and processes dying.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import threading

import pytest

from tests.support import fetch, gunicorn, ingest_service, service_process, upgraded
from tests.test_faults import children_of, gunicorn_master, wait_until

TOKEN = "wire-tests-token-0123456789abcdef"
LIMIT = 4000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wire")
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp / 'db.sqlite3'}"),
        "FEEDAPP_API_TOKEN": TOKEN,
        "FEEDAPP_MAX_RELEASE_BYTES": str(LIMIT),
        # conftest's per-test throttle file is not set yet when a module's server starts
        "FEEDAPP_AUTH_THROTTLE_FILE": str(tmp / "auth-throttle"),
    }
    with ingest_service(env), gunicorn(env, workers=1) as base:
        yield base


def exchange(base: str, head: str, body: bytes, headers: dict | None = None) -> tuple[int, dict]:
    """Send a request's head and these body bytes, close our side, read the answer (its status
    and JSON body; its headers into `headers` when given)."""
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    fields, _, body_bytes = rest.partition(b"\r\n\r\n")
    if headers is not None:
        headers.update(line.decode().split(": ", 1) for line in fields.split(b"\r\n"))
    return int(status_line.split()[1]), json.loads(body_bytes)


def head(key: str, media_type: str, framing: str) -> str:
    return (
        f"PUT /api/releases/{key} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: {media_type}\r\n{framing}\r\nConnection: close\r\n"
    )


def chunked(body: bytes, size: int = 700) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in parts) + b"0\r\n\r\n"


def stored(base: str, key: str) -> int:
    return fetch(f"{base}/api/releases/{key}", {"Authorization": f"Bearer {TOKEN}"})[0]


TEXT = "۱۴۰۳/۰۵/۱۰\n\nتیتر خبر کوتاه\n\nلید خبر که بلند است و ادامه دارد تا آخر.\n\nبند اول.\n".encode()


@pytest.mark.parametrize("media_type", ["text/plain", "application/json"])
def test_body_that_ends_before_its_content_length_is_400_and_nothing_is_stored(server, media_type):
    body = (
        TEXT
        if media_type == "text/plain"
        else json.dumps(
            {"key": "short_json", "published": "1403/05/10", "title": "تیتر", "lead": "لید"}, ensure_ascii=False
        ).encode()
    )
    key = "short_text" if media_type == "text/plain" else "short_json"
    half = len(body) // 2
    status, answer = exchange(server, head(key, media_type, f"Content-Length: {len(body)}"), body[:half])
    assert (status, answer) == (
        400,
        {
            "errors": [
                {
                    "message": f"the body ended after {half} of the {len(body)} bytes"
                    " its Content-Length promised; nothing was stored"
                }
            ]
        },
    )
    assert stored(server, key) == 404


def test_chunked_body_over_the_limit_is_413_and_nothing_is_stored(server):
    body = json.dumps(
        {"key": "long", "published": "1403/05/10", "title": "تیتر", "lead": "لید", "body": ["بند " * 800]},
        ensure_ascii=False,
    ).encode()
    assert len(body) > LIMIT
    status, answer = exchange(server, head("long", "application/json", "Transfer-Encoding: chunked"), chunked(body))
    assert (status, answer) == (
        413,
        {
            "errors": [
                {"message": f"the body is longer than {LIMIT} bytes (FEEDAPP_MAX_RELEASE_BYTES); nothing was stored"}
            ]
        },
    )
    assert stored(server, "long") == 404


def test_chunked_body_that_breaks_off_is_400_and_nothing_is_stored(server):
    framed = chunked(TEXT)
    status, answer = exchange(server, head("broken", "text/plain", "Transfer-Encoding: chunked"), framed[:-40])
    assert (status, answer) == (
        400,
        {
            "errors": [
                {"message": "the chunked body broke off after 0 bytes, before its last chunk; nothing was stored"}
            ]
        },
    )
    assert stored(server, "broken") == 404


def test_whole_chunked_body_within_the_limit_is_stored_byte_for_byte(server):
    status, answer = exchange(server, head("whole", "text/plain", "Transfer-Encoding: chunked"), chunked(TEXT, 50))
    assert (status, answer["action"]) == (201, "added")
    code, _, body = fetch(f"{server}/api/releases/whole", {"Authorization": f"Bearer {TOKEN}"})
    assert json.loads(body)["raw"].encode() == TEXT


def test_worker_killed_while_it_waits_for_the_service_the_write_is_stored_and_the_retry_answers_unchanged(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {"FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{database}"), "FEEDAPP_API_TOKEN": TOKEN}
    request = head("killed", "text/plain", f"Content-Length: {len(TEXT)}") + "\r\n"
    with ingest_service(env) as supervisor, gunicorn(env, workers=1) as base:
        master = gunicorn_master(base)
        [worker] = wait_until(lambda: children_of(master), 30)
        service = service_process(supervisor)
        os.kill(service, signal.SIGSTOP)  # takes no job: the worker waits on its committed one
        try:
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=30) as sock:
                sock.sendall(request.encode() + TEXT)
                assert wait_until(lambda: jobs(database) == [("killed", "queued")], 30), jobs(database)
                os.kill(worker, signal.SIGKILL)
                assert sock.recv(65536) == b""  # the client sees the connection close, no answer
        finally:
            os.kill(service, signal.SIGCONT)
        # The write the worker had committed is stored all the same, once, and audited once.
        assert wait_until(lambda: stored(base, "killed") == 200, 60)
        status, answer = exchange(base, head("killed", "text/plain", f"Content-Length: {len(TEXT)}"), TEXT)
        assert (status, answer["action"]) == (200, "unchanged")
    assert jobs(database) == [("killed", "done"), ("killed", "done")]
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT action, key, token FROM audit_log").fetchall() == [
            ("added", "killed", "FEEDAPP_API_TOKEN")
        ]


def jobs(database) -> list[tuple[str, str]]:
    """The key and state of every job in the queue, in order."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute("SELECT key, state FROM ingest_jobs ORDER BY id").fetchall()


def test_a_locked_store_is_503_with_retry_after_and_logged_never_422(tmp_path):
    database = tmp_path / "db.sqlite3"
    # Statements wait 1 s for another process's lock (10 s by default): the same 503, sooner.
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{database}") + "?timeout=1",
        "FEEDAPP_API_TOKEN": TOKEN,
        "FEEDAPP_ACCESS_LOG": "true",
    }
    with ingest_service(env), gunicorn(env, workers=2, output=tmp_path) as base:
        assert exchange(base, head("kept", "text/plain", f"Content-Length: {len(TEXT)}"), TEXT)[0] == 201
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock longer than the timeout (1 s)
        answers: dict[str, tuple[int, dict]] = {}

        def delete() -> None:
            answers["delete"] = exchange(
                base, head("kept", "text/plain", "Content-Length: 0").replace("PUT", "DELETE"), b""
            )

        threads = [threading.Thread(target=delete)]
        threads[0].start()
        put_headers: dict[str, str] = {}
        put = exchange(base, head("locked", "text/plain", f"Content-Length: {len(TEXT)}"), TEXT, put_headers)
        threads[0].join(timeout=60)
        holder.execute("ROLLBACK")
        holder.close()
        assert put == (
            503,
            {
                "errors": [
                    {
                        "message": "the store could not be written (OperationalError: database is"
                        " locked); nothing was stored (try again in 5 s)"
                    }
                ]
            },
        )
        assert put_headers["Retry-After"] == "5"
        assert answers["delete"] == (
            503,
            {
                "errors": [
                    {
                        "message": "the store could not be written (OperationalError:"
                        " database is locked); nothing was retracted"
                        " (try again in 5 s)"
                    }
                ]
            },
        )
        assert stored(base, "locked") == 404
        assert stored(base, "kept") == 200
        assert exchange(base, head("locked", "text/plain", f"Content-Length: {len(TEXT)}"), TEXT)[0] == 201
    # Logged with its cause, for the operator (the publisher saw only the 503), as JSON lines on
    # stdout, each with the request id its answer carried.
    lines = [json.loads(line) for line in (tmp_path / "stdout.log").read_text(encoding="utf-8").splitlines()]
    logged = sorted((line["level"], line["logger"], line["message"]) for line in lines if line["logger"] == "feedapp")
    assert logged == [
        (
            "error",
            "feedapp",
            "publishing API: DELETE /api/releases/kept: the store could not be written (OperationalError: database is"
            " locked); nothing was retracted",
        ),
        (
            "error",
            "feedapp",
            "publishing API: PUT /api/releases/locked: the store could not be written (OperationalError: database is"
            " locked); nothing was stored",
        ),
    ]
    answered = {line["request_id"] for line in lines if line["logger"] == "feedapp.access"}
    assert len({line["request_id"] for line in lines if line["logger"] == "feedapp"} & answered) == 2
