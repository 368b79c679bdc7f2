"""Tests for eval/halfspace/news.py: which news spellings the shipped list keeps, and from what text."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.halfspace.news import HEADER, normalized, render, select, unseen
from eval.halfspace.usage import write_or_check

ZWNJ = "\u200c"


def z(text: str) -> str:
    return text.replace("|", ZWNJ)


@pytest.mark.parametrize(
    ("counts", "kept"),
    [
        ({"اداره|کل": 41}, {"اداره|کل": (41, 0)}),  # never written joined
        ({"اداره|کل": 6, "ادارهکل": 2}, {"اداره|کل": (6, 2)}),  # three times as often
        ({"اداره|کل": 5, "ادارهکل": 2}, {}),  # not three times as often
        ({"اداره|کل": 2}, {}),  # too rare to trust
        ({"همشهری|آنلاین": 9, "هم|شهری|آنلاین": 3}, {"همشهری|آنلاین": (9, 0)}),  # the other spelling is counted
        ({"همشهری|آنلاین": 8, "هم|شهری|آنلاین": 3}, {}),
        ({"آرا|ها": 9}, {}),  # after ا the ZWNJ changes no shape: not a visible half-space
        ({"آنها": 40, "آن|ها": 12}, {}),  # news writes it joined: nothing to restore
    ],
)
def test_a_spelling_is_kept_when_news_writes_it_far_more_than_any_other(counts: dict, kept: dict) -> None:
    written = Counter({z(spelling): count for spelling, count in counts.items()})
    assert select(written) == {z(spelling): value for spelling, value in kept.items()}


def test_text_is_counted_with_the_letters_hazm_leaves() -> None:
    assert normalized("كتابهاي مُهِم" + ZWNJ * 2 + "ـتر") == "کتابهای مهم" + ZWNJ + "تر"


def test_an_article_repeating_an_evaluated_one_is_left_out() -> None:
    evaluated = "سخنگوی وزارت امور خارجه امروز در نشست خبری هفتگی خود درباره مذاکرات گفت که گفتگوها ادامه دارد"
    repeat = "به گزارش فارس، " + evaluated.replace("ی", "ي") + " و نتیجه آن اعلام می‌شود."
    other = "مسابقات کشتی آزاد قهرمانی کشور از فردا با حضور تیم‌های استان‌ها در سالن هفت تیر آغاز می‌شود"
    assert unseen([repeat, other], [evaluated]) == [other]


def test_the_file_is_the_header_then_sorted_rows() -> None:
    text = render({z("اداره|کل"): (41, 0), z("آتش|بس"): (22, 1)})
    assert text == HEADER + z("آتش|بس\t22\t1\nاداره|کل\t41\t0\n")


def test_a_built_file_is_written_then_checked_against_what_is_committed(tmp_path, capsys) -> None:
    target = tmp_path / "built.txt"
    assert write_or_check(target, "a\n", check=False, what="1 line") == 0
    assert target.read_text(encoding="utf-8") == "a\n"
    assert write_or_check(target, "a\n", check=True, what="1 line") == 0
    assert write_or_check(target, "b\n", check=True, what="1 line") == 1
    assert target.read_text(encoding="utf-8") == "a\n"  # a check never writes
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {target}: 1 line",
        f"{target}: up to date",
        f"{target}: differs from a fresh build",
    ]
