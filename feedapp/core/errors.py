"""Problems found in a release: errors reject it, warnings are reported beside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    `line` is 1-based within the file; `field` names a JSON field (dotted, with list indexes:
    `images[0].url`). The message says what is wrong and what was expected.
    """

    message: str
    line: int | None = None
    field: str | None = None

    def describe(self) -> str:
        """The message with the field named first, without the file location."""
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self, default_line: int | None = None) -> dict[str, object]:
        """The JSON form: `message`, then `field` and `line` when known (`default_line` when
        the problem has no line of its own)."""
        described: dict[str, object] = {"message": self.message}
        if self.field is not None:
            described["field"] = self.field
        line = self.line if self.line is not None else default_line
        if line is not None:
            described["line"] = line
        return described


# Problems reported for one release at the most: a megabyte of bad fields must not become a
# twenty-megabyte answer. The rest are counted in one closing problem.
MAX_PROBLEMS = 20


def capped(problems: list[Problem], unlisted: int = 0, limit: int = MAX_PROBLEMS) -> list[Problem]:
    """The first `limit` problems, then one saying how many more there were (`unlisted`: more
    that were counted but never built)."""
    if len(problems) <= limit and not unlisted:
        return problems
    more = len(problems) - min(len(problems), limit) + unlisted
    return [
        *problems[:limit],
        Problem(
            f"and {more} more problem{'s' if more > 1 else ''} like these;"
            " fix these and send the release again to see them"
        ),
    ]


class ReleaseError(ValueError):
    """A release that cannot be stored, carrying the problems found (at least one; capped)."""

    def __init__(self, problems: list[Problem] | Problem, unlisted: int = 0) -> None:
        self.problems = capped([problems] if isinstance(problems, Problem) else list(problems), unlisted)
        super().__init__("; ".join(p.describe() for p in self.problems))

    @classmethod
    def at(cls, message: str, *, line: int | None = None, field: str | None = None) -> ReleaseError:
        """Shorthand for an error with a single problem."""
        return cls(Problem(message, line=line, field=field))


EXCERPT_CHARS = 60  # quoted input in a message: enough to find it, never a 10 MB line


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The input quoted for a message (repr), cut to `limit` characters with … when longer."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")
