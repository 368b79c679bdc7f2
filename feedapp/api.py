"""The publishing API: create, replace, read and retract releases over HTTP with a bearer token.

POST /api/releases, PUT/GET/DELETE /api/releases/<key>. Off (404) unless FEEDAPP_API_TOKEN is
set or a token was made (`feedapp token create`, see tokens.py). A token bound to a source
office changes only that office's releases; scopes: publish (POST, PUT), retract (DELETE); any
valid token reads. Writes go through the same ingest pipeline as the CLI, run by the host's
ingest service (ingest_service.py) so that serving processes never load hazm: the worker commits
the document to the queue, then waits for the service's reply (ingest_client.py); a write the
service has not answered in FEEDAPP_INGEST_WAIT seconds is 202, with its job at
GET /api/jobs/<id>. Every change is recorded in the audit trail, in its own transaction, with
the token's prefix.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from . import sitewide, state, store, tokens, urls, websub
from .core.jalali import rfc3339
from .core.models import Action, Release, StoredRelease
from .engine import storage_faults
from .ingest_client import IngestClient, Queued
from .ingest_service import wake_address
from .state import get_engine
from .throttle import AuthThrottle

bp = Blueprint("api", __name__, url_prefix="/api")

MEDIA_TYPES = {"application/json": "json", "text/plain": "text"}


@bp.before_request
def _authorize() -> Response | None:
    configured = current_app.config["API_TOKEN"]
    off = _off()
    if off is not None:
        return off
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise _Unauthorized()
    throttle = auth_throttle()
    wait = throttle.retry_after(request.remote_addr)
    if wait:  # checked first: while throttled, even the right token is not compared
        raise _TooManyFailures(wait)
    try:
        checked = tokens.authenticate(get_engine(), given.strip(), configured, datetime.now(timezone.utc))
    except storage_faults() as exc:
        return _unavailable(f"the store could not be read ({type(exc).__name__}: {exc}); the token was not checked")
    if isinstance(checked, tokens.Refusal):
        # Wrong, expired and revoked tokens get one answer and one count; the log names the
        # token by its prefix (when it has ours), never the token.
        failures = throttle.failed(request.remote_addr)
        current_app.logger.warning(
            "publishing API: %s token%s from %s (%d of %d allowed in %d s)%s",
            checked.reason,
            f" {checked.prefix}" if checked.prefix else "",
            request.remote_addr,
            failures,
            throttle.limit,
            throttle.window,
            "; throttled" if failures >= throttle.limit else "",
        )
        abort(403, "the token is wrong, expired or revoked")
    g.feedapp_grant = checked
    return None


def _require(scope: str, doing: str) -> tokens.Grant:
    """The request's token, if it has `scope`; else 403."""
    grant: tokens.Grant = g.feedapp_grant
    if scope not in grant.scopes:
        abort(403, f"{doing} needs the {scope} scope; this token has {', '.join(grant.scopes)}")
    return grant


def auth_throttle() -> AuthThrottle:
    """The site's count of wrong tokens per address (throttle.py), shared with the desk's sign-in."""
    app_state = state.current()
    if app_state.throttle is None:
        config = current_app.config
        app_state.throttle = AuthThrottle(config["AUTH_THROTTLE_FILE"], config["AUTH_FAILURES"], config["AUTH_WINDOW"])
    return app_state.throttle


class _TooManyFailures(HTTPException):
    code = 429

    def __init__(self, wait: int) -> None:
        super().__init__(f"too many wrong tokens from this address; try again in {wait} s")
        self.wait = wait

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), ("Retry-After", str(self.wait))]


class _Unauthorized(HTTPException):
    code = 401
    description = "a bearer token is required"

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        # RFC 6750 §3: say which scheme to use.
        return [*super().get_headers(*args, **kwargs), ("WWW-Authenticate", 'Bearer realm="feedapp"')]


def _off() -> Response | None:
    """The site's own 404 page where the API is off: a site that never configured or made a token
    has no API, as before tokens; a 503 when the store cannot say; None where the API is on."""
    try:
        if not current_app.config["API_TOKEN"] and not store.has_tokens(get_engine()):
            return make_response(sitewide.not_found())
    except storage_faults() as exc:
        return _unavailable(f"the store could not be read ({type(exc).__name__}: {exc})")
    return None


def method_not_allowed(error: HTTPException) -> Response | HTTPException:
    """A method no route of the path takes (``GET /api/releases``). Routing refuses it before the
    blueprint runs, so the app registers this: on an ``/api/`` path the site's 404 where the API is
    off (its routes stay unseen, as every ``/api/`` path's; Werkzeug's page would list them in
    ``Allow``), else the API's JSON error with its ``Allow``; elsewhere Werkzeug's own answer."""
    if not request.path.startswith(f"{bp.url_prefix}/"):
        return error
    off = _off()
    return off if off is not None else _json_error(error)


# Every error of the API in JSON, its 404s too: Flask prefers a handler for the code, even the
# app's (sitewide.py's HTML page), to a blueprint's for the class, so the codes are named.
@bp.errorhandler(HTTPException)
@bp.errorhandler(404)
@bp.errorhandler(410)
def _json_error(error: HTTPException) -> Response:
    response = jsonify({"errors": [{"message": error.description}]})
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() in ("www-authenticate", "retry-after", "allow"):
            response.headers[name] = value
    return response


@bp.post("/releases")
def create() -> Response:
    """A JSON release (key inside), or a text release with `?key=`."""
    return _write(request.args.get("key"))


@bp.put("/releases/<key>")
def replace(key: str) -> Response:
    """Create or replace the release with this key (idempotent)."""
    return _write(key)


@bp.get("/releases/<key>")
def read(key: str) -> Response:
    """The stored fields, and the bytes exactly as received (base64) with their text."""
    stored = store.get_release(get_engine(), key)
    if stored is None:
        abort(404, f"no release has the key {key!r}")
    raw = store.get_raw(get_engine(), key) or b""
    release = stored.release
    return jsonify(
        {
            "key": release.key,
            "url": urls.absolute(urls.release_path(release.key)),
            "published": rfc3339(release.published.instant),
            "jalali": release.published.jalali,
            "updated": rfc3339(release.updated) if release.updated else None,
            "retracted": rfc3339(stored.retracted_at) if stored.retracted_at else None,
            "kicker": release.kicker,
            "title": release.title,
            "lead": release.lead,
            "body": list(release.body),
            "categories": list(release.categories),
            "source": release.source,
            "language": release.language,
            "images": [image.as_dict() for image in release.images],
            "format": stored.format,
            "raw_base64": base64.b64encode(raw).decode("ascii"),
            "raw": raw.decode("utf-8", errors="replace"),
        }
    )


@bp.delete("/releases/<key>")
def retract(key: str) -> Response:
    """Retract: gone from feeds and sitemaps, its page answers 410. Idempotent."""
    grant = _require("retract", "retracting")
    try:
        stored = retract_as(grant.actor, key)
    except store.OfficeError as exc:
        return _json(403, {"errors": [{"message": str(exc)}]})
    except storage_faults() as exc:
        return _unavailable(f"the store could not be written ({type(exc).__name__}: {exc}); nothing was retracted")
    if stored is None:
        abort(404, f"no release has the key {key!r}")
    assert stored.retracted_at is not None  # store.retract returns the release it retracted
    return jsonify({"key": key, "action": "retracted", "retracted": rfc3339(stored.retracted_at)})


def _write(key: str | None) -> Response:
    grant = _require("publish", "publishing")
    media_type = request.mimetype
    if media_type not in MEDIA_TYPES:
        abort(415, f"expected Content-Type application/json or text/plain, not {media_type or 'none'!r}")
    format = MEDIA_TYPES[media_type]
    if format == "text" and not key:
        abort(422, "a text release needs its key: PUT /api/releases/KEY or POST /api/releases?key=KEY")
    raw = _read_body(current_app.config["MAX_RELEASE_BYTES"])
    try:
        reply = ingest_client().ingest(raw, format, key, grant.actor)
    except storage_faults() as exc:
        return _unavailable(f"the store could not be written ({type(exc).__name__}: {exc}); nothing was stored")
    if isinstance(reply, Queued):
        return _accepted(reply)
    action = Action(reply["action"])
    if action == Action.FAILED:
        return _unavailable("; ".join(error["message"] for error in reply["errors"]))
    if action == Action.REJECTED:
        return _json(422, {"errors": reply["errors"]})
    if action == Action.FORBIDDEN:  # another office's release, or another office's name
        return _json(403, {"errors": reply["errors"]})
    announce_write(reply)
    location = urls.absolute(f"/api/releases/{urls.segment(reply['key'])}")
    body = {
        "key": reply["key"],
        "action": reply["action"],
        "url": urls.absolute(urls.release_path(reply["key"])),
        "warnings": reply["warnings"],
    }
    response = _json(201 if action == Action.ADDED else 200, body)
    response.headers["Location"] = location
    return response


def _accepted(queued: Queued) -> Response:
    """202: the document is committed to the queue and will be stored; where to look."""
    location = urls.absolute(f"/api/jobs/{queued.job_id}")
    response = _json(202, {"job": queued.job_id, "state": store.QUEUED, "status": location, "message": queued.reason})
    response.headers["Location"] = location
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.get("/jobs/<int:job_id>")
def job(job_id: int) -> Response:
    """Where a write answered 202 stands: queued, then done with the reply a write answers with
    (its office's jobs only, for a token bound to an office)."""
    grant: tokens.Grant = g.feedapp_grant
    found = store.job_state(get_engine(), job_id)
    if found is None or (grant.actor.office is not None and found.office != grant.actor.office):
        abort(404, f"no job has the id {job_id}")
    body: dict[str, Any] = {
        "job": found.id,
        "state": store.DONE if found.state == store.DONE else store.QUEUED,
        "received": rfc3339(found.received_at),
        "finished": rfc3339(found.finished_at) if found.finished_at else None,
    }
    if found.reply is not None:
        body.update(found.reply)
    return jsonify(body)


# How much of a body is read at a time (a short read is not the end of a body).
_READ_SIZE = 64 * 1024


def _read_body(limit: int) -> bytes:
    """The whole request body, or an error: nothing is ever stored from a partial body.

    Content-Length over `limit` is 413 before reading; a body that ends before its
    Content-Length, or a chunked body (RFC 9112 §7.1) that breaks off, is 400; a chunked body
    longer than `limit` is 413 as soon as it passes it. Werkzeug's own reading gives a short
    body as if it were whole and cuts a long chunked one at the limit.
    """
    length = request.content_length
    if length is not None and length > limit:
        abort(413, f"the body has {length} bytes; at most {limit} (FEEDAPP_MAX_RELEASE_BYTES) are accepted")
    stream = request.environ["wsgi.input"]
    wanted = length if length is not None else limit + 1
    parts, received = [], 0
    while received < wanted:
        try:
            part = stream.read(min(_READ_SIZE, wanted - received))
        except Exception:  # noqa: BLE001 - gunicorn's reader raises its own errors on a broken chunk
            abort(400, f"the chunked body broke off after {received} bytes, before its last chunk; nothing was stored")
        if not part:
            break
        parts.append(part)
        received += len(part)
    if length is not None and received < length:
        abort(
            400,
            f"the body ended after {received} of the {length} bytes its Content-Length promised; nothing was stored",
        )
    if received > limit:
        abort(413, f"the body is longer than {limit} bytes (FEEDAPP_MAX_RELEASE_BYTES); nothing was stored")
    if length is None and not request.environ.get("wsgi.input_terminated"):
        abort(411, "a Content-Length or chunked Transfer-Encoding is required")
    return b"".join(parts)


# Seconds a publisher is asked to wait before retrying a write the store could not take.
RETRY_AFTER_SECONDS = 5


def _unavailable(message: str) -> Response:
    """503 with Retry-After: the store's fault, not the release's (422 would say: do not retry)."""
    current_app.logger.error("publishing API: %s %s: %s", request.method, request.path, message)
    response = _json(503, {"errors": [{"message": f"{message} (try again in {RETRY_AFTER_SECONDS} s)"}]})
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _json(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def ingest_client() -> IngestClient:
    """This process's client of the host's ingest service (the desk's too)."""
    app_state = state.current()
    if app_state.ingest_client is None:
        config = current_app.config
        address = wake_address(config["DATABASE_URL"], config["INGEST_SOCKET"])
        app_state.ingest_client = IngestClient(app_state.engine, address, config["INGEST_WAIT"])
    return app_state.ingest_client


def retract_as(actor: store.Actor, key: str) -> StoredRelease | None:
    """Retract `key` as `actor` (checked against its office and audited in the transaction:
    store.OfficeError otherwise) and tell the hub; the release retracted, None when there is none.
    The API's DELETE and the desk's Retract."""
    with store.acting_as(actor):
        stored = store.retract(get_engine(), key, datetime.now(timezone.utc))
    if stored is not None:
        notify_hub(stored.release)
    return stored


def announce_write(reply: dict[str, Any]) -> None:
    """After the ingest service stored a write (its reply): tell the hub when feeds changed."""
    if Action(reply["action"]).changed_feeds:
        stored = store.get_release(get_engine(), reply["key"])
        if stored is not None:
            notify_hub(stored.release)


def notify_hub(release: Release) -> None:
    """Tell the WebSub hub in the background: a slow hub never delays the API's (or the desk's) answer."""
    hub = current_app.config["WEBSUB_HUB"]
    if hub:
        websub.notify_in_background(hub, urls.topic_urls([release]))
