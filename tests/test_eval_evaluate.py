"""eval/halfspace/evaluate.py's classification of misreadings (reads hazm's lexicon)."""

from __future__ import annotations

import pytest

from eval.halfspace.evaluate import academy_inflection
from feedapp.core.halfspace import ZWNJ


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("این سازمان|ها گفتند", "سازمان|ها", True),  # a plural of a lexicon word
        ("اهمیت مهم|تر است", "مهم|تر", True),
        ("او می|کند", "می|کند", True),
        ("آب|میوه|های تازه", "آب|میوه|های", True),  # the whole stem before the ZWNJ is looked up
        ("حرفه|ای", "حرفه|ای", False),  # not an inflection the Academy sets apart
        ("خرم|شهر", "خرم|شهر", False),
        ("گلگ|هرها", "گلگ|هرها", False),  # گلگ is no word
    ],
)
def test_academy_inflection_is_a_plural_comparative_or_mi_of_a_known_word(text, word, expected):
    text, word = text.replace("|", ZWNJ), word.replace("|", ZWNJ)
    position = text.index(word) + word.rindex(ZWNJ) + 1  # the letter after the word's last ZWNJ
    assert academy_inflection(text, position) is expected
