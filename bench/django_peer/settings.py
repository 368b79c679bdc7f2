"""Minimal Django settings for the peer: one SQLite database (the benchmark's), no apps, no middleware.

No middleware and a persistent connection, so the peer does no more per request than its feed
view needs: the comparison is with Django's syndication framework, not with a full Django stack.
"""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.django_peer.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
USE_TZ = True
TIME_ZONE = "UTC"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PEER_DATABASE", ":memory:"),
        "CONN_MAX_AGE": None,  # keep the connection, as feedapp's engine pool does
    }
}
FEED_SIZE = int(os.environ.get("FEEDAPP_FEED_SIZE", "50"))
SITE_URL = os.environ.get("FEEDAPP_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
