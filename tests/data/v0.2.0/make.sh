#!/usr/bin/env bash
# Provenance of tests/data/v0.2.0/: store fixtures written by the REAL RELEASED CODE of feedapp
# 0.2.0 (git commit 1b7665f, schema 0002_edited_version), for the upgrade tests of the next
# version (migration 0003). Documentation only: no test runs it (it starts PostgreSQL).
# Needs git, the project's venv (.venv: Python 3.13 with feedapp's dependencies), Debian's
# postgresql (server binaries under /usr/lib/postgresql/*/bin); as root the server runs as the
# `postgres` user. Writes nothing outside this folder and its WORK folder.
#
#   bash tests/data/v0.2.0/make.sh       # WORK=/some/dir to keep the work files there,
#                                         # PY=/path/to/python for another interpreter
#
# Commit 1b7665f is extracted with `git archive` into $WORK/code and run from there with
# PYTHONPATH=$WORK/code (checked: feedapp.__file__ is under $WORK/code), so neither the current
# checkout's code nor its seeds are used. Only the interpreter and the installed dependencies come
# from .venv (feedapp.__version__ is read from the installed dist's metadata: checked to be 0.2.0).
#
# For each backend (SQLite: a file in $WORK; PostgreSQL: a throwaway server, 1b7665f's own
# tests/support.py PostgresServer), with 1b7665f's code:
#   1. feedapp db upgrade                                                  (yoyo's clock: T_UPGRADE)
#   2. feedapp ingest seeds/                                               at T_INGEST
#   3. feedapp ingest update/ (004_havashenasi_garma.txt, one body word changed)   at T_UPDATE
#   4. store.retract(engine, "005_bimeh_salamat_nowruz", T_RETRACT)
#   5. GET /feed.atom /feed.rss /feed.json /sitemap.xml /sitemaps/releases-1.xml with 1b7665f's
#      create_app() test client (FEEDAPP_SITE_URL=http://127.0.0.1:8000): 0.2.0.<backend>.*
#   6. dump: sqlite3 iterdump -> 0.2.0.sqlite.sql; pg_dump --inserts -> 0.2.0.postgresql.sql
# Then each dump is loaded back into a fresh database and checked (release count, yoyo versions).
#
# The clocks are fixed so that a rerun writes the same bytes. feedapp's CLI passes no clock to
# ingest_files(), so a wrapper partials it with clock=. yoyo (which `db upgrade` runs) writes
# bookkeeping rows of its own: wall-clock times (_yoyo_migration.applied_at_utc, _yoyo_log,
# _yoyo_version), the user and host name and a uuid1 (MAC address) in _yoyo_log. The wrapper fixes
# them to T_UPGRADE, user "feedapp", host "localhost" and a version-1 UUID of T_UPGRADE with a
# random-style node (01:00:00:00:00:00), so no machine's identity ends up in the fixtures.
# Nothing of feedapp itself is patched.
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$OUT" rev-parse --show-toplevel)
COMMIT=1b7665f VERSION=0.2.0
PY=${PY:-$REPO/.venv/bin/python}
WORK=${WORK:-$(mktemp -d /tmp/feedapp-v0.2.0.XXXXXX)}
mkdir -p "$WORK" && WORK=$(cd "$WORK" && pwd -P)
CODE=$WORK/code
UPDATE_FILE=004_havashenasi_garma.txt RETRACT_KEY=005_bimeh_salamat_nowruz
export T_UPGRADE=2025-03-01T07:00:00+00:00 T_INGEST=2025-03-01T08:00:00.123456+00:00
export T_UPDATE=2025-03-02T09:30:00.250000+00:00 T_RETRACT=2025-03-03T10:45:00.500000+00:00
export PYTHONDONTWRITEBYTECODE=1 FEEDAPP_CODE=$CODE FEEDAPP_VERSION=$VERSION
# Only the settings below: none of the caller's FEEDAPP_* variables (site title, page size, …).
while read -r name; do unset "$name"; done < <(compgen -e | grep '^FEEDAPP_' | grep -v -e '^FEEDAPP_CODE$' -e '^FEEDAPP_VERSION$' || true)
export FEEDAPP_SITE_URL=http://127.0.0.1:8000

# The released code and its seeds.
rm -rf "$CODE" && mkdir -p "$CODE/update"
git -C "$REPO" archive "$COMMIT" | tar -x -C "$CODE"
# The updated release: same file name (so the same key), one word of its body changed.
sed 's/تا پايان هفته ادامه/تا پايان ماه ادامه/' "$CODE/seeds/$UPDATE_FILE" > "$CODE/update/$UPDATE_FILE"
if cmp -s "$CODE/seeds/$UPDATE_FILE" "$CODE/update/$UPDATE_FILE"; then echo "make.sh: no word changed" >&2; exit 1; fi

# Every step: 1b7665f's code, run from its own folder (`python -c` puts the cwd first on sys.path)
# with PYTHONPATH=$CODE; step.py and the check below make sure feedapp is imported from $CODE.
cat > "$WORK/step.py" <<'EOF'
"""One step with the released code: cli ARGS… | retract KEY | serve PREFIX."""
import datetime, functools, os, sys

import feedapp

code = os.environ["FEEDAPP_CODE"]
assert feedapp.__file__.startswith(code + os.sep), f"feedapp from {feedapp.__file__}, not from {code}"
assert feedapp.__version__ == os.environ["FEEDAPP_VERSION"], feedapp.__version__
when = lambda name: datetime.datetime.fromisoformat(os.environ[name])


def fix_yoyo(now):
    """yoyo's bookkeeping: fixed time, user, host and uuid1 instead of this machine's."""
    import getpass, itertools, socket, uuid
    import yoyo.backends.base, yoyo.internalmigrations

    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return now.astimezone(tz) if tz else now.astimezone(datetime.timezone.utc).replace(tzinfo=None)

    yoyo.backends.base.datetime = yoyo.internalmigrations.datetime = Clock
    getpass.getuser = lambda: "feedapp"
    socket.getfqdn = lambda name="": "localhost"
    ticks = itertools.count(round(now.timestamp() * 10_000_000) + 0x01B21DD213814000)  # since 1582-10-15

    def uuid1(node=None, clock_seq=None):
        t = next(ticks)
        return uuid.UUID(fields=(t & 0xFFFFFFFF, (t >> 32) & 0xFFFF, (t >> 48) & 0x0FFF, 0x80, 0, 0x010000000000),
                         version=1)
    uuid.uuid1 = uuid1


command, args = sys.argv[1], sys.argv[2:]
if command == "cli":  # the `feedapp` console script (feedapp.cli:main) with the clocks fixed
    if args[:2] == ["db", "upgrade"]:
        fix_yoyo(when("T_UPGRADE"))
    if args[:1] == ["ingest"]:
        import feedapp.ingest
        now = when("FEEDAPP_NOW")
        feedapp.ingest.ingest_files = functools.partial(feedapp.ingest.ingest_files, clock=lambda: now)
    sys.argv = ["feedapp", *args]
    from feedapp.cli import main
    main()
elif command == "retract":
    from feedapp import create_app, db, store
    with create_app().app_context():
        stored = store.retract(db.get_engine(), args[0], when("T_RETRACT"))
        assert stored is not None and stored.retracted_at is not None, stored
elif command == "serve":  # what the released app serves: its own test client, no Accept-Encoding
    from feedapp import create_app
    client = create_app().test_client()
    for path, suffix in [("/feed.atom", "feed.atom"), ("/feed.rss", "feed.rss"), ("/feed.json", "feed.json"),
                         ("/sitemap.xml", "sitemap.xml"), ("/sitemaps/releases-1.xml", "sitemap-releases-1.xml")]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        with open(f"{args[0]}.{suffix}", "wb") as file:
            file.write(response.get_data())
else:
    raise SystemExit(f"step.py: unknown step {command}")
EOF
step() { (cd "$CODE" && PYTHONPATH=$CODE "$PY" "$WORK/step.py" "$@"); }
(cd "$CODE" && PYTHONPATH=$CODE "$PY" -c 'import feedapp; print(feedapp.__file__)') | grep -q "^$CODE/feedapp/__init__.py$" \
    || { echo "make.sh: PYTHONPATH=$CODE does not import feedapp from $CODE" >&2; exit 1; }

rm -f "$OUT/$VERSION".*   # this script's outputs only (make.sh and README.md stay)

# A throwaway PostgreSQL server: 1b7665f's own helper; one database to build, one to load back.
read -r PG_PORT PG_DIR PG_BUILD PG_CHECK < <(cd "$CODE" && "$PY" -c \
    'from tests.support import PostgresServer as S; s = S(); s.start(); print(s.port, s.dir, s.new_database(), s.new_database())')
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS_PG=(); [ "$(id -u)" = 0 ] && AS_PG=(runuser -u postgres --)
trap '"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null; rm -rf "$PG_DIR"' EXIT

build() {  # BACKEND URL: steps 1-5; RELEASES := the number of releases the seeds added
    local backend=$1 log=$WORK/$1.log
    export FEEDAPP_DATABASE_URL=$2
    step cli db upgrade > "$log" 2>&1
    FEEDAPP_NOW=$T_INGEST step cli ingest seeds/ > "$WORK/$backend.ingest" 2>> "$log"
    FEEDAPP_NOW=$T_UPDATE step cli ingest update/ > "$WORK/$backend.update" 2>> "$log"
    grep -qx "updated ${UPDATE_FILE%.txt}" "$WORK/$backend.update" || { echo "make.sh: $UPDATE_FILE not updated" >&2; exit 1; }
    step retract "$RETRACT_KEY" >> "$log" 2>&1
    step serve "$OUT/$VERSION.$backend" >> "$log" 2>&1
    unset FEEDAPP_DATABASE_URL
    RELEASES=$(grep -c '^added ' "$WORK/$backend.ingest")
}

rm -f "$WORK"/sqlite.sqlite3*
build sqlite "sqlite:///$WORK/sqlite.sqlite3"   # (not in an && list: set -e holds in it)
SQLITE_RELEASES=$RELEASES
"$PY" -c 'import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(connection.iterdump()) + "\n")
connection.close()
' "$WORK/sqlite.sqlite3" "$OUT/$VERSION.sqlite.sql"

build postgresql "$PG_BUILD"
PG_RELEASES=$RELEASES
# \restrict and \unrestrict (pg_dump 17.6, 16.10, 15.14 …) are psql meta-commands: dropped so one
# execute() runs the file. PGTZ: timestamptz values written in UTC whatever the machine's zone.
PGTZ=UTC "$PG_BIN/pg_dump" --no-owner --no-privileges --inserts -h 127.0.0.1 -p "$PG_PORT" -U postgres "${PG_BUILD##*/}" \
    | grep -v '^\\' > "$OUT/$VERSION.postgresql.sql"

# Load each dump back into a fresh database and check it.
"$PY" - "$OUT/$VERSION.sqlite.sql" "$SQLITE_RELEASES" "$OUT/$VERSION.postgresql.sql" "$PG_RELEASES" "$PG_CHECK" \
    "${UPDATE_FILE%.txt}" "$RETRACT_KEY" <<'EOF'
import sqlite3, sys
import psycopg

sqlite_dump, sqlite_releases, pg_dump, pg_releases, pg_url, updated_key, retracted_key = sys.argv[1:]


def check(name, query, expected_releases):
    [[releases]] = query("SELECT count(*) FROM releases")
    versions = [row[0] for row in query("SELECT migration_id FROM _yoyo_migration ORDER BY migration_id")]
    [[updated]] = query(f"SELECT updated IS NOT NULL FROM releases WHERE key = '{updated_key}'")
    [[retracted]] = query(f"SELECT retracted_at IS NOT NULL FROM releases WHERE key = '{retracted_key}'")
    assert releases == int(expected_releases) > 0, (name, releases, expected_releases)
    assert versions == ["0001_schema", "0002_edited_version"], (name, versions)
    assert updated and retracted, (name, updated, retracted)
    print(f"{name}: {releases} releases, schema {' '.join(versions)}, {updated_key} updated, {retracted_key} retracted")


connection = sqlite3.connect(":memory:")
connection.executescript(open(sqlite_dump, encoding="utf-8").read())
check("0.2.0.sqlite.sql", lambda sql: connection.execute(sql).fetchall(), sqlite_releases)
with psycopg.connect(pg_url, autocommit=True) as connection:
    connection.execute(open(pg_dump, encoding="utf-8").read())
with psycopg.connect(pg_url, autocommit=True) as connection:  # new session: the dump empties search_path
    check("0.2.0.postgresql.sql", lambda sql: connection.execute(sql).fetchall(), pg_releases)
EOF
echo "done: $OUT (work files in $WORK)"
