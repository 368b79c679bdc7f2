"""JSON releases: each field read and typed, every error naming its field; the schema agrees."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from feedapp.core import limits
from feedapp.core.errors import ReleaseError
from feedapp.core.jalali import rfc3339
from feedapp.core.jsonrelease import parse_json_release, split_json_lines
from feedapp.core.models import Image

SCHEMA = json.loads(resources.files("feedapp").joinpath("schemas/release.schema.json").read_text("utf-8"))
MINIMAL = {"key": "k1", "published": "۱۳۹۲/۱۲/۲۰", "title": "تیتر", "lead": "لید."}
FULL = {
    **MINIMAL,
    "published": "2014-03-11T14:30:00+03:30",
    "updated": "سه‌شنبه ۲۰ اسفند ۱۳۹۲ ساعت ۱۸:۰۰",
    "kicker": "سخنگو:",
    "body": ["یک", "دو"],
    "categories": ["اقتصاد", "اقتصاد", "ورزش"],
    "source": "روابط عمومی",
    "language": "fa-IR",
    "images": [{"url": "https://a.ir/x.jpg", "caption": "عکس", "type": "image/jpeg", "length": 12}],
}


DOTS = (
    "'{}' is not a usable name: a path segment of only dots means 'this folder' or 'the parent folder' in a"
    " URL; expected a name with other characters"
)


def dump(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_full_release_reads_every_field():
    result = parse_json_release(dump(FULL))
    release = result.release
    assert rfc3339(release.published.instant) == "2014-03-11T14:30:00+03:30"
    assert release.published.jalali == "1392/12/20"
    assert release.updated.isoformat() == "2014-03-11T14:30:00+00:00"
    assert (release.kicker, release.title, release.lead, release.body) == ("سخنگو", "تیتر", "لید.", ("یک", "دو"))
    assert release.categories == ("اقتصاد", "ورزش")
    assert (release.source, release.language) == ("روابط عمومی", "fa-IR")
    assert release.images == (Image(url="https://a.ir/x.jpg", caption="عکس", type="image/jpeg", length=12),)
    assert result.format == "json" and result.raw == dump(FULL) and result.warnings == ()


def test_minimal_release_gets_defaults():
    release = parse_json_release(dump(MINIMAL)).release
    assert (release.kicker, release.body, release.categories, release.language, release.images) == (
        None,
        (),
        (),
        "fa",
        (),
    )
    assert rfc3339(release.published.instant) == "2014-03-11T12:00:00+03:30"


@pytest.mark.parametrize(
    "change, problems",
    [
        (
            {"titel": "x"},
            [
                (
                    "titel",
                    "unknown field; expected one of body, categories, images, key, kicker, language,"
                    " lead, published, source, title, updated",
                )
            ],
        ),
        ({"title": 5}, [("title", "expected a string, found a number")]),
        ({"title": "  "}, [("title", "is empty; expected text")]),
        ({"lead": None}, [("lead", "expected a string, found null")]),
        ({"body": "یک"}, [("body", "expected an array of strings, found a string")]),
        ({"body": ["یک", 2]}, [("body[1]", "expected a string, found a number")]),
        ({"categories": [""]}, [("categories[0]", "is empty; expected text")]),
        (
            {"published": 1394},
            [("published", "expected a string (a Jalali date line or ISO 8601 with offset), found a number")],
        ),
        (
            {"published": "2014-03-11T14:30:00"},
            [
                (
                    "published",
                    "'2014-03-11T14:30:00' is not an ISO 8601 timestamp with an"
                    " offset; expected e.g. '2014-03-11T14:30:00+03:30'",
                )
            ],
        ),
        (
            {"key": "../x"},
            [
                (
                    "key",
                    "key '../x' is not allowed; expected 1-128 ASCII letters, digits, '_' or '-',"
                    " starting with a letter or digit",
                )
            ],
        ),
        ({"key": 7}, [("key", "expected a string, found a number")]),
        (
            {"language": "persian language"},
            [("language", "'persian language' is not a language tag; expected one such as 'fa' or 'en-US'")],
        ),
        ({"images": {"url": "x"}}, [("images", "expected an array of objects, found an object")]),
        ({"images": ["https://a.ir/x.jpg"]}, [("images[0]", "expected an object with 'url', found a string")]),
        (
            {"images": [{"url": "javascript:alert(1)"}]},
            [("images[0].url", "'javascript:alert(1)' is not an absolute http(s) URL")],
        ),
        (
            {"images": [{"url": "https://a.ir/x", "size": 1}]},
            [("images[0].size", "unknown field; expected one of caption, length, type, url")],
        ),
        (
            {"images": [{"url": "https://a.ir/x", "length": -1}]},
            [("images[0].length", "expected the size in bytes, a whole number ≥ 0")],
        ),
        (
            {"images": [{"url": "https://a.ir/x", "length": True}]},
            [("images[0].length", "expected the size in bytes, a whole number ≥ 0")],
        ),
        (
            {"images": [{"url": "https://a.ir/x", "type": "jpeg"}]},
            [("images[0].type", "expected a media type such as 'image/jpeg'")],
        ),
        # Names are one path segment of a feed URL.
        ({"categories": [".."]}, [("categories[0]", DOTS.format(".."))]),
        ({"categories": ["اقتصاد", "."]}, [("categories[1]", DOTS.format("."))]),
        ({"source": ".."}, [("source", DOTS.format(".."))]),
        (
            {"categories": ["اقتصاد/بازار"]},
            [
                (
                    "categories[0]",
                    "'اقتصاد/بازار' holds a '/', which would split its feed's"
                    " URL in two; expected a name without '/' (e.g. 'اقتصاد و"
                    " بازار' for 'اقتصاد/بازار')",
                )
            ],
        ),
        # The bounds of core/limits.py: a list over its bound is reported once and its items not read.
        (
            {"categories": [f"c{n}" for n in range(25_000)]},
            [("categories", "holds 25,000 categories; at most 50 are allowed")],
        ),
        ({"body": ["بند"] * 1_001}, [("body", "holds 1,001 paragraphs; at most 1,000 are allowed")]),
        ({"images": [{"url": "https://a.ir/x.jpg"}] * 101}, [("images", "holds 101 images; at most 100 are allowed")]),
        ({"title": "ت" * 501}, [("title", "is 501 characters long; at most 500 are allowed")]),
        ({"kicker": "ر" * 501}, [("kicker", "is 501 characters long; at most 500 are allowed")]),
        ({"lead": "ل" * 20_001}, [("lead", "is 20,001 characters long; at most 20,000 are allowed")]),
        ({"body": ["یک", "ب" * 20_001]}, [("body[1]", "is 20,001 characters long; at most 20,000 are allowed")]),
        ({"categories": ["ن" * 101]}, [("categories[0]", "is 101 characters long; at most 100 are allowed")]),
        ({"source": "ن" * 101}, [("source", "is 101 characters long; at most 100 are allowed")]),
        (
            {"images": [{"url": "https://a.ir/" + "x" * 1_988}]},
            [("images[0].url", "is 2,001 characters long; at most 2,000 are allowed")],
        ),
        (
            {"images": [{"url": "https://a.ir/x", "caption": "ع" * 1_001}]},
            [("images[0].caption", "is 1,001 characters long; at most 1,000 are allowed")],
        ),
    ],
)
def test_wrong_field_is_an_error_naming_the_field_and_the_schema_agrees(change, problems):
    document = {**MINIMAL, **change}
    with pytest.raises(ReleaseError) as caught:
        parse_json_release(dump(document), line=7)
    assert [(p.line, p.field, p.message) for p in caught.value.problems] == [(7, f, m) for f, m in problems]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


@pytest.mark.parametrize(
    "change, problems",
    [
        (
            {"published": "۱۳۹۲/۱۲/۳۰"},
            [("published", "1392/12/30 does not exist (1392 is not a leap year); expected a day from 1 to 29")],
        ),
        (
            {"published": "امروز"},
            [
                (
                    "published",
                    "expected a Solar Hijri date line such as '۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or"
                    " 'سه‌شنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰', found 'امروز'",
                )
            ],
        ),
    ],
)
def test_impossible_date_is_an_error_naming_the_field(change, problems):
    # Beyond what a schema can say: the calendar decides.
    with pytest.raises(ReleaseError) as caught:
        parse_json_release(dump({**MINIMAL, **change}))
    assert [(p.field, p.message) for p in caught.value.problems] == problems


@pytest.mark.parametrize("document", [MINIMAL, FULL, {**MINIMAL, "kicker": None, "body": None}])
def test_schema_accepts_what_the_parser_accepts(document):
    parse_json_release(dump(document))
    jsonschema.validate(document, SCHEMA)


@pytest.mark.parametrize("missing", ["key", "published", "title", "lead"])
def test_missing_required_field_is_named(missing):
    document = {name: value for name, value in MINIMAL.items() if name != missing}
    with pytest.raises(ReleaseError) as caught:
        parse_json_release(dump(document))
    assert [(p.field, p.message) for p in caught.value.problems] == [(missing, "missing; it is required")]


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"[1, 2]", "expected a JSON object, found an array"),
        (b'{"key": "a", "key": "b"}', "field 'key' appears twice; expected each field once"),
        (b'{"key": ', "invalid JSON at column 9: Expecting value"),
        (b"", "empty; expected a JSON object"),
        (b'{"title": "\xff"}', "byte 11 is not valid UTF-8; JSON must be UTF-8 (RFC 8259 §8.1)"),
        (b"[" * 100_000, "JSON nested too deeply; expected one flat release object"),
    ],
)
def test_broken_json_is_an_error(raw, message):
    with pytest.raises(ReleaseError) as caught:
        parse_json_release(raw)
    assert [p.message for p in caught.value.problems] == [message]


def test_bom_is_accepted_and_text_is_cleaned():
    raw = b"\xef\xbb\xbf" + dump({**MINIMAL, "title": "تیتر\u200f\x07  خبر"})
    assert parse_json_release(raw).release.title == "تیتر خبر"


def test_updated_before_published_is_a_warning():
    result = parse_json_release(dump({**MINIMAL, "updated": "1392/12/19"}))
    assert [(w.field, w.message) for w in result.warnings] == [("updated", "is earlier than published")]


def test_json_lines_are_numbered_and_blank_lines_skipped():
    raw = b'{"a": 1}\r\n\n  \n{"b": 2}\n'
    assert list(split_json_lines(raw)) == [(1, b'{"a": 1}'), (4, b'{"b": 2}')]


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"key": "a", "\\ud800x": 1, "published": "1403/05/10", "title": "t", "lead": "l"}', "the document"),
        (
            b'{"key": "a", "published": "1403/05/10", "title": "t", "lead": "l", "images": [{"url": "https://x.ir/",'
            b' "\\udfff": 1}]}',
            "images[0]",
        ),
    ],
)
def test_lone_surrogate_escape_in_a_field_name_is_named_never_a_crash(raw, where):
    with pytest.raises(ReleaseError) as error:
        parse_json_release(raw)
    assert [problem.describe() for problem in error.value.problems] == [
        f"a field name in {where} holds a lone surrogate escape (\\ud800-\\udfff), which is no character; expected"
        " valid Unicode text (RFC 8259 §8.2)"
    ]


def test_surrogate_pair_escape_is_one_character():
    raw = b'{"key": "a", "published": "1403/05/10", "title": "\\ud83d\\ude00", "lead": "l"}'
    assert parse_json_release(raw).release.title == "\U0001f600"


@pytest.mark.parametrize(
    ("unknown", "listed", "closing"),
    [
        (20, 20, None),
        (21, 21, "and 1 more problem like these; fix these and send the release again to see them"),
        (100_000, 21, "and 99980 more problems like these; fix these and send the release again to see them"),
    ],
)
def test_problems_are_capped_at_twenty_and_the_rest_counted(unknown, listed, closing):
    document = {
        "key": "a",
        "published": "1403/05/10",
        "title": "t",
        "lead": "l",
        **{f"x{n}": 1 for n in range(unknown)},
    }
    with pytest.raises(ReleaseError) as error:
        parse_json_release(json.dumps(document).encode())
    problems = error.value.problems
    assert len(problems) == listed
    assert (problems[-1].message if closing else problems[-1].field) == (closing or "x19")


AT_EVERY_BOUND = {
    **FULL,
    "kicker": "ر" * limits.MAX_CHARS["kicker"],
    "title": "ت" * limits.MAX_CHARS["title"],
    "lead": "ل" * limits.MAX_CHARS["lead"],
    "body": ["ب" * limits.MAX_CHARS["paragraph"]] * limits.MAX_PARAGRAPHS,
    "categories": [f"{n}" + "ن" * (limits.MAX_CHARS["name"] - 3) for n in range(100, 100 + limits.MAX_CATEGORIES)],
    "source": "م" * limits.MAX_CHARS["name"],
    "images": [
        {
            "url": f"https://a.ir/{n:04d}" + "x" * (limits.MAX_CHARS["url"] - 17),
            "caption": "ع" * limits.MAX_CHARS["caption"],
        }
        for n in range(limits.MAX_IMAGES)
    ],
}


def test_release_at_every_bound_is_accepted_whole_and_the_schema_agrees():
    release = parse_json_release(dump(AT_EVERY_BOUND)).release
    assert (len(release.body), len(release.categories), len(release.images)) == (1_000, 50, 100)
    assert {len(release.title), len(release.kicker), len(release.lead), len(release.source)} == {500, 20_000, 100}
    assert {len(text) for text in release.body} == {20_000}
    assert {len(image.url) for image in release.images} == {2_000}
    jsonschema.validate(AT_EVERY_BOUND, SCHEMA)


@pytest.mark.parametrize("name", ["...", "%2e%2e", ".اقتصاد", "اقتصاد و بازار", "a\\b"])
def test_names_that_round_trip_as_one_path_segment_are_accepted(name):
    release = parse_json_release(dump({**MINIMAL, "categories": [name], "source": name})).release
    assert (release.categories, release.source) == ((name,), name)


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("HTTPS://Example.IR/A.jpg", "https://Example.IR/A.jpg"),  # schemes are case-insensitive (RFC 3986 §3.1)
        ("Http://a.ir/b.png", "http://a.ir/b.png"),
    ],
)
def test_image_url_scheme_in_any_case_is_accepted_and_stored_in_lower_case(url, stored):
    document = {**MINIMAL, "images": [{"url": url}]}
    jsonschema.validate(document, SCHEMA)
    assert parse_json_release(dump(document)).release.images == (Image(url=stored),)
