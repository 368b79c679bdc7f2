"""Logs: JSON lines for systemd's journal and container runtimes, plain text on a terminal, each
line of a request carrying its request id (observe.py sets it).

Written to stdout; configured once per serving process (FEEDAPP_LOG_FORMAT: auto, json or text) on the
`feedapp` logger, so gunicorn's own lines and other libraries keep their handlers. Nothing
secret is ever logged: no token, no request body; no client address while FEEDAPP_PRIVACY is on
(observe.py leaves it out).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import TextIO

REQUEST_ID: ContextVar[str | None] = ContextVar("feedapp_request_id", default=None)
# The format configure() chose (json or text); None: this process does not log (a command).
_format: str | None = None

# LogRecord attributes that are not a line's own fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time (RFC 3339, UTC), level, logger, message, request_id when in
    a request, the fields passed as `extra`, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        line.update({name: value for name, value in vars(record).items() if name not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class Text(logging.Formatter):
    """`time level logger [request id] message key=value…` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{name}={value}" for name, value in vars(record).items() if name not in _STANDARD)
        request_id = getattr(record, "request_id", None)
        when = datetime.fromtimestamp(record.created).astimezone().strftime("%H:%M:%S")
        text = f"{when} {record.levelname.lower()} {record.name}{f' [{request_id}]' if request_id else ''}"
        text += f" {record.getMessage()}{f' {fields}' if fields else ''}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _Stdout(logging.StreamHandler):
    """A handler on whatever sys.stdout is when a line is written (a test runner swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001 - StreamHandler.__init__ sets it
        pass


def configure(log_format: str) -> None:
    """Send the `feedapp` logger's lines (the app's, `current_app.logger`, included) to stdout
    in `log_format`, in a serving process (wsgi.py, the ingest service): never in the feedapp
    command, whose stdout is its output. Calling it again replaces the handler."""
    if log_format == "auto":
        log_format = "text" if sys.stdout.isatty() else "json"
    from flask.logging import default_handler

    global _format
    unconfigure()
    _format = log_format
    logger = logging.getLogger("feedapp")
    logger.removeHandler(default_handler)  # Flask's, on stderr, if app.logger was made before
    handler = _Stdout()
    handler.setFormatter(JsonLines() if log_format == "json" else Text())
    handler.addFilter(_RequestId())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def unconfigure() -> None:
    """Take configure()'s handler away (and the level it set)."""
    global _format
    _format = None
    logger = logging.getLogger("feedapp")
    for handler in [handler for handler in logger.handlers if isinstance(handler, _Stdout)]:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def flush_periodically(flush: Callable[[], None], every: float) -> None:
    """Call `flush` every `every` seconds from a daemon thread of this process, and once more
    when the process exits: what a process holds to write in batches is never held long or lost
    at a clean exit (access lines here, request counts in metrics.py)."""

    def now_and_then() -> None:
        while True:
            time.sleep(every)
            flush()

    threading.Thread(target=now_and_then, daemon=True).start()
    atexit.register(flush)


class AccessLines:
    """Access lines written straight to stdout, one a request, in the shape the `feedapp.access`
    logger's lines would have: without a LogRecord, a handler and a flush per line, which cost a
    cached feed a third of its speed (bench/README.md, "Counting"). Only in a process that
    configure() set up (a server): a command's requests (export) write none.

    Lines are held and written FLUSH_LINES at a time, and at least every FLUSH_SECONDS by a
    daemon thread (one per process, started with its first line), so a quiet site's lines still
    appear within a second; a process that exits writes what it holds.
    """

    FLUSH_SECONDS = 1.0
    FLUSH_LINES = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._pending: list[str] = []

    def write(self, message: str, fields: dict) -> None:
        if _format is None:
            return
        now = time.time()
        request_id = REQUEST_ID.get()
        if _format == "json":
            when = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds")
            head = {"time": when, "level": "info", "logger": "feedapp.access", "message": message}
            line = json.dumps({**head, "request_id": request_id, **fields}, ensure_ascii=False)
        else:
            when = datetime.fromtimestamp(now).astimezone().strftime("%H:%M:%S")
            pairs = " ".join(f"{name}={value}" for name, value in fields.items())
            line = f"{when} info feedapp.access [{request_id}] {message} {pairs}"
        with self._lock:
            if self._pid != os.getpid():  # the first line in this process (a forked worker)
                self._pid, self._pending = os.getpid(), []
                flush_periodically(self.flush, self.FLUSH_SECONDS)
            self._pending.append(line + "\n")
            if len(self._pending) >= self.FLUSH_LINES:
                self._write()

    def flush(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        # One write for many lines, even when stdout is unbuffered (PYTHONUNBUFFERED, common in
        # containers): a write per line was a system call per request.
        if self._pending:
            sys.stdout.write("".join(self._pending))
            sys.stdout.flush()
            self._pending = []


# The process's access lines (observe.py writes them; worker_exit in deploy/gunicorn.conf.py
# writes what is still held).
access_lines = AccessLines()
