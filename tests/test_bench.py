"""The benchmark command runs end to end in its smoke mode and writes its report.

No timing is asserted: only that `bench/run.py --smoke` exits 0 and writes a BENCHMARKS-like
table (figures, targets, met/missed) where --output says. wrk is installed by the command when
missing (as root); the Django peer and the chart are skipped when their packages are absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_writes_a_benchmark_table(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = output.read_text(encoding="utf-8")
    assert "| figure | value | target | result |" in text
    for figure in (
        "/feed.atom plain: req/s vs floor",
        "/sitemaps/releases-1.xml gzip: req/s vs floor",
        "304 revalidation",
        "p99 /feed.atom at 64 connections",
        "first render: feed",
        "ingest per-release cost",
        "worker boot",
        "RSS after the run",
        "/feed.atom through nginx vs nginx static file",
        "304 revalidation req/s vs /healthz",
    ):
        assert figure in text, figure
    assert "| cpu |" in text and "| wrk |" in text
    assert "bench/run.py --smoke" in text  # the exact command that produced it


def test_limits_benchmark_renders_releases_at_every_bound(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "limits.py"), "--releases", "1", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    assert (
        lines[0].startswith("1 releases at every bound (") and "50 categories, 100 images, 1000 paragraphs" in lines[0]
    )
    assert lines[2] == "| document | bytes | first render, ms | cached, ms |"
    assert [line.split(" | ")[0] for line in lines[4:7]] == ["| `/feed.atom`", "| `/feed.rss`", "| `/feed.json`"]
