"""feedapp's schema as of 0.1.0, and databases that earlier code made without a recorded version.

A new database gets the tables as they are. A database made before versions were recorded
(feedapp 0.1.0 and its development builds, which ran `CREATE TABLE IF NOT EXISTS` at every
start) is recognized by its `releases` table and brought to the same schema in place, every row
kept: the columns added over time (`changed_version`, `retracted_at`), the `release_categories`
rows (filled from each release's categories), the indexes and the counters in `state`.

Migrations are history: this file keeps its own statements, frozen as they were when it was
written; store.py holds the statements of the running code. Every step is safe to run twice
(yoyo records a migration in its own transaction after the migration's, so a kill between the
two runs it again).
"""

import json

from yoyo import step

__transactional__ = True

# Column types that differ between the backends; everything else is written once.
TYPES = {
    "sqlite": {"id": "INTEGER NOT NULL PRIMARY KEY", "blob": "BLOB", "time": "DATETIME"},
    "postgresql": {"id": "SERIAL PRIMARY KEY", "blob": "BYTEA", "time": "TIMESTAMP WITH TIME ZONE"},
}

RELEASES = """CREATE TABLE IF NOT EXISTS releases (
    id {id},
    key VARCHAR(128) NOT NULL UNIQUE,
    format VARCHAR(8) NOT NULL,
    raw {blob} NOT NULL,
    raw_sha256 VARCHAR(64) NOT NULL,
    published {time} NOT NULL,
    published_jalali VARCHAR(10) NOT NULL,
    published_has_time BOOLEAN NOT NULL,
    updated {time},
    kicker TEXT,
    title TEXT NOT NULL,
    lead TEXT NOT NULL,
    body TEXT NOT NULL,
    categories TEXT NOT NULL,
    source TEXT,
    language VARCHAR(35) NOT NULL,
    images TEXT NOT NULL,
    ingested_at {time} NOT NULL,
    changed_at {time} NOT NULL,
    changed_version INTEGER NOT NULL DEFAULT 0,
    retracted_at {time}
)"""

CATEGORIES = """CREATE TABLE IF NOT EXISTS release_categories (
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    PRIMARY KEY (release_id, category)
)"""

STATE = "CREATE TABLE IF NOT EXISTS state (name VARCHAR(64) NOT NULL PRIMARY KEY, value INTEGER NOT NULL)"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS releases_published ON releases (published, id)",
    "CREATE INDEX IF NOT EXISTS releases_changed_at ON releases (changed_at)",
    "CREATE INDEX IF NOT EXISTS releases_changed_version ON releases (changed_version)",
    "CREATE INDEX IF NOT EXISTS releases_source ON releases (source, id)",
    "CREATE INDEX IF NOT EXISTS releases_sitemap ON releases (id, retracted_at, published, updated, key)",
    "CREATE INDEX IF NOT EXISTS release_categories_category ON release_categories (category, release_id)",
)


def dialect(connection):
    """'postgresql' for a psycopg connection, else 'sqlite'."""
    return "postgresql" if type(connection).__module__.startswith("psycopg") else "sqlite"


def columns(cursor, kind, table):
    if kind == "sqlite":
        cursor.execute(f"PRAGMA table_info({table})")
        return {row[1] for row in cursor.fetchall()}
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    )
    return {row[0] for row in cursor.fetchall()}


def placeholders(kind, text):
    """SQLite's `?` as psycopg's `%s`."""
    return text.replace("?", "%s") if kind == "postgresql" else text


def apply(connection):
    kind = dialect(connection)
    cursor = connection.cursor()
    had_releases = bool(columns(cursor, kind, "releases"))
    cursor.execute(RELEASES.format(**TYPES[kind]))
    existing = columns(cursor, kind, "releases")
    if "changed_version" not in existing:  # before feeds (first development build)
        cursor.execute("ALTER TABLE releases ADD COLUMN changed_version INTEGER NOT NULL DEFAULT 0")
        # Insertion order is the best order of change there is for rows that never recorded one.
        cursor.execute("UPDATE releases SET changed_version = id")
    if "retracted_at" not in existing:  # before the publishing API
        cursor.execute(f"ALTER TABLE releases ADD COLUMN retracted_at {TYPES[kind]['time']}")
    had_categories = bool(columns(cursor, kind, "release_categories"))
    cursor.execute(CATEGORIES)
    if had_releases and not had_categories:
        cursor.execute("SELECT id, categories FROM releases ORDER BY id")
        rows = [
            (release_id, category)
            for release_id, stored in cursor.fetchall()
            for category in dict.fromkeys(json.loads(stored))
        ]
        cursor.executemany(
            placeholders(kind, "INSERT INTO release_categories (release_id, category) VALUES (?, ?)"), rows
        )
    cursor.execute(STATE)
    for statement in INDEXES:
        cursor.execute(statement)
    set_counters(cursor, kind)


def set_counters(cursor, kind):
    """The state rows, computed from the rows there are (what the running code keeps up to date)."""
    cursor.execute("SELECT value FROM state WHERE name = 'data_version'")
    row = cursor.fetchone()
    cursor.execute("SELECT COALESCE(MAX(changed_version), 0) FROM releases")
    newest = cursor.fetchone()[0]
    # The version only ever grows: caches and delta feeds compare against it.
    version = max(row[0] if row else 0, newest)
    counts = (
        ("data_version", f"SELECT {int(version)}"),
        ("releases_total", "SELECT COUNT(*) FROM releases"),
        ("releases_shown", "SELECT COUNT(*) FROM releases WHERE retracted_at IS NULL"),
    )
    for name, query in counts:
        cursor.execute(placeholders(kind, "DELETE FROM state WHERE name = ?"), (name,))
        cursor.execute(placeholders(kind, f"INSERT INTO state (name, value) SELECT ?, ({query})"), (name,))


steps = [step(apply)]
