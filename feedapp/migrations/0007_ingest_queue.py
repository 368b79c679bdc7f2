"""feedapp 0.7.0: the ingest queue, through which the publishing API hands releases to the one
ingest service of a host (feedapp/ingest_service.py).

- `ingest_jobs`: one row per document a web worker received, committed before anything else is
  done with it (durable acceptance): the bytes exactly as received, their format, the key the
  request named, and who sent it (`actor`, JSON of store.Actor). `state` is `queued` until an
  ingest service stores the release; `stored` when the release's own write transaction has
  committed it (with the `action` it took), so that a service that dies right after never
  reports a second action; `done` when the service wrote `reply` (the outcome the API answers
  with). `claimed_by` names the service that took it (`host:pid`) and `attempts` counts the
  takes, so that a document that kills the service every time is answered, not taken forever.
- `ingest_jobs_open`: the jobs not done yet, in the order they came (a partial index: the done
  ones, nearly all, are not in it).

A new table only: existing rows are untouched. Like every migration, this file keeps its own
statements and is safe to run twice.
"""

from yoyo import step

__depends__ = {"0006_tokens_and_audit"}
__transactional__ = True


def postgresql(connection):
    """True for a psycopg connection (this file keeps its own helpers: migrations are frozen)."""
    return type(connection).__module__.startswith("psycopg")


# Column types that differ between the backends; everything else is written once.
TYPES = {
    "sqlite": {"id": "INTEGER NOT NULL PRIMARY KEY", "time": "DATETIME", "bytes": "BLOB"},
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "time": "TIMESTAMP WITH TIME ZONE", "bytes": "BYTEA"},
}

JOBS = """CREATE TABLE IF NOT EXISTS ingest_jobs (
    id {id},
    received_at {time} NOT NULL,
    format VARCHAR(8) NOT NULL,
    key VARCHAR(128),
    raw {bytes} NOT NULL,
    actor TEXT,
    state VARCHAR(8) NOT NULL DEFAULT 'queued',
    claimed_by VARCHAR(300),
    claimed_at {time},
    attempts INTEGER NOT NULL DEFAULT 0,
    action VARCHAR(16),
    reply TEXT,
    finished_at {time}
)"""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS ingest_jobs_open ON ingest_jobs (id) WHERE state <> 'done'",
    "CREATE INDEX IF NOT EXISTS ingest_jobs_finished ON ingest_jobs (finished_at) WHERE state = 'done'",
)


def apply(connection):
    types = TYPES["postgresql" if postgresql(connection) else "sqlite"]
    cursor = connection.cursor()
    cursor.execute(JOBS.format(**types))
    for statement in INDEXES:
        cursor.execute(statement)


steps = [step(apply)]
