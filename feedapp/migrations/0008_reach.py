"""feedapp 0.8.0: reach, what the site knows of its readers (feedapp/reach.py, `feedapp stats`),
and the request id of each queued write.

Days are the site's days (Asia/Tehran), written `YYYY-MM-DD`; `feed` is a subscription feed's
path (`/feed.atom`, `/categories/NAME/feed.rss`).

- `reach_announced`: the latest subscriber count an aggregator announced in its User-Agent for
  one feed on one day, per subscription it polls as (`feed_id`, '' when it names none); a day's
  figure for an aggregator is the sum over its subscriptions.
- `reach_pollers`: the other pollers of a feed on the day (those that announce nothing), each a
  keyed hash of its address and agent, never the address itself. The key is the day's own
  (`reach_keys`), so one poller's hashes on two days cannot be linked.
- `reach_keys`: each day's random key, deleted once its day is counted.
- `reach_daily`: the count of other pollers per feed and day, written once the day is over,
  when that day's pollers and key are deleted.

- `ingest_jobs.request_id`: the id of the API request that queued the job (observe.py), so the
  ingest service's outcome line for it carries the same id as the request's lines (NULL for jobs
  queued before).

New tables and a new nullable column: existing rows are untouched. Like every migration, this file keeps its own
statements and is safe to run twice.
"""

from yoyo import step

__depends__ = {"0007_ingest_queue"}
__transactional__ = True


def postgresql(connection):
    """True for a psycopg connection (this file keeps its own helpers: migrations are frozen)."""
    return type(connection).__module__.startswith("psycopg")


TYPES = {
    "sqlite": {"time": "DATETIME"},
    "postgresql": {"time": "TIMESTAMP WITH TIME ZONE"},
}

TABLES = (
    """CREATE TABLE IF NOT EXISTS reach_announced (
    day VARCHAR(10) NOT NULL,
    feed VARCHAR(300) NOT NULL,
    aggregator VARCHAR(64) NOT NULL,
    feed_id VARCHAR(128) NOT NULL DEFAULT '',
    subscribers INTEGER NOT NULL,
    seen_at {time} NOT NULL,
    PRIMARY KEY (day, feed, aggregator, feed_id)
)""",
    """CREATE TABLE IF NOT EXISTS reach_pollers (
    day VARCHAR(10) NOT NULL,
    feed VARCHAR(300) NOT NULL,
    poller VARCHAR(32) NOT NULL,
    PRIMARY KEY (day, feed, poller)
)""",
    """CREATE TABLE IF NOT EXISTS reach_keys (
    day VARCHAR(10) NOT NULL PRIMARY KEY,
    secret VARCHAR(64) NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS reach_daily (
    day VARCHAR(10) NOT NULL,
    feed VARCHAR(300) NOT NULL,
    pollers INTEGER NOT NULL,
    PRIMARY KEY (day, feed)
)""",
)


def job_columns(connection):
    cursor = connection.cursor()
    if postgresql(connection):
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'ingest_jobs'")
    else:
        cursor.execute("PRAGMA table_info(ingest_jobs)")
        return {row[1] for row in cursor.fetchall()}
    return {row[0] for row in cursor.fetchall()}


def apply(connection):
    types = TYPES["postgresql" if postgresql(connection) else "sqlite"]
    cursor = connection.cursor()
    for statement in TABLES:
        cursor.execute(statement.format(**types))
    if "request_id" not in job_columns(connection):
        cursor.execute("ALTER TABLE ingest_jobs ADD COLUMN request_id VARCHAR(64)")


steps = [step(apply)]
