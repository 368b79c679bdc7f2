"""Word diffs for people: what a normalization changed, invisible characters made visible."""

from __future__ import annotations

import pytest

from feedapp.core.textdiff import word_diff


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ("یک دو", "یک دو", "یک دو"),
        ("برنامه های شهر", "برنامه‌های شهر", "[-برنامه های -]{+برنامه<ZWNJ>های +}شهر"),
        ("شهرداري تهران", "شهرداری تهران", "[-شهرداري -]{+شهرداری +}تهران"),
        ("a b c d e f g h i j", "a b c d e f g h i K", "… g h i [-j-]{+K+}"),
        ("a b c d e f g h i j k l m n", "a X c d e f g h i j k l Y n", "a [-b -]{+X +}c d e … j k l [-m -]{+Y +}n"),
        ("", "تازه", "{+تازه+}"),
        ("کهنه", "", "[-کهنه-]"),
        ("a\u00a0b", "a b", "[-a<NBSP>-]{+a +}b"),
    ],
)
def test_changes_are_marked_word_by_word_with_invisible_characters_named(old, new, shown):
    assert word_diff(old, new) == shown
