"""Bytes as received → text, and the invisible-character cleanup every text field gets.

Order of trust (release-format.md): a byte-order mark says what the file is; otherwise strict
UTF-8; otherwise Windows-1256 (old Windows newsroom software), but only when the result reads as
Persian, since almost any bytes "decode" as 1256. Anything else is reported, never guessed.
"""

from __future__ import annotations

import codecs
import re

from .errors import ReleaseError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Arabic-script letters (U+0621-U+064A, U+0671-U+06D3, U+06FA-U+06FF cover Persian's extras).
_ARABIC_LETTER = re.compile(r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3\u06FA-\u06FF]")
_ANY_LETTER = re.compile(r"[^\W\d_]")
# A 1256 decode is plausibly Persian when most letters are Arabic-script ones.
_MIN_ARABIC_LETTER_SHARE = 0.6
_MIN_ARABIC_LETTERS = 3

# XML 1.0 §2.2 Char excludes C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF; C1
# controls are allowed there but never meant in a release, and feed validators flag them.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
# Tatweel (kashida) is decoration; bidi marks, embeddings, overrides and isolates, the Arabic
# letter mark, ZWSP and U+FEFF (BOM or ZWNBSP) are invisible debris from web pages and editors.
_INVISIBLE = "\u0640\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff"
_DROP = re.compile(f"[{_FORBIDDEN}{_INVISIBLE}]")
_NOT_XML = re.compile(f"[{_FORBIDDEN}]")
# NBSP and the typographic spaces mean a plain space here (a line of them is a blank line).
_EXOTIC_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_NEWLINE = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode a release file; return (text, encoding name). Raises ReleaseError."""
    if not raw.strip():
        raise ReleaseError.at("the file is empty; expected a release starting with a date line")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ReleaseError.at(
                    f"the file starts with a {encoding} byte-order mark but byte {exc.start + len(bom)}"
                    f" is not valid {encoding}; expected the whole file in {encoding}"
                ) from None
    if b"\x00" in raw:
        raise ReleaseError.at(
            "the file holds NUL bytes (binary, or UTF-16 without a byte-order mark);"
            " expected UTF-8, UTF-16 with a byte-order mark, or Windows-1256 text"
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    line = raw.count(b"\n", 0, utf8_error.start) + 1
    where = f"the byte at offset {utf8_error.start} (0x{raw[utf8_error.start]:02x}) is not valid UTF-8"
    if _mostly_utf8(raw):
        raise ReleaseError.at(
            f"{where} (the rest of the file is UTF-8: truncated or damaged?); expected valid UTF-8",
            line=line,
        )
    text = raw.decode("cp1256", errors="replace")
    if _reads_as_persian(text):
        return text, "cp1256"
    raise ReleaseError.at(
        f"{where} and the file does not read as Persian in Windows-1256 either; expected UTF-8,"
        " UTF-16 with a byte-order mark, or Windows-1256 Persian text",
        line=line,
    )


def _mostly_utf8(raw: bytes) -> bool:
    """Damaged UTF-8 rather than Windows-1256: true when some UTF-8 survives intact.

    Windows-1256 Persian forms a valid UTF-8 sequence only by chance (a letter in C2-DF before
    one of پ چ ژ گ ک in 80-BF), so there the broken sequences far outnumber the valid ones, and
    a whole line of Arabic-script text that decodes as UTF-8 never happens. A file that is part
    UTF-8, part 1256 (pasted together) has such lines: it is damaged, not 1256.
    """
    text = raw.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    valid = sum(1 for char in text if char > "\x7f" and char != "\ufffd")
    return valid > broken or any(_is_utf8_persian(line) for line in raw.split(b"\n"))


def _is_utf8_persian(line: bytes) -> bool:
    if line.isascii():
        return False
    try:
        return bool(_ARABIC_LETTER.search(line.decode("utf-8")))
    except UnicodeDecodeError:
        return False


def _reads_as_persian(text: str) -> bool:
    if "\ufffd" in text or _NOT_XML.search(text):
        return False
    letters = len(_ANY_LETTER.findall(text))
    arabic = len(_ARABIC_LETTER.findall(text))
    return arabic >= _MIN_ARABIC_LETTERS and arabic >= _MIN_ARABIC_LETTER_SHARE * letters


def clean_text(text: str) -> str:
    """Drop characters XML forbids and invisible debris, map odd spaces and newlines to plain ones.

    CR must become LF before hazm sees the text: hazm reads a CR inside a line as a join.
    """
    text = _NEWLINE.sub("\n", text)
    text = _DROP.sub("", text)
    return _EXOTIC_SPACE.sub(" ", text)


def xml_safe(text: str) -> str:
    """Text without the characters XML 1.0 forbids (and C1 controls), which make lxml raise.

    The ingest already removes them; renderers call this too, so no stored text can break XML.
    """
    return _NOT_XML.sub("", text)
