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


class ReleaseError(ValueError):
    """A release that cannot be stored, carrying every problem found (at least one)."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("; ".join(p.describe() for p in self.problems))

    @classmethod
    def at(cls, message: str, *, line: int | None = None, field: str | None = None) -> "ReleaseError":
        """Shorthand for an error with a single problem."""
        return cls(Problem(message, line=line, field=field))


EXCERPT_CHARS = 60  # quoted input in a message: enough to find it, never a 10 MB line


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The input quoted for a message (repr), cut to `limit` characters with … when longer."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")
