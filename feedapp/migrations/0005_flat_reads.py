"""feedapp 0.5.0: what the category and source feeds and the sitemap index read, kept ready.

Until now three reads grew with the store (seconds at a million releases):
- a category feed sorted every release of its category by `edited_version` (the order lived in
  `releases`, the membership in `release_categories`): `release_categories.edited_version`, a
  copy kept in step by the store, and its index `(category, edited_version)` make it the first
  entries of one index;
- a source feed had no index with both the source and the order: `releases_source_edited`;
- the whole site's feed read its removals (retracted releases) by walking every release in
  `changed_version` order: `releases_retracted_changed` holds the retracted ones in that order;
- the sitemap index grouped every release into its page, and a sitemap page's own version read
  every member of the page: `position_blocks` holds, per block of 1,000 places (`block` =
  (position - 1) / 1000), the newest `changed_version` of its releases and the newest
  `published` and `updated` of its shown ones. The store refreshes a block at every change of
  one of its releases; a page of a multiple of 1,000 places is a few blocks.
"""

from yoyo import step

__depends__ = {"0004_positions"}
__transactional__ = True

BLOCK = 1000  # places to a block (store.BLOCK; frozen here as it was written)


def columns(connection, table):
    """The table's column names (this file keeps its own helpers: migrations are frozen)."""
    cursor = connection.cursor()
    if postgresql(connection):
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
        return {name for (name,) in cursor.fetchall()}
    cursor.execute(f"PRAGMA table_info({table})")
    return {row[1] for row in cursor.fetchall()}


def postgresql(connection):
    return type(connection).__module__.startswith("psycopg")


BLOCKS = """CREATE TABLE IF NOT EXISTS position_blocks (
    block INTEGER NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    published {time},
    updated {time}
)"""

FILL_BLOCKS = (
    "INSERT INTO position_blocks (block, version, published, updated)"
    f" SELECT (position - 1) / {BLOCK}, MAX(changed_version),"
    " MAX(CASE WHEN retracted_at IS NULL THEN published END),"
    " MAX(CASE WHEN retracted_at IS NULL THEN updated END)"
    f" FROM releases GROUP BY (position - 1) / {BLOCK}"
)

COPY_EDITED_VERSION = (
    "UPDATE release_categories SET edited_version = releases.edited_version FROM releases"
    " WHERE releases.id = release_categories.release_id"
)

INDEXES = (
    "CREATE INDEX IF NOT EXISTS release_categories_edited ON release_categories (category, edited_version, release_id)",
    "CREATE INDEX IF NOT EXISTS releases_source_edited ON releases (source, edited_version)",
    # The retracted releases, newest change first: the feed's removals read only these, where
    # SQLite walked every release's changed_version to avoid sorting the few (ms per 10,000).
    "CREATE INDEX IF NOT EXISTS releases_retracted_changed ON releases (changed_version)"
    " WHERE retracted_at IS NOT NULL",
)


def apply(connection):
    cursor = connection.cursor()
    if "edited_version" not in columns(connection, "release_categories"):  # safe to run twice (see 0001)
        cursor.execute("ALTER TABLE release_categories ADD COLUMN edited_version INTEGER NOT NULL DEFAULT 0")
        cursor.execute(COPY_EDITED_VERSION)
    time = "TIMESTAMP WITH TIME ZONE" if postgresql(connection) else "DATETIME"
    if not columns(connection, "position_blocks"):
        cursor.execute(BLOCKS.format(time=time))
        cursor.execute(FILL_BLOCKS)
    for statement in INDEXES:
        cursor.execute(statement)


steps = [step(apply)]
