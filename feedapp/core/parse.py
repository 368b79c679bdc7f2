"""Raw text releases → Release (fields cleaned but not yet normalized).

The layout (release-format.md): blocks separated by blank lines; a date line; an optional kicker
(روتیتر); a one-line headline; the lead; body paragraphs, one per line; an optional trailer from
`پایان پیام` on, which is not part of the release.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import limits
from .decode import clean_text, decode_bytes
from .errors import Problem, ReleaseError, excerpt
from .jalali import parse_date_line
from .models import KEY_PATTERN, ParseResult, Release

# Lines that end a release; what follows ("تصاویر مرتبط" …) is left over from the web page.
_TRAILERS = {"پایانپیام", "انتهایپیام"}
_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "\u200c": None, " ": None, ".": None, "/": None, "*": None, "-": None})
# A headline or kicker does not end like a sentence; a lead does.
_SENTENCE_END = (".", "؟", "?", "!", "…", "»", '"')
_KICKER_END = (":", "：")
# Longer than this, a colon-less first line is not taken for a kicker.
_KICKER_MAX_CHARS = 150


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    block: int


def check_key(key: str, *, field: str | None = None) -> str:
    """Return the key if it is in the safe URL alphabet, else raise ReleaseError."""
    if not KEY_PATTERN.fullmatch(key):
        raise ReleaseError.at(
            f"key {excerpt(key)} is not allowed; expected 1-128 ASCII letters, digits, '_' or '-',"
            " starting with a letter or digit",
            field=field,
        )
    return key


def parse_text_release(raw: bytes, key: str) -> ParseResult:
    """Parse one raw text release; raise ReleaseError with line numbers when it cannot be parsed."""
    check_key(key)
    text, _encoding = decode_bytes(raw)
    lines = _content_lines(clean_text(text))
    if not lines:
        raise ReleaseError.at("the file holds only blank lines; expected a release starting with a date line")
    date_line, rest = lines[0], lines[1:]
    published, warnings = parse_date_line(date_line.text, line_number=date_line.number)
    first = rest[0] if rest else None
    kicker, rest = _split_kicker(rest)
    if not rest:
        raise ReleaseError.at("expected a headline after the date line, found nothing", line=date_line.number)
    headline, rest = rest[0], rest[1:]
    if not rest:
        raise ReleaseError.at("expected a lead paragraph after the headline, found nothing", line=headline.number)
    _check_limits(first if kicker else None, kicker, headline, rest)
    release = Release(
        key=key,
        published=published,
        kicker=kicker,
        title=headline.text,
        lead=rest[0].text,
        body=tuple(line.text for line in rest[1:]),
    )
    return ParseResult(release=release, raw=raw, format="text", warnings=tuple(warnings))


def _check_limits(kicker_line: _Line | None, kicker: str | None, headline: _Line, rest: list[_Line]) -> None:
    """Refuse a release over the bounds of core/limits.py, naming each line that is too long."""
    paragraphs = rest[1:]
    if len(paragraphs) > limits.MAX_PARAGRAPHS:
        raise ReleaseError.at(
            f"the body holds {len(paragraphs):,} paragraphs; at most {limits.MAX_PARAGRAPHS:,} are allowed",
            line=paragraphs[limits.MAX_PARAGRAPHS].number,
        )
    fields = [
        ("the kicker", kicker, "kicker", kicker_line.number if kicker_line else None),
        ("the headline", headline.text, "title", headline.number),
        ("the lead", rest[0].text, "lead", rest[0].number),
    ]
    fields += [("the paragraph", line.text, "paragraph", line.number) for line in paragraphs]
    problems = limits.text_problems(fields)
    if problems:
        raise ReleaseError([Problem(f"{p.field} {p.message}", line=p.line) for p in problems])


def _content_lines(text: str) -> list[_Line]:
    """Non-blank lines up to the trailer, stripped, each with its 1-based number and block index."""
    lines: list[_Line] = []
    block, previous_blank = 0, False
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            previous_blank = True
            continue
        if stripped.translate(_FOLD) in _TRAILERS:
            break
        if previous_blank and lines:
            block += 1
        previous_blank = False
        lines.append(_Line(number, " ".join(stripped.split()), block))
    return lines


def _split_kicker(lines: list[_Line]) -> tuple[str | None, list[_Line]]:
    """Take a kicker off the front when the first line is one.

    It is one when it ends with a colon (the newsroom convention), or, failing that, when it and
    the next line each stand alone in their blocks, neither ends like a sentence, and a third line
    follows: a kicker, a headline, then the lead.
    """
    if not lines:
        return None, lines
    first = lines[0]
    if first.text.endswith(_KICKER_END):
        return first.text.rstrip(":： ").strip() or None, lines[1:]
    if len(lines) >= 3 and len(first.text) <= _KICKER_MAX_CHARS:
        second = lines[1]
        alone = _alone_in_block(lines, 0) and _alone_in_block(lines, 1)
        if alone and not first.text.endswith(_SENTENCE_END) and not second.text.endswith(_SENTENCE_END):
            return first.text, lines[1:]
    return None, lines


def _alone_in_block(lines: list[_Line], index: int) -> bool:
    block = lines[index].block
    return sum(1 for line in lines if line.block == block) == 1
