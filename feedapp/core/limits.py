"""How much one release may hold, and what a category or source name may be.

Every list and string of a release has an upper bound, far above what press releases use and
low enough that a release at every bound still renders its feeds in milliseconds (one release
with 25,000 categories used to take every feed down). The bounds are part of the published
format (README, "Release formats", "Limits"); a release over one is refused with the field, the size found
and the bound, never cut.

Category and source names become one path segment (`/categories/<name>/feed.atom`): a name that
is a dot segment (`.`, `..`, RFC 3986 §5.2.4) or holds a `/` cannot round-trip through a URL, and
behind a normalizing proxy a `..` category would answer for the main feed.
"""

from __future__ import annotations

from .errors import Problem, excerpt

MAX_CATEGORIES = 50
MAX_IMAGES = 100  # a photo report (گزارش تصویری) runs to dozens
MAX_PARAGRAPHS = 1_000
# Characters, after whitespace is collapsed.
MAX_CHARS = {
    "kicker": 500,
    "title": 500,
    "lead": 20_000,
    "paragraph": 20_000,
    "name": 100,  # a category or the source
    "caption": 1_000,
    "url": 2_000,
}


def list_problem(field: str, count: int, limit: int, what: str) -> Problem | None:
    """A problem when a list holds more than `limit` items (its items are then not read)."""
    if count <= limit:
        return None
    return Problem(f"holds {count:,} {what}; at most {limit:,} are allowed", field=field)


def text_problem(field: str, text: str | None, kind: str, line: int | None = None) -> Problem | None:
    """A problem when the text is longer than the bound for its kind."""
    limit = MAX_CHARS[kind]
    if text is None or len(text) <= limit:
        return None
    return Problem(f"is {len(text):,} characters long; at most {limit:,} are allowed", line=line, field=field)


def name_problem(field: str, name: str) -> Problem | None:
    """A problem when a category or source name cannot be one path segment, or is too long."""
    if name in (".", ".."):
        return Problem(
            f"{excerpt(name)} is not a usable name: a path segment of only dots means"
            " 'this folder' or 'the parent folder' in a URL; expected a name with other characters",
            field=field,
        )
    if "/" in name:
        return Problem(
            f"{excerpt(name)} holds a '/', which would split its feed's URL in two;"
            " expected a name without '/' (e.g. 'اقتصاد و بازار' for 'اقتصاد/بازار')",
            field=field,
        )
    return text_problem(field, name, "name")


def text_problems(fields: list[tuple[str, str | None, str, int | None]]) -> list[Problem]:
    """The problems of (field, text, kind, line) tuples: text releases pass their line numbers."""
    return [
        problem for field, text, kind, line in fields if (problem := text_problem(field, text, kind, line)) is not None
    ]
