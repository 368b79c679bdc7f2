"""feedapp 0.4.0: each release's place in its pages, stored instead of counted.

Archive pages (RFC 5005), for the whole site, a category or a source, and sitemap pages hold
releases in insertion order, SIZE to a page. Until now a page was found by counting (OFFSET):
one row visit per skipped row, seconds at a million releases. Now each release carries its place:
- `releases.position`: 1, 2, 3… in insertion order among all releases (retracted included);
- `releases.source_position`: its place among its source office's releases;
- `release_categories.position`: its place among its category's releases;
so page N is the range ((N-1)·SIZE, N·SIZE] of an index, at any N. Existing rows are numbered
in id order, the order OFFSET counted in, so every page keeps its members. The sitemap pages'
covering index now leads with `position`, then `changed_version` (a page's own version, read
without its rows); it replaces `releases_sitemap_page`.
"""

from yoyo import step

__depends__ = {"0003_change_indexes"}
__transactional__ = True


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


# Each new column: its table, and the numbering of the existing rows (window functions and
# UPDATE … FROM: SQLite 3.33 and every supported PostgreSQL).
NUMBERINGS = (
    (
        "releases",
        "position",
        "UPDATE releases SET position = numbered.n FROM"
        " (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM releases) AS numbered"
        " WHERE releases.id = numbered.id",
    ),
    (
        "releases",
        "source_position",
        "UPDATE releases SET source_position = numbered.n FROM"
        " (SELECT id, ROW_NUMBER() OVER (PARTITION BY source ORDER BY id) AS n FROM releases"
        "  WHERE source IS NOT NULL) AS numbered"
        " WHERE releases.id = numbered.id",
    ),
    (
        "release_categories",
        "position",
        "UPDATE release_categories SET position = numbered.n FROM"
        " (SELECT release_id, category, ROW_NUMBER() OVER (PARTITION BY category ORDER BY release_id) AS n"
        "  FROM release_categories) AS numbered"
        " WHERE release_categories.release_id = numbered.release_id"
        " AND release_categories.category = numbered.category",
    ),
)

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS releases_position ON releases (position)",
    "CREATE UNIQUE INDEX IF NOT EXISTS releases_source_position ON releases (source, source_position)",
    "CREATE UNIQUE INDEX IF NOT EXISTS release_categories_position ON release_categories (category, position)",
    "CREATE INDEX IF NOT EXISTS releases_sitemap_position ON releases"
    " (position, changed_version, retracted_at, published, updated, key, changed_at)",
    "DROP INDEX IF EXISTS releases_sitemap_page",
)


def apply(connection):
    cursor = connection.cursor()
    for table, column, numbering in NUMBERINGS:
        if column not in columns(connection, table):  # safe to run twice (see 0001)
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER")
            cursor.execute(numbering)
    if postgresql(connection):  # SQLite cannot add the constraint to an existing column
        cursor.execute("ALTER TABLE releases ALTER COLUMN position SET NOT NULL")
        cursor.execute("ALTER TABLE release_categories ALTER COLUMN position SET NOT NULL")
    for statement in INDEXES:
        cursor.execute(statement)


steps = [step(apply)]
