#!/usr/bin/env bash
# Provenance of tests/data/legacy/: rebuilds every fixture with the REAL OLD CODE of each earlier
# schema, taken from the git history. Documentation only: no test runs it (it installs hazm and
# starts PostgreSQL). Needs git, Python 3.12-3.13, Debian's postgresql, and PyPI.
#
#   bash tests/data/legacy/make.sh            # WORK=/some/dir to keep the work files there
#
# For each commit C and backend (SQLite; PostgreSQL from e7eef5c on), with C's own code and seeds:
#   1. feedapp ingest seeds/                                                at T_INGEST
#   2. feedapp ingest update/ (004_havashenasi_garma.txt, one body word changed)   at T_UPDATE
#   3. store.retract(engine, "005_bimeh_salamat_nowruz", T_RETRACT)         (709b57b and later)
#   4. GET /feed.atom, /feed.rss, /feed.json with C's create_app() test client (feeds: 1eadfbb on)
#   5. dump (sqlite3 iterdump / pg_dump --inserts); manifest.py loads each dump back and checks it
# Plus upgraded.sqlite.sql: one store that lived through the upgrades (see the end).
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$OUT" rev-parse --show-toplevel)
WORK=${WORK:-$(mktemp -d /tmp/feedapp-legacy.XXXXXX)}
# Python 3.12 or 3.13 (the project's .venv has 3.13.0): hazm 0.12.1 needs it. On 3.11 the old
# pyprojects install hazm 0.10.0 instead, a normalizer these fixtures were not made with.
pyenv=$(pyenv root 2>/dev/null || echo /nonexistent)
for PYTHON in ${PYTHON:-} python3.13 "$pyenv"/versions/3.13*/bin/python3 python3.12 "$pyenv"/versions/3.12*/bin/python3; do
    "$PYTHON" -c 'import sys; assert (3, 12) <= sys.version_info[:2] < (3, 14)' 2>/dev/null && break
done
"$PYTHON" -c '' 2>/dev/null || { echo "make.sh: no Python 3.12 or 3.13 found (set PYTHON=)" >&2; exit 1; }
# Two schema commits cannot run as committed: each imports a module first committed in the next
# commit, which only adds the missing files to feedapp/ (store.py is the same blob):
#   f208d0f: core/normalize.py imports core/halfspace.py -> e311046 makes the first-schema fixture
#   1eadfbb: imports core/sitemaps.py and crawlers.py    -> 4eb0e54 makes the second-schema fixture
COMMITS=(e311046 4eb0e54 e7eef5c 709b57b d4ea7e4 2fa355e)
PG_FROM=e7eef5c RETRACT_FROM=709b57b FEEDS_FROM=1eadfbb   # first commit with that feature
UPDATE_FILE=004_havashenasi_garma.txt RETRACT_KEY=005_bimeh_salamat_nowruz
export T_INGEST=2025-03-01T08:00:00.123456+00:00 T_UPDATE=2025-03-02T09:30:00.250000+00:00
export T_RETRACT=2025-03-03T10:45:00.500000+00:00 PYTHONDONTWRITEBYTECODE=1
at_or_after() { git -C "$REPO" merge-base --is-ancestor "$2" "$1"; }   # is $1 at or after $2?

# One venv for all: the SQLAlchemy-era pyprojects agree (2fa355e just leaves SQLAlchemy unused).
# The versions used for the committed files; each checkout goes on PYTHONPATH, not into the venv.
[ -x "$WORK/venv/bin/python" ] || "$PYTHON" -m venv "$WORK/venv"
PY=$WORK/venv/bin/python
"$PY" -m pip install -q --disable-pip-version-check flask==3.1.3 sqlalchemy==2.0.58 jdatetime==6.1.1 \
    tzdata==2026.6 gunicorn==27.0.1 feedgen==1.0.0 lxml==6.1.3 'psycopg[binary]==3.3.9' hazm==0.12.1

# The `feedapp` command (console script feedapp.cli:main) with the clock that ingest_files() takes
# as a parameter fixed: the CLI passes none, so it would read the wall clock.
cat > "$WORK/feedapp_at.py" <<'EOF'
import datetime, functools, os
import feedapp.ingest
now = datetime.datetime.fromisoformat(os.environ["FEEDAPP_NOW"])
feedapp.ingest.ingest_files = functools.partial(feedapp.ingest.ingest_files, clock=lambda: now)
from feedapp.cli import main
main()
EOF

for c in "${COMMITS[@]}"; do
    rm -rf "$WORK/$c" && mkdir -p "$WORK/$c/update"
    git -C "$REPO" archive "$c" | tar -x -C "$WORK/$c"
    # The updated release: same file name (so the same key), one word of its body changed.
    sed 's/تا پايان هفته ادامه/تا پايان ماه ادامه/' "$WORK/$c/seeds/$UPDATE_FILE" > "$WORK/$c/update/$UPDATE_FILE"
    cmp -s "$WORK/$c/seeds/$UPDATE_FILE" "$WORK/$c/update/$UPDATE_FILE" && { echo "no word changed" >&2; exit 1; }
done

rm -f "$OUT"/*.sql "$OUT"/*.feed.* "$OUT"/manifest.json   # (old feed symlinks must not be written through)

# A throwaway PostgreSQL server: the project's own helper (tests/support.py as of 2fa355e).
read -r PG_PORT PG_DIR < <(cd "$WORK/2fa355e" && "$PY" -c \
    'from tests.support import PostgresServer as S; s = S(); s.start(); print(s.port, s.dir)')
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS_PG=(); [ "$(id -u)" = 0 ] && AS_PG=(runuser -u postgres --)
trap '"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null; rm -rf "$PG_DIR"' EXIT
export PG_URL=postgresql://postgres@127.0.0.1:$PG_PORT

# Each step runs commit $1's code from its own folder on database URL $2.
old() { local c=$1 url=$2; shift 2; (cd "$WORK/$c" && PYTHONPATH=$WORK/$c FEEDAPP_DATABASE_URL=$url "$@"); }
ingest() { old "$1" "$2" env FEEDAPP_NOW="$4" "$PY" "$WORK/feedapp_at.py" ingest "$3"; }   # C URL FOLDER TIME
start_app() { old "$1" "$2" "$PY" -c 'from feedapp import create_app; create_app()'; }   # create_schema upgrades
retract() {
    old "$1" "$2" "$PY" -c 'import datetime, os, sys; from feedapp import create_app, db, store
with create_app().app_context():
    assert store.retract(db.get_engine(), sys.argv[1], datetime.datetime.fromisoformat(os.environ["T_RETRACT"]))
' "$RETRACT_KEY"
}
feeds() {  # C URL PREFIX: saves PREFIX.feed.atom, .rss, .json as the old app serves them
    old "$1" "$2" "$PY" -c 'import sys; from feedapp import create_app
client = create_app().test_client()
for kind in ("atom", "rss", "json"):
    response = client.get("/feed." + kind)
    assert response.status_code == 200, (kind, response.status_code)
    open(f"{sys.argv[1]}.feed.{kind}", "wb").write(response.get_data())
' "$3"
}
sqlite_dump() { "$PY" -c 'import sqlite3, sys
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(sqlite3.connect(sys.argv[1]).iterdump()) + "\n")
' "$1" "$2"; }
build() {  # C BACKEND URL: steps 1-4
    local c=$1 url=$3 log=$WORK/$1.$2.log
    ingest "$c" "$url" seeds/ "$T_INGEST" > "$log" 2>&1
    ingest "$c" "$url" update/ "$T_UPDATE" >> "$log" 2>&1
    if at_or_after "$c" "$RETRACT_FROM"; then retract "$c" "$url"; fi
    if at_or_after "$c" "$FEEDS_FROM"; then feeds "$c" "$url" "$OUT/$c.$2"; fi
}

for c in "${COMMITS[@]}"; do
    build "$c" sqlite "sqlite:///$WORK/$c/db.sqlite3"
    sqlite_dump "$WORK/$c/db.sqlite3" "$OUT/$c.sqlite.sql"
    if at_or_after "$c" "$PG_FROM"; then
        "$PY" -c "import psycopg, os; psycopg.connect(os.environ['PG_URL'] + '/postgres', autocommit=True).execute('CREATE DATABASE c_$c')"
        build "$c" postgresql "$PG_URL/c_$c"
        # \restrict and \unrestrict are psql meta-commands: dropped so one execute() runs the file.
        "$PG_BIN/pg_dump" --no-owner --no-privileges --inserts -h 127.0.0.1 -p "$PG_PORT" -U postgres "c_$c" \
            | grep -v '^\\' > "$OUT/$c.postgresql.sql"
    fi
done

# upgraded.sqlite.sql: a long-time user's store. Made by the first schema's code, then brought up
# to date in place by each later schema's own create_schema() (its _upgrade(): ALTER TABLE,
# changed_version = id, release_categories filled, then retracted_at, then the releases_total row).
export UPGRADED="e311046 4eb0e54 e7eef5c 709b57b d4ea7e4"
url=sqlite:///$WORK/upgraded.sqlite3 && rm -f "$WORK"/upgraded.sqlite3*
ingest e311046 "$url" seeds/ "$T_INGEST" > "$WORK/upgraded.log" 2>&1
start_app 4eb0e54 "$url"
start_app e7eef5c "$url"
ingest 709b57b "$url" update/ "$T_UPDATE" >> "$WORK/upgraded.log" 2>&1
retract d4ea7e4 "$url"
feeds d4ea7e4 "$url" "$OUT/upgraded.sqlite"
sqlite_dump "$WORK/upgraded.sqlite3" "$OUT/upgraded.sqlite.sql"

# A feed body byte-identical to one saved before it becomes a relative symlink to that file: the
# 30 bodies are 7 distinct ones (git would store them once anyway; a checkout would not).
seen=()
for n in "${COMMITS[@]}" upgraded; do for f in "$OUT/$n".sqlite.feed.* "$OUT/$n".postgresql.feed.*; do
    [ -e "$f" ] || continue
    for g in "${seen[@]}"; do cmp -s "$f" "$g" && { ln -sf "$(basename "$g")" "$f"; continue 2; }; done
    seen+=("$f")
done; done

# Load every dump back into a fresh database, compare it with its source, write manifest.json.
"$PY" "$OUT/manifest.py" "$WORK" "${COMMITS[@]}" upgraded
echo "done: $OUT (work files in $WORK)"
