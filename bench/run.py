"""feedapp's benchmark: ingest, serve under gunicorn, load with wrk, compare with a floor and a peer.

    ./scripts/bench.sh run            # N = 10,000, then 50,000 and 100,000 for first renders: about 12 minutes on 2 cores
    ./scripts/bench.sh run --smoke    # N = 50, 1-second wrk runs: about 40 seconds

Writes BENCHMARKS.md (or --output) and bench/chart.png. See bench/README.md for what is measured
and how. Everything it starts (gunicorn servers, ingests) is stopped before it exits.
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from . import generate, loadgen, servers
from . import report as reporting
from .report import Figure, Report, Throughput

ROOT = servers.ROOT
FEED_PATHS = ("/feed.atom", "/feed.rss", "/feed.json")
SITEMAP_PATH = "/sitemaps/releases-1.xml"
ENDPOINTS = (*FEED_PATHS, SITEMAP_PATH)
GZIP = {"Accept-Encoding": "gzip"}
SITEMAP_PAGE = int(os.environ.get("FEEDAPP_SITEMAP_SIZE", "50000"))  # URLs per sitemap page
DROPPED_HEADERS = {"date", "server", "connection", "transfer-encoding"}  # gunicorn writes its own


@dataclass(frozen=True)
class Plan:
    """What one run measures, from the command line."""

    n: int
    n_small: int
    sitemap_n: int  # releases stored for the large sitemap first-render (page 1 full at 50,000)
    max_n: int  # releases stored for the last first-render figures (the 100,000)
    seconds: int  # per wrk run
    rounds: int  # wrk runs per target, alternating targets
    connections: int
    p99_connections: int
    render_repeats: int
    boots: int
    peer: bool
    chart: Path | None
    output: Path
    mode: str


@dataclass
class Run:
    """State shared by the steps of one run: temp folder, next release number, the report."""

    plan: Plan
    tmp: Path
    wrk: str
    report: Report
    next_number: int = 0
    logs: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------- command line


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench run", description="feedapp benchmark (see bench/README.md)")
    parser.add_argument("--smoke", action="store_true", help="N = 50, 1-second wrk runs: a quick check")
    parser.add_argument("-n", type=int, help="releases to ingest and serve (default 10,000; smoke 50)")
    parser.add_argument(
        "--sitemap-n", type=int, help="releases stored for the large sitemap first render (default 50,000; smoke: N)"
    )
    parser.add_argument(
        "--max-n", type=int, help="releases stored for the last first renders (default 100,000; smoke: N)"
    )
    parser.add_argument("--seconds", type=int, help="seconds per wrk run (default 3; smoke 1)")
    parser.add_argument("--rounds", type=int, help="wrk runs per target (default 3; smoke 1)")
    parser.add_argument("--no-peer", action="store_true", help="skip the Django peer")
    parser.add_argument("--output", type=Path, help="report (default BENCHMARKS.md; smoke: in the temp folder)")
    parser.add_argument("--chart", type=Path, help="chart PNG (default bench/chart.png; smoke: beside --output)")
    args = parser.parse_args(argv)
    smoke = args.smoke
    n = args.n or (50 if smoke else 10_000)
    # A smoke run never overwrites the real report or chart unless told to.
    output = args.output or (
        Path(tempfile.gettempdir()) / "feedapp-bench-smoke.md" if smoke else ROOT / "BENCHMARKS.md"
    )
    chart = args.chart or (output.with_suffix(".png") if smoke else ROOT / "bench" / "chart.png")
    return Plan(
        n=n,
        n_small=max(1, n // 10) if smoke else min(1_000, n),
        sitemap_n=max(n, args.sitemap_n or (n if smoke else 50_000)),
        max_n=max(n, args.sitemap_n or 0, args.max_n or (n if smoke else 100_000)),
        seconds=args.seconds or (1 if smoke else 3),
        rounds=args.rounds or (1 if smoke else 3),
        connections=32,
        p99_connections=64,
        render_repeats=1 if smoke else 3,
        boots=1 if smoke else 3,
        peer=not args.no_peer,
        chart=chart,
        output=output,
        mode="smoke mode: tiny N, 1-second runs; figures are not meaningful" if smoke else "full run",
    )


def command_line(argv: list[str]) -> str:
    """How this run was started, as one would type it from the repository root."""
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    return shlex.join([python, "-m", "bench", "run", *argv])


# ---------------------------------------------------------------- machine and versions


def machine() -> list[tuple[str, str]]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    return [
        ("cpu", cpu),
        ("cores", str(os.cpu_count())),
        ("memory", f"{memory_kb / 1024 / 1024:.1f} GiB"),
        ("kernel", platform.release()),
    ]


def load_average() -> str:
    """The 1-minute load average: above the core count, something else shared the cores."""
    return Path("/proc/loadavg").read_text().split()[0]


def versions(wrk: str) -> list[tuple[str, str]]:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    packages = ("gunicorn", "flask", "feedgen", "django", "matplotlib")
    return (
        [("python", platform.python_version())]
        + [(name, version(name)) for name in packages]
        + [("wrk", loadgen.wrk_version(wrk))]
    )


# ---------------------------------------------------------------- ingest


def database_env(database: Path) -> dict[str, str]:
    return {"FEEDAPP_DATABASE_URL": f"sqlite:///{database}"}


@dataclass(frozen=True)
class IngestTiming:
    """One `feedapp ingest`: wall time, and when its first and last `added` lines came out."""

    count: int
    wall: float
    first_line: float  # seconds from start: process start, imports, the first release
    last_line: float
    peak_mib: float  # the largest resident size any of its processes reached
    cpu: float  # CPU seconds (user + system) of all its processes

    @property
    def marginal_ms(self) -> float:
        """Milliseconds per release after the first: the cost that grows with N."""
        return (self.last_line - self.first_line) / max(1, self.count - 1) * 1000


# Runs its arguments as a child, then prints the largest resident size (KiB) of that child and
# every process it waited for (the ingest's normalization workers) and their CPU seconds.
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(f'rusage {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def ingest(paths: list[Path], database: Path) -> IngestTiming:
    """Run `feedapp ingest PATHS` into `database`, timing each stdout line; fails on any rejection.

    The CLI prints one line per release as it stores it (click flushes each), so the gap
    between the first and last lines is the per-release work without the process's fixed start.
    The database is created (or checked) by `feedapp db upgrade` first, outside the timing.
    """
    env = {**os.environ, **database_env(database), "PYTHONUNBUFFERED": "1"}
    subprocess.run([str(servers.BIN / "feedapp"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    command = [sys.executable, "-c", RUSAGE_WRAPPER, str(servers.BIN / "feedapp"), "ingest", *map(str, paths)]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        stamps = [time.perf_counter() - started for _ in process.stdout]
        stderr = process.stderr.read()
        process.wait(timeout=60)
    wall = time.perf_counter() - started
    if process.returncode != 0 or not stamps:
        raise RuntimeError(f"feedapp ingest failed ({process.returncode}):\n{stderr[-3000:]}")
    peak_kib, cpu = stderr.rsplit("rusage ", 1)[1].split()[:2]
    return IngestTiming(len(stamps), wall, stamps[0], stamps[-1], int(peak_kib) / 1024, float(cpu))


def new_releases(run: Run, count: int, name: str) -> Path:
    """Write the next `count` synthetic releases into a fresh folder under the temp folder."""
    folder = run.tmp / name
    generate.write(folder, count, first=run.next_number)
    run.next_number += count
    return folder


def measure_ingest(run: Run, database: Path) -> None:
    """Ingest throughput at N_small (a scratch database) and at N (the served one)."""
    plan = run.plan
    small = ingest([new_releases(run, plan.n_small, "ingest-small")], run.tmp / "scratch-small.sqlite3")
    run.next_number = 0  # the served database gets releases 0 … N-1
    large = ingest([new_releases(run, plan.n, "ingest-n")], database)
    figures = run.report.figures
    for timing in (small, large):
        figures.append(
            Figure(
                f"ingest N={timing.count:,}",
                f"{timing.count / timing.wall:,.0f} releases/s wall "
                f"({timing.wall:.1f} s; {1000 / timing.marginal_ms:,.0f}/s after the first release, "
                f"which took {timing.first_line:.1f} s with the process start)",
            )
        )
    # Every ingest process pays a fixed start (Python, hazm's import): linearity is judged on the
    # per-release cost after it, the part that would grow if ingest were worse than linear.
    drift = abs(large.marginal_ms - small.marginal_ms) / small.marginal_ms
    figures.append(
        Figure(
            "ingest per-release cost (after the first release)",
            f"{small.marginal_ms:.2f} ms (N={small.count:,}) vs {large.marginal_ms:.2f} ms "
            f"(N={large.count:,}): {drift:.0%} apart",
            "within 20%",
            drift <= 0.20,
        )
    )
    wall_small, wall_large = small.wall / small.count * 1000, large.wall / large.count * 1000
    wall_drift = abs(wall_small - wall_large) / wall_large
    figures.append(
        Figure(
            "ingest per-release cost, wall clock (fixed start included)",
            f"{wall_small:.2f} ms vs {wall_large:.2f} ms: {wall_drift:.0%} apart",
            "within 20%",
            wall_drift <= 0.20,
        )
    )
    figures.append(
        Figure(
            f"ingest N={large.count:,}: cores used (CPU seconds / wall seconds)",
            f"{large.cpu / large.wall:.2f} of {os.cpu_count()}",
            "both cores for large batches",
            large.cpu / large.wall >= 0.75 * (os.cpu_count() or 1),
        )
    )
    # Streamed: ten times the releases must not need more memory (20% for allocator noise).
    figures.append(
        Figure(
            "ingest peak RSS (largest of its processes)",
            f"{small.peak_mib:.0f} MiB (N={small.count:,}) vs {large.peak_mib:.0f} MiB (N={large.count:,})",
            "flat (within 20%)",
            large.peak_mib <= small.peak_mib * 1.2,
        )
    )


# ---------------------------------------------------------------- servers


def start_app(run: Run, stack: ExitStack, database: Path) -> servers.Server:
    log = run.tmp / "app.log"
    run.logs.append(log)
    return stack.enter_context(servers.gunicorn("app", "wsgi:app", database_env(database), "/robots.txt", log))


def measure_boot(run: Run, database: Path, first: float) -> None:
    """gunicorn start → first 200: `first` (the served app's start) and more cold starts (median).

    Also the app's import time in a fresh interpreter, the bulk of a worker's boot without preload.
    """
    times = [first]
    for _ in range(run.plan.boots - 1):
        with ExitStack() as stack:
            times.append(start_app(run, stack, database).boot_seconds)
    boot = statistics.median(times)
    code = "import time; t = time.perf_counter(); import wsgi; print(time.perf_counter() - t)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **database_env(database)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    run.report.figures.append(
        Figure(
            f"worker boot: gunicorn spawn → first response (median of {len(times)} cold starts)",
            f"{boot * 1000:.0f} ms",
            "≤ 1 s",
            boot <= 1.0,
        )
    )
    run.report.figures.append(
        Figure("app import (`import wsgi`, fresh interpreter)", f"{float(done.stdout) * 1000:.0f} ms")
    )


def record_floor(app: servers.Server, path: Path) -> str:
    """Fetch each endpoint from the app (plain, gzip, and a 304 for /feed.atom); save them for the floor.

    Returns the /feed.atom ETag the 304 runs send.
    """
    recorded: dict[str, dict[str, dict]] = {}
    etag = ""
    for url in ENDPOINTS:
        variants = {"plain": {}, "gzip": GZIP}
        if url == "/feed.atom":
            _, headers, _ = servers.http_get(app.host, app.port, url)
            etag = dict((k.lower(), v) for k, v in headers)["etag"]
            variants["304"] = {"If-None-Match": etag}
        recorded[url] = {}
        for variant, request_headers in variants.items():
            status, headers, body = servers.http_get(app.host, app.port, url, request_headers)
            expected = 304 if variant == "304" else 200
            if status != expected:
                raise RuntimeError(f"app answered {status} to {url} ({variant}); expected {expected}")
            recorded[url][variant] = {
                "status": f"{status} {'Not Modified' if status == 304 else 'OK'}",
                "headers": [[k, v] for k, v in headers if k.lower() not in DROPPED_HEADERS],
                "body_b64": base64.b64encode(body).decode(),
            }
    path.write_text(json.dumps(recorded), encoding="utf-8")
    return etag


def check_floor(app: servers.Server, floor: servers.Server) -> None:
    """The floor must send the app's very bytes (plain and gzip)."""
    for url in ENDPOINTS:
        for headers in ({}, GZIP):
            if (
                servers.http_get(app.host, app.port, url, headers)[2]
                != servers.http_get(floor.host, floor.port, url, headers)[2]
            ):
                raise RuntimeError(f"floor bytes differ from the app's for {url} {headers}")


def start_floor(run: Run, stack: ExitStack, responses: Path) -> servers.Server:
    log = run.tmp / "floor.log"
    run.logs.append(log)
    return stack.enter_context(
        servers.gunicorn(
            "floor",
            "bench.floor:app",
            {"FLOOR_RESPONSES": str(responses)},
            "/feed.atom",
            log,
            feedapp=False,
        )
    )


def start_peer(run: Run, stack: ExitStack, database: Path) -> servers.Server | None:
    """Django's syndication feed over the same database, if Django is installed (else noted)."""
    if not run.plan.peer:
        run.report.notes.append("Django peer skipped (--no-peer).")
        return None
    if importlib.util.find_spec("django") is None:
        if run.plan.mode.startswith("smoke"):
            run.report.notes.append("Django peer skipped: django is not installed (`pip install django`).")
            return None
        raise RuntimeError("django is not installed: `pip install django` (or pass --no-peer)")
    log = run.tmp / "peer.log"
    run.logs.append(log)
    return stack.enter_context(
        servers.gunicorn(
            "peer",
            "bench.django_peer.wsgi:application",
            {"PEER_DATABASE": str(database)},
            "/feed.atom",
            log,
            feedapp=False,
        )
    )


# ---------------------------------------------------------------- load


@dataclass(frozen=True)
class Target:
    """One thing wrk loads: a server, a path, request headers, a connection count."""

    name: str
    server: servers.Server
    path: str
    headers: dict[str, str]
    connections: int


def load(run: Run, targets: list[Target]) -> dict[str, list[loadgen.WrkResult]]:
    """Run every target `rounds` times, alternating (order reversed on odd rounds against drift)."""
    results: dict[str, list[loadgen.WrkResult]] = {target.name: [] for target in targets}
    for number in range(run.plan.rounds):
        for target in targets if number % 2 == 0 else list(reversed(targets)):
            result = loadgen.run(
                run.wrk,
                target.server.base + target.path,
                connections=target.connections,
                seconds=run.plan.seconds,
                headers=target.headers,
            )
            if result.bad_status:
                raise RuntimeError(f"{target.name}: {result.bad_status} responses were not 2xx/3xx")
            results[target.name].append(result)
            run.report.runs.append(
                f"round {number + 1} {target.name:<44} {result.requests_per_second:>10,.1f} req/s"
                f"  p99 {result.p99_ms:>8.2f} ms  socket errors {result.socket_errors}"
            )
    return results


def median_rps(results: list[loadgen.WrkResult]) -> float:
    return statistics.median(r.requests_per_second for r in results)


def throughput_targets(
    app: servers.Server, floor: servers.Server, peer: servers.Server | None, etag: str, connections: int
) -> list[Target]:
    """Each endpoint and encoding on the app then the floor; 304s; the peer's Atom feed."""
    targets = []
    for url in ENDPOINTS:
        for encoding, headers in (("plain", {}), ("gzip", GZIP)):
            targets.append(Target(f"app {url} {encoding}", app, url, headers, connections))
            targets.append(Target(f"floor {url} {encoding}", floor, url, headers, connections))
    conditional = {"If-None-Match": etag}
    targets.append(Target("app /feed.atom 304", app, "/feed.atom", conditional, connections))
    targets.append(Target("app /healthz", app, "/healthz", {}, connections))
    if peer is not None:
        targets.append(Target("peer /feed.atom plain", peer, "/feed.atom", {}, connections))
    return targets


def measure_throughput(
    run: Run, app: servers.Server, floor: servers.Server, peer: servers.Server | None, etag: str
) -> None:
    plan = run.plan
    results = load(run, throughput_targets(app, floor, peer, etag, plan.connections))
    figures = run.report.figures
    for url in ENDPOINTS:
        for encoding in ("plain", "gzip"):
            app_rps, floor_rps = (
                median_rps(results[f"app {url} {encoding}"]),
                median_rps(results[f"floor {url} {encoding}"]),
            )
            peer_rps = (
                median_rps(results["peer /feed.atom plain"])
                if peer and url == "/feed.atom" and encoding == "plain"
                else None
            )
            row = Throughput(f"{url} {encoding}", app_rps, floor_rps, peer_rps)
            run.report.throughput.append(row)
            figures.append(
                Figure(
                    f"{url} {encoding}: req/s vs floor",
                    f"{app_rps:,.0f} / {floor_rps:,.0f} = {row.ratio:.2f}",
                    "≥ 0.85 × floor",
                    row.ratio >= 0.85,
                )
            )
    app_304, healthz = median_rps(results["app /feed.atom 304"]), median_rps(results["app /healthz"])
    run.report.throughput.append(Throughput("/feed.atom 304 (vs /healthz)", app_304, healthz))
    figures.append(
        Figure(
            "304 revalidation req/s vs /healthz",
            f"{app_304:,.0f} / {healthz:,.0f} = {app_304 / healthz:.2f}",
            "≥ 0.85 × /healthz",
            app_304 / healthz >= 0.85,
        )
    )
    if peer is not None:
        peer_rps = median_rps(results["peer /feed.atom plain"])
        app_atom = median_rps(results["app /feed.atom plain"])
        figures.append(
            Figure(
                "/feed.atom req/s vs Django syndication",
                f"{app_atom:,.0f} / {peer_rps:,.1f} = {app_atom / peer_rps:.1f}×",
                "≥ 15 × Django",
                app_atom / peer_rps >= 15,
            )
        )


def measure_nginx(run: Run, stack: ExitStack, app: servers.Server) -> None:
    """/feed.atom through nginx with deploy/nginx.conf (its proxy cache) vs nginx serving the
    same bytes as a static file, in the same nginx, alternately."""
    body = _get(app.base + "/feed.atom")
    proxied, static = stack.enter_context(servers.nginx_pair(run.tmp / "nginx", app, body))
    _get(proxied.base + "/feed.atom")  # fills nginx's cache
    results = load(
        run,
        [
            Target("nginx → app /feed.atom", proxied, "/feed.atom", {}, run.plan.connections),
            Target("nginx static /feed.atom", static, "/feed.atom", {}, run.plan.connections),
        ],
    )
    through, direct = median_rps(results["nginx → app /feed.atom"]), median_rps(results["nginx static /feed.atom"])
    run.report.throughput.append(Throughput("/feed.atom through nginx (vs static file)", through, direct))
    run.report.figures.append(
        Figure(
            "/feed.atom through nginx vs nginx static file",
            f"{through:,.0f} / {direct:,.0f} = {through / direct:.2f}",
            "≥ 0.80 × static",
            through / direct >= 0.80,
        )
    )


def _get(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def measure_p99(run: Run, app: servers.Server, floor: servers.Server) -> None:
    connections = run.plan.p99_connections
    results = load(
        run,
        [
            Target(f"app /feed.atom plain c{connections}", app, "/feed.atom", {}, connections),
            Target(f"floor /feed.atom plain c{connections}", floor, "/feed.atom", {}, connections),
        ],
    )
    app_p99 = statistics.median(r.p99_ms for r in results[f"app /feed.atom plain c{connections}"])
    floor_p99 = statistics.median(r.p99_ms for r in results[f"floor /feed.atom plain c{connections}"])
    run.report.figures.append(
        Figure(
            f"p99 /feed.atom at {connections} connections vs floor",
            f"{app_p99:.1f} ms / {floor_p99:.1f} ms = {app_p99 / floor_p99:.2f}×",
            "≤ 2 × floor",
            app_p99 <= 2 * floor_p99,
        )
    )


# ---------------------------------------------------------------- first render


def timed_get(server: servers.Server, path: str) -> float:
    """Milliseconds for one plain GET (connect, request, whole body), which must be a 200."""
    started = time.perf_counter()
    status, _, _ = servers.http_get(server.host, server.port, path)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return elapsed


def first_render(run: Run, app: servers.Server, database: Path, stored: int) -> None:
    """After an ingest of one more release: the first request of the feed and of sitemap page 1, vs cached.

    Every worker renders once per change; the first request after the ingest is a render in
    whichever worker takes it. Cached time: median of 15 requests after 16 that warm every worker.
    """
    paths = ("/feed.atom", SITEMAP_PATH)
    firsts: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(run.plan.render_repeats):
        ingest([new_releases(run, 1, f"render-{run.next_number}")], database)
        stored += 1
        for path in paths:
            firsts[path].append(timed_get(app, path))
    for path in paths:
        for _ in range(16):  # more than the workers: each renders once
            timed_get(app, path)
        cached = statistics.median(timed_get(app, path) for _ in range(15))
        first = statistics.median(firsts[path])
        urls = min(stored, SITEMAP_PAGE)
        what = (
            f"feed (50 entries), N={stored:,}"
            if path == "/feed.atom"
            else f"sitemap page 1 ({urls:,} URLs), N={stored:,}"
        )
        target, limit = ("≤ 15 ms", 15.0) if path == "/feed.atom" else ("≤ 1 s (50,000-URL page)", 1000.0)
        met = first <= limit if (path == "/feed.atom" or urls >= 50_000) else None
        run.report.figures.append(
            Figure(
                f"first render: {what}",
                f"{first:.1f} ms (cached {cached:.1f} ms)",
                target if met is not None else f"{target}; not a 50,000-URL page",
                met,
            )
        )
        label = "feed.atom (50 entries)" if path == "/feed.atom" else "sitemap page 1 (min(N, 50,000) URLs)"
        run.report.first_render.setdefault(label, []).append((stored, first))


def grow_to(run: Run, database: Path, stored: int, total: int) -> int:
    """Ingest more releases until `total` are stored: two ingests at once (two cores); return the count."""
    missing = total - stored
    if missing <= 0:
        return stored
    half = missing // 2
    folders = [new_releases(run, half, "grow-a"), new_releases(run, missing - half, "grow-b")]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [str(servers.BIN / "feedapp"), "ingest", str(folder)],
            cwd=ROOT,
            env={**os.environ, **database_env(database)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for folder in folders
    ]
    try:
        for process in processes:
            _, stderr = process.communicate(timeout=3600)
            if process.returncode != 0:
                raise RuntimeError(f"feedapp ingest failed: {stderr.decode()[-2000:]}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    elapsed = time.perf_counter() - started
    run.report.figures.append(
        Figure(
            f"ingest {missing:,} more (2 processes at once, into N={stored:,})",
            f"{missing / elapsed:,.0f} releases/s ({elapsed:.0f} s)",
        )
    )
    return total


# ---------------------------------------------------------------- memory


def measure_rss(run: Run, app: servers.Server) -> None:
    for number, pid in enumerate(app.worker_pids(), start=1):
        rss = servers.rss_mb(pid)
        run.report.figures.append(
            Figure(
                f"worker {number} RSS after the run (pid {pid})",
                f"{rss:.1f} MiB",
                "≤ 64 MB",
                rss * 1024 * 1024 <= 64_000_000,
            )
        )


# ---------------------------------------------------------------- the run


def setup_notes(run: Run, mode_sentence: str) -> list[str]:
    plan = run.plan
    return [
        f"N = {plan.n:,} synthetic releases (`bench/generate.py`, shaped like `seeds/000_44faba8da108bc04.txt`), "
        "ingested with `feedapp ingest` into a fresh SQLite database in a temporary folder.",
        f"Servers: {mode_sentence}, bound to 127.0.0.1 on free ports; the app, the floor "
        "(`bench/floor.py`) and the Django peer (`bench/django_peer/`) run side by side under the same settings.",
        f"wrk: {loadgen.THREADS} threads, {plan.connections} connections ({plan.p99_connections} for p99), "
        f"{plan.seconds}-second runs, {plan.rounds} per target, targets alternated (order reversed every other "
        "round); figures are medians.",
        f"wrk and gunicorn share the same {os.cpu_count()} cores over loopback: absolute requests/s are lower "
        "than with a separate load machine; ratios compare servers measured the same way.",
    ]


def measure(run: Run) -> None:
    """Every step, in order; each server is stopped when its block ends, even on failure."""
    database = run.tmp / "feedapp.sqlite3"
    measure_ingest(run, database)
    stored = run.plan.n
    run.next_number = max(run.next_number, stored)
    with ExitStack() as stack:
        app = start_app(run, stack, database)
        measure_boot(run, database, app.boot_seconds)
        responses = run.tmp / "floor-responses.json"
        etag = record_floor(app, responses)
        floor = start_floor(run, stack, responses)
        check_floor(app, floor)
        peer = start_peer(run, stack, database)
        measure_throughput(run, app, floor, peer, etag)
        measure_nginx(run, stack, app)
        measure_p99(run, app, floor)
        first_render(run, app, database, stored)
        stored += run.plan.render_repeats
        for target in sorted({run.plan.sitemap_n, run.plan.max_n}):
            if target > stored:
                stored = grow_to(run, database, stored, target)
                first_render(run, app, database, stored)
        measure_rss(run, app)


def notes(run: Run) -> list[str]:
    return [
        "304 revalidation is compared with the app's `/healthz` (answers `ok` without the database): "
        "a 304 checks the data version and the validator on top of that.",
        "The floor replays, byte for byte, the status, headers and body the app sent for each URL (plain, "
        "gzip, 304); run.py checks its bodies equal the app's before measuring.",
        f"`{SITEMAP_PATH}` holds min(N, 50,000) URLs; its throughput above is at N = {run.plan.n:,}.",
        "First render: wall time of the first plain GET after `feedapp ingest` of one more release "
        "(every document is re-rendered per worker after any change), median over repeats; cached: "
        "median of 15 GETs after 16 that warm every worker. Times include connecting over loopback.",
        "Ingest linearity is judged on the per-release cost after the first release (time between the "
        "first and last `added` lines / (N − 1)): every `feedapp ingest` process pays a fixed start "
        "(Python, hazm's import) that a wall-clock rate spreads over N.",
        "Worker boot is an upper bound: spawning gunicorn to its first 200 includes the master's start.",
        "RSS is VmRSS from /proc/PID/status of each worker at the end (after the large sitemap render).",
    ]


def main(argv: list[str]) -> int:
    plan = parse_args(argv)
    wrk = loadgen.ensure_wrk()
    _, mode_sentence = servers.settings_args()
    load_at_start = load_average()
    report = Report(command=command_line(argv), mode=plan.mode, machine=machine(), versions=versions(wrk), setup=[])
    with tempfile.TemporaryDirectory(prefix="feedapp-bench-") as tmp:
        run = Run(plan=plan, tmp=Path(tmp), wrk=wrk, report=report)
        report.setup = setup_notes(run, mode_sentence)
        try:
            measure(run)
        except Exception:
            _print_logs(run)
            raise
    report.notes = notes(run) + report.notes
    # Anything else running on the machine moves every figure: say how busy it was.
    report.machine.append(("load average (1 min) at start / end", f"{load_at_start} / {load_average()}"))
    if plan.chart is not None and reporting.chart(report, plan.chart):
        report.notes.append(f"Chart: `{os.path.relpath(plan.chart, plan.output.parent)}`.")
    elif plan.chart is not None:
        report.notes.append("No chart: matplotlib is not installed (`pip install matplotlib`).")
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    kept = reporting.kept_sections(plan.output)  # `bench ingest`'s section stays
    plan.output.write_text(reporting.markdown(report) + ("\n" + kept if kept else ""), encoding="utf-8")
    print(reporting.markdown(report))
    return 0


def _print_logs(run: Run) -> None:
    """The servers' logs, to explain a failure (the temp folder goes away)."""
    for log in run.logs:
        if log.exists():
            print(f"--- {log.name} (last lines)", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
