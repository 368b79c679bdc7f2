"""The WSGI entry point for gunicorn (`gunicorn wsgi:app`): the only import-time app."""

from feedapp import create_app, logs

app = create_app()
# Servers log (JSON lines on stdout, logs.py); the feedapp command's stdout is its output.
logs.configure(app.config["LOG_FORMAT"])
