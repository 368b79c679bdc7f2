"""WSGI entry point for gunicorn, run from the repository root: `gunicorn bench.django_peer.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_peer.settings")
application = get_wsgi_application()
