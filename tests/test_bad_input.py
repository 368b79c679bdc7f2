"""Hostile and broken releases (tests/data/bad/, see its README.md): the exact outcome of each.

Every case is ingested through the `feedapp` command (in process, with the app's temporary
database; the whole batch also through the real console script). A rejected file must give the
exact `error PATH[:LINE]: …` lines and store nothing; a stored one must come out with its
dangerous parts neutralized, and every feed and the release page must escape what is left.
Files whose bytes are large or deceptive are generated here at run time (GENERATED).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from feedapp import store
from feedapp.cli import main
from tests.support import ROOT, SEED_KEYS, SEEDS, feedapp, get_engine_of, upgraded

BAD = ROOT / "tests" / "data" / "bad"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"

LEAD = "حمایت مدیران ارشد سازمان از روابط عمومی موجب خلاقیت می‌شود."
SUMMARY_REJECTED = "1 files: 0 added, 0 updated, 0 unchanged, 1 rejected"
SUMMARY_ADDED = "1 files: 1 added, 0 updated, 0 unchanged, 0 rejected"
KEY_RULE = "is not allowed; expected 1-128 ASCII letters, digits, '_' or '-', starting with a letter or digit"
DATE_LINE = (
    "expected a Solar Hijri date line such as '۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or"
    " 'سه\u200cشنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰', found"
)
NUL_BYTES = (
    "the file holds NUL bytes (binary, or UTF-16 without a byte-order mark); expected UTF-8, UTF-16"
    " with a byte-order mark, or Windows-1256 text"
)
EMPTY = "the file is empty; expected a release starting with a date line"
BLANK = "the file holds only blank lines; expected a release starting with a date line"
NO_HEADLINE = "expected a headline after the date line, found nothing"
UNKNOWN_FIELD = (
    "unknown field; expected one of body, categories, images, key, kicker, language, lead, published,"
    " source, title, updated"
)


# --- files generated at run time: large, or with bytes an editor or a diff would hide ---------


def _deep_nesting() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def _entity_bomb() -> bytes:
    # 1,000,000 characters of literal `&amp;` (50 paragraphs at their 20,000-character bound):
    # plain text, to be escaped once more, never expanded.
    return json.dumps(
        {
            "key": "entity_bomb",
            "published": "1392/12/20",
            "title": "تیتر &amp; خبر",
            "lead": LEAD,
            "body": ["&amp;" * 4_000] * 50,
        },
        ensure_ascii=False,
    ).encode()


def _control_and_bidi_in_headline() -> bytes:
    # U+202E RIGHT-TO-LEFT OVERRIDE, U+2066/U+2069 isolates, U+200F/U+061C marks, BEL, ESC, DEL.
    return (f"۱۳۹۲/۱۲/۲۰\n\nتیتر \u202eخبر\x07 \x1b\u2066شهرداری\u2069\x7f\u200f\n\n\u061c{LEAD}\u202e\n").encode()


def _huge_integer() -> bytes:
    return (
        '{"key": "huge_integer", "published": "1392/12/20", "title": "تیتر", "lead": "لید خبر.",'
        ' "images": [{"url": "https://example.com/a.jpg", "length": 1' + "0" * 5000 + "}]}\n"
    ).encode()


def _long_line_10mb() -> bytes:
    return "ا".encode() * 5_000_000  # 10,000,000 bytes, no newline


GENERATED = {
    "deep_nesting.json": _deep_nesting,
    "entity_bomb.json": _entity_bomb,
    "control_and_bidi_in_headline.txt": _control_and_bidi_in_headline,
    "huge_integer.json": _huge_integer,
    "long_line_10mb.txt": _long_line_10mb,
}


def corpus_file(name: str, folder: Path) -> Path:
    """The corpus file `name` in `folder`: copied from tests/data/bad/, or generated."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if name in GENERATED:
        target.write_bytes(GENERATED[name]())
    else:
        shutil.copyfile(BAD / name, target)
    return target


def ingest(runner, *paths: Path):
    return runner.invoke(main, ["ingest", *map(str, paths)])


# --- rejected: exact error lines, nothing stored -----------------------------------------------

# name → error lines, `{path}` standing for the file's path.
REJECTED = {
    "empty.txt": [f"error {{path}}: {EMPTY}"],
    "png_header.txt": [f"error {{path}}: {NUL_BYTES}"],
    "truncated_utf8.txt": [
        "error {path}:5: the byte at offset 158 (0xd8) is not valid UTF-8 (the rest of the file"
        " is UTF-8: truncated or damaged?); expected valid UTF-8"
    ],
    "only_date_line.txt": [f"error {{path}}:1: {NO_HEADLINE}"],
    "no_headline.txt": [f"error {{path}}:1: {NO_HEADLINE}"],
    "no_lead.txt": ["error {path}:3: expected a lead paragraph after the headline, found nothing"],
    "date_1392_12_30.txt": [
        "error {path}:1: 1392/12/30 does not exist (1392 is not a leap year); expected a day from 1 to 29"
    ],
    "date_month_13.txt": ["error {path}:1: month 13 does not exist; expected 1 to 12"],
    "date_day_32.txt": ["error {path}:1: 1392/01/32 does not exist; expected a day from 1 to 31"],
    "time_24_00.txt": ["error {path}:1: time 24:00 does not exist; expected 00:00 to 23:59"],
    "date_two_digit_year.txt": [f"error {{path}}:1: {DATE_LINE} '92/12/20'"],
    "date_gregorian.txt": [
        "error {path}:1: year 2014 is not a plausible Solar Hijri year; expected 1300 to 1499"
        " (a Gregorian date belongs in ISO 8601 form with an offset, in JSON releases)"
    ],
    "arabic_yeh_weekday_time_25.txt": ["error {path}:1: time 25:00 does not exist; expected 00:00 to 23:59"],
    "key_traversal.json": [f"error {{path}}: key: key '../../etc/passwd' {KEY_RULE}"],
    "key_too_long.json": [f"error {{path}}: key: key '{'k' * 60}…' {KEY_RULE}"],  # long input is cut
    "..evil.txt": [f"error {{path}}: key '..evil' {KEY_RULE}"],
    "file name with spaces.txt": [f"error {{path}}: key 'file name with spaces' {KEY_RULE}"],
    "خبر_فارسی.txt": [f"error {{path}}: key 'خبر_فارسی' {KEY_RULE}"],
    "wrong_types.json": [
        "error {path}: title: expected a string, found a number",
        "error {path}: body: expected an array of strings, found a string",
        "error {path}: images: expected an array of objects, found an object",
    ],
    "unknown_field.json": [f"error {{path}}: titel: {UNKNOWN_FIELD}", f"error {{path}}: author: {UNKNOWN_FIELD}"],
    "duplicate_field.json": ["error {path}: field 'title' appears twice; expected each field once"],
    "deep_nesting.json": ["error {path}: JSON nested too deeply; expected one flat release object"],
    "json_top_level_array.json": ["error {path}: expected a JSON object, found an array"],
    "json_invalid_utf8.json": ["error {path}: byte 68 is not valid UTF-8; JSON must be UTF-8 (RFC 8259 §8.1)"],
    "json_nan_and_infinity.json": [
        "error {path}: title: expected a string, found a number",
        "error {path}: images[0].length: expected the size in bytes, a whole number ≥ 0",
    ],
    "huge_integer.json": ["error {path}: images[0].length: expected the size in bytes, a whole number ≥ 0"],
    "image_javascript_url.json": ["error {path}: images[0].url: 'javascript:alert(1)' is not an absolute http(s) URL"],
    "iso_without_offset.json": [
        "error {path}: published: '2014-03-11T14:30:00' is not an ISO 8601 timestamp with an"
        " offset; expected e.g. '2014-03-11T14:30:00+03:30'"
    ],
    "utf16_no_bom.txt": [f"error {{path}}: {NUL_BYTES}"],
    "utf16_bom_odd_length.txt": [
        "error {path}: the file starts with a utf-16-le byte-order mark but byte 158 is not"
        " valid utf-16-le; expected the whole file in utf-16-le"
    ],
    "nul_in_text.txt": [f"error {{path}}: {NUL_BYTES}"],
    "whitespace_nbsp_only.txt": [f"error {{path}}: {BLANK}"],
    "bom_only.txt": [f"error {{path}}: {BLANK}"],
    "crlf_only.txt": [f"error {{path}}: {EMPTY}"],
    "tatweel_zwsp_paragraphs.txt": [f"error {{path}}:1: {NO_HEADLINE}"],
    # Half UTF-8, half Windows-1256: a damaged UTF-8 file, reported at its first bad byte (README),
    # never decoded as 1256, which turns the UTF-8 headline into mojibake.
    "mixed_utf8_cp1256.txt": [
        "error {path}:5: the byte at offset 55 (0xcd) is not valid UTF-8 (the rest of the"
        " file is UTF-8: truncated or damaged?); expected valid UTF-8"
    ],
    "unsupported_suffix.md": ["error {path}: unsupported file type '.md'; expected .txt, .json or .jsonl"],
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_bad_file_is_rejected_with_exact_errors_and_nothing_stored(name, runner, engine, tmp_path):
    path = corpus_file(name, tmp_path / "in")
    result = ingest(runner, path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [line.format(path=path) for line in REJECTED[name]] + [SUMMARY_REJECTED]
    assert store.count_releases(engine) == 0


def test_release_whose_headline_is_only_diacritics_is_rejected_not_stored_with_an_empty_title(
    runner, engine, client, tmp_path
):
    # hazm drops Arabic diacritics, so the headline «َُِّ» normalizes to "": a release without a title.
    path = corpus_file("diacritics_only_headline.txt", tmp_path / "in")
    result = ingest(runner, path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0].startswith(f"error {path}")
    assert store.count_releases(engine) == 0
    # Stored with an empty title, it made feedgen raise "Required fields not set": /feed.atom broke.
    assert [client.get(url).status_code for url in ("/feed.atom", "/feed.rss", "/feed.json")] == [200, 200, 200]


# One backend is enough for the 10 MB inputs: what they test happens before the store.
def test_ten_megabyte_single_line_is_rejected_with_a_short_error_line(sqlite_app, tmp_path):
    path = corpus_file("long_line_10mb.txt", tmp_path / "in")
    assert path.stat().st_size == 10_000_000
    result = ingest(sqlite_app.test_cli_runner(), path)
    assert (result.exit_code, result.stdout) == (1, "")
    error, summary = result.stderr.splitlines()
    assert error.startswith(f"error {path}:1: {DATE_LINE} 'اااا")
    assert len(error) <= 1000  # quotes an excerpt, not 5,000,000 characters
    assert summary == SUMMARY_REJECTED
    assert store.count_releases(get_engine_of(sqlite_app)) == 0


def test_jsonl_with_one_good_and_one_bad_line_stores_the_good_one(runner, engine, tmp_path):
    path = corpus_file("one_good_one_bad.jsonl", tmp_path / "in")
    result = ingest(runner, path)
    assert (result.exit_code, result.stdout) == (1, "added jsonl_good\n")
    assert result.stderr.splitlines() == [
        f"error {path}:2: title: is empty; expected text",
        "1 files: 1 added, 0 updated, 0 unchanged, 1 rejected",
    ]
    assert [s.release.key for s in store.list_page(engine, None, 10).releases] == ["jsonl_good"]


def test_two_files_with_the_same_key_in_one_batch_keep_the_first(runner, engine, tmp_path):
    first = corpus_file("duplicate_key_1.json", tmp_path / "in")
    second = corpus_file("duplicate_key_2.json", tmp_path / "in")
    result = ingest(runner, first, second)
    assert (result.exit_code, result.stdout) == (1, "added duplicate_key\n")
    assert result.stderr.splitlines() == [
        f"error {second}: key 'duplicate_key' already came from {first} in this batch; expected each key once",
        "2 files: 1 added, 0 updated, 0 unchanged, 1 rejected",
    ]
    assert store.get_release(engine, "duplicate_key").release.title == "تیتر نخست"
    assert store.count_releases(engine) == 1


# --- stored, with the dangerous parts neutralized ----------------------------------------------

# name → (key, title, lead, body, warning lines); the texts as stored, exactly.
STORED = {
    "script_in_headline.txt": (
        "script_in_headline",
        "تیتر <script>alert(1)</script> خبر",
        f"{LEAD} <b>پررنگ</b> & <img src=x onerror=alert(2)>",
        (),
        [],
    ),
    "cdata_end_in_body.txt": (
        "cdata_end_in_body",
        "تیتر خبر شهرداری",
        LEAD,
        ("پاراگراف ]]> با پایان CDATA و <![CDATA[ آغاز آن.",),
        [],
    ),
    "entity_escaped_script.json": (
        "entity_escaped_script",
        "تیتر &lt;script&gt;alert(1)&lt;/script&gt;",
        f"{LEAD} &amp;amp; &#60;b&#62;",
        (),
        [],
    ),
    "entity_bomb.json": ("entity_bomb", "تیتر &amp; خبر", LEAD, ("&amp;" * 4_000,) * 50, []),
    "control_and_bidi_in_headline.txt": ("control_and_bidi_in_headline", "تیتر خبر شهرداری", LEAD, (), []),
    "json_lone_surrogate.json": ("json_lone_surrogate", "تیتر خبر", LEAD, (), []),
    "cr_line_endings.txt": ("cr_line_endings", "تیتر خبر شهرداری", LEAD, (), []),
    "weekday_mismatch.txt": (
        "weekday_mismatch",
        "تیتر خبر شهرداری",
        LEAD,
        (),
        [
            "warning {path}:1: the date line says جمعه but 1392/12/20 is a سه\u200cشنبه; the date was kept and the"
            " weekday ignored"
        ],
    ),
    # Arabic is not Persian: no hazm, so its Arabic yeh (ي) and kaf stay as written.
    "arabic_language.json": (
        "arabic_language",
        "افتتاح مشروع جديد في المدينة",
        "قال رئيس البلدية إن المشروع سيكتمل قريبا.",
        (),
        [],
    ),
}


def _html_tags(fragment: str) -> set[str]:
    return {element.tag for element in lxml_html.fragment_fromstring(fragment, create_parent="root").iter()}


# The release's date line (<p class="date"><time>), then its paragraphs, the lead in <strong>.
CONTENT_TAGS = {"root", "div", "p", "time", "strong"}


def _html_paragraphs(fragment: str) -> list[str]:
    """The release's own paragraphs (not the date line the feed adds)."""
    return [
        p.text_content()
        for p in lxml_html.fragment_fromstring(fragment, create_parent="root").iter("p")
        if p.get("class") != "date"
    ]


def assert_published_escaped(client, key: str, title: str, lead: str, body: tuple[str, ...]) -> None:
    """Every feed names the release with its exact text, and no HTML view has markup from it."""
    atom = etree.fromstring(client.get("/feed.atom").data)
    [entry] = [e for e in atom.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith(f":release:{key}")]
    assert entry.findtext(f"{ATOM}title") == title
    content = entry.findtext(f"{ATOM}content")
    assert _html_tags(content) == CONTENT_TAGS
    assert _html_paragraphs(content) == [lead, *body]

    rss = etree.fromstring(client.get("/feed.rss").data)
    [item] = [i for i in rss.iter("item") if i.findtext("guid").endswith(f":release:{key}")]
    assert item.findtext("title") == title
    assert _html_tags(item.findtext(CONTENT_ENCODED)) == CONTENT_TAGS
    assert _html_paragraphs(item.findtext(CONTENT_ENCODED)) == [lead, *body]

    feed = json.loads(client.get("/feed.json").data)
    [json_item] = [i for i in feed["items"] if i["id"].endswith(f":release:{key}")]
    assert json_item["title"] == title
    assert _html_tags(json_item["content_html"]) == CONTENT_TAGS

    response = client.get(f"/releases/{key}")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.data)
    [h1] = page.iter("h1")
    assert (h1.text_content(), len(h1)) == (title, 0)
    [script] = page.iter("script")  # the template's JSON-LD, and nothing from the release
    assert script.get("type") == "application/ld+json"
    assert json.loads(script.text)["headline"] == title
    [article] = page.iter("article")
    assert {element.tag for element in article.iter()} <= {"article", "h1", "p", "time"}
    assert [p.text_content() for p in article.iter("p") if p.get("class") not in ("dates",)] == [lead, *body]
    assert page.xpath("//meta[@property='og:title']/@content") == [title]


@pytest.mark.parametrize("name", list(STORED))
def test_hostile_release_is_stored_neutralized_and_escaped_everywhere(name, runner, engine, client, tmp_path):
    key, title, lead, body, warnings = STORED[name]
    path = corpus_file(name, tmp_path / "in")
    result = ingest(runner, path)
    assert (result.exit_code, result.stdout) == (0, f"added {key}\n")
    assert result.stderr.splitlines() == [line.format(path=path) for line in warnings] + [SUMMARY_ADDED]
    release = store.get_release(engine, key).release
    assert (release.title, release.lead, release.body, release.kicker) == (title, lead, body, None)
    assert store.get_raw(engine, key) == path.read_bytes()
    assert_published_escaped(client, key, title, lead, body)


def test_bidi_override_and_control_characters_are_removed_from_the_headline(runner, engine, tmp_path):
    path = corpus_file("control_and_bidi_in_headline.txt", tmp_path / "in")
    assert ingest(runner, path).exit_code == 0
    release = store.get_release(engine, "control_and_bidi_in_headline").release
    assert release.title == "تیتر خبر شهرداری"
    assert not set("\u202e\u2066\u2069\u200f\u061c\x07\x1b\x7f") & set(release.title + release.lead)


def test_script_in_headline_is_kept_as_literal_text_and_never_an_element(runner, client, tmp_path):
    assert ingest(runner, corpus_file("script_in_headline.txt", tmp_path / "in")).exit_code == 0
    page = client.get("/releases/script_in_headline").get_data(as_text=True)
    assert page.count("<script") == 1  # the JSON-LD block
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>" not in page


def test_ten_megabyte_paragraph_is_refused_at_its_line_with_the_bound(sqlite_app, tmp_path):
    # Stored whole until 0.3.0; now over the paragraph bound of core/limits.py (one such release
    # in a feed made every poll render 10 MB per entry).
    words = "سازمان‌ها " * 550_000  # 10,450,000 bytes on one line
    path = tmp_path / "in" / "long_paragraph.txt"
    path.parent.mkdir()
    path.write_text(f"۱۳۹۲/۱۲/۲۰\n\nتیتر\n\n{LEAD}\n\n{words}\n", encoding="utf-8")
    assert path.stat().st_size > 10_000_000
    result = ingest(sqlite_app.test_cli_runner(), path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"error {path}:7: the paragraph is 5,499,999 characters long; at most 20,000 are allowed",
        SUMMARY_REJECTED,
    ]
    assert store.count_releases(get_engine_of(sqlite_app)) == 0


# --- the whole corpus at once, with the seeds, through the real console script -----------------

# Keys the corpus should store: the neutralized ones, the first of the duplicate pair, the good .jsonl line.
CORPUS_GOOD_KEYS = {STORED[name][0] for name in STORED} | {"duplicate_key", "jsonl_good"}


@pytest.mark.slow  # runs the feedapp command
def test_whole_corpus_with_the_seeds_stores_every_good_release_and_names_every_bad_file(tmp_path):
    corpus = tmp_path / "bad"
    names = sorted({p.name for p in BAD.iterdir() if p.name != "README.md"} | set(GENERATED))
    for name in names:
        corpus_file(name, corpus)
    assert len(names) >= 30
    database = tmp_path / "batch.sqlite3"
    done = feedapp(
        {"FEEDAPP_DATABASE_URL": upgraded(f"sqlite:///{database}")},
        "ingest",
        str(corpus),
        str(SEEDS),
        str(corpus / "unsupported_suffix.md"),
        check=False,
    )
    assert done.returncode == 1
    good = CORPUS_GOOD_KEYS | set(SEED_KEYS)
    assert sorted(done.stdout.splitlines()) == sorted(f"added {key}" for key in good)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error ")]
    bad_files = [
        corpus / name
        for name in names
        if name not in STORED and name not in ("duplicate_key_1.json", "one_good_one_bad.jsonl")
    ]
    for path in bad_files + [corpus / "one_good_one_bad.jsonl"]:
        assert any(line.startswith(f"error {path}:") or line.startswith(f"error {path} ") for line in errors), path
    seed_files = len([p for p in SEEDS.iterdir() if p.suffix in (".txt", ".json", ".jsonl")])
    rejected = len(bad_files) + 1  # and the bad .jsonl line
    assert done.stderr.splitlines()[-1] == (
        f"{len(names) + seed_files} files: {len(good)} added, 0 updated, 0 unchanged, {rejected} rejected"
    )
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT count(*) FROM releases").fetchone() == (len(good),)
        keys = {key for (key,) in connection.execute("SELECT key FROM releases")}
    assert keys == good
