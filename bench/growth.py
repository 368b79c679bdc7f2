"""What the documents that grow with N cost through gunicorn, on a store of N releases (issue 16).

    python -m bench growth --database-url URL [--workers W] [--rounds R] [--seconds S]

On a store made by `python -m bench populate` (or any feedapp store at the current schema), the
app runs under real gunicorn with deploy/gunicorn.conf.py and W workers (default 2) on a free
loopback port. A "change" is one more release appended from this process through the store
(`store.insert_batch` with populate's next release, its pools and rate read back from the store;
no hazm), as an ingest would append it. The store keeps the R + 1 releases the command adds.

1. Every document is fetched 2 × W times first, so each worker has most likely rendered it once
   (templates, entry caches). Then R rounds (default 3), each: one change, then per document
   one GET, its first render after the change (every worker's copy is stale, so it is a render
   in whichever worker takes it: one request per document per round), and W more GETs, the
   fastest of which is its cached copy (the next GET mostly lands on a worker that renders it
   too; of W, at most W - 1 can). Each GET is plain, on a fresh connection; its time includes
   connecting over loopback and reading the whole body. Medians over the rounds.
   Documents: /feed.atom, the largest category's and the largest source's feeds, the newest
   archive page and archive page 1, /sitemap.xml, the last sitemap page, /sitemaps/pages.xml,
   /sitemap-news.xml, the home page and the oldest list page (`/older/KEY`). HTML pages are
   rendered on every request: their "cached" time is a second render.
2. The sitemap crawl after one change: every release sitemap page the index lists is fetched
   (plain), then one change, then the index again and each page with If-None-Match: its ETag
   from before the change. How many answered 200 (and their body bytes), how many 304, and how
   long the crawl took (a 304 costs the server a render when the worker lacks the page).
3. VmRSS of each worker (/proc/PID/status) once all of that has been served, in MB (10^6 bytes).
4. Requests/s of the cached /feed.atom for S seconds (default 5): wrk (2 threads, 32
   connections, as `bench run`) when it is installed, else one Python http.client connection.

One line per figure on stdout: `N = 100,000 releases`, a line saying how the rounds were run,
`first render PATH: T ms` and `cached PATH: T ms` per document (a path that moves with N has its
role, and what it holds, in parentheses), `sitemap crawl after one change: A of P pages 200
(B bytes), C 304 (T s with the index)`, `worker RSS after every document: M MB (max of W
workers)`, and `cached /feed.atom: R req/s (wrk, 32 connections, S s)`. gunicorn is stopped
however the command ends; on a failure its last log lines go to stderr.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench import loadgen, populate, servers
from bench.pages import FEED_SIZE, PAGE_SIZE, SITEMAP_SIZE, largest
from bench.run import timed_get
from feedapp import store, urls
from feedapp.core.models import ALL, Selection
from feedapp.engine import Engine, utc

SITE_URL = "https://news.example.ir"
SEED = 0  # populate's default: a store it made gets its own next releases
WRK_CONNECTIONS = 32  # as `bench run` loads /feed.atom
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# ---------------------------------------------------------------- the store


@dataclass(frozen=True)
class Pools:
    """How populate drew the store's releases: pool sizes and releases a day, read back from it."""

    categories: int
    sources: int
    per_day: float


def pools(engine: Engine) -> Pools:
    """The store's pool sizes, and its rate: count - 1 slots from populate's first instant to the
    newest release, so the next one is published a slot after it, at the top of the home page
    (at populate's default rate, release 100,000 of a `--per-day 50` store would be published in
    2018, among the oldest)."""
    with engine.connect() as connection:
        categories = connection.scalar("SELECT COUNT(DISTINCT category) FROM release_categories")
        sources = connection.scalar("SELECT COUNT(DISTINCT source) FROM releases")
        newest = utc(connection.scalar("SELECT MAX(published) FROM releases"))
    count = store.count_releases(engine, retracted=True)
    elapsed = (newest - populate.FIRST_INSTANT).total_seconds() if newest else 0.0
    per_day = (count - 1) * 86_400 / elapsed if count > 1 and elapsed > 0 else populate.PER_DAY
    return Pools(categories, sources, per_day)


def change(engine: Engine, drawn: Pools) -> None:
    """Append the next release, as populate would have: key `syn-` + the number of releases stored."""
    first = store.count_releases(engine, retracted=True)
    items = populate.releases(
        1, SEED, first=first, categories=drawn.categories, sources=drawn.sources, per_day=drawn.per_day
    )
    store.insert_batch(engine, items, datetime.now(timezone.utc))


@dataclass(frozen=True)
class Largest:
    """The category and the source with the most releases, found once (bench/pages.py's way)."""

    category: Selection
    source: Selection


@dataclass(frozen=True)
class Document:
    """One document as the store stands now: what it is (the same every round), its path, and
    how a line shows it."""

    name: str  # the path, or a role when the path moves with N
    path: str
    shown: str


def document(path: str, role: str | None = None, holds: str = "") -> Document:
    """`/feed.atom`, or `/feed/archive/2001.atom (newest archive page, 1 of 50 entries)`: paths
    shown decoded (`/categories/اقتصادی/feed.atom`)."""
    if role is None:
        return Document(path, path, path)
    return Document(role, path, f"{unquote(path)} ({', '.join(filter(None, (role, holds)))})")


def documents(engine: Engine, largest_feeds: Largest) -> list[Document]:
    """Each document, as the store stands now: the newest archive page, the last sitemap page and
    the oldest list page move as N grows, and what the first two hold says what they cost."""
    places = store.archive_page_count(engine, ALL, 1)  # the last place taken
    last_archive = max(1, -(-places // FEED_SIZE))
    total = store.count_releases(engine, retracted=True)
    last_sitemap = max(1, -(-total // SITEMAP_SIZE))
    marks = store.list_marks(engine, PAGE_SIZE)  # one walk of the list's index: seconds at millions
    found = [document("/feed.atom")]
    for role, selection in (("largest category", largest_feeds.category), ("largest source", largest_feeds.source)):
        if selection.category is not None or selection.source is not None:
            found.append(document(urls.feed_path(selection, "atom"), role))
    entries, sitemap_urls = places - (last_archive - 1) * FEED_SIZE, total - (last_sitemap - 1) * SITEMAP_SIZE
    found += [
        document(urls.feed_path(ALL, "atom", last_archive), "newest archive page", f"{entries} of {FEED_SIZE} entries"),
        document(urls.feed_path(ALL, "atom", 1), "archive page 1"),
        document("/sitemap.xml"),
        document(
            f"/sitemaps/releases-{last_sitemap}.xml", "last sitemap page", f"{sitemap_urls:,} of {SITEMAP_SIZE:,} URLs"
        ),
        document("/sitemaps/pages.xml"),
        document("/sitemap-news.xml"),
        document("/"),
    ]
    if marks:  # else the home page is the only list page
        found.append(document(urls.list_path(marks[-1]), "oldest list page"))
    return found


# ---------------------------------------------------------------- first renders


def warm(server: servers.Server, paths: list[str], workers: int) -> None:
    """Each path 2 × W times: every worker has most likely rendered each once (templates, entries),
    so a round's first request measures a render after a change, not a worker's first ever."""
    for path in paths:
        for _ in range(2 * workers):
            timed_get(server, path)


@dataclass
class Timings:
    """One document's times over the rounds, in milliseconds, and how it is shown (its last path)."""

    shown: str = ""
    firsts: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)


def rounds(
    server: servers.Server, engine: Engine, largest_feeds: Largest, drawn: Pools, count: int, workers: int
) -> list[Timings]:
    """`count` rounds of one change, then per document one GET (its first render) and its cached copy."""
    measured: dict[str, Timings] = {}
    for _ in range(count):
        change(engine, drawn)
        for doc in documents(engine, largest_feeds):
            timings = measured.setdefault(doc.name, Timings())
            timings.shown = doc.shown
            # The change made every worker's copy stale: the first GET is a render, in whichever
            # worker takes it.
            timings.firsts.append(timed_get(server, doc.path))
            # The next GET mostly lands on another worker (the one that just answered is still
            # closing when the next connection arrives), which renders too. Of W more, at most
            # W - 1 are renders: the fastest is a cached copy.
            timings.cached.append(min(timed_get(server, doc.path) for _ in range(workers)))
    return list(measured.values())


# ---------------------------------------------------------------- the sitemap crawl


def sitemap_pages(server: servers.Server) -> list[str]:
    """The release sitemap pages the index lists, as paths, as a crawler reads them."""
    status, _, body = servers.http_get(server.host, server.port, "/sitemap.xml")
    if status != 200:
        raise RuntimeError(f"/sitemap.xml answered {status}")
    locations = (urlsplit(loc.text or "").path for loc in ET.fromstring(body).iter(f"{SITEMAP_NS}loc"))
    return [path for path in locations if path.startswith("/sitemaps/releases-")]


def crawl(server: servers.Server, engine: Engine, drawn: Pools) -> str:
    """Every sitemap page fetched with its ETag from before one change: what a crawler pays again."""
    etags = {}
    for path in sitemap_pages(server):
        status, headers, _ = servers.http_get(server.host, server.port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        etags[path] = {name.lower(): value for name, value in headers}["etag"]
    change(engine, drawn)
    started = time.perf_counter()
    pages = sitemap_pages(server)  # a change can open a new page, which no crawler has yet
    fresh = not_modified = transferred = 0
    for path in pages:
        conditional = {"If-None-Match": etags[path]} if path in etags else {}
        status, _, body = servers.http_get(server.host, server.port, path, conditional)
        if status not in (200, 304):
            raise RuntimeError(f"{path} answered {status}")
        fresh += status == 200
        not_modified += status == 304
        transferred += len(body)
    seconds = time.perf_counter() - started
    return (
        f"{fresh} of {len(pages)} pages 200 ({transferred:,} bytes), {not_modified} 304 "
        f"({seconds:.1f} s with the index)"
    )


# ---------------------------------------------------------------- memory and throughput


def worker_rss(server: servers.Server) -> str:
    """The largest worker's VmRSS, in MB (10^6 bytes, as BENCHMARKS.md's 64 MB budget)."""
    sizes = [servers.rss_mb(pid) * 2**20 / 1e6 for pid in server.worker_pids()]
    return f"{max(sizes):,.0f} MB (max of {len(sizes)} workers)"


def throughput(server: servers.Server, seconds: int, workers: int) -> str:
    """Requests/s of the cached /feed.atom: wrk when it is installed, else a Python loop."""
    warm(server, ["/feed.atom"], workers)  # rendered for the current version in every worker
    wrk = shutil.which("wrk")
    if wrk is None:
        rate = python_loop(server, "/feed.atom", seconds)
        return f"{rate:,.0f} req/s (Python http.client, one connection, {seconds} s; wrk is not installed)"
    result = loadgen.run(wrk, server.base + "/feed.atom", connections=WRK_CONNECTIONS, seconds=seconds)
    if result.socket_errors or result.bad_status:
        raise RuntimeError(f"wrk: {result.socket_errors} socket errors, {result.bad_status} bad responses")
    return f"{result.requests_per_second:,.0f} req/s (wrk, {WRK_CONNECTIONS} connections, {seconds} s)"


def python_loop(server: servers.Server, path: str, seconds: int) -> float:
    """GETs one after another for `seconds`: http.client reopens the connection whenever gunicorn's
    sync workers close it (they close every one), so this is what one client gets."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    done, started = 0, time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            connection.request("GET", path)
            with connection.getresponse() as response:
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
            done += 1
    finally:
        connection.close()
    return done / (time.perf_counter() - started)


# ---------------------------------------------------------------- the command


def milliseconds(samples: list[float]) -> str:
    return f"{statistics.median(samples):,.1f} ms"


def measure(server: servers.Server, engine: Engine, args: argparse.Namespace) -> None:
    drawn, largest_feeds = pools(engine), Largest(*largest(engine))
    warm(server, [doc.path for doc in documents(engine, largest_feeds)], args.workers)
    print(
        f"rounds: {args.rounds}, each one change, then per document one request (its first render) and the "
        f"fastest of {args.workers} more (cached), each on a fresh connection to whichever of {args.workers} "
        "workers takes it; medians over the rounds",
        flush=True,
    )
    for timings in rounds(server, engine, largest_feeds, drawn, args.rounds, args.workers):
        print(f"first render {timings.shown}: {milliseconds(timings.firsts)}", flush=True)
        print(f"cached {timings.shown}: {milliseconds(timings.cached)}", flush=True)
    print(f"sitemap crawl after one change: {crawl(server, engine, drawn)}", flush=True)
    print(f"worker RSS after every document: {worker_rss(server)}", flush=True)
    print(f"cached /feed.atom: {throughput(server, args.seconds, args.workers)}", flush=True)


def app_env(url: str, workers: int) -> dict[str, str]:
    """The app's settings: the sizes this command computes pages with, whatever the shell says."""
    return {
        "FEEDAPP_DATABASE_URL": url,
        "FEEDAPP_SITE_URL": SITE_URL,
        "FEEDAPP_WORKERS": str(workers),  # read by deploy/gunicorn.conf.py
        "FEEDAPP_FEED_SIZE": str(FEED_SIZE),
        "FEEDAPP_SITEMAP_SIZE": str(SITEMAP_SIZE),
        "FEEDAPP_PAGE_SIZE": str(PAGE_SIZE),
    }


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, found {text}")
    return value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench growth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://…")
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--rounds", type=positive, default=3, help="changes, each followed by the requests (default 3; medians shown)"
    )
    parser.add_argument("--seconds", type=positive, default=5, help="seconds of cached /feed.atom load (default 5)")
    args = parser.parse_args(argv)
    engine = Engine(args.database_url)
    try:
        print(f"N = {store.count_releases(engine, retracted=True):,} releases", flush=True)
        with tempfile.TemporaryDirectory(prefix="feedapp-growth-") as tmp:
            log = Path(tmp) / "gunicorn.log"
            try:
                with servers.gunicorn(
                    "app", "wsgi:app", app_env(args.database_url, args.workers), "/robots.txt", log
                ) as server:
                    measure(server, engine, args)
            except Exception:
                print_log(log)
                raise
    finally:
        engine.dispose()
    return 0


def print_log(log: Path) -> None:
    """gunicorn's last lines, to explain a failure (the temporary folder goes away)."""
    if log.exists():
        lines = log.read_text(errors="replace").splitlines()[-30:]
        print("--- gunicorn log (last lines)", *lines, sep="\n", file=sys.stderr)
