"""The benchmarks (`python -m bench COMMAND`) work end to end, at the smallest sizes.

By default (a few seconds): the command and its dispatch to each command's own options;
`generate`'s exact releases; `limits` on one release at every bound for one round; the floor
the serving benchmark measures the app against, under gunicorn with the deploy settings, fed by
the benchmark's own recording of a server and checked byte for byte against it; wrk's output
read into exact figures; the report's Markdown.

The whole serving benchmark in its smoke mode (`python -m bench run --smoke`) cannot be made
that small: three `feedapp ingest` processes each load hazm (3-4 s), and it makes 22 wrk runs
(23 with Django) of wrk's shortest duration, 1 s. It takes about 40 s on 2 cores, so it runs
only with FEEDAPP_BENCH_SMOKE=1. No timing is asserted anywhere.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import loadgen, report, run, servers
from bench.__main__ import main as bench_main

ROOT = Path(__file__).resolve().parent.parent
ETAG = '"v1-test"'


def bench(*args: str) -> subprocess.CompletedProcess:
    """`python -m bench ARGS` from the repository root, as scripts/bench.sh runs it."""
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_bench_lists_its_commands_and_refuses_others() -> None:
    done = bench("--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "usage: python -m bench [-h] COMMAND [OPTIONS]"
    listed = done.stdout.split("commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listed] == [
        "run",
        "limits",
        "slowloris",
        "generate",
        "populate",
        "pages",
        "growth",
        "lexicon",
        "normalize",
        "ingest",
        "observe",
    ]
    refused = bench("nonsense")
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1] == (
        "python -m bench: error: argument COMMAND: invalid choice: 'nonsense' "
        "(choose from 'run', 'limits', 'slowloris', 'generate', 'populate', 'pages', 'growth', 'lexicon', 'normalize', 'ingest', 'observe')"
    )


# Each command's usage line: the options it had as a script, read by its own parser.
USAGE = {
    "run": "usage: python -m bench run [-h] [--smoke] [-n N] [--sitemap-n SITEMAP_N] [--max-n MAX_N]"
    " [--seconds SECONDS] [--rounds ROUNDS] [--no-peer] [--output OUTPUT] [--chart CHART]",
    "limits": "usage: python -m bench limits [-h] [--releases RELEASES] [--rounds ROUNDS]",
    "slowloris": "usage: python -m bench slowloris [-h] [--n N [N ...]] [--seconds SECONDS] [--quick]",
    "generate": "usage: python -m bench generate [-h] [--first FIRST] folder count",
    "populate": "usage: python -m bench populate [-h] --database-url DATABASE_URL --count COUNT [--seed SEED] [--batch BATCH] [--categories CATEGORIES] [--sources SOURCES] [--per-day PER_DAY]",
    "pages": "usage: python -m bench pages [-h] --database-url DATABASE_URL [--rounds ROUNDS]",
    "growth": "usage: python -m bench growth [-h] --database-url DATABASE_URL [--workers WORKERS] [--rounds ROUNDS]"
    " [--seconds SECONDS]",
    "lexicon": "usage: python -m bench lexicon [-h] [--runs RUNS]",
    "normalize": "usage: python -m bench normalize [-h] [--against AGAINST] [--rounds ROUNDS]",
    "ingest": "usage: python -m bench ingest [-h] [--workers WORKERS [WORKERS ...]] [--output OUTPUT]"
    " [--postgresql URL] [--writes WRITES] [--burst BURST]",
    "observe": "usage: python -m bench observe [-h] [--count COUNT] [--seconds SECONDS] [--rounds ROUNDS]"
    " [--connections CONNECTIONS] [--output OUTPUT] [--postgresql URL]",
}


@pytest.mark.parametrize("command", USAGE)
def test_each_command_reads_its_own_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        bench_main([command, "--help"])
    assert exited.value.code == 0
    assert " ".join(capsys.readouterr().out.split("\n\n")[0].split()) == USAGE[command]  # however argparse wraps it


def test_generate_writes_numbered_releases_with_true_weekdays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench_main(["generate", str(tmp_path), "3", "--first", "5"]) == 0
    assert capsys.readouterr().out == f"wrote 3 releases to {tmp_path}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "bench_000005.txt",
        "bench_000006.txt",
        "bench_000007.txt",
    ]
    # Four a day from 1300/01/01 (a Monday): release 5 is the second slot of the second day.
    blocks = (tmp_path / "bench_000005.txt").read_text(encoding="utf-8").split("\n\n")
    assert blocks[0] == "سهشنبه 1300/01/02 ساعت 11:15"
    assert blocks[2].endswith(" (گزارش 5)")
    assert blocks[3].endswith(" شماره گزارش 5.")
    assert len(blocks[4].splitlines()) == 10
    assert blocks[5] == "پايان پيام\n"


def test_limits_renders_a_release_at_every_bound(capsys: pytest.CaptureFixture[str]) -> None:
    # In this process: hazm, which ingest loads, is then loaded once for the whole test run.
    assert bench_main(["limits", "--releases", "1", "--rounds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "1 releases at every bound (1,046,147 bytes of JSON each at most; 50 categories, 100 images,"
        " 1000 paragraphs), median of 1 rounds"
    )
    assert lines[2:4] == ["| document | bytes | first render, ms | cached, ms |", "| --- | ---: | ---: | ---: |"]
    rows = [re.fullmatch(r"\| (`[^`]+`) \| ([\d,]+) \| \d+\.\d \| \d+\.\d\d \|", line) for line in lines[4:]]
    assert all(rows), lines[4:]
    assert [row[1] for row in rows] == [
        "`/feed.atom`",
        "`/feed.rss`",
        "`/feed.json`",
        "`/categories/%D8%AF%D8%B3%D8%AA…`",
        "`/releases/r000`",
    ]
    assert all(int(row[2].replace(",", "")) > 1_000_000 for row in rows)  # each holds the ~1 MB release


def recorded_responses() -> dict[str, dict[str, dict]]:
    """What `run` records from the app, made by hand: each endpoint plain and gzip, /feed.atom's 304."""

    def response(status: str, headers: list[tuple[str, str]], body: bytes) -> dict:
        return {
            "status": status,
            "headers": [list(pair) for pair in headers],
            "body_b64": base64.b64encode(body).decode(),
        }

    recorded = {}
    for path in run.ENDPOINTS:
        body = f"<doc path='{path}'>{'خبر ' * 50}</doc>".encode()
        zipped = gzip.compress(body, mtime=0)
        kind = ("Content-Type", "application/xml; charset=utf-8")
        recorded[path] = {
            "plain": response("200 OK", [kind, ("Content-Length", str(len(body))), ("ETag", ETAG)], body),
            "gzip": response(
                "200 OK",
                [kind, ("Content-Length", str(len(zipped))), ("Content-Encoding", "gzip"), ("ETag", ETAG)],
                zipped,
            ),
        }
    recorded["/feed.atom"]["304"] = response("304 Not Modified", [("ETag", ETAG)], b"")
    return recorded


def test_floor_replays_what_the_benchmark_records_byte_for_byte(tmp_path: Path) -> None:
    """`run` records the app into a file and serves it again as the floor; here a floor plays the app."""
    source = tmp_path / "source.json"
    source.write_text(json.dumps(recorded_responses()), encoding="utf-8")
    one_worker = {"FEEDAPP_WORKERS": "1"}  # deploy/gunicorn.conf.py's workers, read through gunicorn_other.conf.py
    with servers.gunicorn(
        "source",
        "bench.floor:app",
        {**one_worker, "FLOOR_RESPONSES": str(source)},
        "/feed.atom",
        tmp_path / "s.log",
        feedapp=False,
    ) as app:
        recording = tmp_path / "floor-responses.json"
        assert run.record_floor(app, recording) == ETAG
        assert json.loads(recording.read_text(encoding="utf-8")) == recorded_responses()
        with servers.gunicorn(
            "floor",
            "bench.floor:app",
            {**one_worker, "FLOOR_RESPONSES": str(recording)},
            "/feed.atom",
            tmp_path / "f.log",
            feedapp=False,
        ) as floor:
            run.check_floor(app, floor)  # raises when any body differs
            status, headers, body = servers.http_get(floor.host, floor.port, "/feed.atom", {"If-None-Match": ETAG})
            assert (status, {k.lower(): v for k, v in headers}["etag"], body) == (304, ETAG, b"")
            assert servers.http_get(floor.host, floor.port, "/nowhere")[0::2] == (404, b"not found")
            assert len(floor.worker_pids()) == 1


BURN = """
import sys, time
end = time.process_time() + 0.5
while time.process_time() < end:
    pass
print("burnt", flush=True)
sys.stdin.read()
"""


def test_cpu_seconds_reads_a_process_s_cpu_time_and_zero_once_it_has_ended() -> None:
    burner = subprocess.Popen([sys.executable, "-c", BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert burner.stdout.readline() == "burnt\n"
        used = servers.cpu_seconds(burner.pid)
        assert 0.5 <= used <= 0.8, used  # half a second burnt, plus the interpreter's start
    finally:
        burner.communicate("")
    assert servers.cpu_seconds(burner.pid) == 0.0


# wrk 4.1.0's output (Debian's package), from real runs: a path that answered 404, and a server
# that closed every connection unanswered. A live wrk run is in the smoke run.
WRK_404 = """Running 1s test @ http://127.0.0.1:18766/missing
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.99ms    3.94ms  19.19ms   63.84%
    Req/Sec   336.40    122.17   663.00     75.00%
  Latency Distribution
     50%    6.03ms
     75%    8.83ms
     90%   11.11ms
     99%   16.08ms
  673 requests in 1.00s, 341.76KB read
  Non-2xx or 3xx responses: 673
Requests/sec:    670.49
Transfer/sec:    340.48KB
"""
WRK_CLOSED = """Running 1s test @ http://127.0.0.1:18767/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 1.10s, 0.00B read
  Socket errors: connect 0, read 10246, write 0, timeout 0
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_wrk_output_is_read_exactly() -> None:
    assert loadgen.parse(WRK_404) == loadgen.WrkResult(670.49, 16.08, 673, 0, 673)
    assert loadgen.parse(WRK_CLOSED) == loadgen.WrkResult(0.0, 0.0, 0, 10246, 0)
    with pytest.raises(loadgen.LoadError, match="unreadable wrk output"):
        loadgen.parse("wrk: connection refused\n")


def test_report_is_markdown_with_every_section() -> None:
    figures = report.Report(
        command=".venv/bin/python -m bench run --smoke",
        mode="smoke mode",
        machine=[("cores", "2")],
        versions=[("wrk", "4.1.0")],
        setup=["N = 50."],
        figures=[
            report.Figure("a", "1 ms", "≤ 2 ms", True),
            report.Figure("b", "3 ms", "≤ 2 ms", False),
            report.Figure("c", "4"),
        ],
        throughput=[report.Throughput("/feed.atom plain", 900.0, 1000.0, 50.0)],
        notes=["A note."],
        runs=["round 1 app"],
    )
    assert report.markdown(figures) == (
        "# Benchmarks\n\nProduced by `.venv/bin/python -m bench run --smoke` (smoke mode).\n\n"
        "## Machine and versions\n\n| item | value |\n| --- | --- |\n| cores | 2 |\n| wrk | 4.1.0 |\n\n"
        "## Setup\n\n- N = 50.\n\n"
        "## Figures against targets\n\n| figure | value | target | result |\n| --- | --- | --- | --- |\n"
        "| a | 1 ms | ≤ 2 ms | met |\n| b | 3 ms | ≤ 2 ms | **missed** |\n| c | 4 | - | - |\n\n"
        "## Requests/s per endpoint (medians)\n\n"
        "| endpoint | app req/s | floor req/s | app / floor | Django req/s |\n| --- | --- | --- | --- | --- |\n"
        "| /feed.atom plain | 900 | 1,000 | 0.90 | 50.0 |\n\n"
        "## Notes\n\n- A note.\n\n## Every wrk run\n\n```\nround 1 app\n```\n"
    )


@pytest.mark.skipif(os.environ.get("FEEDAPP_BENCH_SMOKE") != "1", reason="about 40 s: FEEDAPP_BENCH_SMOKE=1 runs it")
def test_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    done = bench("run", "--smoke", "--output", str(output))
    assert done.returncode == 0, done.stderr[-4000:]
    text = output.read_text(encoding="utf-8")
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    command = shlex.join([python, "-m", "bench", "run", "--smoke", "--output", str(output)])
    assert text.splitlines()[2] == (
        f"Produced by `{command}` (smoke mode: tiny N, 1-second runs; figures are not meaningful)."
    )
    section = text.split("## Figures against targets\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section[0] == "| figure | value | target | result |"
    names = [line.split(" | ")[0].removeprefix("| ") for line in section[2:]]
    peer = importlib.util.find_spec("django") is not None
    served = [f"{url} {encoding}: req/s vs floor" for url in run.ENDPOINTS for encoding in ("plain", "gzip")]
    workers = [name for name in names if re.fullmatch(r"worker \d+ RSS after the run \(pid \d+\)", name)]
    assert names == [
        "ingest N=5",
        "ingest N=50",
        "ingest per-release cost (after the first release)",
        "ingest per-release cost, wall clock (fixed start included)",
        "ingest N=50: cores used (CPU seconds / wall seconds)",
        "ingest peak RSS (largest of its processes)",
        "worker boot: gunicorn spawn → first response (median of 1 cold starts)",
        "app import (`import wsgi`, fresh interpreter)",
        *served,
        "304 revalidation req/s vs /healthz",
        *(["/feed.atom req/s vs Django syndication"] if peer else []),
        "/feed.atom through nginx vs nginx static file",
        "p99 /feed.atom at 64 connections vs floor",
        "first render: feed (50 entries), N=51",
        "first render: sitemap page 1 (51 URLs), N=51",
        *workers,
    ]
    assert len(workers) == int(os.environ.get("FEEDAPP_WORKERS", 2 * (os.cpu_count() or 1)))
    rows = text.split("## Requests/s per endpoint (medians)\n\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [
        *(f"{url} {encoding}" for url in run.ENDPOINTS for encoding in ("plain", "gzip")),
        "/feed.atom 304 (vs /healthz)",
        "/feed.atom through nginx (vs static file)",
    ]
    appendix = text.split("## Every wrk run\n\n```\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert len(appendix) == 16 + 2 + peer + 2 + 2  # endpoints × encodings × app/floor, 304, healthz, peer, nginx, p99
    assert ("Django peer skipped: django is not installed (`pip install django`)." in text) == (not peer)
    charted = importlib.util.find_spec("matplotlib") is not None
    assert ("- Chart: `BENCHMARKS.png`." in text) == charted
    assert output.with_suffix(".png").exists() == charted


def test_pages_reads_each_growing_document_of_a_populated_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    assert bench_main(["populate", "--database-url", url, "--count", "120", "--categories", "3", "--sources", "2"]) == 0
    capsys.readouterr()
    assert bench_main(["pages", "--database-url", url, "--rounds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "N = 120 releases"
    names = [re.fullmatch(r"(.+): [0-9,]+\.[0-9]{2} ms", line).group(1) for line in lines[1:]]
    assert names == [
        "deepest archive page, whole site (page 3)",
        "deepest archive page, largest category (page 2)",
        "deepest archive page, largest source (page 2)",
        "last sitemap page (page 1)",
        "last sitemap page's own version (page 1)",
        "sitemap index lastmods",
        "largest category's feed entries",
        "largest source's feed entries",
        "oldest list page (page 6)",
    ]


def gunicorns_serving(url: str) -> list[int]:
    """Pids of gunicorn processes (masters and workers) whose environment names this database."""
    wanted = f"FEEDAPP_DATABASE_URL={url}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"gunicorn" in (entry / "cmdline").read_bytes():
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            continue  # ended while we looked, or not ours to read
    return found


def test_growth_serves_each_growing_document_of_a_populated_store_through_gunicorn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    assert bench_main(["populate", "--database-url", url, "--count", "120", "--categories", "3", "--sources", "2"]) == 0
    capsys.readouterr()
    workers: list[int] = []
    children = servers.children

    def recorded_children(pid: int) -> list[int]:  # the workers growth measures, to find them gone
        found = children(pid)
        workers.extend(found)
        return found

    monkeypatch.setattr(servers, "children", recorded_children)
    assert bench_main(["growth", "--database-url", url, "--rounds", "1", "--seconds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "N = 120 releases",
        "rounds: 1, each one change, then per document one request (its first render) and the fastest of 2 more"
        " (cached), each on a fresh connection to whichever of 2 workers takes it; medians over the rounds",
    ]
    timed = [re.fullmatch(r"(first render|cached) (.+): [0-9,]+\.[0-9] ms", line) for line in lines[2:-3]]
    assert all(timed), lines[2:-3]
    documents = [
        "/feed.atom",
        "/categories/اقتصادی/feed.atom (largest category)",
        "/sources/روابط عمومی شهرداری تهران/feed.atom (largest source)",
        "/feed/archive/3.atom (newest archive page, 21 of 50 entries)",  # 121 releases after the round's change
        "/feed/archive/1.atom (archive page 1)",
        "/sitemap.xml",
        "/sitemaps/releases-1.xml (last sitemap page, 121 of 50,000 URLs)",
        "/sitemaps/pages.xml",
        "/sitemap-news.xml",
        "/",
        "/older/syn-00000001 (oldest list page)",  # 121 releases: the seventh page holds syn-00000000 alone
    ]
    assert [f"{match[1]} {match[2]}" for match in timed] == [
        f"{kind} {document}" for document in documents for kind in ("first render", "cached")
    ]
    # One sitemap page, which holds the new release: after the change it is sent again.
    crawl = re.fullmatch(r"sitemap crawl after one change: (.+) \([0-9]+\.[0-9] s with the index\)", lines[-3])
    assert crawl and re.fullmatch(r"1 of 1 pages 200 \([0-9,]+ bytes\), 0 304", crawl[1]), lines[-3]
    assert re.fullmatch(r"worker RSS after every document: [0-9,]+ MB \(max of 2 workers\)", lines[-2])
    tool = r"wrk, 32 connections" if shutil.which("wrk") else r"Python http\.client, one connection"
    assert re.fullmatch(rf"cached /feed\.atom: [0-9,]+ req/s \({tool}, 1 s(; wrk is not installed)?\)", lines[-1])
    assert len(set(workers)) == 2
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []
    assert gunicorns_serving(url) == []
    assert bench_main(["pages", "--database-url", url, "--rounds", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "N = 122 releases"  # a change per round, one for the crawl


@pytest.mark.slow  # two boots of gunicorn and the ingest service
def test_ingest_writes_its_section_with_every_write_answered_201(tmp_path: Path, capsys) -> None:
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\nwritten by bench run\n", encoding="utf-8")
    assert bench_main(["ingest", "--workers", "2", "--writes", "10", "--burst", "20", "--output", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith(
        "# Benchmarks\n\nwritten by bench run\n\n<!-- section: Publishing API: the ingest service -->\n"
    )
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| SQLite |")]
    assert [(row[1], row[2]) for row in rows] == [("units (site after READY=1)", "2"), ("serve.sh (both at once)", "2")]
    for row in rows:
        assert row[5].endswith("ms (201)") and row[6].endswith("ms (201)") and row[7].endswith("ms (201)"), row
        assert row[7].startswith("10: ") and row[8].startswith("20: 201 in "), row  # every write of both
    assert "Processes started by web workers in all these runs: 0" in text
    assert capsys.readouterr().out.rstrip("\n") + "\n" in text  # printed as written
