"""Pages for the site's operators: each subscription feed's readers over the last days (reach.py).

Never public: answered to a request that sends the administrator token (FEEDAPP_API_TOKEN) as
`Authorization: Bearer`, or that reaches gunicorn directly on a loopback address (an SSH tunnel
to the server, `curl` on the host); anything else, nginx's proxied requests included, gets the
site's 404.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import date, datetime, timedelta, timezone

import jdatetime
from flask import Blueprint, abort, current_app, render_template, request

from . import store
from .core.charts import nice_top, polyline
from .core.jalali import to_persian_digits
from .reach import site_day
from .state import get_engine

bp = Blueprint("operators", __name__)

CHART_WIDTH, CHART_HEIGHT = 600, 160
# Headers a proxy adds: their presence means the request did not come straight from this host.
_PROXIED = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _operator() -> bool:
    token = current_app.config["API_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if token is not None and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if any(name in request.headers for name in _PROXIED):
        return False
    try:
        return ipaddress.ip_address(request.environ.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@bp.get("/operators/reach")
def reach() -> tuple[str, int, dict[str, str]]:
    if not _operator():
        abort(404)
    days = request.args.get("days", default=30, type=int)
    days = min(max(days, 1), 366)
    last = site_day(datetime.now(timezone.utc))
    shown = [last - timedelta(days=back) for back in range(days - 1, -1, -1)]
    feeds = _by_feed(store.reach(get_engine(), shown[0].isoformat()), shown)
    page = render_template("operators_reach.html", feeds=feeds, days=days, width=CHART_WIDTH, height=CHART_HEIGHT)
    return page, 200, {"Cache-Control": "no-store"}


def _by_feed(rows: list[store.DayReach], shown: list[date]) -> list[dict]:
    """Per feed: its chart (readers per day: announced subscribers plus other pollers) and rows."""
    found = {(row.feed, row.day): row for row in rows}
    feeds = []
    for feed in sorted({row.feed for row in rows}):
        per_day = [found.get((feed, day.isoformat())) for day in shown]
        totals = [sum(row.subscribers.values()) + row.pollers if row else 0 for row in per_day]
        top = nice_top(max(totals))
        feeds.append(
            {
                "feed": feed,
                "points": polyline(totals, CHART_WIDTH, CHART_HEIGHT, top),
                "top": to_persian_digits(f"{top:,}".replace(",", "٬")),
                "first": _jalali(shown[0]),
                "last": _jalali(shown[-1]),
                "rows": [_row(day, row) for day, row in zip(shown, per_day) if row is not None][::-1],
            }
        )
    return feeds


def _row(day: date, row: store.DayReach) -> dict:
    aggregators = ", ".join(
        f"{name} {to_persian_digits(str(count))}" for name, count in sorted(row.subscribers.items())
    )
    return {
        "day": _jalali(day),
        "iso": day.isoformat(),
        "subscribers": to_persian_digits(str(sum(row.subscribers.values()))),
        "aggregators": aggregators,
        "pollers": to_persian_digits(str(row.pollers)),
    }


def _jalali(day: date) -> str:
    return to_persian_digits(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"))
