"""Configuration: defaults, then FEEDAPP_* environment variables, then test overrides.

Read in the application factory only, never at import time. Every setting is documented in the
README (Configuration).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from .core.sitemaps import SITEMAP_MAX_URLS
from .urls import default_tag_authority

ENV_PREFIX = "FEEDAPP"


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings used when neither the environment nor the caller gives one."""
    return {
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "feedapp.sqlite3"),
        "SITE_URL": "http://127.0.0.1:8000",
        "SITE_TITLE": "feedapp",
        "SITE_SUBTITLE": None,
        "PAGE_SIZE": 20,
        "FEED_SIZE": 50,
        "SITEMAP_SIZE": 50_000,
        "FEED_MAX_AGE": 300,
        "ARCHIVE_MAX_AGE": 86400,
        "FEED_TTL": 15,
        "FEED_ICON": None,
        "FEED_LOGO": None,
        "FEED_RIGHTS": None,
        "WEBSUB_HUB": None,
        "TAG_AUTHORITY": None,
        "PROXY_COUNT": 0,
        "API_TOKEN": None,
        "MAX_RELEASE_BYTES": 1024 * 1024,
        "RENDER_CACHE_MB": 32,  # per process: rendered feeds, entries and sitemaps (state.py)
        "DELTA_FEEDS": False,  # RFC 3229 deltas cut off feedparser-based readers: README, "Deltas"
        "AUTH_FAILURES": 10,
        "AUTH_WINDOW": 60,
        "AUTH_THROTTLE_FILE": None,  # see load(): one file per database, in the temp folder
        "INGEST_SOCKET": None,  # None: named after the database (ingest_service.wake_address)
        "INGEST_WAIT": 20,  # seconds a write waits for the ingest service before answering 202
        "INBOX": None,  # a folder tree the ingest service ingests (inbox_watcher.py)
        "METRICS_TOKEN": None,  # set: /metrics answers a scraper that sends it (metrics.py)
        "REACH": True,  # count subscribers and pollers of the feeds (reach.py)
        "REACH_FLUSH_SECONDS": 60,  # how often a process writes what it counted
        "ACCESS_LOG": False,  # a line per request (observe.py); nginx logs them in front of the app
        "LOG_FORMAT": "auto",  # json, text, or auto: text on a terminal, else JSON lines (logs.py)
        "PRIVACY": True,  # logs never hold a client's address
        "DESK": False,  # the publishing desk at /desk/ (desk.py); needs SECRET_KEY
        "SECRET_KEY": None,  # signs the desk's session cookies and CSRF tokens (Flask's setting)
    }


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in order of precedence and check what must hold."""
    app.config.from_mapping(defaults(app.instance_path))
    # from_prefixed_env reads JSON values where they parse (FEEDAPP_PAGE_SIZE=30 → 30).
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    config = app.config
    config["SITE_URL"] = _absolute_url("SITE_URL", str(config["SITE_URL"])).rstrip("/")
    if urlsplit(config["SITE_URL"]).query:
        raise ValueError(f"{ENV_PREFIX}_SITE_URL must not hold a query, not {config['SITE_URL']!r}")
    config["SITE_TITLE"] = str(config["SITE_TITLE"])
    for name in (
        "PAGE_SIZE",
        "FEED_SIZE",
        "FEED_TTL",
        "SITEMAP_SIZE",
        "MAX_RELEASE_BYTES",
        "AUTH_FAILURES",
        "AUTH_WINDOW",
        "RENDER_CACHE_MB",
        "INGEST_WAIT",
        "REACH_FLUSH_SECONDS",
    ):
        config[name] = _positive_int(name, config[name])
    if config["SITEMAP_SIZE"] > SITEMAP_MAX_URLS:
        raise ValueError(f"{ENV_PREFIX}_SITEMAP_SIZE must be at most {SITEMAP_MAX_URLS} (sitemaps.org)")
    for name in ("DELTA_FEEDS", "REACH", "ACCESS_LOG", "PRIVACY", "DESK"):
        config[name] = _flag(name, config[name])
    if config["LOG_FORMAT"] not in ("auto", "json", "text"):
        raise ValueError(f"{ENV_PREFIX}_LOG_FORMAT must be auto, json or text, not {config['LOG_FORMAT']!r}")
    for name in ("FEED_MAX_AGE", "ARCHIVE_MAX_AGE", "PROXY_COUNT"):
        config[name] = _positive_int(name, config[name], minimum=0)
    optional = ("FEED_ICON", "FEED_LOGO", "WEBSUB_HUB", "SITE_SUBTITLE", "FEED_RIGHTS", "API_TOKEN", "METRICS_TOKEN")
    for name in (*optional, "INGEST_SOCKET", "INBOX"):
        if config[name] == "":
            config[name] = None  # FEEDAPP_X= (set but empty) means unset
    # The shipped icons unless others are configured (scripts/make_icons.py draws them): readers
    # such as Liferea and Tiny Tiny RSS show the feed's icon beside its name.
    config["FEED_ICON"] = config["FEED_ICON"] or config["SITE_URL"] + "/static/favicon.png"
    config["FEED_LOGO"] = config["FEED_LOGO"] or config["SITE_URL"] + "/static/icon.png"
    for name in ("FEED_ICON", "FEED_LOGO", "WEBSUB_HUB"):
        if config[name] is not None:
            config[name] = _absolute_url(name, str(config[name]))
    for name in ("API_TOKEN", "METRICS_TOKEN"):
        if config[name] is not None:
            config[name] = str(config[name])
            if len(config[name]) < 16:
                raise ValueError(f"{ENV_PREFIX}_{name} must be at least 16 characters (a random secret)")
    _desk_session(config)
    if not config["AUTH_THROTTLE_FILE"]:
        # Every worker of the site must find the same file: named after the database it serves.
        digest = hashlib.sha256(str(config["DATABASE_URL"]).encode()).hexdigest()[:16]
        config["AUTH_THROTTLE_FILE"] = os.path.join(tempfile.gettempdir(), f"feedapp-auth-{digest}")
    if config["TAG_AUTHORITY"] is None:
        config["TAG_AUTHORITY"] = default_tag_authority(config["SITE_URL"])


def _desk_session(config: Any) -> None:
    """The desk's session cookie: signed with SECRET_KEY, sent only to /desk/, never to scripts
    (HttpOnly), never from another site (SameSite=Strict), and only over HTTPS when the site is
    served over HTTPS (SITE_URL); it lasts the browser session."""
    if config["SECRET_KEY"] == "":
        config["SECRET_KEY"] = None
    if config["DESK"] and (config["SECRET_KEY"] is None or len(str(config["SECRET_KEY"])) < 32):
        raise ValueError(
            f"{ENV_PREFIX}_DESK needs {ENV_PREFIX}_SECRET_KEY, at least 32 random characters"
            " (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    config.update(
        # A release as the desk's forms post it: percent-encoding makes a Persian letter's two
        # bytes six characters (deploy/nginx.conf gives /desk/ as much).
        MAX_FORM_MEMORY_SIZE=4 * config["MAX_RELEASE_BYTES"],
        SESSION_COOKIE_NAME="feedapp_desk",
        SESSION_COOKIE_PATH="/desk/",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config["SITE_URL"].startswith("https://"),
    )


def _flag(name: str, value: Any) -> bool:
    """A yes/no setting: true/false (as JSON, which from_prefixed_env reads), 1/0, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{ENV_PREFIX}_{name} must be true or false, not {value!r}")


def _absolute_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise ValueError(
            f"{ENV_PREFIX}_{name} must be an absolute http(s) URL such as https://news.example.ir, not {value!r}"
        )
    return value


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{ENV_PREFIX}_{name} must be a whole number ≥ {minimum}, not {value!r}")
    return value
