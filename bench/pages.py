"""What the documents that grow with N cost to read from a store of N releases (issue 16's list).

    python -m bench pages --database-url URL [--rounds R]

For a store made by `python -m bench populate` (or any feedapp store), the median over R rounds
(default 5) of the store reads behind each document's first render after a change, in
milliseconds, through the store functions the views call (no rendering, no HTTP):
- the deepest archive page of the whole site, of the largest category, of the largest source
  (page count and page, `FEEDAPP_FEED_SIZE` 50);
- the last sitemap page (`FEEDAPP_SITEMAP_SIZE` 50,000), and its own version (what a request
  after a change elsewhere reads instead of the page);
- the sitemap index's per-page lastmods;
- the largest category's and the largest source's subscription feed entries (`recently_changed`);
- the oldest list page (`/older/KEY`, `FEEDAPP_PAGE_SIZE` 20).
One line per document on stdout: `NAME: T ms`.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

from feedapp import store
from feedapp.core.models import ALL, Selection
from feedapp.engine import Engine

FEED_SIZE, SITEMAP_SIZE, PAGE_SIZE = 50, 50_000, 20


def median_ms(read: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        read()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def largest(engine: Engine) -> tuple[Selection, Selection]:
    """The category and the source with the most releases (the deepest archives)."""
    with engine.connect() as connection:
        category = connection.scalar(
            "SELECT category FROM release_categories GROUP BY category ORDER BY COUNT(*) DESC LIMIT 1"
        )
        source = connection.scalar(
            "SELECT source FROM releases WHERE source IS NOT NULL GROUP BY source ORDER BY COUNT(*) DESC LIMIT 1"
        )
    return Selection(category=category), Selection(source=source)


def documents(engine: Engine) -> dict[str, Callable[[], object]]:
    category, source = largest(engine)
    reads: dict[str, Callable[[], object]] = {}
    for name, selection in (("whole site", ALL), ("largest category", category), ("largest source", source)):
        pages = store.archive_page_count(engine, selection, FEED_SIZE)
        reads[f"deepest archive page, {name} (page {pages:,})"] = lambda s=selection, p=pages: (
            store.archive_page_count(engine, s, FEED_SIZE),
            store.archive_page(engine, p, FEED_SIZE, s),
        )
    last = max(1, math.ceil(store.count_releases(engine, retracted=True) / SITEMAP_SIZE))
    reads[f"last sitemap page (page {last})"] = lambda: store.sitemap_page(engine, last, SITEMAP_SIZE)
    reads[f"last sitemap page's own version (page {last})"] = lambda: store.sitemap_page_version(
        engine, last, SITEMAP_SIZE
    )
    reads["sitemap index lastmods"] = lambda: store.sitemap_page_lastmods(engine, SITEMAP_SIZE)
    reads["largest category's feed entries"] = lambda: store.recently_changed(engine, FEED_SIZE, category)
    reads["largest source's feed entries"] = lambda: store.recently_changed(engine, FEED_SIZE, source)
    marks = store.list_marks(engine, PAGE_SIZE)  # one walk, before timing
    oldest = marks[-1] if marks else None
    reads[f"oldest list page (page {len(marks) + 1:,})"] = lambda: store.list_page(engine, oldest, PAGE_SIZE)
    return reads


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://…")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per document (default 5; the median is shown)")
    args = parser.parse_args(argv)
    engine = Engine(args.database_url)
    try:
        print(f"N = {store.count_releases(engine, retracted=True):,} releases")
        for name, read in documents(engine).items():
            print(f"{name}: {median_ms(read, args.rounds):,.2f} ms", flush=True)
    finally:
        engine.dispose()
    return 0
