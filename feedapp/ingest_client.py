"""The web side of the ingest service (ingest_service.py): hand it a document, wait for its reply.

The document is committed to the queue first (durable acceptance): from then on, whatever dies,
the service stores it, now or when it starts again, and the API never says it failed. The worker
then wakes the service and waits for the job to be answered, up to FEEDAPP_INGEST_WAIT seconds;
after that (or after NO_SERVICE_GRACE seconds when no service listens on this host) the API
answers 202 with the job to look at, never a failure.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import store
from .engine import Engine, storage_faults
from .logs import REQUEST_ID

# How often a waiting worker reads the job: soon at first (a job takes tens of milliseconds),
# then every 25 ms, a read of one row by its key.
FIRST_LOOK = 0.002
LAST_LOOK = 0.025
# How long a write waits for a service to listen on this host before answering 202 without one.
NO_SERVICE_GRACE = 2.0


@dataclass(frozen=True)
class Queued:
    """A job committed but not answered yet, and why the worker stopped waiting."""

    job_id: int
    reason: str


class IngestClient:
    """Hands documents to this host's ingest service."""

    def __init__(self, engine: Engine, address: str, wait_seconds: int) -> None:
        self.engine = engine
        self.address = address  # the wake socket's abstract name (ingest_service.wake_address)
        self.wait_seconds = wait_seconds
        self._socket: socket.socket | None = None

    def ingest(
        self, raw: bytes, format: str, key: str | None, actor: store.Actor | None = None, purpose: str = store.STORE
    ) -> dict[str, Any] | Queued:
        """Queue one document, as `actor`, and wait for the service's reply (the outcome, as
        ingest_service.reply_of gives it; for a `store.CHECK`, check_reply's, and nothing is
        stored), or Queued. Raises storage_faults() when the document could not be committed:
        then nothing was stored."""
        now = datetime.now(timezone.utc)
        job_id = store.enqueue_job(self.engine, raw, format, key, actor, now, REQUEST_ID.get(), purpose)
        if not self._wake_within(min(NO_SERVICE_GRACE, self.wait_seconds)):
            return Queued(
                job_id,
                "no ingest service runs on this host (start `feedapp ingest-service`); the release"
                " is queued and is stored when it starts",
            )
        deadline = time.monotonic() + self.wait_seconds
        look = FIRST_LOOK
        while True:
            time.sleep(look)
            try:
                job = store.job_state(self.engine, job_id)
            except storage_faults():
                job = None  # committed already: a store gone away now means 202 at worst, never 503
            if job is not None and job.state == store.DONE and job.reply is not None:
                return job.reply
            if time.monotonic() > deadline:
                return Queued(
                    job_id,
                    f"the ingest service has not stored it within {self.wait_seconds} s; the release is"
                    " queued and is stored when the service gets to it",
                )
            look = min(look * 2, LAST_LOOK)

    def _wake_within(self, seconds: float) -> bool:
        """_wake, again every 50 ms for `seconds` while nobody listens: a service started with the
        site (scripts/serve.sh) binds its socket a moment after the site answers."""
        deadline = time.monotonic() + seconds
        while not self._wake():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _wake(self) -> bool:
        """Tell the service to look at the queue; False when nobody listens on this host."""
        if self._socket is None:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.setblocking(False)
        try:
            self._socket.sendto(b"1", self.address)
        except BlockingIOError:
            return True  # its buffer is full of wakes already: it has plenty to look at
        except (ConnectionRefusedError, FileNotFoundError):
            return False
        return True

    def close(self) -> None:
        """Close the wake socket (a later write opens another)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
