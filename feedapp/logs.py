"""Logs: JSON lines for systemd's journal and container runtimes, plain text on a terminal, each
line of a request carrying its request id (observe.py sets it).

Written to stdout; configured once per process by the factory (FEEDAPP_LOG_FORMAT: auto, json or text) on the
`feedapp` logger, so gunicorn's own lines and other libraries keep their handlers. Nothing
secret is ever logged: no token, no request body; no client address while FEEDAPP_PRIVACY is on
(observe.py leaves it out).
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import TextIO

REQUEST_ID: ContextVar[str | None] = ContextVar("feedapp_request_id", default=None)

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
    in `log_format`; once per process (another app in the process replaces the handler)."""
    if log_format == "auto":
        log_format = "text" if sys.stdout.isatty() else "json"
    logger = logging.getLogger("feedapp")
    for handler in [handler for handler in logger.handlers if isinstance(handler, _Stdout)]:
        logger.removeHandler(handler)
    handler = _Stdout()
    handler.setFormatter(JsonLines() if log_format == "json" else Text())
    handler.addFilter(_RequestId())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
