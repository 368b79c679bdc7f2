"""The one ingest service of a host: it stores the documents the publishing API receives, and
the files dropped in the inbox tree (FEEDAPP_INBOX, inbox_watcher.py).

Serving processes never import hazm (seconds and hundreds of MB each). A web worker commits the
document it received to the `ingest_jobs` queue (durable acceptance, ingest_client.py), wakes
the service with a datagram and waits for the job's reply; the service takes jobs in order and
runs each through the CLI's pipeline (`ingest_document`), as the job's actor.

Why the database as the queue, not a task-queue library: the store is already the one thing
every process of the site shares and backs up; a job commits in the same store as its release,
so the release's own transaction marks the job `stored` (store.completing) and no crash can leave
a release without its job's action or the reverse; PostgreSQL's SKIP LOCKED lets the services of
several hosts share one queue. A library (Celery, RQ, Huey) would add a broker to run, back up
and reason about, for a path used a few times an hour.

Processes (`feedapp ingest-service`):
- the supervisor, light (no hazm): binds the wake socket, starts the service process, starts
  another when it dies (kill -9 included), and stops it on SIGTERM/SIGINT. The socket stays
  bound across restarts, so a wake sent while the service restarts waits in its buffer.
- the service process (`--child FD`): loads hazm and the half-space lexicon before taking a job
  (the first write after boot does not pay for them), lets go of the jobs its host's earlier
  service held, then takes jobs until stopped.

The wake socket is a Linux abstract-namespace datagram socket named after the database (or
FEEDAPP_INGEST_SOCKET): no file to clean up, and found by every process of the host whatever
their private /tmp. A datagram carries nothing but "look at the queue": anyone who can send one
only makes the service look sooner; it polls the queue every second anyway.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import logs, metrics, store
from .engine import Engine, storage_faults
from .logs import REQUEST_ID

if TYPE_CHECKING:
    from .core.models import Release

    # Both import hazm: only the service process does, when it starts.
    from .inbox_watcher import InboxWatcher
    from .ingest import Outcome

# Each job's outcome, a line (JSON on stdout; the service's own start and stop lines are on stderr).
outcomes = logging.getLogger("feedapp.ingest")

# A job taken this many times without being stored killed the service each time: answer it.
MAX_ATTEMPTS = 3
# A job held this long by another host's service is taken over (normalizing takes milliseconds).
STALE_CLAIM = timedelta(minutes=5)
# How long the service waits for a wake before looking at the queue anyway.
POLL_SECONDS = 1.0
# Answered jobs are kept this long (their bytes are in `releases`, their changes in the audit).
KEEP_DONE = timedelta(days=7)
# Answered checks (a desk's drafts) are kept this long: their writer has read the reply by then.
KEEP_CHECKS = timedelta(hours=1)
# How often the service deletes answered jobs older than KEEP_DONE.
PRUNE_EVERY = 3600.0
# How often the service looks for new files in the inbox tree (FEEDAPP_INBOX), between jobs.
INBOX_EVERY = 5.0
# A sample release the service normalizes before taking jobs: loads hazm and the lexicon.
WARM_UP_TEXT = "روابط عمومي شهرداري تهران اعلام كرد: خط هاي جديد مترو از امروز به بهره برداري مي رسند."


def wake_address(database_url: str, configured: str | None = None) -> str:
    """The wake socket's abstract name: the configured FEEDAPP_INGEST_SOCKET, or one named after
    the database, so that the service and the web workers of one site agree without setting it."""
    name = configured or "feedapp-ingest-" + hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return "\0" + name


def reply_of(outcome: Outcome) -> dict[str, Any]:
    """An ingest Outcome as the job's reply (what the API answers with)."""
    return {
        "action": str(outcome.action),
        "key": outcome.key,
        "errors": [problem.as_dict() for problem in outcome.errors],
        "warnings": [problem.as_dict() for problem in outcome.warnings],
    }


def check_reply(outcome: Outcome, parsed: Release | None) -> dict[str, Any]:
    """A check job's reply: reply_of's, plus the release as it would be published (`release`) and
    what normalization changes in each text field (`changes`: textdiff.word_changes runs with
    their change_kinds)."""
    from .core.jalali import format_jalali, rfc3339
    from .core.textdiff import change_kinds, word_changes

    reply = reply_of(outcome)
    release = outcome.release
    if release is None or parsed is None:
        return reply

    def changes(old: str, new: str) -> list[dict[str, Any]]:
        return [
            {"text": text, "was": was, "kinds": list(change_kinds(was, text))} if how == "changed" else {"text": text}
            for how, text, was in word_changes(old, new)
        ]

    fields = {name: (getattr(parsed, name) or "", getattr(release, name) or "") for name in ("kicker", "title", "lead")}
    reply["release"] = {
        "key": release.key,
        "published": rfc3339(release.published.instant),
        "jalali": release.published.jalali,
        "when": format_jalali(release.published),
        "has_time": release.published.has_time,
        **{name: new for name, (_, new) in fields.items()},
        "body": list(release.body),
        "categories": list(release.categories),
        "source": release.source,
        "language": release.language,
        "images": [image.as_dict() for image in release.images],
    }
    # Paragraphs a cleanup emptied are dropped by normalization: pair what remains by position.
    kept = [paragraph for paragraph in parsed.body if paragraph.strip()]
    reply["changes"] = {
        **{name: changes(old, new) for name, (old, new) in fields.items()},
        "body": [changes(old, new) for old, new in zip(kept, release.body, strict=False)],
    }
    return reply


def handle(engine: Engine, job: store.Job) -> dict[str, Any]:
    """Store one job's document as its actor (checked and audited), or only check it (a CHECK
    job: nothing is stored); its reply."""
    from .core.models import Action
    from .ingest import check_document, ingest_document

    seconds = None
    doing = "checking" if job.purpose == store.CHECK else "storing"
    if job.state == store.QUEUED and job.attempts > MAX_ATTEMPTS:
        reply: dict[str, Any] = {
            "action": str(Action.FAILED),
            "key": job.key,
            "errors": [
                {
                    "message": f"the ingest service stopped {MAX_ATTEMPTS} times while {doing} this release;"
                    " nothing was stored (send it again; if it fails again, report it with the bytes sent)"
                }
            ],
            "warnings": [],
        }
    else:
        started = time.monotonic()
        if job.purpose == store.CHECK:
            reply = check_reply(*check_document(job.raw, job.format, job.key))
        else:
            with store.acting_as(job.actor), store.completing(job.id):
                reply = reply_of(ingest_document(engine, job.raw, job.format, job.key))
            if job.state == store.STORED:
                # An earlier take stored it and died before answering: this take found it unchanged.
                reply["action"] = job.action
        seconds = time.monotonic() - started
    if job.purpose != store.CHECK:  # feedapp_ingests_total counts what was stored or refused
        metrics.count_ingest(reply["action"], seconds)
    _log_outcome(job, reply, seconds)
    return reply


def _log_outcome(job: store.Job, reply: dict[str, Any], seconds: float | None) -> None:
    """The job's outcome line (logs.py: JSON on stdout), under the id of the request that
    queued it: the API's lines and the service's for one write share it."""
    fields = {
        "job": job.id,
        "action": reply["action"],
        "key": reply["key"],
        "ms": None if seconds is None else round(seconds * 1000, 1),
        "errors": len(reply["errors"]),
        "warnings": len(reply["warnings"]),
        "office": job.actor.office if job.actor else None,
    }
    reset = REQUEST_ID.set(job.request_id)
    try:
        outcomes.info("%s %s", reply["action"], reply["key"] or "-", extra=fields)
    finally:
        REQUEST_ID.reset(reset)


def warm_up() -> float:
    """Load what ingesting needs (hazm, the lexicon) by normalizing a sample; seconds taken."""
    started = time.monotonic()
    from .core.normalize import normalize_text

    normalize_text(WARM_UP_TEXT)
    return time.monotonic() - started


def serve(
    engine: Engine,
    wake: socket.socket,
    claimant: str,
    stopping: Callable[[], bool],
    inbox: InboxWatcher | None = None,
) -> None:
    """Take and answer jobs until `stopping()`; wait on `wake` when the queue is empty. Between
    jobs, every INBOX_EVERY seconds, ingest what changed in the inbox tree, if one is watched."""
    pruned = looked = 0.0
    while not stopping():
        now = datetime.now(timezone.utc)
        try:
            with _busy():
                job = store.claim_job(engine, claimant, now, now - STALE_CLAIM)
                if job is not None:
                    store.finish_job(engine, job.id, handle(engine, job), datetime.now(timezone.utc))
            if job is not None:
                continue
            if inbox is not None and time.monotonic() - looked > INBOX_EVERY:
                looked = time.monotonic()  # before: a look that fails is tried again in 5 s, not at once
                with _busy():
                    inbox.look(engine)
            if time.monotonic() - pruned > PRUNE_EVERY:
                store.prune_jobs(engine, now - KEEP_DONE, now - KEEP_CHECKS)
                pruned = time.monotonic()
        except storage_faults() as exc:
            # The store is locked or away: the job stays ours (claim_job takes it again); retry.
            _log(f"the store failed ({type(exc).__name__}: {exc}); trying again in {POLL_SECONDS:g} s")
            time.sleep(POLL_SECONDS)
            continue
        _wait(wake, POLL_SECONDS)


def _wait(wake: socket.socket, seconds: float) -> None:
    """Wait for a wake (or `seconds`), then empty the socket: one look at the queue serves all."""
    readable, _, _ = select.select([wake], [], [], seconds)
    while readable:
        try:
            wake.recv(64)
        except BlockingIOError:
            return


def child_main(fd: int) -> None:
    """The service process: warm up, let go of this host's old claims, serve until stopped."""
    from . import configured_app
    from .state import open_engine

    parent = os.getppid()
    stop = _stop_on_signals()
    wake = socket.socket(fileno=fd)
    wake.setblocking(False)
    app = configured_app()
    logs.configure(app.config["LOG_FORMAT"])
    if app.config["METRICS_TOKEN"] and os.environ.get(metrics.MULTIPROCESS_DIR):
        metrics.enable()  # into the web workers' folder: their /metrics shows the ingests
    engine = open_engine(app.config["DATABASE_URL"])
    try:
        seconds = warm_up()
        host = socket.gethostname()
        released = store.release_claims(engine, f"{host}:%")
        _log(f"ready (pid {os.getpid()}, warmed up in {seconds:.2f} s, {released} unfinished job(s) taken back)")
        notify_ready()
        with app.app_context():  # the inbox's WebSub topics are absolute URLs of the site
            serve(engine, wake, f"{host}:{os.getpid()}", lambda: stop() or os.getppid() != parent, _inbox(app.config))
    finally:
        engine.dispose()


def _inbox(config: Any) -> InboxWatcher | None:
    """The watcher of FEEDAPP_INBOX, if set (imports hazm's pipeline: only here)."""
    if not config["INBOX"]:
        return None
    from . import urls, websub
    from .inbox_watcher import InboxWatcher

    def notify(changed: list[Release]) -> None:  # topics in this thread: they need the app's context
        websub.notify_in_background(config["WEBSUB_HUB"], urls.topic_urls(changed))

    _log(f"watching the inbox {config['INBOX']} (every {INBOX_EVERY:g} s)")
    return InboxWatcher(Path(config["INBOX"]), _log, notify)


def notify_ready() -> None:
    """Tell systemd the service is warm (`Type=notify`, `NotifyAccess=all`: this is the
    supervisor's child), so that units ordered after it (the site) start once a write would be
    answered at once. sd_notify(3)'s protocol: one datagram to $NOTIFY_SOCKET, `@` meaning the
    abstract namespace. Nothing without the variable."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.sendto(b"READY=1", address)


def supervise(database_url: str, address: str) -> int:
    """Bind the wake socket and keep one service process running; exit status."""
    wake = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        wake.bind(address)
    except OSError as exc:
        _log(f"cannot bind the wake socket {address.lstrip(chr(0))!r} ({exc}): is a service already running?")
        return 1
    stop = _stop_on_signals(forward=True)
    delay = 0.1
    while True:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "feedapp.ingest_service", "--child", str(wake.fileno())],
            pass_fds=(wake.fileno(),),
            env={**os.environ, "FEEDAPP_DATABASE_URL": database_url},
        )
        _CHILD[0] = child
        status = child.wait()
        metrics.fold_dead(child.pid)  # its counts stay, its files go (nothing when metrics are off)
        if stop():
            return 0
        # Restart at once after a long life; back off if it dies as soon as it starts.
        delay = 0.1 if time.monotonic() - started > 30 else min(delay * 2, 10.0)
        _log(f"the service process {child.pid} ended (status {status}); starting another in {delay:.1f} s")
        time.sleep(delay)
        if stop():
            return 0


# The supervisor's current service process, for its signal handler.
_CHILD: list[subprocess.Popen[bytes] | None] = [None]
# Whether the service process is taking or answering a job (a stop then waits for its end).
_BUSY = [False]


@contextlib.contextmanager
def _busy() -> Iterator[None]:
    _BUSY[0] = True
    try:
        yield
    finally:
        _BUSY[0] = False


def _stop_on_signals(forward: bool = False) -> Callable[[], bool]:
    """Handle SIGTERM and SIGINT by asking to stop; a function that says whether asked. The
    supervisor (`forward`) passes SIGTERM to the service process; that one stops at once when
    no job is under way (warming up, waiting), else once the job is answered."""
    asked = [False]

    def handler(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal's handler signature
        asked[0] = True
        child = _CHILD[0]
        if forward and child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
        elif not forward and not _BUSY[0]:
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return lambda: asked[0]


def _log(message: str) -> None:
    print(f"feedapp ingest service: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":  # the service process, started by supervise(): `… --child FD`
    if sys.argv[1:2] != ["--child"]:
        sys.exit("run the ingest service with `feedapp ingest-service`")
    child_main(int(sys.argv[2]))
