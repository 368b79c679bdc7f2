"""The floor: the least a WSGI server can do to send the bytes the app sends.

A bare WSGI callable, no framework and no routing table: it answers each request with a
response recorded from the app beforehand (status, headers and body, byte for byte), chosen by
path, by whether the client accepts gzip and by whether it sent If-None-Match. Served under the
same gunicorn settings as the app, its requests/s is what the app's would be if its own work
(routing, conditional GET, cache lookup, the data-version query) cost nothing.

The recorded responses are read once per worker from the JSON file named by FLOOR_RESPONSES
(written by `python -m bench run`): {"PATH": {"plain"|"gzip"|"304": {"status", "headers", "body_b64"}}}.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterable

Recorded = tuple[str, list[tuple[str, str]], bytes]

NOT_FOUND: Recorded = ("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")], b"not found")


def load(path: str) -> dict[str, dict[str, Recorded]]:
    """The recorded responses, decoded into what start_response and the body iterator take."""
    with open(path, encoding="utf-8") as file:
        raw = json.load(file)
    return {
        url: {
            variant: (item["status"], [tuple(pair) for pair in item["headers"]], base64.b64decode(item["body_b64"]))
            for variant, item in variants.items()
        }
        for url, variants in raw.items()
    }


RESPONSES = load(os.environ["FLOOR_RESPONSES"]) if "FLOOR_RESPONSES" in os.environ else {}


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Send the recorded response for this path and these request headers."""
    variants = RESPONSES.get(environ.get("PATH_INFO", ""))
    if variants is None:
        status, headers, body = NOT_FOUND
    elif "HTTP_IF_NONE_MATCH" in environ and "304" in variants:
        # A 304-like tiny response: the floor for revalidation (no validator comparison at all).
        status, headers, body = variants["304"]
    elif "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "") and "gzip" in variants:
        status, headers, body = variants["gzip"]
    else:
        status, headers, body = variants["plain"]
    start_response(status, headers)
    return [body]
