"""The ingest pipeline as a child process of a web worker, for the publishing API.

Serving processes never import hazm (seconds, hundreds of MB). The API therefore hands each
document to a long-lived child, `python -m feedapp.ingest_worker`, started on the first write
and kept: one JSON line in (`{"raw": base64, "format": "text"|"json", "key": …, "actor": …}`),
one JSON line out (`{"action", "key", "errors", "warnings"}`), through the same `ingest_document`
as the CLI. `actor` is the token that asked (store.Actor's fields): the child checks its office
and records the change in the audit trail in the change's own transaction. The child reads
FEEDAPP_DATABASE_URL from its environment.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
import sys
import threading
from typing import IO, Any

from . import store


def main() -> None:
    """Serve requests on stdin until it closes."""
    from . import configured_app
    from .ingest import ingest_document
    from .state import open_engine

    # Only what ingesting needs: the configuration and an engine, not the web app.
    engine = open_engine(configured_app().config["DATABASE_URL"])
    try:
        for line in sys.stdin:
            request = json.loads(line)
            actor = store.Actor(**request["actor"]) if request.get("actor") else None
            with store.acting_as(actor):
                outcome = ingest_document(
                    engine, base64.b64decode(request["raw"]), request["format"], request.get("key")
                )
            reply = {
                "action": outcome.action,
                "key": outcome.key,
                "errors": [p.as_dict() for p in outcome.errors],
                "warnings": [p.as_dict() for p in outcome.warnings],
            }
            try:
                # ASCII escapes: whatever text a message quotes, the line can always be written.
                print(json.dumps(reply), flush=True)
            except BrokenPipeError:
                # The web worker that asked died (killed by gunicorn's timeout, say) after handing
                # over the document: the write above is committed; its client's retry of the same
                # PUT answers `unchanged`. Nobody is left to answer: stop quietly (stdout to
                # /dev/null, so the flush at exit does not fail again; Python's SIGPIPE advice).
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
    finally:
        engine.dispose()


class IngestClient:
    """The web side: one child per process, started when first needed, restarted if it died."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._process: subprocess.Popen[str] | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def ingest(self, raw: bytes, format: str, key: str | None, actor: store.Actor | None = None) -> dict[str, Any]:
        """Store one document through the ingest pipeline, as `actor` (checked and audited); the
        child's reply."""
        request = json.dumps(
            {
                "raw": base64.b64encode(raw).decode("ascii"),
                "format": format,
                "key": key,
                "actor": dataclasses.asdict(actor) if actor else None,
            }
        )
        with self._lock:
            for attempt in (1, 2):  # a child killed since the last request is started again once
                process = self._child()
                try:
                    assert process.stdin is not None and process.stdout is not None
                    process.stdin.write(request + "\n")
                    process.stdin.flush()
                    reply = process.stdout.readline()
                except (BrokenPipeError, OSError):
                    reply = ""
                if reply:
                    return json.loads(reply)
                self._stop()
                if attempt == 2:
                    raise RuntimeError("the ingest worker process died twice on this request")
        raise AssertionError("unreachable")

    def _child(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None or self._pid != os.getpid():
            environment = {**os.environ, "FEEDAPP_DATABASE_URL": self.database_url}
            self._process = subprocess.Popen(
                [sys.executable, "-m", "feedapp.ingest_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                env=environment,
            )
            self._pid = os.getpid()
        return self._process

    def close(self) -> None:
        """End the child as its closed stdin ends it (it disposes its engine and exits) and close
        both pipes; a later write starts a new one. A forked copy leaves its parent's child alone."""
        with self._lock:
            if self._process is not None and self._pid == os.getpid():
                _close(self._process.stdin)
                self._process.wait()
                _close(self._process.stdout)
            self._process = None

    def _stop(self) -> None:
        if self._process is not None:
            _close(self._process.stdin)
            self._process.kill()
            self._process.wait()
            _close(self._process.stdout)
            self._process = None


def _close(stream: IO[str] | None) -> None:
    if stream is not None:
        try:
            stream.close()
        except OSError:
            pass


if __name__ == "__main__":
    main()
