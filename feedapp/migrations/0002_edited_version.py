"""feedapp 0.2.0: `releases.edited_version`, the data version at a release's last editorial change.

Until now `changed_version` did two jobs: it ordered the subscription feed (most recently changed
first) and it told caches and delta feeds that an entry's text changed. `feedapp reprocess`
changes the text (an improved normalizer) without an editorial change: the entry must be
re-rendered, but must not jump to the top of the feed and push new releases out of it. So the
order now comes from `edited_version` (adds, updates, republications), and `changed_version`
keeps moving with every change of the text.
"""

from yoyo import step

__depends__ = {"0001_schema"}
__transactional__ = True


def columns(connection):
    """The releases table's column names (this file keeps its own helpers: migrations are frozen)."""
    cursor = connection.cursor()
    if type(connection).__module__.startswith("psycopg"):
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = 'releases'"
        )
        return {name for (name,) in cursor.fetchall()}
    cursor.execute("PRAGMA table_info(releases)")
    return {row[1] for row in cursor.fetchall()}


def apply(connection):
    if "edited_version" not in columns(connection):  # safe to run twice (see 0001)
        cursor = connection.cursor()
        cursor.execute("ALTER TABLE releases ADD COLUMN edited_version INTEGER NOT NULL DEFAULT 0")
        # Every change so far was an editorial one.
        cursor.execute("UPDATE releases SET edited_version = changed_version")
    connection.cursor().execute("CREATE INDEX IF NOT EXISTS releases_edited_version ON releases (edited_version)")


steps = [step(apply)]
