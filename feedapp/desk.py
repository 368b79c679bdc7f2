"""The publishing desk: web pages where a PR office writes, checks and publishes its releases.

Registered only when FEEDAPP_DESK is true (create_app; off, /desk/ is the site's 404); it then
needs FEEDAPP_SECRET_KEY. An office signs in with
its publishing token (tokens.py) once per browser session. The session cookie (config.py) is
signed, HttpOnly, SameSite=Strict, sent only to /desk/, Secure when the site is served over
HTTPS, and holds the token's public prefix, never the token; each request checks the token
again (revoked or expired: signed out). Sign-in attempts count against the API's throttle.
Every form carries a CSRF token (Flask-WTF's): a POST without a valid one is 403.

Check and Publish go through the ingest service (ingest_client.py), as the API's writes do:
serving processes never import hazm. Check is a job that stores nothing and answers with the
release as it would be published and the changes normalization makes (ingest_service.check_reply);
Publish is the API's write (same outcome words, audit record and WebSub notification).
Pages are server-rendered and work without JavaScript; the site's CSP stays, with forms allowed
to post to the site itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from . import sitewide, store, tokens, urls
from .api import announce_write, auth_throttle, ingest_client, retract_as
from .core.errors import ReleaseError
from .core.jalali import MONTHS, TEHRAN, format_jalali, rfc3339
from .core.jsonrelease import parse_json_release
from .core.models import KEY_PATTERN, Action
from .core.parse import parse_text_release
from .engine import storage_faults
from .ingest_client import Queued
from .state import get_engine

bp = Blueprint("desk", __name__, url_prefix="/desk")

# A desk session ends with the browser, or after this many seconds, whichever comes first.
SESSION_SECONDS = 12 * 3600
# Releases listed on the desk's first page.
LIST_SIZE = 50
# The desk's pages post forms to the site itself; everything else as sitewide.CONTENT_SECURITY_POLICY.
CONTENT_SECURITY_POLICY = sitewide.CONTENT_SECURITY_POLICY.replace("form-action 'none'", "form-action 'self'")


@bp.before_request
def _open() -> ResponseReturnValue | None:
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (ValidationError, CSRFError) as exc:
            abort(403, f"this form has expired or did not come from this site ({exc}); open the page again")
    g.desk_grant = _signed_in()
    if g.desk_grant is None and request.endpoint not in ("desk.home", "desk.sign_in"):
        return redirect(url_for("desk.home"))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"  # an office's drafts and lists: never cached
    return response


@bp.errorhandler(403)
def _forbidden(error: Any) -> tuple[str, int]:
    return render_template("desk_error.html", message=error.description), 403


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"csrf_token": generate_csrf, "release_url": urls.release_path, "months": MONTHS}


def _config_mark(configured: str) -> str:
    """What the session keeps of FEEDAPP_API_TOKEN: a keyed digest, so that a changed token
    ends the sessions signed in with the old one, and the cookie tells nothing of it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, configured.encode(), hashlib.sha256).hexdigest()[:32]


def _signed_in() -> tokens.Grant | None:
    """The grant of the session's token, checked again now; None (and the session cleared) when
    there is none, it has run out, or the token was revoked, expired or changed."""
    held = session.get("desk")
    if not isinstance(held, dict):
        return None
    grant = None
    if time.time() - float(held.get("at", 0)) < SESSION_SECONDS:
        configured = current_app.config["API_TOKEN"]
        if held.get("token") == tokens.CONFIGURED:
            if configured is not None and hmac.compare_digest(str(held.get("mark", "")), _config_mark(configured)):
                grant = tokens.Grant(store.Actor(token=tokens.CONFIGURED), tokens.SCOPES)
        else:
            token = store.get_token(get_engine(), str(held.get("token", "")))
            checked = tokens.standing(token, datetime.now(timezone.utc)) if token is not None else None
            grant = checked if isinstance(checked, tokens.Grant) else None
    if grant is None:
        session.pop("desk", None)
    return grant


def _grant() -> tokens.Grant:
    grant: tokens.Grant = g.desk_grant
    return grant


@bp.get("/")
def home() -> str:
    """Sign-in form, or the office's releases (newest first, `?q=` searches the headlines)."""
    if g.desk_grant is None:
        return render_template("desk_sign_in.html")
    search = request.args.get("q", "").strip()[:200]
    releases = store.desk_releases(get_engine(), _grant().actor.office, search or None, LIST_SIZE)
    return render_template("desk_list.html", releases=releases, search=search, grant=_grant())


@bp.post("/sign-in")
def sign_in() -> ResponseReturnValue:
    """Check the token; a wrong one counts against the API's throttle (a 429 page when over)."""
    throttle = auth_throttle()  # the API's: one allowance per address for both doors
    wait = throttle.retry_after(request.remote_addr)
    if wait:
        message = f"تلاش‌های نادرست زیاد بود؛ {wait} ثانیه دیگر دوباره بکوشید."
        return render_template("desk_sign_in.html", error=message), 429
    given = request.form.get("token", "").strip()
    configured = current_app.config["API_TOKEN"]
    checked = tokens.authenticate(get_engine(), given, configured, datetime.now(timezone.utc)) if given else None
    if not isinstance(checked, tokens.Grant):
        throttle.failed(request.remote_addr)
        reason = checked.reason if checked else "empty"
        prefix = f" {checked.prefix}" if checked and checked.prefix else ""
        current_app.logger.warning("desk: %s token%s from %s", reason, prefix, request.remote_addr)
        return render_template("desk_sign_in.html", error="این کلید درست نیست، یا باطل یا منقضی شده است."), 403
    session.clear()  # a new session: nothing of an earlier one carries over
    held: dict[str, Any] = {"token": checked.actor.token, "at": time.time()}
    if checked.actor.token == tokens.CONFIGURED:
        held["mark"] = _config_mark(str(configured))
    session["desk"] = held
    return redirect(url_for("desk.home"), 303)


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("desk.home"), 303)


@bp.get("/new")
def new() -> str:
    """The editor: paste a release as written, or fill its fields."""
    return render_template("desk_edit.html", draft=_draft_from(today_parts()), editing=None)


@bp.get("/releases/<key>/edit")
def edit(key: str) -> str:
    """The editor with a stored release: its text as received, or its fields for a JSON one."""
    stored = _own(key)
    raw = store.get_raw(get_engine(), key) or b""
    if stored.format == "text":
        from .core.decode import decode_bytes

        text, _ = decode_bytes(raw)
        draft = _draft_from({"mode": "text", "key": key, "text": text})
    else:
        document = json.loads(raw.decode("utf-8"))
        draft = _draft_from({"mode": "fields", **_fields_of(document)})
    return render_template("desk_edit.html", draft=draft, editing=key)


@bp.post("/check")
def check() -> str | tuple[str, int]:
    """The release as it will be published, with every problem and normalization's changes."""
    _require("publish")
    draft = _posted_draft()
    if draft.get("problem"):
        return _editor(draft, draft["problem"], 422)
    reply = _through_service(draft, store.CHECK)
    if isinstance(reply, str):
        return _editor(draft, reply, 503)
    moved = _date_moved(draft)
    if moved:
        reply["errors"] = [*reply["errors"], {"message": moved, "field": "published"}]
        reply["action"] = str(Action.REJECTED)
    return render_template("desk_check.html", draft=draft, reply=reply, editing=draft["editing"])


@bp.post("/publish")
def publish() -> ResponseReturnValue:
    """Store the checked release through the same pipeline as the API."""
    grant = _require("publish")
    draft = _posted_draft()
    problem = draft.get("problem") or _date_moved(draft)
    if problem:
        return _editor(draft, problem, 422)
    reply = _through_service(draft, store.STORE)
    if isinstance(reply, str):
        return _editor(draft, reply, 503)
    action = Action(reply["action"])
    if action in (Action.REJECTED, Action.FORBIDDEN, Action.FAILED):
        return render_template("desk_check.html", draft=draft, reply=reply, editing=draft.get("editing")), 422
    announce_write(reply)
    current_app.logger.info("desk: %s %s by %s", action, reply["key"], grant.actor.token)
    # Post/Redirect/Get: reloading the answer page shows it again, it never publishes again.
    session["published"] = {"action": reply["action"], "key": reply["key"], "warnings": reply["warnings"]}
    return redirect(url_for("desk.published", key=reply["key"]), 303)


@bp.get("/releases/<key>/published")
def published(key: str) -> str:
    """What Publish did: the outcome, the live page, the feeds the release is in."""
    stored = _own(key)
    reply = session.get("published")
    if not isinstance(reply, dict) or reply.get("key") != key:
        reply = {"action": "stored", "key": key, "warnings": []}  # a reload after another publish
    # Shown decoded (a source's feed is /sources/روابط عمومی…/feed.atom), linked as they are.
    feeds = [(unquote(url), url) for url in urls.topic_urls([stored.release])] if stored.retracted_at is None else []
    return render_template("desk_published.html", reply=reply, stored=stored, feeds=feeds)


@bp.post("/back")
def back() -> str:
    """The editor again, with the draft the check page carried."""
    draft = _draft_from(request.form)
    return render_template("desk_edit.html", draft=draft, editing=draft.get("editing"))


@bp.get("/releases/<key>/retract")
def confirm_retract(key: str) -> str:
    _require("retract")
    return render_template("desk_retract.html", stored=_own(key))


@bp.post("/releases/<key>/retract")
def retract(key: str) -> ResponseReturnValue:
    grant = _require("retract")
    _own(key)
    try:
        retract_as(grant.actor, key)
    except store.OfficeError as exc:
        abort(403, str(exc))
    except storage_faults() as exc:
        return render_template("desk_error.html", message=f"the store could not be written ({exc}); try again"), 503
    return redirect(url_for("desk.home"), 303)


def _posted_draft() -> dict[str, Any]:
    """The draft the posted form holds; an edit of another office's release is 404, as its edit
    page is."""
    draft = _draft_from(request.form)
    if draft["editing"]:
        draft["stored"] = _own(draft["editing"])
    return draft


def _date_moved(draft: dict[str, Any]) -> str | None:
    """Why an edit may not be published as it stands: its date is not the one its release was
    first published with (readers know it by that date; the key stays by construction). Read
    with the parsers alone (core/, no hazm): nothing needs the ingest service for it."""
    stored = draft.get("stored")
    if stored is None or "document" not in draft:
        return None
    raw, format = draft["document"]
    try:
        parsed = parse_text_release(raw, draft["key"]) if format == "text" else parse_json_release(raw)
    except ReleaseError:
        return None  # the check reports what is wrong with it
    first, now = stored.release.published, parsed.release.published
    if now.instant == first.instant:
        return None
    return (
        f"the date changed from {rfc3339(first.instant)} to {rfc3339(now.instant)}; an update keeps the date"
        f" the release was first published with ({format_jalali(first)})"
    )


def _editor(draft: dict[str, Any], error: str, status: int) -> tuple[str, int]:
    """The editor again with the draft, and what stopped it."""
    return render_template("desk_edit.html", draft=draft, editing=draft.get("editing"), error=error), status


def _require(scope: str) -> tokens.Grant:
    grant = _grant()
    if scope not in grant.scopes:
        abort(403, f"this token may not {scope}; its scopes are {', '.join(grant.scopes)}")
    return grant


def _own(key: str) -> store.StoredRelease:
    """The stored release `key`, if the signed-in office may change it; else 404 (another
    office's release is not shown, as if absent)."""
    stored = store.get_release(get_engine(), key)
    office = _grant().actor.office
    if stored is None or (office is not None and stored.release.source != office):
        abort(404)
    return stored


# The fields form: what each input holds, in the JSON release's terms (core/jsonrelease.py).
FIELDS = ("key", "published", "kicker", "title", "lead", "body", "categories", "source", "images")
# Its calendar inputs: a day, a month chosen by name, a year and a time (type=time), in Tehran.
DATE_PARTS = ("day", "month", "year", "clock")


def _fields_of(document: dict[str, Any]) -> dict[str, str]:
    """A stored JSON release as the fields form shows it: lists one item a line, images as
    `URL caption` lines."""
    images = "\n".join(
        f"{image.get('url', '')} {image.get('caption', '')}".strip() for image in document.get("images", [])
    )
    return {
        "key": str(document.get("key", "")),
        "published": str(document.get("published", "")),
        "kicker": str(document.get("kicker") or ""),
        "title": str(document.get("title", "")),
        "lead": str(document.get("lead", "")),
        "body": "\n".join(document.get("body", [])),
        "categories": "\n".join(document.get("categories", [])),
        "source": str(document.get("source") or ""),
        "images": images,
    }


def _draft_from(form: Any) -> dict[str, Any]:
    """The draft a form holds: `mode` (text or fields), its inputs, `document` (the bytes and
    format to send) and `problem`, a message when the form cannot make a document yet."""
    mode = form.get("mode", "text")
    draft: dict[str, Any] = {
        "mode": mode if mode in ("text", "fields") else "text",
        "editing": form.get("editing") or None,
    }
    for name in ("text", *FIELDS, *DATE_PARTS):
        draft[name] = form.get(name, "").replace("\r\n", "\n")
    key = draft["key"].strip()
    if draft["editing"]:
        key = draft["editing"]  # an edit keeps its key (and its first publication)
    elif not key:
        key = draft["key"] = _new_key()
    draft["key"] = key
    if not KEY_PATTERN.fullmatch(key):
        draft["problem"] = "کلید فقط حروف لاتین، رقم، - و _ می‌گیرد (حداکثر ۱۲۸ نویسه)."
        return draft
    if draft["mode"] == "text":
        draft["document"] = (draft["text"].encode("utf-8"), "text")
        return draft
    document: dict[str, Any] = {"key": key, "published": _published_line(draft)}
    for name in ("kicker", "title", "lead", "source"):
        if draft[name].strip():
            document[name] = draft[name].strip()
    for name in ("body", "categories"):
        lines = [line.strip() for line in draft[name].split("\n") if line.strip()]
        if lines:
            document[name] = lines
    images = []
    for line in draft["images"].split("\n"):
        url, _, caption = line.strip().partition(" ")
        if url:
            images.append({"url": url, **({"caption": caption.strip()} if caption.strip() else {})})
    if images:
        document["images"] = images
    draft["document"] = (json.dumps(document, ensure_ascii=False).encode("utf-8"), "json")
    return draft


def _published_line(draft: dict[str, Any]) -> str:
    """The fields form's date as a date line: its day, month and year inputs (and time) when the
    day is filled, else what the free-text date input holds (`۱۴۰۵/۰۹/۱۰ ساعت ۱۰:۳۰`)."""
    day, month, year, clock = (draft[name].strip() for name in DATE_PARTS)
    if not day:
        return str(draft["published"]).strip()
    line = f"{year}/{month}/{day}"
    return f"{line} ساعت {clock}" if clock else line


def today_parts() -> dict[str, str]:
    """Today in Tehran as the fields form's date inputs start: day, month (1-12), year, no time."""
    import jdatetime

    today = jdatetime.date.fromgregorian(date=datetime.now(TEHRAN).date())
    return {"day": str(today.day), "month": str(today.month), "year": str(today.year), "clock": ""}


def _new_key() -> str:
    """A key for a new release: `desk-`, the day, six random letters (`desk-20261201-k3x9q2`)."""
    return f"desk-{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(3)}"


def _through_service(draft: dict[str, Any], purpose: str) -> dict[str, Any] | str:
    """The ingest service's reply to the draft's document, or why there is none (the store could
    not take it, or the service has not answered in FEEDAPP_INGEST_WAIT)."""
    raw, format = draft["document"]
    try:
        reply = ingest_client().ingest(raw, format, draft["key"], _grant().actor, purpose)
    except storage_faults() as exc:
        return f"the store could not be written ({type(exc).__name__}); nothing was stored; try again"
    if isinstance(reply, Queued):
        if purpose == store.CHECK:
            return "the ingest service did not answer in time; nothing was stored; try again"
        return f"queued as job {reply.job_id}: {reply.reason}"
    return reply
