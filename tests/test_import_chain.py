"""The web app's import chain never loads hazm (seconds and hundreds of MB per worker), nor, on
SQLite, the PostgreSQL driver or asyncio (11 MB of a worker's 64 MB budget)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support import ROOT, upgraded

# Both tests start a fresh interpreter: the only way to see what an import chain loads.
pytestmark = pytest.mark.slow

PROBE = """
import json, sys
import wsgi
client = wsgi.app.test_client()
statuses = [client.get(path).status_code for path in ("/", "/releases/000_44faba8da108bc04", "/static/site.css")]
release = {"key": "k1", "published": "1392/12/20", "title": "تیتر", "lead": "لید."}
statuses.append(client.post("/api/releases", json=release,
                            headers={"Authorization": "Bearer probe-token-0123456789"}).status_code)
statuses.append(client.get("/feed.atom").status_code)
import feedapp.cli  # the console script's module, as `feedapp run` loads it
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("hazm", "nltk", "numpy", "gensim", "scipy")
               or m in ("feedapp.core.normalize", "feedapp.core.halfspace", "feedapp.ingest"))
drivers = sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "sqlalchemy", "asyncio"))
print("probe: " + json.dumps({"statuses": statuses, "heavy": heavy, "drivers": drivers}))
"""


def test_serving_the_app_never_imports_hazm(tmp_path):
    env = {
        **os.environ,
        "FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        "FEEDAPP_API_TOKEN": "probe-token-0123456789",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True
    )
    # An API write hands the document to the host's ingest service: with none running here, it
    # is queued (202), and this process still never loads hazm.
    # wsgi.py logs as a server does: JSON lines on stdout beside the probe's own line.
    [probe] = [line.removeprefix("probe: ") for line in done.stdout.splitlines() if line.startswith("probe: ")]
    assert json.loads(probe) == {"statuses": [200, 404, 200, 202, 200], "heavy": [], "drivers": []}


def test_the_probe_would_see_hazm_if_ingest_were_imported(tmp_path):
    # Proves the check above can fail: importing the ingest path does load hazm.
    done = subprocess.run(
        [sys.executable, "-c", "import sys, feedapp.ingest; print('hazm' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout == "True\n"
