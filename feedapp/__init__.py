"""feedapp: Persian press releases published as exact, valid feeds."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from flask import Flask

# One place: the package metadata (pyproject.toml). Shown by `feedapp --version`, `db status`
# and the feeds' generator element.
__version__ = metadata.version("feedapp")


def configured_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A Flask app with its configuration only: for commands that must not touch the store yet."""
    from . import config

    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    return app


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app: configuration, storage and views. Never imports hazm.

    Raises schema.SchemaError when the database is missing or not at this code's schema.
    """
    from . import api, crawlers, feeds, operators, pages, sitewide, state, urls
    from .fastpath import FastPath

    app = configured_app(test_config)
    app.url_map.converters["page"] = urls.PageNumber
    state.init_app(app)
    sitewide.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_error_handler(405, api.method_not_allowed)
    app.register_blueprint(operators.bp)
    if app.config["DESK"]:
        from . import desk  # with Flask-WTF: not loaded by a site without the desk (/desk/: its 404)

        app.register_blueprint(desk.bp)
    feeds.init_app(app)
    crawlers.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Trust X-Forwarded-For/-Proto from that many proxies (nginx: 1), never X-Forwarded-Host:
        # absolute URLs come from SITE_URL only.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        # Flask's documented middleware idiom, which mypy reads as assigning to a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0
        )
    # Outermost: repeat requests for rendered documents never reach Flask (see fastpath.py).
    app_state = state.of(app)
    fast_path = FastPath(
        app.wsgi_app, app_state.data_version, deltas=app.config["DELTA_FEEDS"], max_bytes=app_state.cache_bytes
    )
    app.wsgi_app = app_state.fast_path = fast_path  # type: ignore[method-assign]
    _observe(app)
    return app


def _observe(app: Flask) -> None:
    """Logs, metrics and reach (feedapp/observe.py) around the whole app, the fast path included."""
    from . import metrics, state, store
    from .observe import Observe
    from .reach import ReachCounter

    config = app.config
    app_state = state.of(app)
    if config["METRICS_TOKEN"] is not None:
        metrics.enable()
    if config["REACH"]:
        app_state.reach = ReachCounter(app_state.engine, config["REACH_FLUSH_SECONDS"])

    def store_gauges() -> dict[str, tuple[str, float]]:
        shown = store.count_releases(app_state.engine)
        return {
            "feedapp_data_version": ("The store's data version (grows with every change).", app_state.data_version()),
            "feedapp_releases_shown": ("Releases shown (not retracted).", shown),
            "feedapp_releases_retracted": (
                "Releases retracted.",
                store.count_releases(app_state.engine, retracted=True) - shown,
            ),
        }

    app.wsgi_app = Observe(  # type: ignore[method-assign]
        app.wsgi_app,
        metrics_token=config["METRICS_TOKEN"],
        store_gauges=store_gauges,
        reach=app_state.reach,
        access_log=config["ACCESS_LOG"],
        privacy=config["PRIVACY"],
        proxy_count=config["PROXY_COUNT"],
    )
