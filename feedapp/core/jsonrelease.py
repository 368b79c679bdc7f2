"""JSON releases → Release: one object per `.json` file, or one per line of a `.jsonl` file.

For sources that already hold structured data. The schema is published as
feedapp/schemas/release.schema.json; this module enforces the same rules and names the field
in every error. Unknown fields are errors, so a typo (`titel`) is never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from . import limits
from .decode import clean_text
from .errors import EXCERPT_CHARS, MAX_PROBLEMS, Problem, ReleaseError, excerpt
from .jalali import parse_date_line, parse_iso_instant, published_from_instant
from .models import Image, ParseResult, PublishedAt, Release
from .parse import check_key

_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_ISO_LIKE = re.compile(r"\s*(?:1[7-9]|2\d)\d\d-\d\d-\d\d[T ]")
_MIME = re.compile(r"[a-z]+/[A-Za-z0-9.+-]+")
_IMAGE_URL = re.compile(r"(https?)://(?=[^\s<>\"]+$)", re.IGNORECASE)
_IMAGE_FIELDS = {"url", "caption", "type", "length"}
_FIELDS = {
    "key",
    "published",
    "updated",
    "kicker",
    "title",
    "lead",
    "body",
    "categories",
    "source",
    "language",
    "images",
}
_REQUIRED = ("key", "published", "title", "lead")  # each reported by the reader
_FROM_DOCUMENT = object()  # _string's default: read the value from the document by name
T = TypeVar("T")


def parse_json_release(raw: bytes, *, line: int | None = None) -> ParseResult:
    """Parse one JSON document holding one release; raise ReleaseError naming each bad field."""
    document = _load(raw, line)
    if not isinstance(document, dict):
        raise ReleaseError.at(f"expected a JSON object, found {_json_type(document)}", line=line)
    unknown = [name for name in document if name not in _FIELDS]
    # Only as many as can be reported are built: a million unknown fields are counted, not listed.
    problems = [
        Problem(
            f"unknown field; expected one of {', '.join(sorted(_FIELDS))}",
            line=line,
            field=excerpt(name) if len(name) > EXCERPT_CHARS else name,
        )
        for name in unknown[:MAX_PROBLEMS]
    ]
    unlisted = len(unknown) - len(problems)
    reader = _FieldReader(document, line)
    release = reader.release()
    problems += reader.problems
    if problems:
        raise ReleaseError(problems, unlisted)
    return ParseResult(release=release, raw=raw, format="json", warnings=tuple(reader.warnings), line=line)


def split_json_lines(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a `.jsonl` file with their 1-based line numbers."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.strip():
            yield number, line.rstrip(b"\r")


def _load(raw: bytes, line: int | None) -> Any:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReleaseError.at(
            f"byte {exc.start} is not valid UTF-8; JSON must be UTF-8 (RFC 8259 §8.1)", line=line
        ) from None
    if not text.strip():
        raise ReleaseError.at("empty; expected a JSON object", line=line)
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_fields, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        at_line = line if line is not None else exc.lineno
        raise ReleaseError.at(f"invalid JSON at column {exc.colno}: {exc.msg}", line=at_line) from None
    except RecursionError:
        raise ReleaseError.at("JSON nested too deeply; expected one flat release object", line=line) from None
    except _DuplicateFieldError as exc:
        raise ReleaseError.at(str(exc), line=line) from None
    where = _surrogate_in_name(document)
    if where is not None:
        raise ReleaseError.at(
            f"a field name in {where} holds a lone surrogate escape (\\ud800-\\udfff), which is"
            " no character; expected valid Unicode text (RFC 8259 §8.2)",
            line=line,
        )
    return document


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_in_name(value: Any, where: str = "the document") -> str | None:
    """Where a field name holds a lone surrogate (such as `"\\ud800"`); else None.

    A name is quoted back in messages and cannot be cleaned up like a value (whose lone
    surrogates the decoder's cleanup drops, as it drops other characters XML forbids).
    """
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, item in items:
        if isinstance(name, str) and _SURROGATE.search(name):
            return where
        inner = f"{where}[{name}]" if isinstance(name, int) else name if where == "the document" else f"{where}.{name}"
        found = _surrogate_in_name(item, inner)
        if found:
            return found
    return None


class _DuplicateFieldError(ValueError):
    """A JSON object names a field twice (json.loads would silently keep the last)."""


def _no_duplicate_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise _DuplicateFieldError(f"field {excerpt(name)} appears twice; expected each field once")
        seen[name] = value
    return seen


def _bounded_int(digits: str) -> int | float:
    # Python refuses to convert more than 4,300 digits (and it would be slow); no field takes
    # such a number, so a float (or inf) lets the field check name the field instead.
    return int(digits) if len(digits) <= 19 else float(digits)


def _json_type(value: Any) -> str:
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


class _FieldReader:
    """Reads typed fields out of a JSON object, collecting a problem per bad field."""

    def __init__(self, document: dict[str, Any], line: int | None) -> None:
        self.document = document
        self.line = line
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def release(self) -> Release:
        published = self._published("published")
        updated = self._published("updated")
        if published and updated and updated.instant < published.instant:
            self.warnings.append(Problem("is earlier than published", line=self.line, field="updated"))
        key = self._string("key", required=True)
        if key:
            self._check("key", lambda: check_key(key))
        language = self._string("language") or "fa"
        if not _LANGUAGE.fullmatch(language):
            self._problem(
                "language", f"{excerpt(language)} is not a language tag; expected one such as 'fa' or 'en-US'"
            )
        release = Release(
            key=key or "",
            published=published or PublishedAt(datetime.min, "", False),
            updated=updated.instant if updated else None,
            kicker=self._kicker(),
            title=self._string("title", required=True) or "",
            lead=self._string("lead", required=True) or "",
            body=tuple(self._string_list("body", limits.MAX_PARAGRAPHS, "paragraphs")),
            categories=tuple(dict.fromkeys(self._string_list("categories", limits.MAX_CATEGORIES, "categories"))),
            source=self._string("source"),
            language=language,
            images=tuple(self._images()),
        )
        self._check_limits(release)
        return release

    def _check_limits(self, release: Release) -> None:
        fields = [
            ("kicker", release.kicker, "kicker", self.line),
            ("title", release.title, "title", self.line),
            ("lead", release.lead, "lead", self.line),
        ]
        fields += [(f"body[{index}]", text, "paragraph", self.line) for index, text in enumerate(release.body)]
        self.problems += limits.text_problems(fields)
        names = [(f"categories[{index}]", name) for index, name in enumerate(release.categories)]
        for field, name in names + ([("source", release.source)] if release.source else []):
            if problem := limits.name_problem(field, name):
                self._problem(field, problem.message)

    def _problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(message, line=self.line, field=field))

    def _check(self, field: str, action: Callable[[], T]) -> T | None:
        try:
            return action()
        except ReleaseError as exc:
            self.problems += [Problem(p.message, line=self.line, field=p.field or field) for p in exc.problems]
            return None

    def _string(self, name: str, *, required: bool = False, value: Any = _FROM_DOCUMENT) -> str | None:
        if value is _FROM_DOCUMENT:
            if name not in self.document:
                if required:
                    self._problem(name, "missing; it is required")
                return None
            value = self.document[name]
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self._problem(name, f"expected a string, found {_json_type(value)}")
            return None
        text = " ".join(clean_text(value).split())
        if required and not text:
            self._problem(name, "is empty; expected text")
            return None
        return text or None

    def _kicker(self) -> str | None:
        # Text releases' kickers end with the newsroom's colon; it is layout, not text.
        kicker = self._string("kicker")
        return kicker.rstrip(":： ") or None if kicker else None

    def _string_list(self, name: str, limit: int, what: str) -> list[str]:
        values = self.document.get(name)
        if values is None:
            return []
        if not isinstance(values, list):
            self._problem(name, f"expected an array of strings, found {_json_type(values)}")
            return []
        if self._too_many(name, values, limit, what):
            return []
        texts = []
        for index, value in enumerate(values):
            text = self._string(f"{name}[{index}]", value=value, required=True)
            if text:
                texts.append(text)
        return texts

    def _too_many(self, name: str, values: list[Any], limit: int, what: str) -> bool:
        """Whether the list is over its bound (then reported once, and its items never read)."""
        problem = limits.list_problem(name, len(values), limit, what)
        if problem:
            self._problem(name, problem.message)
        return problem is not None

    def _published(self, name: str) -> PublishedAt | None:
        value = self.document.get(name)
        if value is None:
            if name in _REQUIRED:
                self._problem(name, "missing; it is required")
            return None
        if not isinstance(value, str):
            self._problem(
                name, f"expected a string (a Jalali date line or ISO 8601 with offset), found {_json_type(value)}"
            )
            return None
        if _ISO_LIKE.match(value):
            try:
                return published_from_instant(parse_iso_instant(value))
            except ValueError as exc:
                self._problem(name, f"{exc}; expected e.g. '2014-03-11T14:30:00+03:30'")
                return None
        result = self._check(name, lambda: parse_date_line(value))
        if result is None:
            return None
        published, warnings = result
        self.warnings += [Problem(w.message, line=self.line, field=name) for w in warnings]
        return published

    def _images(self) -> Iterator[Image]:
        values = self.document.get("images")
        if values is None:
            return
        if not isinstance(values, list):
            self._problem("images", f"expected an array of objects, found {_json_type(values)}")
            return
        if self._too_many("images", values, limits.MAX_IMAGES, "images"):
            return
        for index, value in enumerate(values):
            image = self._image(f"images[{index}]", value)
            if image:
                yield image

    def _image(self, name: str, value: Any) -> Image | None:
        if not isinstance(value, dict):
            self._problem(name, f"expected an object with 'url', found {_json_type(value)}")
            return None
        before = len(self.problems)
        for field in value:
            if field not in _IMAGE_FIELDS:
                self._problem(f"{name}.{field}", f"unknown field; expected one of {', '.join(sorted(_IMAGE_FIELDS))}")
        url = self._string(f"{name}.url", value=value.get("url"), required=True)
        if url and not _IMAGE_URL.match(url):
            self._problem(f"{name}.url", f"{excerpt(url)} is not an absolute http(s) URL")
        elif problem := limits.text_problem(f"{name}.url", url, "url"):
            self._problem(f"{name}.url", problem.message)
        mime = value.get("type")
        if mime is not None and not (isinstance(mime, str) and _MIME.fullmatch(mime)):
            self._problem(f"{name}.type", "expected a media type such as 'image/jpeg'")
        length = value.get("length")
        if length is not None and (type(length) is not int or length < 0):
            self._problem(f"{name}.length", "expected the size in bytes, a whole number ≥ 0")
        caption = value.get("caption")
        if caption is not None:
            caption = self._string(f"{name}.caption", value=caption)
            if problem := limits.text_problem(f"{name}.caption", caption, "caption"):
                self._problem(f"{name}.caption", problem.message)
        if len(self.problems) > before:
            return None
        # Schemes are case-insensitive; the lower case is canonical (RFC 3986 §3.1).
        url = _IMAGE_URL.sub(lambda match: match.group(1).lower() + "://", url or "", count=1)
        return Image(url=url, caption=caption, type=mime, length=length)
