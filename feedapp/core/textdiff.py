"""Word-level differences between two texts, for people: `[-old-]{+new+}` (wdiff's notation).

Normalization changes are often invisible (a space that became a half-space, ZWNJ U+200C), so
invisible characters inside a change are written as `<ZWNJ>`, `<ZWJ>`, `<NBSP>`.
"""

from __future__ import annotations

import difflib
import re

_VISIBLE = {"\u200c": "<ZWNJ>", "\u200d": "<ZWJ>", "\u00a0": "<NBSP>"}
# A word with the spaces after it: a space that became a half-space changes two words into one.
_TOKENS = re.compile(r"^\s+|\S+\s*")
ELLIPSIS = "…"


def _shown(text: str) -> str:
    return "".join(_VISIBLE.get(char, char) for char in text)


def word_diff(old: str, new: str, context: int = 3) -> str:
    """`old` with its changes into `new` marked, keeping `context` words around each change."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    parts: list[str] = []
    opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    for number, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            parts.append(_context(before[i1:i2], context, first=number == 0, last=number == len(opcodes) - 1))
            continue
        if i2 > i1:
            parts.append(f"[-{_shown(''.join(before[i1:i2]))}-]")
        if j2 > j1:
            parts.append(f"{{+{_shown(''.join(after[j1:j2]))}+}}")
    return "".join(parts)


def _context(tokens: list[str], words: int, *, first: bool, last: bool) -> str:
    """Unchanged text between changes: `words` words next to each change, the rest elided."""
    if first and last:  # nothing changed
        return "".join(tokens)
    head = [] if first else tokens[:words]
    tail = [] if last else tokens[-words:]
    if len(tokens) <= len(head) + len(tail) + 1:
        return "".join(tokens)
    return "".join(head) + ELLIPSIS + " " + "".join(tail)
