"""Slow clients (slowloris) against feedapp: gunicorn faced directly vs behind the shipped nginx.

    ./scripts/bench.sh slowloris                    # N = 0, 4, 8, 64, 512, 1500; 20 s: ~5 min on 2 cores
    ./scripts/bench.sh slowloris --quick            # N = 0, 8, 64; 6 s: about 1 minute
    ./scripts/bench.sh slowloris --n 0 16 --seconds 12

What it measures: while N attacker connections trickle a request's headers and never finish
them, can a normal reader still get answers? For each target (gunicorn on its own port, and
nginx's plain-HTTP port in front of the same gunicorn) and each N, the attack runs 2 s before
a measuring period (`--seconds`, default 20 s: longer than nginx's 10 s client_header_timeout,
so nginx's closing of slow connections, and the attacker's reopening of them, happen inside
it; `--quick`'s 6 s is shorter, so it checks the setup, not nginx's timeout). During the
period a reader issues one GET every 0.25 s, alternately /robots.txt and
/feed.atom, each on a new connection with a 2 s budget for connect + request + whole response,
on a fixed schedule (a probe does not wait for the previous one). Availability = the share of
probes answered 200 within 2 s; median and max latency are over those successful probes.
Prints a Markdown table (and a second one with the details: what the failed probes got, how
often the server closed attacker connections, gunicorn worker timeouts, nginx limit messages).

The attacker (a separate process, one selector loop, so it does not share the reader's GIL)
opens N connections to the target, sends `GET /feed.atom HTTP/1.1`, `Host: news.example.ir`,
then one more header byte every 2 s (cycling through `X-a: b<CRLF>`: header lines that never
reach the blank line ending the headers). When the server closes one, it reopens it at once
(after 50 ms if the connect itself failed), so it keeps N. RLIMIT_NOFILE is raised as needed.

Setup: a fresh SQLite database in a temporary folder with the seeds ingested
(`feedapp ingest seeds/`); gunicorn via tests/support.py's `gunicorn(config=True)`, i.e.
deploy/gunicorn.conf.py, with its own default worker count (2 per core, or FEEDAPP_WORKERS)
passed explicitly because the helper always passes --workers; only its error log is sent to a
file (GUNICORN_CMD_ARGS), because the helper pipes stderr without reading it. nginx runs
deploy/nginx.conf and deploy/nginx-feedapp.conf via `deploy_site_conf(rate_limits=True)`:
the per-address limits stay, since an attacker is one address too. Its main config is
written here like tests/support.py's `nginx_prefix` (root user, private pid/log/temp paths,
the `upstream` access-log format) but with Debian's defaults instead of `worker_processes 1;
events {}`: `worker_processes auto;`, `events { worker_connections 768; }`, and Debian's
http-level `sendfile on; tcp_nopush on; types_hash_max_size 2048; default_type
application/octet-stream; gzip on;`.

Caveat: attacker and reader both come from 127.0.0.1, so nginx's per-address limits
(limit_conn 32, limit_req 20 r/s burst 100) count them together. Connections still sending
their headers are counted by neither (both act after the headers are read), and the reader's
4 requests a second stay under the rate: any 429 the reader gets is listed in the details.
Near N = 2 x 768 nginx runs out of worker_connections (an nginx-wide limit, whatever the
addresses): it accepts and at once closes new connections, the reader's among them, and the
attacker's reopening becomes a busy loop on the same 2 cores; that row varies from run to run.
gunicorn kills a sync worker stuck on a slow client after its 30 s timeout, so a measuring
period above 30 s (`--seconds 45`) shows the few probes its replacements answer.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import multiprocessing
import os
import re
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import NGINX, deploy_site_conf, feedapp, free_port, gunicorn, nginx, upgraded

ROOT = Path(__file__).resolve().parent.parent

SEEDS = ROOT / "seeds"
HOST = "news.example.ir"
DEFAULT_N = (0, 4, 8, 64, 512, 1500)
QUICK_N = (0, 8, 64)
WARM_UP = 2.0  # seconds of attack before measuring
PROBE_EVERY = 0.25  # seconds between the reader's probes
PROBE_BUDGET = 2.0  # seconds a probe may take: connect, request, whole response
TRICKLE_EVERY = 2.0  # seconds between the attacker's header bytes
ATTACK_HEAD = f"GET /feed.atom HTTP/1.1\r\nHost: {HOST}\r\n".encode()
TRICKLE = b"X-a: b\r\n"  # sent a byte at a time after ATTACK_HEAD: never a blank line
NGINX_WORKER_CONNECTIONS = 768


# --- the attacker (its own process) -------------------------------------------------------------


def _attacker_main(port: int, n: int, control) -> None:
    """Hold `n` slow connections to 127.0.0.1:`port` until told to stop over `control` (a Pipe end).

    Messages: "stats" (reply with a snapshot dict), "stop" (close everything, reply, return).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us (Ctrl-C reaches the group)
    selector = selectors.DefaultSelector()
    selector.register(control.fileno(), selectors.EVENT_READ, None)
    stats = Counter()
    live: dict[socket.socket, list] = {}  # socket -> [connected?, bytes of TRICKLE sent]
    due: deque[tuple[float, socket.socket]] = deque()  # next trickle byte, in time order
    retry: deque[float] = deque()  # when to retry connects that failed

    def open_one() -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex(("127.0.0.1", port))
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            stats["connect failed"] += 1
            retry.append(time.monotonic() + 0.05)
            return
        live[sock] = [False, 0]
        selector.register(sock, selectors.EVENT_WRITE, None)

    def drop(sock: socket.socket, reason: str, reopen_now: bool = True) -> None:
        selector.unregister(sock)
        del live[sock]
        sock.close()
        stats[reason] += 1
        if reopen_now:
            open_one()
        else:
            retry.append(time.monotonic() + 0.05)

    for _ in range(n):
        open_one()
    running = True
    while running:
        now = time.monotonic()
        while retry and retry[0] <= now:
            retry.popleft()
            open_one()
        while due and due[0][0] <= now:
            _, sock = due.popleft()
            state = live.get(sock)
            if state is None:
                continue  # closed since
            try:
                sock.send(TRICKLE[state[1] % len(TRICKLE) :][:1])
                state[1] += 1
                due.append((now + TRICKLE_EVERY, sock))
            except OSError:
                drop(sock, "closed by server")
        timeout = 0.1
        if due:
            timeout = min(timeout, max(0.0, due[0][0] - now))
        if retry:
            timeout = min(timeout, max(0.0, retry[0] - now))
        for key, _events in selector.select(timeout):
            if key.fd == control.fileno():
                try:
                    message = control.recv()
                except (EOFError, OSError):
                    message = "stop"  # the parent is gone
                if message == "stop":
                    running = False
                snapshot = dict(stats)
                snapshot["established"] = sum(1 for state in live.values() if state[0])
                snapshot["connecting"] = sum(1 for state in live.values() if not state[0])
                with contextlib.suppress(OSError):
                    control.send(snapshot)
                continue
            sock = key.fileobj
            state = live.get(sock)
            if state is None:
                continue
            if not state[0]:  # connect finished (or failed)
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    drop(sock, "connect failed", reopen_now=False)
                    continue
                try:
                    sock.send(ATTACK_HEAD)
                except OSError:
                    drop(sock, "connect failed", reopen_now=False)
                    continue
                state[0] = True
                stats["opened"] += 1
                selector.modify(sock, selectors.EVENT_READ, None)
                due.append((time.monotonic() + TRICKLE_EVERY, sock))
                continue
            # Readable: the server answered (an error page) or closed; either way it is done.
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            drop(sock, "answered by server" if data else "closed by server")
    for sock in list(live):
        sock.close()
    selector.close()


class Attacker:
    """N slow connections held by a child process; `stats()` for a snapshot; `close()` stops it."""

    def __init__(self, port: int, n: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._parent, child = context.Pipe()
        self.process = context.Process(target=_attacker_main, args=(port, n, child), daemon=True, name=f"slowloris-{n}")
        self.process.start()
        child.close()

    def stats(self, message: str = "stats") -> dict:
        self._parent.send(message)
        if not self._parent.poll(10):
            raise RuntimeError("the attacker process does not answer")
        return self._parent.recv()

    def close(self) -> dict:
        final: dict = {}
        if self.process.is_alive():
            with contextlib.suppress(OSError, EOFError, RuntimeError):
                final = self.stats("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._parent.close()
        return final


@contextlib.contextmanager
def attack(port: int, n: int):
    if n == 0:
        yield None
        return
    attacker = Attacker(port, n)
    try:
        yield attacker
    finally:
        attacker.close()


# --- the reader ---------------------------------------------------------------------------------


def probe(port: int, path: str) -> tuple[str, float]:
    """One GET on a new connection within PROBE_BUDGET: (outcome, seconds). Outcome is the status
    ("200", "429", …) when a whole response arrived in time, else "timeout", "refused", "reset", …"""
    started = time.monotonic()
    deadline = started + PROBE_BUDGET
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: slowloris-bench-reader\r\nConnection: close\r\n\r\n"
    ).encode()
    data = bytearray()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_BUDGET) as sock:
            sock.sendall(request)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return "timeout", time.monotonic() - started
                sock.settimeout(remaining)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except TimeoutError:
        return "timeout", time.monotonic() - started
    except ConnectionRefusedError:
        return "refused", time.monotonic() - started
    except ConnectionResetError:
        return ("reset" if not data else "reset mid-response"), time.monotonic() - started
    except OSError as error:
        return errno.errorcode.get(error.errno or 0, type(error).__name__), time.monotonic() - started
    elapsed = time.monotonic() - started
    if elapsed > PROBE_BUDGET:
        return "timeout", elapsed
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if not match:
        return ("closed, no answer" if not data else "malformed"), elapsed
    length = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    if length and int(length.group(1)) != len(body):
        return "truncated", elapsed
    return match.group(1).decode(), elapsed


@dataclass
class Measurement:
    outcomes: list[tuple[str, str, float]] = field(default_factory=list)  # path, outcome, seconds

    @property
    def ok(self) -> list[float]:
        return [seconds for _, outcome, seconds in self.outcomes if outcome == "200"]

    def failures(self) -> str:
        """What the failed probes got, by path: "35 closed, no answer (18 /robots.txt, 17 /feed.atom)"."""
        failed = Counter(outcome for _, outcome, _ in self.outcomes if outcome != "200")
        parts = []
        for outcome, count in failed.most_common():
            paths = Counter(path for path, got, _ in self.outcomes if got == outcome)
            parts.append(f"{count} {outcome} (" + ", ".join(f"{k} {p}" for p, k in sorted(paths.items())) + ")")
        return ", ".join(parts) or "none"

    @property
    def availability(self) -> float:
        return len(self.ok) / len(self.outcomes) if self.outcomes else 0.0


def measure(port: int, seconds: float) -> Measurement:
    """Probes on a fixed schedule for `seconds`, alternately /robots.txt and /feed.atom."""
    count = max(1, round(seconds / PROBE_EVERY))
    lock = threading.Lock()
    result = Measurement()

    def one(path: str) -> None:
        outcome, seconds = probe(port, path)
        with lock:
            result.outcomes.append((path, outcome, seconds))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=int(PROBE_BUDGET / PROBE_EVERY) + 4) as pool:
        for number in range(count):
            delay = started + number * PROBE_EVERY - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, "/robots.txt" if number % 2 == 0 else "/feed.atom")
    return result


def wait_available(port: int, limit: float = 90.0) -> float:
    """Seconds until the target answers /robots.txt with 200 again (after an attack)."""
    started = time.monotonic()
    refused = 0
    while time.monotonic() - started < limit:
        outcome = probe(port, "/robots.txt")[0]
        if outcome == "200":
            return time.monotonic() - started
        refused = refused + 1 if outcome == "refused" else 0
        if refused >= 20:
            raise RuntimeError(f"nothing listens on 127.0.0.1:{port} any more: did the server exit?")
        time.sleep(0.25)
    raise RuntimeError(f"127.0.0.1:{port} did not answer 200 within {limit:.0f} s after an attack")


# --- setup --------------------------------------------------------------------------------------


def raise_open_files(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))  # root may raise the hard limit
            return needed
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            return hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return needed


def nginx_main_conf(prefix: Path, site_conf: str) -> Path:
    """tests.support.nginx_prefix's main config, with Debian's worker and http defaults."""
    for folder in ("tmp", "logs", "cache"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(site_conf, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"{kind}_temp_path {prefix}/tmp/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = (
        f"{user}worker_processes auto;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n"
        f"events {{\nworker_connections {NGINX_WORKER_CONNECTIONS};\n}}\n"
        "http {\nsendfile on;\ntcp_nopush on;\ntypes_hash_max_size 2048;\n"
        "include /etc/nginx/mime.types;\ndefault_type application/octet-stream;\ngzip on;\n"
        "log_format upstream '$request_method $uri $status $upstream_status $upstream_cache_status';\n"
        f"access_log {prefix}/logs/access.log upstream;\n"
        f"{temp}include {prefix}/site.conf;\n}}\n"
    )
    conf = prefix / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


def children(pid: int, title: bytes = b"") -> list[int]:
    """Pids whose parent is `pid` (and whose command line starts with `title`), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid and (
                    entry / "cmdline"
                ).read_bytes().startswith(title):
                    found.append(int(entry.name))
    return found


def settled_count(count, expected: int, limit: float = 15.0) -> int:
    """`count()` once it reaches `expected` (workers boot one after another), or after `limit` s."""
    deadline = time.monotonic() + limit
    while (found := count()) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def master_with_arg(argument: str) -> int | None:
    """The pid of the process whose command line holds `argument` and whose parent's does not."""
    pids = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if argument.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                    pids[int(entry.name)] = entry
    for pid, entry in pids.items():
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) not in pids:
                return pid
    return None


class LogTail:
    """Counts of patterns in the lines a log file gained since the last call."""

    def __init__(self, path: Path, patterns: dict[str, str]) -> None:
        self.path, self.patterns, self.offset = path, patterns, 0
        self.skip()

    def skip(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def counts(self) -> Counter:
        found = Counter()
        if not self.path.exists():
            return found
        with open(self.path, "rb") as file:
            file.seek(self.offset)
            text = file.read().decode("utf-8", "replace")
            self.offset = file.tell()
        for name, pattern in self.patterns.items():
            found[name] = len(re.findall(pattern, text))
        return found


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Row:
    target: str
    n: int
    measurement: Measurement
    attacker: dict
    server_log: Counter
    recovery: float


def run(ns: list[int], seconds: float, progress) -> tuple[list[Row], str]:
    cores = os.cpu_count() or 1
    workers = int(os.environ.get("FEEDAPP_WORKERS", 2 * cores))  # deploy/gunicorn.conf.py's default
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="feedapp-slowloris-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        url = upgraded(f"sqlite:///{folder / 'feedapp.sqlite3'}")
        env = {"FEEDAPP_DATABASE_URL": url, "FEEDAPP_SITE_URL": f"https://{HOST}", "FEEDAPP_PROXY_COUNT": "1"}
        ingest = feedapp(env, "ingest", str(SEEDS))
        progress(f"ingested seeds: {ingest.stdout.count('added')} added")
        gunicorn_log = folder / "gunicorn-error.log"
        app_port = free_port()
        stack.enter_context(
            gunicorn(
                {**env, "GUNICORN_CMD_ARGS": f"--error-logfile {gunicorn_log}"},
                workers=workers,
                port=app_port,
                config=True,
            )
        )
        gunicorn_master = master_with_arg(f"127.0.0.1:{app_port}")
        gunicorn_workers = (
            settled_count(lambda: len(children(gunicorn_master)), workers) if gunicorn_master else workers
        )

        prefix = folder / "nginx"
        proxy_port = free_port()
        site = deploy_site_conf(prefix / "cache", app_port, proxy_port, free_port(), rate_limits=True)
        conf = nginx_main_conf(prefix, site)
        stack.enter_context(nginx(conf, proxy_port))
        nginx_master = int((prefix / "nginx.pid").read_text())
        nginx_workers = settled_count(lambda: len(children(nginx_master, b"nginx: worker process")), cores)
        version = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
        header = (
            f"{cores} cores; gunicorn {gunicorn_workers} sync workers (deploy/gunicorn.conf.py, "
            f"timeout 30 s); nginx {version}: worker_processes auto ({nginx_workers} workers), "
            f"worker_connections {NGINX_WORKER_CONNECTIONS}, deploy/nginx.conf with its per-address "
            f"limits; reader and attacker both on 127.0.0.1; {seconds:g} s measured per row"
        )
        progress(header)

        gunicorn_tail = LogTail(gunicorn_log, {"worker timeouts": r"WORKER TIMEOUT"})
        nginx_tail = LogTail(
            prefix / "logs" / "error.log",
            {
                "limit_conn": r"limiting connections",
                "limit_req": r"limiting requests",
                "out of worker_connections": r"worker_connections are not enough",
            },
        )
        targets = [("gunicorn direct", app_port, gunicorn_tail), ("nginx → gunicorn", proxy_port, nginx_tail)]
        for name, port, tail in targets:
            for n in ns:
                recovery = wait_available(port)
                tail.skip()
                with attack(port, n) as attacker:
                    time.sleep(WARM_UP)
                    before = attacker.stats() if attacker else {}
                    measurement = measure(port, seconds)
                    after = attacker.stats() if attacker else {}
                counts = tail.counts()
                if tail is nginx_tail:  # gunicorn behind nginx may time out workers too
                    counts.update(gunicorn_tail.counts())
                else:
                    counts.update(nginx_tail.counts())
                during = {
                    key: after.get(key, 0) - before.get(key, 0)
                    for key in ("opened", "closed by server", "answered by server", "connect failed")
                }
                during["established"] = after.get("established", 0)
                row = Row(name, n, measurement, during, counts, recovery)
                rows.append(row)
                progress(
                    f"{name}, N={n}: {row.measurement.availability:.0%} "
                    f"({len(row.measurement.ok)}/{len(row.measurement.outcomes)}); "
                    f"failed: {measurement.failures()}; attacker {during}; logs {dict(counts)}; "
                    f"answered again {recovery:.1f} s after the previous attack"
                )
            gunicorn_tail.skip()
            nginx_tail.skip()
    return rows, header


def milliseconds(values: list[float], pick) -> str:
    return f"{pick(values) * 1000:.1f}" if values else "–"


def report(rows: list[Row], header: str) -> str:
    lines = [
        f"Machine: {header}.",
        "",
        "| target | slow connections | availability | median ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        m = row.measurement
        lines.append(
            f"| {row.target} | {row.n} | {m.availability:.0%} ({len(m.ok)}/{len(m.outcomes)}) "
            f"| {milliseconds(m.ok, statistics.median)} | {milliseconds(m.ok, max)} |"
        )
    lines += [
        "",
        "Details: the probes that failed, and the attacker's connections during the measuring period "
        "(opened, closed or answered by the server, still established at its end); server log lines "
        "in the same period.",
        "",
        "| target | slow connections | failed probes | attacker opened / closed by server / established "
        "| gunicorn worker timeouts | nginx limit_conn / limit_req / out of connections |",
        "|---|---:|---|---|---:|---|",
    ]
    for row in rows:
        failed = row.measurement.failures()
        a, log = row.attacker, row.server_log
        attacker = (
            f"{a['opened']} / {a['closed by server'] + a['answered by server']} / {a['established']}"
            + (f" ({a['connect failed']} connects failed)" if a["connect failed"] else "")
            if row.n
            else "–"
        )
        lines.append(
            f"| {row.target} | {row.n} | {failed} | {attacker} | {log['worker timeouts']} "
            f"| {log['limit_conn']} / {log['limit_req']} / {log['out of worker_connections']} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench slowloris", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", help=f"slow connections (default: {' '.join(map(str, DEFAULT_N))})")
    parser.add_argument("--seconds", type=float, help="measuring period per row (default 20)")
    parser.add_argument("--quick", action="store_true", help=f"N = {', '.join(map(str, QUICK_N))}, 6 s per row")
    args = parser.parse_args(argv)
    ns = args.n or list(QUICK_N if args.quick else DEFAULT_N)
    seconds = args.seconds or (6.0 if args.quick else 20.0)
    limit = raise_open_files(max(ns) + 512)
    if limit < max(ns) + 64:
        parser.error(f"RLIMIT_NOFILE is {limit}: too low for {max(ns)} connections")
    started = time.monotonic()
    try:
        rows, header = run(ns, seconds, lambda text: print(text, file=sys.stderr, flush=True))
    except KeyboardInterrupt:  # the servers and the attacker are stopped by now
        sys.exit("interrupted")
    print(report(rows, header))
    print(f"\n({time.monotonic() - started:.0f} s in all)", file=sys.stderr)
    return 0
