"""The oracle bound of eval/halfspace/bound.py: what writers' inconsistent spellings leave possible."""

from __future__ import annotations

import pytest

from eval.halfspace import bound as oracle
from eval.halfspace.real.build import HEADER
from feedapp.core.halfspace import ZWNJ


@pytest.fixture
def toy_set(tmp_path, monkeypatch):
    """`آنها` published three times half-spaced and once joined, `کتاب‌ها` once: four half-spaces."""
    monkeypatch.setattr(oracle, "kind_of", lambda form: "suffix")  # no homograph, no name
    monkeypatch.setattr(oracle, "lexicon_entries", lambda: {})  # no spelling excused as the lexicon's
    path = tmp_path / "set.txt"
    path.write_text(
        f"{HEADER}toy 1\nآن{ZWNJ}ها آن{ZWNJ}ها آن{ZWNJ}ها کتاب{ZWNJ}ها\n\n{HEADER}toy 2\nآنها\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("budget", "recall"),
    [
        (0.0, 0.25),  # آنها left joined: only کتاب‌ها
        (0.1, 0.375),  # a sixth of آنها split: x ≤ 0.1 × (1 + 4x) misplaced
        (0.25, 1.0),  # آنها always split: 1 misplaced of 5 written
    ],
)
def test_the_oracle_spends_its_misreading_budget_on_the_best_moves(toy_set, budget, recall):
    result = oracle.bound(toy_set, budget)
    assert result.dropped == 4
    assert result.forms_written_two_ways == 1
    assert result.recall_without_misreadings == 0.25
    assert result.recall_at_budget == pytest.approx(recall)


def test_a_word_s_half_spaces_are_counted_on_its_joined_form():
    assert oracle.halfspaces(f"می{ZWNJ}شود") == ("میشود", frozenset({2}))
    assert oracle.halfspaces(f"آب{ZWNJ}میوه{ZWNJ}ها") == ("آبمیوهها", frozenset({2, 6}))
    assert oracle.halfspaces("کتاب") == ("کتاب", frozenset())
