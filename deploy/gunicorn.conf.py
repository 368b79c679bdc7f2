"""gunicorn settings for feedapp: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Environment: FEEDAPP_BIND (default 127.0.0.1:8000), FEEDAPP_WORKERS (default 2 per CPU core).
"""

import multiprocessing
import os
import queue
import signal
import sys

bind = os.environ.get("FEEDAPP_BIND", "127.0.0.1:8000")

# A request is a lookup and a write of cached bytes: CPU-bound and short, so a couple of
# processes per core keep both busy while one waits on the socket.
workers = int(os.environ.get("FEEDAPP_WORKERS", 2 * multiprocessing.cpu_count()))

# Sync workers: feedgen switches the process-wide locale while it formats RFC 822 dates, which
# is not thread-safe (render under a lock or in one thread per process; both hold here).
worker_class = "sync"

# Recycle workers now and then so a slow leak can never grow without bound; jitter keeps them
# from restarting all at once. A recycled worker starts with empty render caches and renders
# each document again, so not too often: at 1,000 requests/s a worker lives about 2 minutes.
max_requests = 100_000
max_requests_jitter = 10_000

timeout = 30  # a request that takes longer than this is a bug: kill and replace the worker
graceful_timeout = 30
keepalive = 5  # behind nginx, keep upstream connections briefly

# The app writes its own access lines (JSON, with the request id, never the client's address
# while FEEDAPP_PRIVACY is on: feedapp/observe.py) to stdout; gunicorn's own lines go to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"

# The app never loads hazm (tests/test_import_chain.py), so preloading it in the master is cheap
# and lets workers share its memory pages and boot in a fork.
preload_app = True


# Metrics (FEEDAPP_METRICS_TOKEN set): every worker counts into prometheus-client's multiprocess
# folder, which must be named before the app (preloaded below) first imports prometheus_client.
# scripts/serve.sh and the systemd units name it (the ingest service counts there too); alone,
# gunicorn takes one under $RUNTIME_DIRECTORY, or a new folder in /dev/shm (else the temporary
# folder). At start, emptied of what no running process writes.
if os.environ.get("FEEDAPP_METRICS_TOKEN"):
    import tempfile

    from feedapp.metrics import MULTIPROCESS_DIR, prepare_directory

    if not os.environ.get(MULTIPROCESS_DIR):
        runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
        # In memory (tmpfs) where there is one: every count writes to these files.
        memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        os.environ[MULTIPROCESS_DIR] = (
            os.path.join(runtime, "metrics") if runtime else tempfile.mkdtemp(prefix="feedapp-metrics-", dir=memory)
        )
    prepare_directory(os.environ[MULTIPROCESS_DIR])


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """A worker exited (recycled after max_requests, killed, stopped): its counts join the
    folder's archive and its files go, so files never pile up and counters never go back."""
    from feedapp.metrics import fold_dead

    fold_dead(worker.pid)


def worker_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """Write the worker's last reach counts, request counts and access lines before it goes
    (before child_exit folds its metric files into the archive)."""
    from feedapp import logs, metrics
    from feedapp.state import of

    reach = of(worker.app.wsgi()).reach
    if reach is not None:
        reach.flush()
    metrics.flush()
    logs.access_lines.flush()


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    """Fixed malloc thresholds in the master, inherited by every worker (feedapp/allocator.py):
    re-rendering multi-megabyte sitemaps after each change must not grow workers for good."""
    from feedapp.allocator import tune_allocator

    tune_allocator()


# The signals by which the master stops its workers (TERM: gracefully; INT, QUIT: at once).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _stop_before_serving(signum, frame):  # noqa: ARG001 - a signal handler's signature
    sys.exit(0)


def _queued_signals(server):
    """The signals waiting in this process's copy of the master's queue, taken out of it (the
    worker never reads it): a list up to gunicorn 23, a queue.SimpleQueue from 24."""
    queued = server.SIG_QUEUE
    if isinstance(queued, list):
        return list(queued)
    taken = []
    while True:
        try:
            taken.append(queued.get_nowait())
        except queue.Empty:
            return taken


def post_fork(server, worker):
    """Give each worker its own database connections: sockets must not be shared across forks.

    First, make sure a stop is not lost while the worker boots. gunicorn installs a worker's own
    handlers in init_process, after this hook; until then the child runs the master's handlers,
    inherited through the fork, which only queue a signal for a master loop the child never runs.
    A worker booting when a stop came (say, the replacement of a recycled one) then served on
    until graceful_timeout ran out, 30 s (seen in tests/test_observe_served.py under load;
    tests/test_deploy.py makes it happen). Until gunicorn's handlers replace it, a stop signal
    ends the worker, which has served nothing yet; so does one queued before this hook ran (in
    the master just before the fork, or in this child since).
    """
    for stop in STOP_SIGNALS:
        signal.signal(stop, _stop_before_serving)
    if any(queued in STOP_SIGNALS for queued in _queued_signals(server)):
        sys.exit(0)
    from feedapp.state import after_fork

    after_fork(worker.app.wsgi())


# gunicorn ≥ 26 opens a control socket under $HOME; the service has no home to write to
# (ProtectHome) and nothing uses the socket. Older gunicorns ignore the setting.
control_socket_disable = True
