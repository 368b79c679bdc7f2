"""Wrong API tokens: counted per client address across worker processes, then 429 with Retry-After."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os

import pytest

from feedapp.throttle import _PROBES as PROBES
from feedapp.throttle import _SLOT as SLOT
from feedapp.throttle import SLOTS, AuthThrottle, client_key
from tests.support import fetch, gunicorn, upgraded

TOKEN = "s3cret-token-for-tests-0123456789"
WRONG = {"Authorization": "Bearer not-the-token-at-all-000000"}
RIGHT = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _fail_times(path: str, times: int) -> None:
    throttle = AuthThrottle(path, limit=100, window=60, clock=Clock())
    for _ in range(times):
        throttle.failed("203.0.113.7")


def test_failures_from_several_processes_add_up_in_one_count(tmp_path):
    path = str(tmp_path / "auth")
    context = multiprocessing.get_context("fork")  # as gunicorn makes its workers
    workers = [context.Process(target=_fail_times, args=(path, 25)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * 4
    assert AuthThrottle(path, limit=100, window=60, clock=Clock()).failed("203.0.113.7") == 101


def test_address_is_refused_until_its_window_ends_then_counts_afresh(tmp_path):
    clock = Clock()
    throttle = AuthThrottle(str(tmp_path / "auth"), limit=3, window=60, clock=clock)
    assert [throttle.failed("198.51.100.1") for _ in range(3)] == [1, 2, 3]
    assert throttle.retry_after("198.51.100.1") == 60
    assert throttle.retry_after("198.51.100.2") == 0  # another address is not affected
    clock.now += 59.5
    assert throttle.retry_after("198.51.100.1") == 1  # rounded up: never "0" while refused
    clock.now += 0.5
    assert throttle.retry_after("198.51.100.1") == 0
    assert throttle.failed("198.51.100.1") == 1


def test_table_never_grows_and_a_flood_of_addresses_cannot_erase_an_active_count(tmp_path):
    clock = Clock()
    path = tmp_path / "auth"
    throttle = AuthThrottle(str(path), limit=3, window=60, clock=clock)
    for _ in range(3):
        throttle.failed("198.51.100.1")
    size = path.stat().st_size
    for number in range(20_000):  # a guesser rotating addresses, all in the same window
        clock.now = 1000 + (number + 1) / 1000
        throttle.failed(f"10.{number // 65536}.{number // 256 % 256}.{number % 256}")
    assert path.stat().st_size == size == SLOTS * 20
    assert throttle.retry_after("198.51.100.1") == 40  # 60 s from its third failure, 20 s ago


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # one host holds a whole /64
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
    ],
)
def test_ipv6_addresses_are_counted_by_their_64_prefix(address, key):
    assert client_key(address) == key


def test_wrong_tokens_are_logged_with_the_address_and_the_count(database_url, caplog, tmp_path, make_app):
    app = make_app(
        {
            "DATABASE_URL": database_url,
            "API_TOKEN": TOKEN,
            "AUTH_FAILURES": 2,
            "AUTH_THROTTLE_FILE": str(tmp_path / "auth"),
        }
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        statuses = [client.get("/api/releases/any", headers=WRONG).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    assert [record.getMessage() for record in caplog.records if record.name == app.logger.name] == [
        "publishing API: wrong token from 127.0.0.1 (1 of 2 allowed in 60 s)",
        "publishing API: wrong token from 127.0.0.1 (2 of 2 allowed in 60 s); throttled",
    ]


def test_token_guessing_through_gunicorn_workers_gets_429_with_retry_after(tmp_path):
    env = {
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        "FEEDAPP_API_TOKEN": TOKEN,
        "FEEDAPP_AUTH_FAILURES": "5",
        "FEEDAPP_AUTH_WINDOW": "600",
        "FEEDAPP_AUTH_THROTTLE_FILE": str(tmp_path / "auth"),
    }
    with gunicorn(env, workers=3) as base:
        # Each request on a new connection: the three workers take them as they come. Counted per
        # worker, a guesser would get up to 15 tries.
        statuses = [fetch(base + "/api/releases/any", WRONG)[0] for _ in range(8)]
        status, headers, body = fetch(base + "/api/releases/any", RIGHT)  # the right token, too late
    assert statuses == [403] * 5 + [429] * 3
    assert status == 429
    assert 590 <= int(headers["Retry-After"]) <= 600
    assert headers["Content-Type"] == "application/json"
    message = json.loads(body)["errors"][0]["message"]
    assert message == f"too many wrong tokens from this address; try again in {headers['Retry-After']} s"
    assert oct(os.stat(tmp_path / "auth").st_mode & 0o777) == "0o600"


def test_a_new_address_is_never_refused_for_the_counts_of_others(tmp_path):
    # Every slot a new address may take is held by a throttled one: it is counted in one of
    # theirs (the fewest failures), but their failures are never read as its own.
    clock = Clock()
    throttle = AuthThrottle(str(tmp_path / "auth"), limit=3, window=60, clock=clock)
    digest = hashlib.blake2b(client_key("198.51.100.9").encode(), digest_size=8).digest()
    first = int.from_bytes(digest, "little") % SLOTS
    with throttle._table() as table:
        for step in range(PROBES):
            SLOT.pack_into(table, (first + step) % SLOTS * SLOT.size, bytes([step + 1] * 8), clock.now, 3)
    assert throttle.retry_after("198.51.100.9") == 0
    assert throttle.failed("198.51.100.9") == 1
