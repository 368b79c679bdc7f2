"""Feeds made of releases at every bound of core/limits.py: how long the app takes to render them.

    ./scripts/bench.sh limits                 # 50 releases at every bound (a full feed)
    ./scripts/bench.sh limits --releases 2    # quicker

Each release holds as many categories, images and paragraphs as allowed, its name and URL
fields at their full length, and stays under FEEDAPP_MAX_RELEASE_BYTES (1 MiB), as the API
would let a publisher send it. They are ingested into a fresh SQLite store; then the app (its
test client, in this process) renders each document once after the change (first render) and
serves it again from its cache. Prints a Markdown table (milliseconds, median of 5 rounds, each
round after a fresh ingest of one release so the first render is a real one).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from feedapp import create_app, schema, state, store
from feedapp.core import limits
from feedapp.engine import Engine
from feedapp.ingest import ingest_files

MAX_BYTES = 1024 * 1024


def release_at_every_bound(key: str, day: int) -> dict:
    """A JSON release with every list full and every short field at its length, under 1 MiB."""
    categories = [f"دسته {n}" + "ن" * (limits.MAX_CHARS["name"] - 8) for n in range(100, 100 + limits.MAX_CATEGORIES)]
    images = [
        {
            "url": f"https://cdn.example.ir/{n:04d}/" + "x" * (limits.MAX_CHARS["url"] - 32) + ".jpg",
            "caption": "عکس " * (limits.MAX_CHARS["caption"] // 4),
        }
        for n in range(limits.MAX_IMAGES)
    ]
    document = {
        "key": key,
        "published": f"2024-03-{day:02d}T09:30:00+03:30",
        "kicker": "ر" * limits.MAX_CHARS["kicker"],
        "title": "تیتر " + "ت" * (limits.MAX_CHARS["title"] - 5),
        "lead": "لید خبر. " * 200,
        "categories": categories,
        "source": "م" * limits.MAX_CHARS["name"],
        "images": images,
        "body": [],
    }
    # Paragraphs up to the bound on their number, as long as the byte limit leaves room for.
    room = MAX_BYTES - len(json.dumps(document, ensure_ascii=False).encode()) - 4096
    per_paragraph = room // limits.MAX_PARAGRAPHS // 2  # two UTF-8 bytes per Persian letter
    document["body"] = [("بند " + "ب" * per_paragraph)[:per_paragraph] for _ in range(limits.MAX_PARAGRAPHS)]
    return document


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench limits", description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        engine = Engine(url)
        schema.upgrade(engine)
        folder = Path(tmp) / "in"
        folder.mkdir()
        sizes = []
        for number in range(args.releases + args.rounds):
            path = folder / f"r{number:03d}.json"
            path.write_text(
                json.dumps(release_at_every_bound(f"r{number:03d}", 1 + number % 28), ensure_ascii=False),
                encoding="utf-8",
            )
            sizes.append(path.stat().st_size)
        assert max(sizes) <= MAX_BYTES, max(sizes)  # what the API would accept
        paths = sorted(folder.iterdir())
        outcomes = list(ingest_files(engine, paths[: args.releases]))
        assert all(outcome.action == "added" for outcome in outcomes), [o.errors for o in outcomes if o.errors]
        app = create_app({"DATABASE_URL": url, "SITE_URL": "https://news.example.ir"})
        client = app.test_client()
        category = next(s.category for s in store.selections(engine) if s.category)  # as normalized
        targets = [
            "/feed.atom",
            "/feed.rss",
            "/feed.json",
            f"/categories/{quote(category)}/feed.atom",
            "/releases/r000",
        ]
        first: dict[str, list[float]] = {target: [] for target in targets}
        cached: dict[str, list[float]] = {target: [] for target in targets}
        length: dict[str, int] = {}
        for round_number in range(args.rounds):
            list(ingest_files(engine, [paths[args.releases + round_number]]))  # a change: renders again
            for target in targets:
                for timings in (first[target], cached[target]):
                    start = time.perf_counter()
                    response = client.get(target)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (target, response.status_code)
                    length[target] = len(response.data)
        print(
            f"{args.releases} releases at every bound ({max(sizes):,} bytes of JSON each at most;"
            f" {limits.MAX_CATEGORIES} categories, {limits.MAX_IMAGES} images, {limits.MAX_PARAGRAPHS}"
            " paragraphs), median of"
            f" {args.rounds} rounds\n"
        )
        print("| document | bytes | first render, ms | cached, ms |\n| --- | ---: | ---: | ---: |")
        for target in targets:
            shown = target if len(target) < 40 else target[:30] + "…"
            print(
                f"| `{shown}` | {length[target]:,} | {statistics.median(first[target]):.1f}"
                f" | {statistics.median(cached[target]):.2f} |"
            )
        state.of(app).close()
        engine.dispose()
    return 0
