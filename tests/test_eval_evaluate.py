"""eval/halfspace/evaluate.py's classification of misreadings (reads hazm's lexicon)."""

from __future__ import annotations

import pytest

from eval.halfspace.evaluate import academy_inflection, kind_of, writers_slip
from feedapp.core.halfspace import ZWNJ


def z(text: str) -> str:
    return text.replace("|", ZWNJ)


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


@pytest.mark.parametrize(
    ("gold", "out", "kind", "published", "expected"),
    [
        ("بانکها", "بانک|ها", "suffix", {"بانک|ها"}, True),  # the set writes بانک‌ها elsewhere
        ("بانکها", "بانک|ها", "suffix", set(), False),  # it never does: a misreading
        ("بانک|ها", "بانک|ها", "suffix", {"بانک|ها"}, False),  # not joined by the writer
        # a homograph: a slip only when the set publishes none of its other readings
        ("استانهای", "استان|های", "homograph", {"استان|های"}, True),
        ("نامهای", "نامه|ای", "homograph", {"نامه|ای", "نام|های"}, False),
        ("نامهای", "نام|های", "homograph", {"نامه|ای", "نام|های"}, False),
        ("نامهاي", "نامه|ای", "homograph", {"نامه|ای"}, True),  # Arabic ي as hazm writes it
    ],
)
def test_a_writers_slip_is_a_joined_word_the_set_spells_as_the_restorer_did(gold, out, kind, published, expected):
    assert writers_slip(z(gold), z(out), kind, frozenset(z(word) for word in published)) is expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("نام|های", "homograph"),  # نام‌های or نامه‌ای
        ("نام|هاي", "homograph"),  # Arabic ي, as older articles write it
        ("خرمشهر", "name"),
        ("دانش|آموزان", "compound"),
        ("سازمان|ها", "suffix"),
    ],
)
def test_kind_of_a_word_reads_arabic_letters_as_hazm_writes_them(word, expected):
    assert kind_of(z(word)) == expected
