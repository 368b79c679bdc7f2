"""`python -m bench ingest`: the publishing API's writes through the host's one ingest service.

For each worker count: a SQLite store with the seeds, the ingest service (`feedapp
ingest-service`) and gunicorn (deploy/gunicorn.conf.py) started as the systemd units start them
(the site once the service has sent READY=1, received here through NOTIFY_SOCKET as systemd
would), and once more for the first count both at the same moment, as scripts/serve.sh does.
Then:
- boot: seconds from launch to the site's first answer, and the service's own warm-up (hazm and
  the lexicon, from its `ready` line);
- the first write, sent the moment the site answers, and the next one;
- 200 writes one after another (what a worker is blocked for: the whole write, queue included);
- a burst of 100 concurrent writes (every status, the slowest answer);
- memory after all that: RSS and PSS (/proc/PID/smaps_rollup: shared pages split among their
  users, so sums are honest) of the gunicorn master and workers, the supervisor and the service.

With `--postgresql URL`, all of it again on that server, a new database per boot.

Targets (issue 17): gunicorn ≤ workers × 64 MB plus one ingest process, whatever the worker count;
first write after boot < 1 s; a write blocks its worker for tens of milliseconds; a burst of 100
all succeed. Writes the section "Publishing API: the ingest service" of BENCHMARKS.md (or --output).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.report import write_section
from bench.servers import BIN, ROOT, children, free_port, rss_mb

TOKEN = "bench-ingest-token-0123456789abcdef"
WORKER_BUDGET_MB = 64
SECTION = "Publishing API: the ingest service"


def pss_mb(pid: int) -> float:
    """Proportional set size in MiB (a page shared by n processes counts 1/n in each)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for pid {pid}")


def document(key: str, number: int) -> bytes:
    """A release of the sample's size: title, lead and five paragraphs of Persian text."""
    paragraph = "روابط عمومي شهرداري اعلام كرد كه طرح توسعه خط هاي مترو در سال جاري با سرعت بيشتري ادامه مي يابد. "
    return json.dumps(
        {
            "key": key,
            "published": f"1404/02/{number % 28 + 1:02d} ساعت 10:00",
            "title": f"افتتاح ايستگاه هاي جديد مترو شماره {number}",
            "lead": paragraph,
            "body": [paragraph * 3] * 5,
            "categories": ["شهري"],
        },
        ensure_ascii=False,
    ).encode()


def write(base: str, key: str, number: int) -> tuple[int, float]:
    """PUT one release; its status and seconds."""
    request = urllib.request.Request(
        f"{base}/api/releases/{key}",
        method="PUT",
        data=document(key, number),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def new_database(folder: Path, name: str, server: str | None) -> str:
    """A new, empty store's URL: a SQLite file in `folder`, or a database made on the PostgreSQL
    `server` (a libpq URL of a database to connect to, e.g. its `postgres`), dropped first if an
    earlier run left it."""
    if server is None:
        return f"sqlite:///{folder / name}.sqlite3"
    import psycopg

    database = "feedapp_bench_ingest_" + name.replace("-", "_")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database}")
        connection.execute(f"CREATE DATABASE {database}")
    return server.rsplit("/", 1)[0] + "/" + database


def measure(
    workers: int, folder: Path, ordered: bool, postgresql: str | None = None, writes: int = 200, burst: int = 100
) -> dict[str, object]:
    """One boot of the site with `workers` workers and its service; the figures.

    `ordered`: as the systemd units start them, the site once the service says READY=1 (its
    sd_notify datagram, received here as systemd would); else both at once, as scripts/serve.sh
    does, and the first write is sent the moment the site answers.
    """
    name = f"w{workers}-{'ordered' if ordered else 'together'}"
    url = new_database(folder, name, postgresql)
    notify_name = f"feedapp-bench-notify-{os.getpid()}-{name}"
    env = {
        **os.environ,
        "FEEDAPP_DATABASE_URL": url,
        "FEEDAPP_API_TOKEN": TOKEN,
        "FEEDAPP_WORKERS": str(workers),
        "NOTIFY_SOCKET": "@" + notify_name,
    }
    for command in (["db", "upgrade"], ["ingest", str(ROOT / "seeds")]):
        subprocess.run([str(BIN / "feedapp"), *command], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / f"{name}.service.log"
    gunicorn = [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify,
        open(log, "wb") as service_log,
        open(folder / f"{name}.gunicorn.log", "wb") as server_log,
    ):
        notify.bind("\0" + notify_name)
        notify.settimeout(120)
        started = time.monotonic()
        service = subprocess.Popen([str(BIN / "feedapp"), "ingest-service"], env=env, cwd=ROOT, stderr=service_log)
        if ordered:
            notify.recv(100)
        # Not gunicorn's: it would send its own READY=1 (it speaks sd_notify too).
        site_env = {name: value for name, value in env.items() if name != "NOTIFY_SOCKET"}
        server = subprocess.Popen(gunicorn, env=site_env, cwd=ROOT, stdout=server_log, stderr=server_log)
        try:
            while not answers(base):
                time.sleep(0.01)
            site_seconds = time.monotonic() - started
            first_status, first_seconds = write(base, "first", 0)  # the service may still be warming up
            if not ordered:
                notify.recv(100)
            ready_seconds = float(log.read_text().split("warmed up in ")[1].split(" s")[0])
            warm_status, warm_seconds = write(base, "warm", 1)
            sequential = [write(base, f"seq_{n:03d}", n) for n in range(writes)]
            burst_started = time.monotonic()
            with ThreadPoolExecutor(max_workers=burst) as pool:
                bursts = list(pool.map(lambda n: write(base, f"burst_{n:03d}", n), range(burst)))
            burst_seconds = time.monotonic() - burst_started
            worker_pids = children(server.pid)
            [service_pid] = children(service.pid)
            memory = {
                "master": (rss_mb(server.pid), pss_mb(server.pid)),
                "workers": [(rss_mb(pid), pss_mb(pid)) for pid in worker_pids],
                "supervisor": (rss_mb(service.pid), pss_mb(service.pid)),
                "service": (rss_mb(service_pid), pss_mb(service_pid)),
                "worker_children": sum(len(children(pid)) for pid in worker_pids),
            }
        finally:
            for process in (server, service):
                process.terminate()
                process.wait(timeout=60)
    times = sorted(seconds for _, seconds in sequential)
    return {
        "backend": "PostgreSQL" if postgresql else "SQLite",
        "workers": workers,
        "boot": "units (site after READY=1)" if ordered else "serve.sh (both at once)",
        "site_seconds": site_seconds,
        "service_warm_up": ready_seconds,
        "first": (first_status, first_seconds),
        "first_warm": (warm_status, warm_seconds),
        "sequential_statuses": sorted({status for status, _ in sequential}),
        "sequential_ms": (
            statistics.median(times) * 1000,
            times[int(len(times) * 0.95)] * 1000,
            times[-1] * 1000,
        ),
        "writes": writes,
        "burst": burst,
        "burst_statuses": sorted({status for status, _ in bursts}),
        "burst_seconds": burst_seconds,
        "burst_slowest": max(seconds for _, seconds in bursts),
        "memory": memory,
    }


def markdown(results: list[dict]) -> str:
    lines = [
        "Produced by `.venv/bin/python -m bench ingest [--postgresql URL]` (a store with the seeds; gunicorn with",
        "`deploy/gunicorn.conf.py`; JSON releases of ~3 KB through `PUT /api/releases/KEY`). Boot",
        "`units`: the site started once the service sent READY=1, as deploy/ orders them; `serve.sh`:",
        "both at once, the first write waiting for the service's warm-up. Site answers: seconds from",
        "launch. Memory after all the writes: PSS splits shared pages among their users (the",
        "preloaded app is shared by the workers), so the sums are what the site costs.",
        "",
        "| store | boot | workers | site answers | service warm-up | first write | next write | writes one by one: p50 / p95 / max | concurrent burst | gunicorn PSS (budget) | service + supervisor PSS | worker RSS max |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        memory = result["memory"]
        gunicorn_pss = memory["master"][1] + sum(pss for _, pss in memory["workers"])
        budget = result["workers"] * WORKER_BUDGET_MB
        p50, p95, top = result["sequential_ms"]
        lines.append(
            f"| {result['backend']} | {result['boot']} | {result['workers']} | {result['site_seconds']:.2f} s | {result['service_warm_up']:.2f} s"
            f" | {result['first'][1] * 1000:.0f} ms ({result['first'][0]})"
            f" | {result['first_warm'][1] * 1000:.0f} ms ({result['first_warm'][0]})"
            f" | {result['writes']}: {p50:.0f} / {p95:.0f} / {top:.0f} ms ({', '.join(map(str, result['sequential_statuses']))})"
            f" | {result['burst']}: {', '.join(map(str, result['burst_statuses']))} in {result['burst_seconds']:.2f} s,"
            f" slowest {result['burst_slowest']:.2f} s"
            f" | {gunicorn_pss:.0f} MB ({budget} MB) | {memory['service'][1]:.0f} + {memory['supervisor'][1]:.0f} MB"
            f" | {max(rss for rss, _ in memory['workers']):.0f} MB |"
        )
    children = sum(result["memory"]["worker_children"] for result in results)
    lines += ["", f"Processes started by web workers in all these runs: {children} (the service does every write)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[4, 16], help="worker counts (default 4 16)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="where the section goes")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="also on this PostgreSQL server (a database URL; one database made per boot)",
    )
    parser.add_argument("--writes", type=int, default=200, help="writes one after another (default 200)")
    parser.add_argument("--burst", type=int, default=100, help="concurrent writes (default 100)")
    args = parser.parse_args(argv)
    sizes = {"writes": args.writes, "burst": args.burst}
    folder = Path(tempfile.mkdtemp(prefix="feedapp-bench-ingest-"))
    try:
        results = []
        for backend in (None, args.postgresql) if args.postgresql else (None,):
            results += [measure(workers, folder, True, backend, **sizes) for workers in args.workers]
            results.append(measure(args.workers[0], folder, False, backend, **sizes))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    text = markdown(results)
    write_section(args.output, SECTION, text)
    print(text)
    return 0
