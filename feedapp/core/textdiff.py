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
    parts: list[str] = []
    runs = _runs(old, new)
    for number, (same, was, now) in enumerate(runs):
        if same:
            parts.append(_context(now, context, first=number == 0, last=number == len(runs) - 1))
            continue
        if was:
            parts.append(f"[-{_shown(''.join(was))}-]")
        if now:
            parts.append(f"{{+{_shown(''.join(now))}+}}")
    return "".join(parts)


def _runs(old: str, new: str) -> list[tuple[bool, list[str], list[str]]]:
    """`old` and `new` as runs of words (each with the spaces after it): (unchanged, its words
    in old, its words in new)."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    return [(tag == "equal", before[i1:i2], after[j1:j2]) for tag, i1, i2, j1, j2 in opcodes]


def _context(tokens: list[str], words: int, *, first: bool, last: bool) -> str:
    """Unchanged text between changes: `words` words next to each change, the rest elided."""
    if first and last:  # nothing changed
        return "".join(tokens)
    head = [] if first else tokens[:words]
    tail = [] if last else tokens[-words:]
    if len(tokens) <= len(head) + len(tail) + 1:
        return "".join(tokens)
    return "".join(head) + ELLIPSIS + " " + "".join(tail)


ZWNJ = "\u200c"
# What a normalization change did, for the desk's legend.
HALFSPACE, LETTERS, SPACING, OTHER = "halfspace", "letters", "spacing", "other"
_ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه"})


def change_kinds(old: str, new: str) -> tuple[str, ...]:
    """What turned `old` into `new`: LETTERS when Arabic letters became Persian ones, HALFSPACE
    when half-spaces were put in (where nothing or a space was), SPACING when white space moved
    and nothing else did; OTHER for anything more. In that order; empty when they are equal."""
    if old == new:
        return ()
    kinds = []
    letters = old.translate(_ARABIC_TO_PERSIAN)
    if letters != old:
        kinds.append(LETTERS)
    bare_old, bare_new = "".join(letters.split()).replace(ZWNJ, ""), "".join(new.split()).replace(ZWNJ, "")
    if bare_old != bare_new:
        return (*kinds, OTHER)
    if new.count(ZWNJ) > letters.count(ZWNJ):
        kinds.append(HALFSPACE)
    elif letters != new:
        kinds.append(SPACING)
    return tuple(kinds)


def word_changes(old: str, new: str) -> list[tuple[str, str, str]]:
    """`new` cut into (`same`, text, '') runs and (`changed`, new text, the old text it replaces)
    runs, word by word, so that a page can mark each change and say what it was (change_kinds)."""
    return [
        ("same", "".join(now), "") if same else ("changed", "".join(now), "".join(was))
        for same, was, now in _runs(old, new)
    ]
