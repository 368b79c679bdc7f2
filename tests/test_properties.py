"""Property tests (hypothesis): the parsers never fail but with ReleaseError, and whatever text a
release holds, every feed and sitemap stays well-formed and no HTML view carries its markup.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from feedapp import store
from feedapp.core.errors import ReleaseError
from feedapp.core.jsonrelease import parse_json_release
from feedapp.core.models import PublishedAt, Release
from feedapp.core.normalize import normalize_release
from feedapp.core.parse import parse_text_release
from tests.support import get_engine_of, opened_app

# No example database: nothing is written into the checkout. The number of examples is the
# profile's (tests/conftest.py: 300 in the full suite, fewer in the fast tier).
PARSE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
RENDER = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    report_multiple_bugs=False,
    database=None,
)

# --- strategies -------------------------------------------------------------------------------

PERSIAN_DIGITS, ARABIC_DIGITS, ASCII_DIGITS = "۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩", "0123456789"
WEEKDAYS = [
    "شنبه",
    "یکشنبه",
    "يکشنبه",
    "یک‌شنبه",
    "دوشنبه",
    "سه‌شنبه",
    "سهشنبه",
    "چهارشنبه",
    "پنجشنبه",
    "پنج‌شنبه",
    "جمعه",
    "جمعة",
    "شنبهه",
]
MONTHS = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "امرداد",
    "شهريور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
    "اسفن",
]
WORDS = [
    "سازمان",
    "روابط",
    "عمومی",
    "شهرداری",
    "قزوین",
    "می‌شود",
    "میشود",
    "سازمانها",
    "بين‌الملل",
    "اطلاع",
    "رساني",
    "خبر",
    "تیتر",
    "پایان",
    "پیام",
    "انتهای",
    "پايان پيام",
    "ـــ",
    "گفت:",
    "است.",
    "؟",
    "«نقل»",
    "www.qazvin.ir",
    "info@qazvin.ir",
    "2.5",
    "۱,۲۵۰,۰۰۰",
    "Latin",
    "\ue000",
    "ها",
    "ای",
]
HOSTILE = [
    "<",
    ">",
    "&",
    "]]>",
    "<![CDATA[",
    "<script>alert(1)</script>",
    "</p>",
    "<b>",
    "&amp;",
    "&lt;",
    "&#0;",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u0640",
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9f",
    "\ufffe",
    "\uffff",
    "\u2028",
    "\u2029",
    "\r",
    "\t",
    "\xa0",
    "\u3000",
    "\U0001f600",
    "\U0010ffff",
    "\ud800",
    "\udfff",
    "\u064e",
    "\u0651",
    "'",
    '"',
    "\\",
    "{{ 7*7 }}",
    "%s",
]
CONTROL = st.characters(min_codepoint=0, max_codepoint=0x9F).filter(lambda c: not c.isprintable())


def digits_in_any_script(number: int) -> st.SearchStrategy[str]:
    text = str(number)
    return st.lists(
        st.sampled_from([ASCII_DIGITS, PERSIAN_DIGITS, ARABIC_DIGITS]), min_size=len(text), max_size=len(text)
    ).map(lambda scripts: "".join(s[int(d)] for s, d in zip(scripts, text)))


@st.composite
def date_lines(draw) -> str:
    number = lambda low, high: draw(st.integers(low, high).flatmap(digits_in_any_script))  # noqa: E731
    year, month, day = number(0, 9999), number(0, 40), number(0, 40)
    if draw(st.booleans()):
        date = draw(st.sampled_from("/-.")).join((year, month, day))
    else:
        date = f"{day} {draw(st.sampled_from(MONTHS))} {year}"
    weekday = draw(st.sampled_from(["", *(w + " " for w in WEEKDAYS), "سه‌شنبه، "]))
    time = draw(st.sampled_from(["", " - ساعت ", " ساعت ", " ", " ،"]))
    if time:
        time += f"{number(0, 30)}:{number(0, 70)}" + (f":{number(0, 70)}" if draw(st.booleans()) else "")
    return weekday + date + time


TOKENS = st.one_of(st.sampled_from(WORDS), st.sampled_from(HOSTILE), CONTROL, st.text(max_size=4))
LINES = st.lists(TOKENS, min_size=0, max_size=8).map(" ".join)


@st.composite
def text_releases(draw) -> str:
    lines = [draw(st.one_of(date_lines(), LINES))]
    for _ in range(draw(st.integers(0, 6))):
        lines.append(draw(st.sampled_from(["", "", "\u00a0", " "])))
        lines.append(draw(LINES))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x85"]))
    return newline.join(lines)


def encodings() -> st.SearchStrategy[str]:
    return st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1256"])


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be", errors="surrogatepass")
    if encoding == "cp1256":
        return text.encode("cp1256", errors="ignore")
    return text.encode(encoding, errors="surrogatepass")


def json_values(text=st.text()) -> st.SearchStrategy:  # noqa: B008 (strategies are immutable)
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )


FIELD_TEXT = st.one_of(st.text(max_size=40), LINES, date_lines())
RELEASE_DOCUMENTS = st.fixed_dictionaries(
    {
        "key": st.one_of(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,10}", fullmatch=True), json_values(FIELD_TEXT)),
        "published": st.one_of(date_lines(), st.just("2014-03-11T14:30:00+03:30"), json_values(FIELD_TEXT)),
        "title": st.one_of(FIELD_TEXT, json_values(FIELD_TEXT)),
        "lead": FIELD_TEXT,
    },
    optional={
        "updated": st.one_of(date_lines(), json_values(FIELD_TEXT)),
        "kicker": FIELD_TEXT,
        "source": FIELD_TEXT,
        "body": st.one_of(st.lists(FIELD_TEXT, max_size=4), json_values(FIELD_TEXT)),
        "categories": st.one_of(st.lists(FIELD_TEXT, max_size=3), json_values(FIELD_TEXT)),
        "language": st.one_of(st.sampled_from(["fa", "fa-IR", "ar", "en-US", "", "x" * 20]), json_values()),
        "images": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"url": st.one_of(st.just("https://example.com/a.jpg"), FIELD_TEXT)},
                    optional={
                        "caption": FIELD_TEXT,
                        "type": st.sampled_from(["image/jpeg", "x", 3]),
                        "length": st.one_of(st.integers(), st.floats()),
                    },
                ),
                max_size=2,
            ),
            json_values(FIELD_TEXT),
        ),
        "titel": json_values(),
    },
)


# --- parsers never fail but with ReleaseError --------------------------------------------------


def parses_or_reports(parse, *args, **kwargs) -> None:
    try:
        parse(*args, **kwargs)
    except ReleaseError as error:
        assert error.problems and all(p.message for p in error.problems)


@PARSE
@given(text=st.text(), encoding=encodings())
def test_text_parser_on_any_text_returns_a_release_or_raises_release_error(text, encoding):
    parses_or_reports(parse_text_release, encode(text, encoding), "k")


@PARSE
@given(text=text_releases(), encoding=encodings())
def test_text_parser_on_plausible_releases_returns_a_release_or_raises_release_error(text, encoding):
    parses_or_reports(parse_text_release, encode(text, encoding), "k")


@PARSE
@given(raw=st.binary(max_size=400))
def test_text_parser_on_any_bytes_returns_a_release_or_raises_release_error(raw):
    parses_or_reports(parse_text_release, raw, "k")


@PARSE
@given(value=json_values(), line=st.one_of(st.none(), st.integers(1, 10**6)))
def test_json_parser_on_any_json_value_returns_a_release_or_raises_release_error(value, line):
    parses_or_reports(parse_json_release, json.dumps(value).encode(), line=line)


@PARSE
@given(document=RELEASE_DOCUMENTS, ascii_only=st.booleans())
def test_json_parser_on_release_like_objects_returns_a_release_or_raises_release_error(document, ascii_only):
    parses_or_reports(
        parse_json_release, json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    )


@PARSE
@given(raw=st.one_of(st.binary(max_size=400), st.binary(max_size=200).map(lambda b: b'{"key": "' + b + b'"}')))
def test_json_parser_on_any_bytes_returns_a_release_or_raises_release_error(raw):
    parses_or_reports(parse_json_release, raw)


# --- whatever a release says, feeds and sitemaps stay well-formed, pages carry no markup ---------

# Text with everything a renderer must survive: XML-forbidden characters, markup, `]]>`, bidi.
RENDER_TEXT = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(HOSTILE), st.text(max_size=6)), min_size=1, max_size=10
).map(" ".join)
XML_DOCUMENTS = ["/feed.atom", "/feed.rss", "/sitemap.xml", "/sitemaps/releases-1.xml", "/sitemap-news.xml"]
PAGE_TAGS = {"article", "h1", "p", "time"}  # release.html's tags inside <article> (no images, no categories)


@contextlib.contextmanager
def fresh_site(upgraded_sqlite: Path) -> Iterator[tuple]:
    """A test client and engine on a new temporary SQLite file (a copy of `upgraded_sqlite`): one
    per example, so shrinking is exact."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.sqlite3"
        shutil.copyfile(upgraded_sqlite, path)
        with opened_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True}) as app:
            yield app.test_client(), get_engine_of(app)


def assert_documents_well_formed(client) -> None:
    for path in XML_DOCUMENTS:
        response = client.get(path)
        assert response.status_code == 200, path
        try:
            etree.fromstring(response.data)
        except etree.XMLSyntaxError as error:
            raise AssertionError(f"{path} is not well-formed XML: {error}") from None
    for path in ("/feed.atom", "/feed.rss"):
        parsed = feedparser.parse(client.get(path).data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    json.loads(client.get("/feed.json").data)


def assert_page_has_no_release_markup(client, key: str) -> lxml_html.HtmlElement:
    response = client.get(f"/releases/{key}")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.data)
    [article] = page.iter("article")
    assert {element.tag for element in article.iter()} <= PAGE_TAGS
    assert all(len(element) == 0 for element in article.iter("h1", "p") if element.get("class") != "dates")
    [script] = page.iter("script")  # the template's own JSON-LD
    assert script.get("type") == "application/ld+json"
    json.loads(script.text)
    return page


@RENDER
@given(
    title=RENDER_TEXT,
    lead=RENDER_TEXT,
    body=st.lists(RENDER_TEXT, max_size=3),
    kicker=RENDER_TEXT,
    language=st.sampled_from(["fa", "ar"]),
)
# hazm drops Arabic diacritics: such a headline must be rejected, never stored empty (feedgen
# would then refuse the whole Atom feed).
@example(title="\u064e\u0651", lead="سازمان", body=[], kicker="خبر", language="fa")
def test_ingested_release_with_hostile_text_renders_well_formed_and_escaped(
    upgraded_sqlite, title, lead, body, kicker, language
):
    key = "ingested"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    document = {
        "key": key,
        "published": (now - timedelta(hours=1)).isoformat(),
        "title": title,
        "lead": lead,
        "body": body,
        "kicker": kicker,
        "language": language,
    }
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        release = normalize_release(parse_json_release(raw).release)
    except ReleaseError:
        return  # rejected (e.g. a headline left empty by the cleanup): nothing to render
    with fresh_site(upgraded_sqlite) as (client, engine):
        store.save_release(engine, release, raw, "json", now)
        stored = store.get_release(engine, key).release
        assert_documents_well_formed(client)
        atom = etree.fromstring(client.get("/feed.atom").data)
        page = assert_page_has_no_release_markup(client, key)
    titles = {
        entry.findtext("{http://www.w3.org/2005/Atom}id").rsplit(":", 1)[1]: entry.findtext(
            "{http://www.w3.org/2005/Atom}title"
        )
        for entry in atom.iter("{http://www.w3.org/2005/Atom}entry")
    }
    assert titles[key] == stored.title
    [h1] = page.iter("h1")
    assert h1.text_content() == stored.title
    assert [p.text_content() for p in page.iter("p") if p.get("class") == "lead"] == [stored.lead]


# Text without the two lone surrogates (written as code points: ruff's B033 takes the two
# literals for one value).
SURROGATE_FREE_TEXT = RENDER_TEXT.filter(lambda t: not {chr(0xD800), chr(0xDFFF)} & set(t))


@RENDER
@given(title=SURROGATE_FREE_TEXT, lead=SURROGATE_FREE_TEXT, body=st.lists(SURROGATE_FREE_TEXT, max_size=3))
# The news sitemap writes titles without dropping XML-forbidden characters (the feeds drop them).
@example(title="\x1f", lead="سازمان", body=[])
def test_stored_release_with_xml_forbidden_characters_renders_well_formed(upgraded_sqlite, title, lead, body):
    # Straight into the store, without the decoder's cleanup: the renderers must not rely on it.
    # The title keeps a word of text, so it is never empty once forbidden characters are dropped.
    key = "stored"
    title += " خبر"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    release = Release(
        key=key,
        published=PublishedAt(now - timedelta(hours=1), "1403/01/01", True),
        title=title,
        lead=lead,
        body=tuple(body),
    )
    with fresh_site(upgraded_sqlite) as (client, engine):
        store.save_release(engine, release, title.encode("utf-8"), "json", now)
        assert_documents_well_formed(client)
        assert_page_has_no_release_markup(client, key)
