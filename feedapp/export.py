"""Static export: every page, feed, sitemap and robots.txt as files, for any static host or CDN.

Each document is fetched from the app itself (its test client), so the files are byte for byte
what the app serves, gzip siblings included. A manifest records each URL's file, type and ETag.
A file whose bytes did not change is not rewritten (its mtime stays), so exporting twice without
changes writes nothing and an rsync or CDN upload sends nothing.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from flask import Flask, current_app
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from . import store, urls
from .core.models import ALL
from .core.syndication import FORMATS
from .state import get_engine

MANIFEST = "manifest.json"
STATIC_FILES = ("site.css", "feed.css", "icon.png", "favicon.png", "favicon.ico")


@dataclass(frozen=True)
class ExportResult:
    """What an export did."""

    written: int  # files created or changed
    unchanged: int
    removed: int  # files of the previous export that no longer exist


def export_site(app: Flask, outdir: Path) -> ExportResult:
    """Write the whole site under `outdir`; return how many files changed."""
    client = app.test_client()
    manifest: dict[str, dict[str, object]] = {}
    written = unchanged = 0
    with app.app_context():
        paths = list(site_paths())
    for path in paths:
        status, headers, body = _get(client, path, "identity")
        if status != 200:
            raise RuntimeError(f"{path} answered {status} during export")
        target = outdir / file_for(path)
        _, gzip_headers, gzipped = _get(client, path, "gzip")
        if gzip_headers.get("Content-Encoding") != "gzip":  # pages and static files
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        files = [(target, body), (target.with_name(target.name + ".gz"), gzipped)]
        for file, data in files:
            if _write_if_changed(file, data):
                written += 1
            else:
                unchanged += 1
        manifest[path] = {
            "file": file_for(path),
            "content_type": headers["Content-Type"],
            "etag": headers.get("ETag"),
            "bytes": len(body),
        }
    removed = _remove_stale(outdir, manifest)
    body = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    written += _write_if_changed(outdir / MANIFEST, body)
    return ExportResult(written=written, unchanged=unchanged, removed=removed)


def _get(client: FlaskClient, path: str, encoding: str) -> tuple[int, Headers, bytes]:
    """Status, headers and body of the app's answer; the response closed (static files are
    sent from open files)."""
    with client.get(path, headers={"Accept-Encoding": encoding}) as response:
        return response.status_code, response.headers, response.get_data()


def site_paths() -> Iterator[str]:
    """Every path the site serves (percent-encoded as in links)."""
    engine = get_engine()
    config = current_app.config
    yield urls.list_path(None)
    yield from (urls.list_path(mark) for mark in store.list_marks(engine, config["PAGE_SIZE"]))
    yield from (urls.release_path(key) for key in store.all_keys(engine))
    for selection in [ALL, *store.selections(engine)]:
        pages = store.archive_page_count(engine, selection, config["FEED_SIZE"])
        for fmt in FORMATS:
            yield urls.feed_path(selection, fmt)
            yield from (urls.feed_path(selection, fmt, page) for page in range(1, pages + 1))
    yield from ("/robots.txt", "/favicon.ico", "/sitemap.xml", "/sitemaps/pages.xml", "/sitemap-news.xml")
    lastmods = store.sitemap_page_lastmods(engine, config["SITEMAP_SIZE"])
    yield from (f"/sitemaps/releases-{page}.xml" for page, lastmod in enumerate(lastmods, start=1) if lastmod)
    yield from (f"/static/{name}" for name in STATIC_FILES)


def file_for(path: str) -> str:
    """The file (relative, decoded UTF-8) that holds a path: HTML pages become folder/index.html."""
    decoded = unquote(path).lstrip("/")
    if not decoded or path.startswith(("/releases/", "/older/")):
        return f"{decoded}/index.html".lstrip("/")
    return decoded


def _write_if_changed(file: Path, data: bytes) -> bool:
    if file.exists() and file.read_bytes() == data:
        return False
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(file.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(file)  # atomic: a static server never sees half a file
    return True


def _remove_stale(outdir: Path, manifest: dict[str, dict[str, object]]) -> int:
    """Delete files the previous export wrote that this one did not."""
    previous = outdir / MANIFEST
    if not previous.exists():
        return 0
    keep = {entry["file"] for entry in manifest.values()}
    removed = 0
    for entry in json.loads(previous.read_text(encoding="utf-8")).values():
        if entry["file"] not in keep:
            for stale in (outdir / entry["file"], outdir / f"{entry['file']}.gz"):
                if stale.exists():
                    stale.unlink()
                    removed += 1
    return removed
