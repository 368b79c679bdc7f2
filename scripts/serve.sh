#!/usr/bin/env bash
# Set everything up, create or upgrade the configured database (default: instance/feedapp.sqlite3),
# ingest seeds/ into it and serve the app under gunicorn on http://127.0.0.1:8000 (FEEDAPP_BIND to change).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/feedapp db upgrade
status=0
.venv/bin/feedapp ingest seeds/ || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi  # 1 = some seed rejected (reported above); serve the rest
exec .venv/bin/gunicorn --config deploy/gunicorn.conf.py wsgi:app
