"""`python -m bench observe`: what counting costs the fast path (issue 19).

One store of N releases (populated through the store, no hazm), served by gunicorn with
deploy/gunicorn.conf.py in three settings, and the floor (bench/floor.py: the app's recorded
bytes, no work at all) under the same settings:
- `bare`: no reach, no metrics, no access lines (FEEDAPP_REACH=false);
- `default`: reach counting, as a site runs out of the box;
- `metrics`: the default plus /metrics (FEEDAPP_METRICS_TOKEN, the multiprocess folder);
- `access lines`: metrics plus the app's access lines (FEEDAPP_ACCESS_LOG=true; JSON to a file).

With `--postgresql URL`, the default setting also serves a store of the same N releases
populated on that server, in the same rounds: cached feeds on PostgreSQL against SQLite (issue 16:
≥ 0.85 × in one run).

wrk loads cached `/feed.atom` (plain, then with If-None-Match: the 304 most pollers get) on each
in turn, round after round, so the machine's drift falls on all alike; the median of the rounds
is reported, and each setting's ratio to the floor. Target: with metrics on, ≥ 0.85 × the floor.
Each run also divides the CPU time the server's workers used (/proc) by the requests wrk
completed: what a request costs the server, whatever share of the two cores wrk took.
Writes the section "Counting: metrics, reach and access lines" of BENCHMARKS.md (or --output).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import loadgen, servers
from bench.report import write_section

SECTION = "Counting: metrics, reach and access lines"
TARGET = 0.85
METRICS_TOKEN = "bench-metrics-token-0123456789"
SETTINGS = {
    "bare": {"FEEDAPP_REACH": "false"},
    "default": {},
    "metrics": {"FEEDAPP_METRICS_TOKEN": METRICS_TOKEN},
    "access lines": {"FEEDAPP_METRICS_TOKEN": METRICS_TOKEN, "FEEDAPP_ACCESS_LOG": "true"},
}
POSTGRESQL = "default, PostgreSQL"
SHM = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
AGENT = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers; like FeedFetcher-Google)"


def record(app: servers.Server, path: Path) -> str:
    """The app's /feed.atom (plain, and its 304) for the floor; the ETag."""
    _, headers, _ = servers.http_get(app.host, app.port, "/feed.atom")
    etag = dict((name.lower(), value) for name, value in headers)["etag"]
    recorded = {}
    for variant, request_headers in (("plain", {}), ("304", {"If-None-Match": etag})):
        status, headers, body = servers.http_get(app.host, app.port, "/feed.atom", request_headers)
        recorded[variant] = {
            "status": f"{status} {'Not Modified' if status == 304 else 'OK'}",
            "headers": [
                [name, value] for name, value in headers if name.lower() not in ("date", "server", "connection")
            ],
            "body_b64": base64.b64encode(body).decode(),
        }
    path.write_text(json.dumps({"/feed.atom": recorded}), encoding="utf-8")
    return etag


# One setting's cost in one process: the app's whole WSGI stack called directly (no server, no
# socket) with a fast-path hit of /feed.atom, after a warm-up; microseconds per request.
IN_PROCESS = """
import io, os, statistics, sys, time
from feedapp import create_app, logs
app = create_app()
logs.configure("json")
sys.stdout = open(os.devnull, "w")
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/feed.atom", "QUERY_STRING": "", "SERVER_NAME": "x",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
           "HTTP_USER_AGENT": AGENT, "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
def start(status, headers, exc_info=None):
    pass
call = app.wsgi_app
for _ in range(500):
    list(call(dict(environ), start))
times = []
for _ in range(5):
    began = time.perf_counter()
    for _ in range(CALLS):
        list(call(dict(environ), start))
    times.append((time.perf_counter() - began) / CALLS * 1e6)
print(statistics.median(times), file=sys.stderr)
"""


def fresh_postgresql_database(server_url: str, name: str) -> str:
    """An empty database NAME on the server (dropped first if it exists); its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def in_process(url: str, tmp: Path, calls: int = 10_000) -> dict[str, float]:
    """Each setting's microseconds per request in one process (a fresh interpreter each)."""
    costs = {}
    for name, env in SETTINGS.items():
        env = {**os.environ, "FEEDAPP_DATABASE_URL": url, **env, "PROMETHEUS_MULTIPROC_DIR": ""}
        if "FEEDAPP_METRICS_TOKEN" in env:
            env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="feedapp-metrics-", dir=SHM or tmp)
        code = IN_PROCESS.replace("AGENT", repr(AGENT)).replace("CALLS", str(calls))
        try:
            done = subprocess.run(
                [sys.executable, "-c", code], cwd=servers.ROOT, env=env, capture_output=True, text=True, check=True
            )
        finally:
            if env["PROMETHEUS_MULTIPROC_DIR"]:
                shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"])
        costs[name] = float(done.stderr.strip().splitlines()[-1])
    return costs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench observe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="releases in the store (default 1,000)")
    parser.add_argument("--seconds", type=int, default=3, help="seconds per wrk run (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of all servers (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--output", type=Path, default=servers.ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="a PostgreSQL server (postgresql://user@host:port/db): the default setting served from a store"
        " populated there too, in the same rounds (issue 16: cached feeds on PostgreSQL ≥ 0.85 × SQLite)",
    )
    options = parser.parse_args(argv)
    wrk = loadgen.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="feedapp-bench-observe-") as folder, ExitStack() as stack:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'store.sqlite3'}"
        populate = [sys.executable, "-m", "bench", "populate", "--database-url", url, "--count", str(options.count)]
        subprocess.run(populate, cwd=servers.ROOT, check=True, capture_output=True)
        costs = in_process(url, tmp)
        base = {"FEEDAPP_DATABASE_URL": url, "FEEDAPP_SITE_URL": "http://127.0.0.1:8000"}
        apps = {}
        for name, env in SETTINGS.items():
            if "FEEDAPP_METRICS_TOKEN" in env:
                # In memory, as systemd's /run/feedapp is (and scripts/serve.sh's /dev/shm).
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="feedapp-metrics-", dir=SHM)))
                env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
            apps[name] = stack.enter_context(
                servers.gunicorn(name, "wsgi:app", {**base, **env}, "/feed.atom", tmp / f"{name}.log")
            )
        if options.postgresql:
            pg_url = fresh_postgresql_database(options.postgresql, "feedapp_bench_observe")
            subprocess.run(
                [*populate[:-4], "--database-url", pg_url, "--count", str(options.count)],
                cwd=servers.ROOT,
                check=True,
                capture_output=True,
            )
            apps[POSTGRESQL] = stack.enter_context(
                servers.gunicorn(
                    POSTGRESQL, "wsgi:app", {**base, "FEEDAPP_DATABASE_URL": pg_url}, "/feed.atom", tmp / "pg.log"
                )
            )
        etag = record(apps["bare"], tmp / "floor.json")
        floor = stack.enter_context(
            servers.gunicorn(
                "floor",
                "bench.floor:app",
                {"FLOOR_RESPONSES": str(tmp / "floor.json")},
                "/feed.atom",
                tmp / "floor.log",
                feedapp=False,
            )
        )
        targets = {**apps, "floor": floor}
        loads = {"plain": {"User-Agent": AGENT}, "304": {"User-Agent": AGENT, "If-None-Match": etag}}
        rps: dict[tuple[str, str], list[float]] = {(name, load): [] for name in targets for load in loads}
        cpu: dict[tuple[str, str], list[float]] = {key: [] for key in rps}
        for round_number in range(options.rounds):
            for load, headers in loads.items():
                for name, server in targets.items():
                    before = server.workers_cpu_seconds()
                    result = loadgen.run(
                        wrk,
                        server.base + "/feed.atom",
                        connections=options.connections,
                        seconds=options.seconds,
                        headers=headers,
                    )
                    rps[name, load].append(result.requests_per_second)
                    cpu[name, load].append((server.workers_cpu_seconds() - before) / result.requests * 1e6)
            print(f"round {round_number + 1}/{options.rounds} done", file=sys.stderr)
        scraped = servers.http_get(
            apps["metrics"].host, apps["metrics"].port, "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    medians = {key: statistics.median(values) for key, values in rps.items()}
    cpu_medians = {key: statistics.median(values) for key, values in cpu.items()}
    text = _section(medians, cpu_medians, costs, options, scraped[0] == 200 and b"feedapp_requests_total" in scraped[2])
    write_section(options.output, SECTION, text)
    print(text)
    return 0 if medians["metrics", "plain"] >= TARGET * medians["floor", "plain"] else 1


def _section(
    medians: dict[tuple[str, str], float],
    cpu: dict[tuple[str, str], float],
    costs: dict[str, float],
    options: argparse.Namespace,
    scraped: bool,
) -> str:
    lines = [
        f"`python -m bench observe --count {options.count} --seconds {options.seconds} --rounds {options.rounds}"
        f" --connections {options.connections}`: cached `/feed.atom` under deploy/gunicorn.conf.py, wrk with"
        f" {options.connections} connections and a Feedly-like User-Agent (counted by reach), the servers in turn"
        f" each round; medians of {options.rounds} rounds. bare: no reach, metrics or access lines; default: reach;"
        " metrics: reach and /metrics; access lines: those and the app's access lines (JSON, to a file); /metrics"
        f" ({'scraped after the runs: it answered' if scraped else 'NOT scraped: it did not answer'}).",
        "",
        "| server | 200 req/s | × floor | 304 req/s | × floor | workers' CPU µs per 200 / 304 | × floor by CPU"
        " | µs per request in one process |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in (*SETTINGS, *([POSTGRESQL] if options.postgresql else []), "floor"):
        row = [name]
        for load in ("plain", "304"):
            row += [f"{medians[name, load]:,.0f}", f"{medians[name, load] / medians['floor', load]:.2f}"]
        row.append(" / ".join(f"{cpu[name, load]:,.0f}" for load in ("plain", "304")))
        row.append(" / ".join(f"{cpu['floor', load] / cpu[name, load]:.2f}" for load in ("plain", "304")))
        row.append(f"{costs[name]:.1f}" if name in costs else "-")
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Workers' CPU µs per request: the user and system time the server's workers used during a run"
        " (/proc), divided by the requests wrk completed; median of the rounds. × floor by CPU is the floor's"
        " divided by the server's: what each would serve on cores of its own, with the load coming from"
        " elsewhere (wrk shares these two cores, so req/s also depends on how the scheduler splits them).",
        "µs per request in one process: the app's WSGI stack called directly with a cached /feed.atom,"
        " 10,000 calls, median of 5 (a fresh interpreter per setting; access lines to /dev/null).",
    ]
    met = medians["metrics", "plain"] / medians["floor", "plain"]
    lines += [
        "",
        f"Target: with metrics on ≥ {TARGET} × the floor: {met:.2f} ({'met' if met >= TARGET else 'NOT met'}).",
    ]
    if options.postgresql:
        ratios = [medians[POSTGRESQL, load] / medians["default", load] for load in ("plain", "304")]
        verdict = "met" if min(ratios) >= TARGET else "NOT met"
        lines += [
            "",
            f"{POSTGRESQL}: the default setting on a store of the same {options.count} releases populated on"
            f" PostgreSQL, in the same rounds. Target (issue 16): ≥ {TARGET} × the same on SQLite: {ratios[0]:.2f}"
            f" (200), {ratios[1]:.2f} (304) ({verdict}).",
        ]
    return "\n".join(lines) + "\n"
