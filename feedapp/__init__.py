"""feedapp: Persian press releases published as exact, valid feeds."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app: configuration, storage and views. Never imports hazm."""
    app = Flask(__name__, instance_relative_config=True)
    from . import config, crawlers, db, feeds, pages

    config.load(app, test_config)
    db.init_app(app)
    app.register_blueprint(pages.bp)
    feeds.init_app(app)
    crawlers.init_app(app)
    return app
