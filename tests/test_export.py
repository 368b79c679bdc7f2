"""`feedapp export`: the site as static files, identical to what the app serves, served by nginx."""

from __future__ import annotations

import gzip
import json
import subprocess
from urllib.parse import quote

import feedparser
import pytest

from feedapp.cli import main
from tests.support import NGINX, ROOT, SEEDS, fetch, free_port, nginx, nginx_prefix

SITE = "https://news.example.ir"


@pytest.fixture
def exported(app, runner, tmp_path):
    app.config["SITE_URL"] = SITE
    app.config["PAGE_SIZE"] = 4  # the 9 seeds on three list pages
    runner.invoke(main, ["ingest", str(SEEDS)])
    result = runner.invoke(main, ["export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    return app, runner, tmp_path / "out", result


def test_export_writes_every_document_with_gzip_siblings_and_a_manifest(exported):
    app, _, out, result = exported
    client = app.test_client()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for path in (
        "/",
        "/feed.atom",
        "/feed/archive/1.rss",
        "/releases/000_44faba8da108bc04",
        "/sitemap.xml",
        "/robots.txt",
        "/categories/" + quote("ورزش") + "/feed.json",
        "/static/feed.css",
    ):
        response = client.get(path, buffered=True)  # buffered: closes a static file once read
        file = out / manifest[path]["file"]
        assert file.read_bytes() == response.data, path
        assert gzip.decompress((file.parent / (file.name + ".gz")).read_bytes()) == response.data
        assert manifest[path]["etag"] == response.headers.get("ETag")
    assert manifest["/releases/000_44faba8da108bc04"]["file"] == "releases/000_44faba8da108bc04/index.html"
    assert (out / "categories" / "ورزش" / "feed.atom").exists()
    # The list pages, each found by the last release of the page before (one walk of the list).
    lists = {path: entry["file"] for path, entry in manifest.items() if path == "/" or path.startswith("/older/")}
    assert lists == {
        "/": "index.html",
        "/older/008_sazman_mohitzist_ab": "older/008_sazman_mohitzist_ab/index.html",
        "/older/004_havashenasi_garma": "older/004_havashenasi_garma/index.html",
    }
    assert result.stderr == f"{2 * len(manifest) + 1} written, 0 unchanged, 0 removed\n"


def test_exporting_twice_without_changes_rewrites_nothing(exported):
    _, runner, out, _ = exported
    before = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    again = runner.invoke(main, ["export", str(out)])
    assert again.stderr == f"0 written, {len(before) - 1} unchanged, 0 removed\n"
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()} == before


def test_files_of_documents_that_no_longer_exist_are_removed(exported):
    _, runner, out, _ = exported
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["/gone"] = {"file": "gone/index.html", "content_type": "text/html", "etag": None, "bytes": 1}
    (out / "gone").mkdir()
    (out / "gone" / "index.html").write_text("x")
    (out / "gone" / "index.html.gz").write_bytes(gzip.compress(b"x"))
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = runner.invoke(main, ["export", str(out)])
    assert again.stderr == f"1 written, {2 * (len(manifest) - 1)} unchanged, 2 removed\n"
    assert not (out / "gone" / "index.html").exists()


def static_site(out, prefix, port):
    text = (ROOT / "deploy" / "nginx-static.conf").read_text(encoding="utf-8")
    text = text.replace("root /srv/feedapp;", f"root {out};").replace("listen 80;", f"listen 127.0.0.1:{port};")
    return nginx_prefix(prefix, text, port)


@pytest.mark.slow  # runs nginx
def test_static_nginx_config_passes_nginx_t(tmp_path):
    conf = static_site(tmp_path / "out", tmp_path / "nginx", free_port())
    done = subprocess.run([NGINX, "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow  # runs nginx
def test_export_served_by_nginx_reads_like_the_app(exported):
    app, _, out, _ = exported
    client = app.test_client()
    port = free_port()
    with nginx(static_site(out, out.parent / "nginx", port), port) as base:
        for path, kind in (
            ("/feed.atom", "application/atom+xml"),
            ("/feed.rss", "application/rss+xml"),
            ("/categories/" + quote("ورزش") + "/feed.atom", "application/atom+xml"),
        ):
            status, headers, body = fetch(base + path)
            assert (status, headers["Content-Type"]) == (200, f"{kind}; charset=utf-8")
            served, original = feedparser.parse(body), feedparser.parse(client.get(path).data)
            assert served.bozo == 0
            assert [(e.id, e.title, e.link) for e in served.entries] == [
                (e.id, e.title, e.link) for e in original.entries
            ]
        status, headers, body = fetch(base + "/feed.json", {"Accept-Encoding": "gzip"})
        assert (status, headers["Content-Type"], headers["Content-Encoding"]) == (
            200,
            "application/feed+json; charset=utf-8",
            "gzip",
        )
        assert gzip.decompress(body) == client.get("/feed.json").data
        status, headers, body = fetch(base + "/releases/000_44faba8da108bc04")
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
        assert body == client.get("/releases/000_44faba8da108bc04").data
        assert fetch(base + "/releases/nope")[0] == 404
