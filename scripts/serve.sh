#!/usr/bin/env bash
# Set everything up, create or upgrade the configured database (default: instance/feedapp.sqlite3),
# ingest seeds/ into it and serve the app under gunicorn on http://127.0.0.1:8000 (FEEDAPP_BIND to change;
# FEEDAPP_SITE_URL, when unset, follows it), with the host's ingest service beside it (it stores
# what the publishing API receives); both stop together.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if [ -z "${FEEDAPP_SITE_URL:-}" ]; then
    # Links, feed ids and the feeds' stylesheet must point at where this server answers.
    bind=${FEEDAPP_BIND:-127.0.0.1:8000}
    case "$bind" in
        unix:*) ;;  # no URL to derive: keep the default
        0.0.0.0:*) export FEEDAPP_SITE_URL="http://127.0.0.1:${bind#0.0.0.0:}" ;;
        *) export FEEDAPP_SITE_URL="http://$bind" ;;
    esac
    if [ -n "${FEEDAPP_SITE_URL:-}" ]; then
        echo "serve: FEEDAPP_SITE_URL is not set; links will use $FEEDAPP_SITE_URL (set it to the site's public URL)" >&2
    fi
fi
"$VENV"/bin/feedapp db upgrade
status=0
"$VENV"/bin/feedapp ingest seeds/ || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi  # 1 = some seed rejected (reported above); serve the rest
if [ -n "${FEEDAPP_METRICS_TOKEN:-}" ] && [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # /metrics sums what every process counted in this folder: gunicorn's workers and the ingest
    # service (feedapp/metrics.py); deploy/gunicorn.conf.py empties it of what no process writes.
    # In memory (tmpfs) where there is one: every count writes to these files.
    runtime=${XDG_RUNTIME_DIR:-}
    if [ -z "$runtime" ]; then
        if [ -w /dev/shm ]; then runtime=/dev/shm; else runtime=${TMPDIR:-/tmp}; fi
    fi
    export PROMETHEUS_MULTIPROC_DIR="$runtime/feedapp-metrics-$(id -u)-${FEEDAPP_BIND:-127.0.0.1:8000}"
fi
"$VENV"/bin/feedapp ingest-service &
service=$!
"$VENV"/bin/gunicorn --config deploy/gunicorn.conf.py wsgi:app &
server=$!
stop() { kill -TERM "$server" "$service" 2>/dev/null || true; }
trap stop INT TERM
wait "$server" || true  # returns when gunicorn ends, or early when a signal is trapped
stop
status=0
wait "$server" || status=$?  # gunicorn's own status (bash keeps it if it ended already)
wait "$service" || true
exit "$status"
