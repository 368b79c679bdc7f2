"""The WSGI entry point for gunicorn (`gunicorn wsgi:app`): the only import-time app."""

from feedapp import create_app

app = create_app()
