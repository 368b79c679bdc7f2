"""Prometheus metrics: what the site served, how fast, what the ingest did, and the store's size.

Off unless FEEDAPP_METRICS_TOKEN is set; then `/metrics` (observe.py) answers a scraper that sends
`Authorization: Bearer TOKEN`, in the Prometheus text format.

Several processes count (gunicorn's workers, the ingest service), so the counts live in
prometheus-client's multiprocess files, in PROMETHEUS_MULTIPROC_DIR: one file per process and
kind, summed at each scrape. That variable must be set before prometheus_client is first
imported: deploy/gunicorn.conf.py sets it (under $RUNTIME_DIRECTORY, or a new temporary folder)
and empties the folder at start. A process that exits leaves its counts behind; fold_dead()
(gunicorn's `child_exit`, the ingest supervisor) adds them to one `*_archive.db` file per kind
and deletes its files, so recycled workers never pile up files and counters never go back.
Without the variable (one process: the test client, `flask run`) the counts stay in memory.

Costs only when on: the modules that count call these functions, which return at once when
metrics are off in the process.
"""

from __future__ import annotations

import bisect
import fcntl
import glob
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .logs import flush_periodically

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

# How often a process adds the requests it counted to the shared files (and when it exits, and
# before its own scrapes): a scrape may miss the last second of other workers' requests.
FLUSH_SECONDS = 1.0
# Seconds: a fast-path hit is tens of microseconds, a first sitemap render up to a second.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
INGEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_metrics: _Metrics | None = None


class _Metrics:
    """The metric objects, made once per process (prometheus_client is imported here only)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter(
            "feedapp_requests",
            "HTTP requests answered, by route family, format, variant (gzip or identity) and status.",
            ["family", "format", "variant", "status"],
        )
        self.seconds = Histogram(
            "feedapp_request_seconds",
            "Time to answer a request (rendering included; sending the body not), by route family.",
            ["family"],
            buckets=LATENCY_BUCKETS,
        )
        self.ingests = Counter(
            "feedapp_ingests", "Releases ingested, by outcome (added, updated, unchanged, rejected).", ["outcome"]
        )
        self.ingest_seconds = Histogram(
            "feedapp_ingest_seconds", "Time to ingest one release (parse, normalize, store).", buckets=INGEST_BUCKETS
        )
        self.websub_failures = Counter("feedapp_websub_failures", "WebSub hub notifications that failed.")
        # Requests counted since the last flush, in this process: label set -> count, and family
        # -> [sum of seconds, count in each bucket (LATENCY_BUCKETS, then +Inf)].
        self._lock = threading.Lock()
        self._flushing = False  # this process's flusher thread runs (a forked child starts its own)
        self._counts: dict[tuple[str, str, str, str], int] = {}
        self._latencies: dict[str, list[float]] = {}
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        """In a new child (a gunicorn worker): nothing counted yet, no flusher thread yet."""
        self._lock = threading.Lock()
        self._flushing, self._counts, self._latencies = False, {}, {}

    def count_request(self, labels: tuple[str, str, str, str], seconds: float) -> None:
        """Count in memory: each increment of a multiprocess metric takes a lock, checks the pid
        and writes into a mapped file, three per request (counter, histogram sum, bucket), about
        a tenth of a cached feed's time. They reach the files at most FLUSH_SECONDS later."""
        with self._lock:
            if not self._flushing:  # the first request of this process
                self._flushing = True
                flush_periodically(self.flush, FLUSH_SECONDS)
            self._counts[labels] = self._counts.get(labels, 0) + 1
            latency = self._latencies.get(labels[0])
            if latency is None:
                latency = self._latencies[labels[0]] = [0.0] * (len(LATENCY_BUCKETS) + 2)
            latency[0] += seconds
            latency[1 + bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1  # observe(): first bound >= it

    def flush(self) -> None:
        """Add what was counted in memory to the metrics (their files, in multiprocess mode)."""
        with self._lock:
            counts, self._counts = self._counts, {}
            latencies, self._latencies = self._latencies, {}
        for labels, count in counts.items():
            self.requests.labels(*labels).inc(count)
        for family, latency in latencies.items():
            _observe_many(self.seconds.labels(family), latency[0], latency[1:])


def _observe_many(histogram: Any, total: float, bucket_counts: list[float]) -> None:
    """What observe() would leave after sum(bucket_counts) observations adding up to `total`
    (bucket_counts[i]: how many fell first under bound i), with one write per bucket instead of
    one per observation. prometheus_client has no public call for it; `_sum` and `_buckets` are
    its Histogram's own (tests/test_observe.py checks the result against observe() on the
    installed version)."""
    histogram._sum.inc(total)
    for bucket, count in zip(histogram._buckets, bucket_counts, strict=True):
        if count:
            bucket.inc(count)


def enable() -> None:
    """Count in this process from now on (the app does when FEEDAPP_METRICS_TOKEN is set; the
    ingest service when PROMETHEUS_MULTIPROC_DIR is)."""
    global _metrics
    if _metrics is None:
        if os.environ.get(MULTIPROCESS_DIR):
            os.makedirs(os.environ[MULTIPROCESS_DIR], exist_ok=True)
        _metrics = _Metrics()


def enabled() -> bool:
    return _metrics is not None


def count_request(family: str, fmt: str, variant: str, status: str, seconds: float) -> None:
    if _metrics is not None:
        _metrics.count_request((family, fmt, variant, status), seconds)


def count_ingest(outcome: str, seconds: float | None = None) -> None:
    if _metrics is not None:
        _metrics.ingests.labels(outcome).inc()
        if seconds is not None:
            _metrics.ingest_seconds.observe(seconds)


def count_websub_failure() -> None:
    if _metrics is not None:
        _metrics.websub_failures.inc()


def flush() -> None:
    """Write this process's requests counted in memory (a worker about to exit calls it)."""
    if _metrics is not None:
        _metrics.flush()


def exposition(store_gauges: Callable[[], dict[str, tuple[str, float]]]) -> tuple[bytes, str]:
    """The scrape's body and media type: every process's counts (this one's up to now, the
    others' up to their last flush, at most FLUSH_SECONDS ago), and the gauges read from the
    store now (name → (help, value): the data version, releases shown and retracted)."""
    flush()
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    registry = CollectorRegistry()
    path = os.environ.get(MULTIPROCESS_DIR)
    if path:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry, path)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY

    class StoreGauges:
        def collect(self) -> Iterator[Any]:
            for name, (description, value) in store_gauges().items():
                yield GaugeMetricFamily(name, description, value=value)

    with _folding_lock(path, shared=True):
        body = generate_latest(registry) + generate_latest(StoreGauges())
    return body, CONTENT_TYPE_LATEST


@contextmanager
def _folding_lock(path: str | None, *, shared: bool) -> Iterator[None]:
    """Scrapes (shared) and fold_dead (exclusive) never overlap: a scrape never counts a dead
    process twice (in its file and in the archive) or not at all."""
    if not path:
        yield
        return
    with open(os.path.join(path, ".fold.lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare_directory(path: str) -> None:
    """Make the multiprocess folder and empty it of what no running process writes (at a
    server's start, before any worker: the archive and the files of processes gone)."""
    os.makedirs(path, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        pid = os.path.basename(stale)[: -len(".db")].rsplit("_", 1)[-1]
        if not (pid.isdigit() and _running(int(pid))):
            os.unlink(stale)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def fold_dead(pid: int, path: str | None = None) -> None:
    """Fold the counts of process `pid`, which exited, into the folder's archive files, delete
    its files, and drop its live gauges."""
    path = path or os.environ.get(MULTIPROCESS_DIR)
    if not path:
        return
    from prometheus_client import multiprocess
    from prometheus_client.mmap_dict import MmapedDict

    with _folding_lock(path, shared=False):
        for kind in ("counter", "histogram", "summary"):
            dead = os.path.join(path, f"{kind}_{pid}.db")
            if not os.path.exists(dead):
                continue
            archive = MmapedDict(os.path.join(path, f"{kind}_archive.db"))
            try:
                for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(dead):
                    archive.write_value(key, archive.read_value(key)[0] + value, timestamp)
            finally:
                archive.close()
            os.unlink(dead)
        multiprocess.mark_process_dead(pid, path)
