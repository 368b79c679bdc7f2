"""Tests for eval/halfspace/vocab.py: which of shekar's spellings the shipped list keeps, from what."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest

from eval.halfspace.news import render
from eval.halfspace.vocab import HEADER, VOCAB, against_the_surname_rule, build, counts
from feedapp.core.halfspace import read_published

ZWNJ = "\u200c"


def z(text: str) -> str:
    return text.replace("|", ZWNJ)


def test_rows_are_counted_with_the_letters_hazm_leaves_and_non_words_skipped() -> None:
    rows = [[z("رأي|دهندگان"), "40"], [z("رأی|دهندگان"), "2"], ["رأيدهندگان", "5"], ["COVID", "9"], ["۱۴۰۰", "3"]]
    assert counts(rows) == Counter({z("رأی|دهندگان"): 42, "رأیدهندگان": 5})


def test_the_file_is_the_header_then_sorted_rows_the_restorer_reads() -> None:
    text = render({z("هیات|علمی"): (4133, 812), z("رای|دهندگان"): (9000, 0)}, HEADER)
    assert text == HEADER + z("رای|دهندگان\t9000\t0\nهیات|علمی\t4133\t812\n")
    assert read_published(text.splitlines()) == {"رایدهندگان": z("رای|دهندگان"), "هیاتعلمی": z("هیات|علمی")}


def test_a_wheel_other_than_the_pinned_one_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "shekar-1.7.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(VOCAB, z("هیات|علمی,10\n"))
    with pytest.raises(ValueError, match="is not shekar 1.7.0's wheel"):
        build(wheel)


@pytest.mark.parametrize(
    ("spelling", "against"),
    [
        ("همایون|فر", True),  # the restorer splits فر only after ی: the list must not undo that
        ("اسماعیلی|فر", False),
        ("قاضی|زاده", False),  # زاده is no such ending
        ("رای|دهندگان", False),
    ],
)
def test_a_surname_ending_split_against_the_restorers_rule_is_left_out(spelling: str, against: bool) -> None:
    assert against_the_surname_rule(z(spelling)) is against
