"""feedapp 0.6.0: publishing tokens per source office, and the audit trail of every write.

- `api_tokens`: one row per token made by `feedapp token create`. Only the token's SHA-256 (hex)
  and its public prefix (`fa_` and an 8-character id, unique) are kept, never the token itself;
  `source` is the office whose releases it may change (NULL: an administrator token, every
  release); `scopes` is a comma-separated list (`publish`, `retract`). A token is never
  deleted: `revoked_at` ends it, so the prefixes the audit trail names keep their meaning.
- `audit_log`: one row per change of the store made through the API or the CLI (`ingest`,
  `retract`), written in the transaction of the change: when, what (`added`, `updated`,
  `unchanged` when only the stored bytes changed, `retracted`), the release key, the SHA-256 of
  the raw bytes, and who: a token's prefix (or `FEEDAPP_API_TOKEN`), or a command and the OS
  user who ran it. The running code only inserts and reads these rows.

New tables only: existing rows are untouched. Like every migration, this file keeps its own
statements and is safe to run twice.
"""

from yoyo import step

__depends__ = {"0005_flat_reads"}
__transactional__ = True


def postgresql(connection):
    """True for a psycopg connection (this file keeps its own helpers: migrations are frozen)."""
    return type(connection).__module__.startswith("psycopg")


# Column types that differ between the backends; everything else is written once.
TYPES = {
    "sqlite": {"id": "INTEGER NOT NULL PRIMARY KEY", "time": "DATETIME"},
    "postgresql": {"id": "SERIAL PRIMARY KEY", "time": "TIMESTAMP WITH TIME ZONE"},
}

TOKENS = """CREATE TABLE IF NOT EXISTS api_tokens (
    id {id},
    prefix VARCHAR(16) NOT NULL UNIQUE,
    sha256 VARCHAR(64) NOT NULL,
    source TEXT,
    scopes VARCHAR(64) NOT NULL,
    created_at {time} NOT NULL,
    expires_at {time},
    revoked_at {time},
    last_used_at {time}
)"""

AUDIT = """CREATE TABLE IF NOT EXISTS audit_log (
    id {id},
    recorded_at {time} NOT NULL,
    action VARCHAR(16) NOT NULL,
    key VARCHAR(128) NOT NULL,
    raw_sha256 VARCHAR(64) NOT NULL,
    token VARCHAR(32),
    command VARCHAR(32),
    os_user VARCHAR(256)
)"""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS audit_log_recorded ON audit_log (recorded_at, id)",
    "CREATE INDEX IF NOT EXISTS audit_log_key ON audit_log (key, id)",
)


def apply(connection):
    types = TYPES["postgresql" if postgresql(connection) else "sqlite"]
    cursor = connection.cursor()
    cursor.execute(TOKENS.format(**types))
    cursor.execute(AUDIT.format(**types))
    for statement in INDEXES:
        cursor.execute(statement)


steps = [step(apply)]
