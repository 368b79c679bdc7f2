#!/usr/bin/env bash
# Provenance of tests/data/legacy/: rebuilds every fixture with the REAL OLD CODE of each earlier
# schema, taken from the git history. Documentation only: no test runs it (it installs hazm and
# starts PostgreSQL). Needs Python 3.11-3.13, Debian's postgresql, and PyPI.
#
#   bash tests/data/legacy/make.sh            # WORK=/some/dir keeps the temp dir for a look
#
# Per commit C and backend (SQLite; PostgreSQL from e7eef5c on), with C's own code and seeds:
#   1. feedapp ingest seeds/                  at T_INGEST
#   2. feedapp ingest update/ (004 with one body word changed: هفته -> ماه)   at T_UPDATE
#   3. store.retract(engine, 005_bimeh_salamat_nowruz, T_RETRACT)   (709b57b and later)
#   4. GET /feed.atom /feed.rss /feed.json with C's create_app() test client (1eadfbb and later)
#   5. dump: sqlite3 iterdump / pg_dump --inserts; then loaded back and checked (manifest.json)
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$OUT" rev-parse --show-toplevel)
WORK=${WORK:-$(mktemp -d /tmp/feedapp-legacy.XXXXXX)}
PYTHON=${PYTHON:-python3}
# Two schema commits cannot run as committed: each imports a module first committed in the next
# commit, which adds exactly the missing files and changes nothing else (store.py is the same blob):
#   f208d0f: normalize.py imports core/halfspace.py    -> e311046 makes the first-schema fixture
#   1eadfbb: config.py imports core/sitemaps.py         -> 4eb0e54 makes the second-schema fixture
COMMITS=(e311046 4eb0e54 e7eef5c 709b57b d4ea7e4 2fa355e)
PG_FROM=e7eef5c RETRACT_FROM=709b57b FEEDS_FROM=1eadfbb   # first commit with that feature
UPDATE_FILE=004_havashenasi_garma.txt RETRACT_KEY=005_bimeh_salamat_nowruz
export T_INGEST=2025-03-01T08:00:00.123456+00:00 T_UPDATE=2025-03-02T09:30:00.250000+00:00
export T_RETRACT=2025-03-03T10:45:00.500000+00:00
export PYTHONDONTWRITEBYTECODE=1
at_or_after() { git -C "$REPO" merge-base --is-ancestor "$2" "$1"; }   # is $1 at/after $2?

# One venv for all: the SQLAlchemy-era pyprojects agree (2fa355e just leaves SQLAlchemy unused).
# Versions as used for the committed files; each checkout goes on PYTHONPATH, not into the venv.
[ -x "$WORK/venv/bin/python" ] || "$PYTHON" -m venv "$WORK/venv"
PY=$WORK/venv/bin/python
"$PY" -m pip install -q --disable-pip-version-check flask==3.1.3 sqlalchemy==2.0.58 jdatetime==6.1.1 \
    tzdata==2026.6 gunicorn==27.0.1 feedgen==1.0.0 lxml==6.1.3 'psycopg[binary]==3.3.9' hazm==0.12.1

# `feedapp` (the console script is feedapp.cli:main) with the clock that ingest_files() takes
# as a parameter fixed: the CLI itself always passes none, so it would read the wall clock.
cat > "$WORK/feedapp_at.py" <<'EOF'
import datetime, functools, os, sys
import feedapp.ingest
now = datetime.datetime.fromisoformat(os.environ["FEEDAPP_NOW"])
feedapp.ingest.ingest_files = functools.partial(feedapp.ingest.ingest_files, clock=lambda: now)
from feedapp.cli import main
main()
EOF

for c in "${COMMITS[@]}"; do
    rm -rf "$WORK/$c" && mkdir -p "$WORK/$c/update"
    git -C "$REPO" archive "$c" | tar -x -C "$WORK/$c"
    # The updated release: same file name (so same key), one word of its body changed.
    sed 's/تا پايان هفته ادامه/تا پايان ماه ادامه/' "$WORK/$c/seeds/$UPDATE_FILE" > "$WORK/$c/update/$UPDATE_FILE"
    cmp -s "$WORK/$c/seeds/$UPDATE_FILE" "$WORK/$c/update/$UPDATE_FILE" && { echo "no word changed" >&2; exit 1; }
done

# A throwaway PostgreSQL server: the project's own helper (tests/support.py as of 2fa355e).
read -r PG_PORT PG_DIR < <(cd "$WORK/2fa355e" && "$PY" -c \
    'from tests.support import PostgresServer as S; s = S(); s.start(); print(s.port, s.dir)')
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_stop() {
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
    rm -rf "$PG_DIR"
}
trap pg_stop EXIT
export PG_URL=postgresql://postgres@127.0.0.1:$PG_PORT

build() {  # build COMMIT BACKEND URL: steps 1-4 with that commit's code, from its folder
    local c=$1 backend=$2 url=$3
    cd "$WORK/$c"
    export PYTHONPATH=$WORK/$c FEEDAPP_DATABASE_URL=$url
    FEEDAPP_NOW=$T_INGEST "$PY" "$WORK/feedapp_at.py" ingest seeds/ > "$WORK/$c.$backend.ingest.log" 2>&1
    FEEDAPP_NOW=$T_UPDATE "$PY" "$WORK/feedapp_at.py" ingest update/ >> "$WORK/$c.$backend.ingest.log" 2>&1
    if at_or_after "$c" "$RETRACT_FROM"; then
        "$PY" -c 'import datetime, os, sys; from feedapp import create_app, db, store
app = create_app()
with app.app_context():
    assert store.retract(db.get_engine(), sys.argv[1], datetime.datetime.fromisoformat(os.environ["T_RETRACT"]))
' "$RETRACT_KEY"
    fi
    if at_or_after "$c" "$FEEDS_FROM"; then
        "$PY" -c 'import sys; from feedapp import create_app
client = create_app().test_client()
for kind in ("atom", "rss", "json"):
    response = client.get("/feed." + kind)
    assert response.status_code == 200, (kind, response.status_code)
    open(f"{sys.argv[1]}.feed.{kind}", "wb").write(response.get_data())
' "$OUT/$c.$backend"
    fi
    unset PYTHONPATH FEEDAPP_DATABASE_URL
}

for c in "${COMMITS[@]}"; do
    db=$WORK/$c/db.sqlite3
    build "$c" sqlite "sqlite:///$db"
    "$PY" -c 'import sqlite3, sys
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(sqlite3.connect(sys.argv[1]).iterdump()) + "\n")
' "$db" "$OUT/$c.sqlite.sql"
    if at_or_after "$c" "$PG_FROM"; then
        "$PY" -c "import psycopg, os; psycopg.connect(os.environ['PG_URL'] + '/postgres', autocommit=True).execute('CREATE DATABASE c_$c')"
        build "$c" postgresql "$PG_URL/c_$c"
        # \restrict / \unrestrict are psql meta-commands: dropped so one execute() runs the file.
        "$PG_BIN/pg_dump" --no-owner --no-privileges --inserts -h 127.0.0.1 -p "$PG_PORT" -U postgres "c_$c" \
            | grep -v '^\\' > "$OUT/$c.postgresql.sql"
    fi
done

# Load every dump back into a fresh database, compare row counts with the source, write the manifest.
"$PY" "$OUT/manifest.py" "$WORK" "${COMMITS[@]}"
echo "done: $OUT (work files in $WORK)"
