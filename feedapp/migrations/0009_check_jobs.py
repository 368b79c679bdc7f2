"""feedapp 0.9.0: the publishing desk's checks go through the ingest queue (feedapp/desk.py).

- `ingest_jobs.purpose`: `store` (every job before, and every write) or `check`: the ingest service
  parses and normalizes the document and answers with what it would publish, the changes its
  normalization makes and every error and warning, and stores nothing. Serving processes never
  import hazm, so a check cannot run in the web worker that receives it.

A new column with a default: existing rows become `store` jobs, which they were. Like every
migration, this file keeps its own statements and is safe to run twice.
"""

from yoyo import step

__depends__ = {"0008_reach"}
__transactional__ = True


def postgresql(connection):
    """True for a psycopg connection (this file keeps its own helpers: migrations are frozen)."""
    return type(connection).__module__.startswith("psycopg")


def job_columns(connection):
    cursor = connection.cursor()
    if postgresql(connection):
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'ingest_jobs'")
        return {row[0] for row in cursor.fetchall()}
    cursor.execute("PRAGMA table_info(ingest_jobs)")
    return {row[1] for row in cursor.fetchall()}


def apply(connection):
    if "purpose" not in job_columns(connection):
        connection.cursor().execute("ALTER TABLE ingest_jobs ADD COLUMN purpose VARCHAR(8) NOT NULL DEFAULT 'store'")


steps = [step(apply)]
