"""gunicorn settings for the floor and the Django peer: the app's deploy settings, minus feedapp's hooks.

`deploy/gunicorn.conf.py`'s `post_fork` resets feedapp's database engine in each worker and its
`worker_exit` writes feedapp's reach counts, which fail on any other WSGI callable (they read
`app.extensions`). Every other setting (workers,
worker class, preload, timeouts, max_requests, logging) is taken from it unchanged, so the floor
and the peer run exactly as the app does. gunicorn ignores names that are not settings.
"""

# A gunicorn config file named like deploy/gunicorn.conf.py, read by path and never imported:
# ruff: noqa: N999
import runpy
from pathlib import Path

_DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
_FEEDAPP_ONLY = {"post_fork", "worker_exit"}

globals().update(
    {
        name: value
        for name, value in runpy.run_path(str(_DEPLOY)).items()
        if not name.startswith("_") and name not in _FEEDAPP_ONLY
    }
)
