"""Tests for eval/halfspace/context.py: which words the shipped followers file keeps, and how it counts."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.halfspace.context import HEADER, Followers, count, render
from feedapp.core.halfspace import read_followers

ZWNJ = "\u200c"


def z(text: str) -> str:
    return text.replace("|", ZWNJ)


def test_the_word_right_after_each_shape_is_counted_without_its_half_spaces() -> None:
    followers = count(
        [
            z("نام|های متفاوت یک کتاب و نامه|ای به وزیر."),
            z("در نقش|های، اصلی برنامه|ای می|شود و خانه|ای."),  # a comma or full stop: no follower
            z("کتابهای تازه"),  # no half-space written: not counted as a plural
        ]
    )
    assert (followers.plurals, followers.indefinites) == (2, 3)
    assert followers.after_plural == Counter({"متفاوت": 1})
    assert followers.after_indefinite == Counter({"به": 1, "میشود": 1})


def test_ratio_is_the_log_odds_of_following_a_plural_with_half_a_count_added() -> None:
    followers = Followers(Counter({"ملی": 79}), Counter({"که": 172, "ملی": 0}), plurals=8164, indefinites=2135)
    assert round(followers.ratio("ملی"), 4) == 3.7276  # ln((79.5 / 8164) / (0.5 / 2135))
    assert round(followers.ratio("که"), 4) == -7.1848  # ln((0.5 / 8164) / (172.5 / 2135))


@pytest.mark.parametrize(
    ("after_plural", "after_indefinite", "kept"),
    [
        (79, 0, True),
        (30, 0, True),  # ln((30.5 / 8000) / (0.5 / 2000)) = 2.72
        (10, 0, False),  # only after plurals, but too few times for a ratio of 2: 1.66
        (0, 5, True),  # -3.78, and seen just often enough
        (0, 4, False),  # -3.58, but too rare to trust
        (30, 10, False),  # seen after both: says too little either way (-0.27)
    ],
)
def test_a_word_is_kept_when_seen_often_and_clearly_after_one_shape(
    after_plural: int, after_indefinite: int, kept: bool
) -> None:
    followers = Followers(Counter({"واژه": after_plural}), Counter({"واژه": after_indefinite}), 8000, 2000)
    assert followers.kept() == (["واژه"] if kept else [])


def test_the_file_is_the_header_the_totals_then_sorted_rows_the_restorer_reads() -> None:
    followers = Followers(Counter({"ملی": 79}), Counter({"که": 172}), plurals=8164, indefinites=2135)
    text = render(followers)
    assert text == HEADER + "# Words counted: 8164 plurals, 2135 indefinites.\nملی\t79\t0\t3.73\nکه\t0\t172\t-7.18\n"
    assert read_followers(text.splitlines()) == {"ملی": 3.73, "که": -7.18}
