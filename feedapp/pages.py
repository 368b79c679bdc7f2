"""HTML pages people read: the list of releases and one release. Thin views over the store."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request

from . import store
from .core.jalali import format_jalali, rfc3339
from .core.models import PublishedAt
from .db import get_engine

bp = Blueprint("pages", __name__)


@bp.app_template_filter("jalali")
def _jalali_filter(published: PublishedAt) -> str:
    return format_jalali(published)


@bp.app_template_filter("rfc3339")
def _rfc3339_filter(instant: datetime) -> str:
    return rfc3339(instant)


@bp.get("/")
def index() -> str:
    """Releases newest first, paged with ?page=N (1-based)."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404)
    size = current_app.config["PAGE_SIZE"]
    engine = get_engine()
    total = store.count_releases(engine)
    releases = store.latest_releases(engine, size, (int(page) - 1) * size)
    if int(page) > 1 and not releases:
        abort(404)
    return render_template("index.html", releases=releases, page=int(page),
                           has_next=int(page) * size < total)


@bp.get("/releases/<key>")
def release(key: str) -> str:
    """One release: kicker, headline, lead and body."""
    stored = store.get_release(get_engine(), key)
    if stored is None:
        abort(404)
    return render_template("release.html", release=stored.release)
