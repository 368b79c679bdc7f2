"""feedapp 0.3.0: indexes for the time of the last change behind a document.

A feed's Last-Modified and ETag version now count the changes it does not show (a retraction
that took an entry out; see store.removed_from_window), and a sitemap page's count the changed_at of
each of its members. Without these, both would read every release row once per change:
- `releases_retracted`, a partial index holding only retracted releases (few);
- `releases_sitemap_page`, the sitemap pages' covering index with `changed_at` added; it
  replaces `releases_sitemap`.
"""

from yoyo import step

__depends__ = {"0002_edited_version"}
__transactional__ = True


def apply(connection):
    cursor = connection.cursor()
    cursor.execute(
        "CREATE INDEX IF NOT EXISTS releases_retracted ON releases (edited_version) WHERE retracted_at IS NOT NULL"
    )
    cursor.execute(
        "CREATE INDEX IF NOT EXISTS releases_sitemap_page ON releases"
        " (id, retracted_at, published, updated, key, changed_at)"
    )
    cursor.execute("DROP INDEX IF EXISTS releases_sitemap")


steps = [step(apply)]
