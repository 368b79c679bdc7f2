"""What normalizing one real article costs, in this checkout and (optionally) in another.

    .venv/bin/python -m bench normalize                          # this tree alone
    .venv/bin/python -m bench normalize --against /tmp/before    # and a checkout to compare with
    git worktree add /tmp/before HEAD~1                          # one way to get that checkout

The text is eval/halfspace/real/news_dev.txt (151 Fars News articles, about 170 words each) with
its half-spaces removed, as an old system sends it; each article goes through ingest's
`normalize_text` (hazm with protected spans, then the half-space restorer). Each measurement is a
fresh interpreter per tree (its own `FEEDAPP_LEXICON_CACHE`, built before timing), trees
alternated round by round so a busy machine slows both alike. In each process: five passes,
each with empty restorer memos (`cold`: every distinct word analysed, as after a start) and then
again (`warm`: the ingest service's steady state); the fastest pass of each is kept. Printed: the
median over the rounds of those per-process figures, in ms per article. No figure is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "eval" / "halfspace" / "real" / "news_dev.txt"

# Runs in the child, its working directory the tree measured (so `feedapp` is that tree's).
PROBE = r"""
import json, sys, time
sys.path.insert(0, ".")
from feedapp.core import halfspace
from feedapp.core.normalize import normalize_text
blocks = open(sys.argv[1], encoding="utf-8").read().split("\n\n")
articles = ["\n".join(line for line in block.splitlines() if not line.startswith("#")).replace("\u200c", "")
            for block in blocks if block.strip()]
normalize_text(articles[0])
cold, warm = [], []
for _ in range(5):
    halfspace._Restorer._instances.clear()
    lexicon = halfspace.default_lexicon()
    if hasattr(lexicon.whole, "_row"):
        lexicon.whole._row.cache_clear()
    for figures in (cold, warm):
        clock = time.perf_counter()
        for article in articles:
            normalize_text(article)
        figures.append((time.perf_counter() - clock) * 1000 / len(articles))
print(json.dumps({"cold": min(cold), "warm": min(warm), "articles": len(articles)}))
"""


def probe(tree: Path, cache: Path) -> dict:
    """PROBE in a fresh interpreter inside ``tree``; its figures."""
    env = {**os.environ, "FEEDAPP_LEXICON_CACHE": str(cache), "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ARTICLES)], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"probe in {tree} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench normalize", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--against", type=Path, help="another checkout of feedapp to measure alike")
    parser.add_argument("--rounds", type=int, default=4, help="processes per tree (default 4)")
    args = parser.parse_args(argv)
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    runs: dict[Path, list[dict]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory(prefix="feedapp-normalize-bench-") as folder:
        caches = {tree: Path(folder) / str(index) for index, tree in enumerate(trees)}
        for tree in trees:
            probe(tree, caches[tree])  # builds that tree's compiled lexicon: not timed
        for round_ in range(max(1, args.rounds)):
            for tree in trees if round_ % 2 else trees[::-1]:
                runs[tree].append(probe(tree, caches[tree]))
    print("| tree | articles | ms per article, cold memos | ms per article, warm |")
    print("| --- | ---: | ---: | ---: |")
    for tree, figures in runs.items():
        cold = statistics.median(run["cold"] for run in figures)
        warm = statistics.median(run["warm"] for run in figures)
        print(f"| {tree} | {figures[0]['articles']} | {cold:.2f} | {warm:.2f} |")
    return 0
