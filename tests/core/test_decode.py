"""Bytes → text: byte-order marks, strict UTF-8, plausibly-Persian Windows-1256, else an error."""

from __future__ import annotations

import codecs

import pytest

from feedapp.core.decode import clean_text, decode_bytes
from feedapp.core.errors import ReleaseError

PERSIAN = "سه‌شنبه ۱۳۹۲/۱۲/۲۰\nحمایت از فعالیت روابط عمومی"


@pytest.mark.parametrize(
    "raw, encoding",
    [
        (codecs.BOM_UTF8 + PERSIAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + PERSIAN.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + PERSIAN.encode("utf-16-be"), "utf-16-be"),
        (PERSIAN.encode("utf-8"), "utf-8"),
        ("رئيس اداره روابط عمومي شهرداري قزوين".encode("cp1256"), "cp1256"),
    ],
)
def test_encoding_is_detected_and_text_decoded_exactly(raw, encoding):
    text, detected = decode_bytes(raw)
    assert detected == encoding
    assert text.replace("\u200c", "") == (
        PERSIAN if encoding != "cp1256" else "رئيس اداره روابط عمومي شهرداري قزوين"
    ).replace("\u200c", "")


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "the file is empty; expected a release starting with a date line"),
        (b"  \n\r\n ", "the file is empty; expected a release starting with a date line"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "the file holds NUL bytes (binary, or UTF-16 without a byte-order mark);"
            " expected UTF-8, UTF-16 with a byte-order mark, or Windows-1256 text",
        ),
        (
            PERSIAN.encode("utf-16-le"),
            "the file holds NUL bytes (binary, or UTF-16 without a byte-order mark);"
            " expected UTF-8, UTF-16 with a byte-order mark, or Windows-1256 text",
        ),
        (
            "Le café est très bon\nà Paris".encode("latin-1"),
            "the byte at offset 6 (0xe9) is not valid UTF-8 and the file"
            " does not read as Persian in Windows-1256 either; expected UTF-8, UTF-16 with a byte-order mark, or Windows-1256 Persian text",
        ),
        (
            codecs.BOM_UTF8 + b"\xd8\xb3\xff",
            "the file starts with a utf-8 byte-order mark but byte 5 is not valid utf-8;"
            " expected the whole file in utf-8",
        ),
    ],
)
def test_undecodable_input_is_an_error_saying_what_was_expected(raw, message):
    with pytest.raises(ReleaseError) as caught:
        decode_bytes(raw)
    assert [p.message for p in caught.value.problems] == [message]


def test_truncated_utf8_reports_the_line_of_the_bad_byte():
    raw = "سطر اول\nسطر دوم".encode()[:-1]
    with pytest.raises(ReleaseError) as caught:
        decode_bytes(raw)
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (
            2,
            (
                f"the byte at offset {len(raw) - 1} (0xd9) is not valid UTF-8 (the rest of the file is UTF-8:"
                " truncated or damaged?); expected valid UTF-8"
            ),
        )
    ]


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("سلام\r\nدنیا\rتمام", "سلام\nدنیا\nتمام"),
        ("مـــدیر", "مدیر"),  # tatweel
        ("\u200fسلام\u200e \u202bدنیا\u202c\u2067!\u2069", "سلام دنیا!"),  # bidi marks and embeddings
        ("\ufeffسلام\u200bدنیا", "سلامدنیا"),  # BOM and zero-width space
        ("a\x00b\x07c\x1bd\x7fe\x85f\x9fg", "abcde\nfg"),  # XML 1.0 forbidden, C1 (NEL is a newline)
        ("یک\u00a0دو\u2009سه\u202fچهار\u3000پنج", "یک دو سه چهار پنج"),  # exotic spaces
        ("می\u200cشود", "می\u200cشود"),  # ZWNJ is kept: it is spelling
        ("\ufffe\uffff", ""),
    ],
)
def test_invisible_debris_is_removed_and_spaces_made_plain(dirty, clean):
    assert clean_text(dirty) == clean
