"""gunicorn servers for the benchmark: started on a free loopback port, always stopped.

The app, the floor and the Django peer all run under the same gunicorn settings: the project's
`deploy/gunicorn.conf.py` when it exists, else `--workers 2 --worker-class sync` (what
`scripts/serve.sh` runs). Only the bind address and the WSGI callable differ.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support import deploy_site_conf  # deploy/nginx.conf with local paths and ports

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent  # the venv's gunicorn and feedapp, beside this interpreter
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
OTHER_CONFIG = BENCH / "gunicorn_other.conf.py"  # the same settings without feedapp's hooks
DEFAULT_ARGS = ("--workers", "2", "--worker-class", "sync")
START_TIMEOUT = 60.0  # seconds; a server not answering by then is a failure


def settings_args(feedapp: bool = True) -> tuple[list[str], str]:
    """The gunicorn arguments every server shares, and a sentence saying which were used.

    With the deploy config, servers other than feedapp (`feedapp=False`) get it through
    bench/gunicorn_other.conf.py, which drops only its feedapp-specific hooks.
    """
    if CONFIG.exists():
        config = CONFIG if feedapp else OTHER_CONFIG
        return ["--config", str(config)], (
            f"gunicorn with `{CONFIG.relative_to(ROOT)}` (floor and peer: "
            f"`{OTHER_CONFIG.relative_to(ROOT)}`, the same without its feedapp-only "
            "`post_fork` and `worker_exit` hooks)"
        )
    return list(DEFAULT_ARGS), "gunicorn `" + " ".join(DEFAULT_ARGS) + "` (no `deploy/gunicorn.conf.py` yet)"


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _supports_no_control_socket() -> bool:
    # gunicorn 25+ opens a control socket at one fixed path: several servers would fight over it.
    help_text = subprocess.run([str(BIN / "gunicorn"), "--help"], capture_output=True, text=True, timeout=60).stdout
    return "--no-control-socket" in help_text


_NO_CONTROL = None


@dataclass
class Server:
    """A running gunicorn: where it listens, its master's pid, how long it took to answer."""

    name: str
    host: str
    port: int
    process: subprocess.Popen
    boot_seconds: float = 0.0

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc (the workers; gunicorn has no other children here)."""
        return children(self.process.pid)

    def workers_cpu_seconds(self) -> float:
        """CPU time (user and system) the current workers have used so far, from /proc."""
        return sum(cpu_seconds(pid) for pid in self.worker_pids())


def children(pid: int) -> list[int]:
    """Pids whose parent is `pid`, read from /proc/*/stat."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (fields 14 and 15 of /proc/PID/stat), 0 if it has ended."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS if fields else 0.0


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat from its third field on (state, ppid, …), empty if the process has ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    # The command name (field 2) may hold spaces: fields after its closing parenthesis.
    return stat.rsplit(")", 1)[1].split()


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (VmRSS from /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def http_get(
    host: str, port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One GET: status, headers in order, raw body (never decompressed)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _wait_ready(server: Server, probe: str, started: float) -> None:
    """Poll `probe` until it answers 200; fail if the server dies or takes too long."""
    deadline = started + START_TIMEOUT
    while True:
        try:
            status, _, _ = http_get(server.host, server.port, probe, timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name}: gunicorn did not answer {probe} (exit {server.process.poll()})")
        time.sleep(0.01)


@contextlib.contextmanager
def gunicorn(name: str, app: str, env: dict[str, str], probe: str, log: Path, feedapp: bool = True) -> Iterator[Server]:
    """Serve the WSGI callable `app` under the shared settings; stop it however the block ends.

    gunicorn runs in the repository root, which it puts first on its import path: `wsgi:app`,
    `bench.floor:app` and `bench.django_peer.wsgi:application` are found from there.

    `boot_seconds` is the time from spawning gunicorn to the first 200 on `probe`: master start,
    fork, the worker's import of the app and one request (an upper bound of a worker's boot).
    """
    global _NO_CONTROL
    if _NO_CONTROL is None:
        _NO_CONTROL = _supports_no_control_socket()
    port = free_port()
    args, _ = settings_args(feedapp)
    command = [str(BIN / "gunicorn"), *args, "--bind", f"127.0.0.1:{port}"]
    command += ["--no-control-socket"] if _NO_CONTROL else []
    started = time.monotonic()
    with open(log, "ab") as log_file:
        process = subprocess.Popen(
            [*command, app],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
    server = Server(name, "127.0.0.1", port, process)
    try:
        _wait_ready(server, probe, started)
        server.boot_seconds = time.monotonic() - started
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop one gunicorn we started: SIGTERM to its master, SIGKILL to its group if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        # Its own session (start_new_session): the group holds only this master and its workers.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@dataclass(frozen=True)
class Endpoint:
    """Something wrk can load that is not one of our gunicorns (nginx's servers)."""

    name: str
    base: str


@contextlib.contextmanager
def nginx_pair(folder: Path, app: Server, feed_bytes: bytes) -> Iterator[tuple[Endpoint, Endpoint]]:
    """nginx with deploy/nginx.conf in front of `app`, and nginx serving `feed_bytes` as a static
    file: the same nginx process and settings, so the gap between them is the proxy cache's."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    proxied, static = free_port(), free_port()
    for sub in ("tmp", "cache", "static"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "static" / "feed.atom").write_bytes(feed_bytes)
    # wrk is one address: deploy/nginx.conf's per-address limits would measure themselves.
    site = deploy_site_conf(folder / "cache", app.port, proxied, free_port(), rate_limits=False)
    temp = "".join(
        f"{kind}_temp_path {folder}/tmp/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes auto;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"events {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\naccess_log off;\n{temp}{site}\n"
        f"server {{ listen 127.0.0.1:{static}; root {folder / 'static'};\n"
        f"  location = /feed.atom {{ default_type application/atom+xml; charset utf-8;"
        f" charset_types application/atom+xml; add_header Cache-Control 'public, max-age=300'; }} }}\n}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        for port in (proxied, static):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("nginx did not start: " + process.stderr.read().decode()) from None
                    time.sleep(0.1)
        yield (
            Endpoint("nginx → app", f"http://127.0.0.1:{proxied}"),
            Endpoint("nginx static", f"http://127.0.0.1:{static}"),
        )
    finally:
        process.terminate()
        process.wait(timeout=20)
