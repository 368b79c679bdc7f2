"""Configuration: defaults, then FEEDAPP_* environment variables, then test overrides.

Read in the application factory only, never at import time. Every setting is documented in the
README (Configuration).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

ENV_PREFIX = "FEEDAPP"


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings used when neither the environment nor the caller gives one."""
    return {
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "feedapp.sqlite3"),
        "SITE_URL": "http://127.0.0.1:8000",
        "SITE_TITLE": "feedapp",
        "PAGE_SIZE": 20,
    }


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in order of precedence and check what must hold."""
    app.config.from_mapping(defaults(app.instance_path))
    # from_prefixed_env reads JSON values where they parse (FEEDAPP_PAGE_SIZE=30 → 30).
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    app.config["SITE_URL"] = _site_url(str(app.config["SITE_URL"]))
    app.config["SITE_TITLE"] = str(app.config["SITE_TITLE"])
    app.config["PAGE_SIZE"] = _positive_int("PAGE_SIZE", app.config["PAGE_SIZE"])


def _site_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{ENV_PREFIX}_SITE_URL must be an absolute http(s) URL such as"
                         f" https://news.example.ir, not {value!r}")
    return value.rstrip("/")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{ENV_PREFIX}_{name} must be a whole number ≥ 1, not {value!r}")
    return value
