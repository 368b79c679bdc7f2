"""Several app servers on one PostgreSQL store: an ingest shows on every server's next request."""

from __future__ import annotations

from tests.support import SEEDS, feedapp, fetch, gunicorn, upgraded, write_releases

SITE = "https://news.example.ir"


def test_every_worker_of_every_server_sees_an_ingest_on_its_next_request(postgres, tmp_path):
    env = {"FEEDAPP_DATABASE_URL": upgraded(postgres.new_database()), "FEEDAPP_SITE_URL": SITE}
    feedapp(env, "ingest", str(SEEDS))
    with gunicorn(env, workers=2, config=True) as first, gunicorn(env, workers=2, config=True) as second:
        before = {fetch(base + "/feed.atom")[1]["ETag"] for base in (first, second) for _ in range(4)}
        assert len(before) == 1  # every worker of both servers serves the same bytes
        key = write_releases(tmp_path / "new", 1, prefix="everywhere")[0]
        feedapp(env, "ingest", str(tmp_path / "new"))
        for base in (first, second):
            for _ in range(4):  # enough requests to reach both workers of each server
                status, headers, body = fetch(base + "/feed.atom")
                assert status == 200 and headers["ETag"] not in before
                assert f"{SITE}/releases/{key}".encode() in body
