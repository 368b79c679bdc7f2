"""Test constants and helpers: paths, closing an app, and the real processes tests start
(gunicorn on 127.0.0.1, nginx, PostgreSQL, the feedapp command)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEEDS = ROOT / "seeds"
SAMPLE = SEEDS / "000_44faba8da108bc04.txt"
# The seeds' keys, in the order `feedapp ingest seeds/` stores them.
SEED_KEYS = (
    "000_44faba8da108bc04",
    "001_shahrdari_tehran_metro",
    "002_ostandari_qazvin_barf",
    "003_daneshgah_hamayesh",
    "004_havashenasi_garma",
    "005_bimeh_salamat_nowruz",
    "006_vezarat_varzesh_olympic",
    "007_bank_markazi_nerkh",
    "008_sazman_mohitzist_ab",
)
BACKENDS = ["sqlite", "postgresql"]


def get_engine_of(app):
    """The app's engine, outside a request."""
    from feedapp import state

    return state.of(app).engine


@contextlib.contextmanager
def opened_app(config: dict) -> Iterator:
    """create_app(config), closed after (close_app)."""
    from feedapp import create_app

    app = create_app(config)
    try:
        yield app
    finally:
        close_app(app)


def close_app(app) -> None:
    """Close what the app opened in this process (AppState.close). Left to the garbage
    collector, each connection and pipe is a ResourceWarning, which pytest turns into an error
    (filterwarnings in pyproject.toml)."""
    from feedapp import state

    state.of(app).close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def feedapp(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `feedapp` console script."""
    return subprocess.run(
        [str(BIN / "feedapp"), *args],
        env={**os.environ, **env},
        cwd=ROOT,
        check=check,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    workers: int = 2,
    port: int | None = None,
    config: bool = False,
    log: Path | None = None,
    output: Path | None = None,
) -> Iterator[str]:
    """gunicorn serving wsgi:app on a (free) loopback port; yields the base URL.

    With `config`, it runs with deploy/gunicorn.conf.py as in production; with `log`, its error
    log (the app's log records) goes to that file; with `output` (a folder), its standard output
    and error go to stdout.log and stderr.log there.
    """
    port = port or free_port()
    settings = ["--config", str(ROOT / "deploy" / "gunicorn.conf.py")] if config else []
    if log:
        settings += ["--error-logfile", str(log)]
    # stderr to a file, never a pipe nobody reads: a chatty run would fill it and stall gunicorn.
    with contextlib.ExitStack() as files:
        if output:
            out = files.enter_context(open(output / "stdout.log", "wb"))
            errors = files.enter_context(open(output / "stderr.log", "w+b"))
        else:
            out, errors = subprocess.DEVNULL, files.enter_context(tempfile.TemporaryFile())
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), *settings, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "wsgi:app"],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=out,
            stderr=errors,
        )
        process.stderr = errors  # what _running reports if it does not start
        base = f"http://127.0.0.1:{port}"
        with _running(process, "gunicorn", lambda: urllib.request.urlopen(base + "/", timeout=5).close(), 60):
            yield base


@contextlib.contextmanager
def ingest_service(env: dict[str, str], log: Path | None = None, out: Path | None = None) -> Iterator[subprocess.Popen]:
    """The host's ingest service for env's database (`feedapp ingest-service`, its
    supervisor), once its service process is warmed up and taking jobs; stopped after. Yields
    the supervisor; its stderr (the service's start and stop lines) goes to `log` or a temporary
    file, its stdout (each job's outcome line) to `out` or nowhere."""
    with contextlib.ExitStack() as files:
        errors = files.enter_context(open(log, "w+b") if log else tempfile.TemporaryFile())
        process = subprocess.Popen(
            [str(BIN / "feedapp"), "ingest-service"],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=files.enter_context(open(out, "wb")) if out else subprocess.DEVNULL,
            stderr=errors,
        )
        process.stderr = errors

        def ready() -> None:
            errors.seek(0)
            if b"ready (pid" not in errors.read():
                raise OSError("not ready yet")

        with _running(process, "the ingest service", ready, 60):
            yield process


def service_process(supervisor: subprocess.Popen) -> int:
    """The pid of the supervisor's current service process (waits for one to be running)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == supervisor.pid and fields[0] != "Z":
                    return int(entry.name)
        time.sleep(0.05)
    raise RuntimeError(f"the ingest service {supervisor.pid} has no running service process")


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Status, headers and raw body (no decompression) of one request."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def ingest_here(url: str, folder: Path) -> None:
    """`feedapp ingest FOLDER`'s work, in this process (hazm loaded once for the session, not
    seconds per command), for tests of what comes after an ingest: every release stored."""
    from feedapp.engine import Engine
    from feedapp.ingest import collect_files, ingest_files

    engine = Engine(url)
    try:
        outcomes = list(ingest_files(engine, collect_files([folder])))
    finally:
        engine.dispose()
    assert [outcome.errors for outcome in outcomes if not outcome.ok] == []


def write_releases(folder: Path, count: int, *, prefix: str = "gen", first: int = 0) -> list[str]:
    """Write `count` distinct text releases (one a day from 1403/01/01, 09:30) and return their keys."""
    import jdatetime

    folder.mkdir(parents=True, exist_ok=True)
    keys = []
    for number in range(first, first + count):
        day = jdatetime.date(1403, 1, 1) + jdatetime.timedelta(days=number)
        key = f"{prefix}_{number:05d}"
        (folder / f"{key}.txt").write_text(
            f"{day.strftime('%Y/%m/%d')} ساعت 09:30\n\nخبر شماره {number} شهرداری\n\n"
            f"لید خبر شماره {number} درباره برنامه‌های شهرداری است.\n\nمتن خبر {number}.\n",
            encoding="utf-8",
        )
        keys.append(key)
    return keys


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_prefix(prefix: Path, site_conf: str, port: int) -> Path:
    """A self-contained nginx setup in `prefix` that serves `site_conf` (an http-level include)."""
    import os as _os

    for folder in ("tmp", "logs", "cache"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(site_conf, encoding="utf-8")
    user = "user root;\n" if _os.geteuid() == 0 else ""  # workers may read root's temp folders
    temp = "".join(
        f"{kind}_temp_path {prefix}/tmp/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = (
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n"
        f"events {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\n"
        "log_format upstream '$request_method $uri $status $upstream_status $upstream_cache_status';\n"
        f"access_log {prefix}/logs/access.log upstream;\nlog_subrequest on;\n"
        f"{temp}include {prefix}/site.conf;\n}}\n"
    )
    conf = prefix / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


def deploy_site_conf(cache: Path, upstream: int, port: int, tls_port: int, *, rate_limits: bool = True) -> str:
    """deploy/nginx.conf (and its snippet) with test paths and ports, its TLS server on `tls_port`
    with a fresh self-signed certificate for news.example.ir in `cache`'s parent folder.

    Without `rate_limits`, the per-address limits are left out: a load generator is one address.
    """
    deploy = ROOT / "deploy"
    folder = cache.parent
    certificate, key = folder / "tls.crt", folder / "tls.key"
    if not certificate.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=news.example.ir",
                "-keyout",
                str(key),
                "-out",
                str(certificate),
            ],
            check=True,
            capture_output=True,
        )
    snippet = (deploy / "nginx-feedapp.conf").read_text(encoding="utf-8")
    if not rate_limits:
        snippet = "\n".join(line for line in snippet.splitlines() if not line.startswith(("limit_conn ", "limit_req ")))
    (folder / "feedapp-snippet.conf").write_text(snippet, encoding="utf-8")
    text = (deploy / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (
        ("/var/cache/nginx/feedapp", str(cache)),
        ("127.0.0.1:8000", f"127.0.0.1:{upstream}"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;"),
        ("/etc/letsencrypt/live/news.example.ir/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/news.example.ir/privkey.pem", str(key)),
        ("/etc/nginx/snippets/feedapp.conf", str(folder / "feedapp-snippet.conf")),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def nginx(conf: Path, port: int) -> Iterator[str]:
    """nginx running `conf` in the foreground; yields its base URL."""
    command = [NGINX, "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"]
    # Popen's exit closes the stderr pipe.
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        with _running(process, "nginx", lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close(), 20):
            yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def _running(process: subprocess.Popen, name: str, probe: Callable[[], None], timeout: float) -> Iterator[None]:
    """Wait until `probe` stops raising OSError (the server answers), then stop the server after."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                probe()
                break
            except OSError:  # URLError and ConnectionError are OSErrors
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    if process.stderr.seekable():  # gunicorn's file (nginx's is a pipe)
                        process.stderr.seek(0)
                    raise RuntimeError(f"{name} did not start: " + process.stderr.read().decode()) from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


class PostgresServer:
    """A throwaway PostgreSQL server (Debian's binaries) on a free loopback port.

    initdb refuses to run as root, so as root the server runs as the `postgres` system user.
    """

    def __init__(self) -> None:
        import glob
        import tempfile

        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not candidates:
            raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
        self.bin = Path(candidates[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="feedapp-pg-"))
        self.port = free_port()
        self._as = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._databases = 0

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.dir / "data"
        self._run(
            str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"
        )
        # Durability off: a test server that loses data on a crash loses nothing we need.
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            # immediate: no shutdown checkpoint (seconds after hundreds of test databases); the
            # data is thrown away next.
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            # Removed by a process left to finish on its own: hundreds of test databases take
            # 20 s to delete, which the run need not wait for.
            os.spawnlp(os.P_NOWAIT, "rm", "rm", "-rf", str(self.dir))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, like: str | None = None) -> str:
        """A fresh database, empty or a copy of the database at URL `like` (which nothing may
        be connected to); its URL."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}"
        template = f" TEMPLATE {like.rsplit('/', 1)[1]}" if like else ""
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}{template}")
        return self.url(name)


def make_token(url: str, office: str | None, scopes: tuple[str, ...] = ("publish", "retract"), **dates: Any) -> str:
    """A new publishing token in the store at `url` (as `feedapp token create` makes one), for
    `office` (None: every office); `expires_at=` a datetime for one that runs out."""
    from feedapp import store, tokens
    from feedapp.engine import Engine

    token = tokens.new_token()
    engine = Engine(url)
    try:
        now = datetime.now(timezone.utc)
        prefix = tokens.prefix_of(token)
        store.add_token(engine, prefix, tokens.digest(token), office, scopes, now, dates.get("expires_at"))
    finally:
        engine.dispose()
    return token


def upgraded(url: str) -> str:
    """Create the store at `url` (or bring it up to date) as `feedapp db upgrade` does; its URL."""
    from feedapp import schema
    from feedapp.engine import Engine

    engine = Engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return url
