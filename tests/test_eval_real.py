"""The real-news evaluation sets (eval/halfspace/real/) are whole, attributed, disjoint and half-spaced.

`python -m eval.halfspace.evaluate --real` measures the restorer on these files; its figures mean
something only while the held-out set is large enough, every article comes from a source whose
license SOURCES.md records, no article is in both sets, and the writers' half-spaces survived
(a corpus with ZWNJs stripped scores any restorer as missing everything). Fast: reads text files
only, never hazm.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from eval.halfspace.real import build
from eval.halfspace.real.build import (
    DEV2_FILE,
    DEV3_FILE,
    DEV_FILE,
    HELDOUT_FILE,
    HERE,
    Article,
    duplicates,
    persian_words,
    read_articles,
    skeleton,
    zwnj_density,
)

SETS = {"dev": DEV_FILE, "dev2": DEV2_FILE, "dev3": DEV3_FILE, "heldout": HELDOUT_FILE}

# The issue asks for at least 300 held-out articles; each dev set is meant to hold ~150 or more.
MIN_ARTICLES = {"dev": 150, "dev2": 150, "dev3": 150, "heldout": 300}
# Half-spaces per 1,000 Persian words. Agencies that use ZWNJ consistently publish 50-80 (these
# sets: 58.5 and 66.6); a corpus whose ZWNJs were stripped or turned into spaces has next to 0.
# 40 for a whole set leaves room for another source of a sparser newsroom, not for stripped text.
MIN_SET_DENSITY = 40.0
# build.py drops an article below 20: its writer joined or spaced most affixes, and every correct
# half-space the restorer put into such words would count against it.
MIN_ARTICLE_DENSITY = 20.0
MAX_CHARS = 1500  # build.py cuts every article to this many characters
MIN_WORDS = 30  # and keeps none shorter than this many Persian words


def listed_sources() -> set[str]:
    """The source ids of SOURCES.md's table (rows that open with ids in backticks, one or several)."""
    text = (HERE / "SOURCES.md").read_text(encoding="utf-8")
    cells = re.findall(r"^\| (`[a-z][a-z-]*`(?:, `[a-z][a-z-]*`)*) \|", text, flags=re.MULTILINE)
    return {ident for cell in cells for ident in re.findall(r"`([a-z-]+)`", cell)}


@pytest.fixture(scope="module")
def articles() -> dict[str, list[Article]]:
    return {name: read_articles(path) for name, path in SETS.items()}


@pytest.mark.parametrize("name", SETS)
def test_each_set_has_enough_articles(articles, name):
    assert len(articles[name]) >= MIN_ARTICLES[name]


def test_sources_md_lists_the_sources():
    # Guards the test below: an unparsable table would make every source "unlisted".
    assert {"fars", "jannati-tasnim", "khabarfouri", "irnews-tabnak"} <= listed_sources()


@pytest.mark.parametrize("name", SETS)
def test_every_article_names_a_listed_source(articles, name):
    listed = listed_sources()
    unlisted = {a.source for a in articles[name]} - listed
    assert not unlisted, f"sources missing from SOURCES.md: {sorted(unlisted)}"
    assert all(a.ident for a in articles[name]), "an article without an id or url"


@pytest.mark.parametrize("path", SETS.values(), ids=SETS)
def test_every_block_opens_with_a_source_line(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "\r" not in text
    blocks = text.rstrip("\n").split("\n\n")
    assert all(block.startswith("# source: ") for block in blocks)


@pytest.mark.parametrize(("name", "other"), list(itertools.combinations(SETS, 2)))
def test_no_article_is_in_two_sets(articles, name, other):
    others = [skeleton(a.text) for a in articles[other]]
    mine = [(f"{a.source} {a.ident}", skeleton(a.text)) for a in articles[name]]
    shared = [ident for ident, text in mine if any(duplicates(text, o) for o in others)]
    assert not shared, f"{name} articles also in {other}: {shared[:5]}"


@pytest.mark.parametrize("name", SETS)
def test_no_article_repeats_within_a_set(articles, name):
    texts = [skeleton(a.text) for a in articles[name]]
    repeated = [i for i, text in enumerate(texts) if any(duplicates(text, other) for other in texts[:i])]
    assert not repeated


@pytest.mark.parametrize("name", SETS)
def test_the_writers_half_spaces_are_there(articles, name):
    whole = "\n".join(a.text for a in articles[name])
    assert zwnj_density(whole) >= MIN_SET_DENSITY
    sparse = [f"{a.source} {a.ident}" for a in articles[name] if zwnj_density(a.text) < MIN_ARTICLE_DENSITY]
    assert not sparse, f"articles below {MIN_ARTICLE_DENSITY} ZWNJ per 1,000 words: {sparse[:5]}"


@pytest.mark.parametrize("name", SETS)
def test_articles_are_cut_and_long_enough(articles, name):
    assert all(len(a.text) <= MAX_CHARS for a in articles[name])
    assert all(len(persian_words(a.text)) >= MIN_WORDS for a in articles[name])


def test_density_counts_half_spaces_per_thousand_words():
    # The measure the thresholds above rely on: 2 ZWNJs in 4 words (a ZWNJ keeps a word whole).
    assert zwnj_density("سازمان\u200cها و کتاب\u200cها است") == 500.0
    assert zwnj_density("سازمانها و کتابها") == 0.0


IRNEWS_LISTING = [
    "Dataset/asriran_2_data_1.txt",
    "Dataset/asriran_1_data_10.txt",
    "Dataset/asriran_1_data_2.txt",
    "Dataset/roozno_data_5.txt",
    "Dataset/sobhane2_0.txt",
    "Dataset/sobhane1_3.txt",
    "README.md",
]


@pytest.mark.parametrize(
    ("skip", "take", "expected"),
    [
        (
            0,
            2,
            [
                ("asriran", "Dataset/asriran_2_data_1.txt"),
                ("asriran", "Dataset/asriran_1_data_2.txt"),
                ("roozno", "Dataset/roozno_data_5.txt"),
                ("sobhane", "Dataset/sobhane2_0.txt"),
                ("sobhane", "Dataset/sobhane1_3.txt"),
            ],
        ),
        # the third dev set's files: the next ones of each newsroom, none if it has no more
        (2, 5, [("asriran", "Dataset/asriran_1_data_10.txt")]),
    ],
)
def test_irnews_files_are_read_by_newsroom_and_number(skip, take, expected):
    assert build.irnews_paths(IRNEWS_LISTING, skip, take) == expected


def test_irnews_article_is_its_title_then_its_sentences():
    text = (
        "asriran_1_data###عنوان خبر###https://www.asriran.com/fa/news/1###['اجتماعی ']###2020-02-15 12:04:00###۱###[]\n"
        "1@@@2\n"
        "1\tجمله اول است.\n"
        "2\tجمله دوم است.\n"
    )
    article = build.irnews_article("asriran", "Dataset/asriran_1_data_0.txt", text)
    assert article == Article(
        "irnews-asriran", "Dataset/asriran_1_data_0.txt", "عنوان خبر\nجمله اول است. جمله دوم است."
    )
