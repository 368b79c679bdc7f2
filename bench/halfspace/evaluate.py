"""Measure feedapp.core.halfspace.restore_halfspaces on the development set.

Run from the repository root:  python bench/halfspace/evaluate.py

Data (UTF-8, next to this file):
  sentences_dev.txt   news sentences written with correct half-spaces, used while tuning;
  sentences_test.txt  more such sentences, held out until its first run (figures in docs/halfspace.md);
  sentences_test2.txt a second held-out batch, written after fixes prompted by that first run;
  must_stay_whole.txt joined words the restorer must never split.

For each sentence the half-spaces that change a word's shape (those after a letter that joins
the next one) are removed, the text goes through hazm's Normalizer and then restore_halfspaces,
and the half-spaces of the result are compared with the original ones. Figures:
  recall      = dropped half-spaces put back / dropped half-spaces
  wrong-split = half-spaces that are not in the original / all half-spaces in the result
Three lines per file: hazm alone; the whole pipeline (hazm then restore_halfspaces); and the
restorer's own share (the half-spaces hazm left dropped, and those only the restorer inserted).
Wrong splits hazm makes itself (joining گرفته شده into گرفته‌شده) stay: the restorer never deletes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from hazm import Normalizer  # noqa: E402
from hazm.utils import words_list  # noqa: E402

from feedapp.core.halfspace import NON_JOINING, ZWNJ, restore_halfspaces  # noqa: E402


def strip_halfspaces(text: str) -> str:
    """Drop only the ZWNJs whose loss changes the word's shape (those after a joining letter)."""
    out = []
    for index, char in enumerate(text):
        if char == ZWNJ and index and text[index - 1] not in NON_JOINING and text[index - 1].isalpha():
            continue
        out.append(char)
    return "".join(out)


def halfspace_offsets(text: str) -> tuple[str, set[int]]:
    """Skeleton (text without ZWNJ and whitespace) and the skeleton offsets of shape-changing ZWNJs."""
    skeleton: list[str] = []
    offsets = set()
    for index, char in enumerate(text):
        if char == ZWNJ:
            previous = text[index - 1] if index else ""
            if previous.isalpha() and previous not in NON_JOINING:
                offsets.add(len(skeleton))
        elif not char.isspace():
            skeleton.append(char)
    return "".join(skeleton), offsets


def word_at(text: str, offset: int) -> str:
    """The whitespace-delimited word of ``text`` that holds skeleton offset ``offset``, ZWNJ as |."""
    count = 0
    for word in text.split():
        length = len(word.replace(ZWNJ, ""))
        if count <= offset <= count + length:
            return word.replace(ZWNJ, "|")
        count += length
    return "?"


@dataclass
class Score:
    """Counts of dropped, restored and wrongly inserted half-spaces for one system."""

    dropped: int = 0
    restored: int = 0
    inserted: int = 0
    wrong: int = 0
    missed_words: list[str] = field(default_factory=list)
    wrong_words: list[str] = field(default_factory=list)

    def add(self, gold_text: str, out_text: str, gold: set[int], out: set[int]) -> None:
        self.dropped += len(gold)
        self.restored += len(gold & out)
        self.inserted += len(out)
        self.wrong += len(out - gold)
        self.missed_words += [f"{word_at(gold_text, o)} -> {word_at(out_text, o)}" for o in sorted(gold - out)]
        self.wrong_words += [f"{word_at(gold_text, o)} -> {word_at(out_text, o)}" for o in sorted(out - gold)]

    def line(self, name: str) -> str:
        recall = self.restored / self.dropped if self.dropped else 0.0
        wrong = self.wrong / self.inserted if self.inserted else 0.0
        return (
            f"  {name:<26} recall {recall:6.1%} ({self.restored}/{self.dropped})"
            f"   wrong-split {wrong:5.1%} ({self.wrong}/{self.inserted})"
        )


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file."""
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def evaluate_sentences(name: str, normalizer: Normalizer) -> bool:
    """Print the figures for one sentence file; False when a check failed."""
    sentences = read_lines(name)
    hazm_score, full_score, own_score = Score(), Score(), Score()
    misaligned, not_idempotent, changed_correct = [], [], []
    for gold_text in sentences:
        normalized = normalizer.normalize(strip_halfspaces(gold_text))
        restored = restore_halfspaces(normalized)
        gold_skeleton, gold = halfspace_offsets(gold_text)
        hazm_skeleton, hazm = halfspace_offsets(normalized)
        out_skeleton, out = halfspace_offsets(restored)
        if not (gold_skeleton == hazm_skeleton == out_skeleton):
            misaligned.append(gold_text)
            continue
        hazm_score.add(gold_text, normalized, gold, hazm)
        full_score.add(gold_text, restored, gold, out)
        # The restorer alone: what hazm left to do, and the half-spaces only it inserted.
        own_score.add(gold_text, restored, gold - hazm, out - hazm)
        if restore_halfspaces(restored) != restored:
            not_idempotent.append(restored)
        if restore_halfspaces(gold_text) != gold_text:
            changed_correct.append(f"{gold_text}\n    -> {restore_halfspaces(gold_text)}")

    print(f"{name}: {len(sentences)} sentences")
    print(hazm_score.line("hazm Normalizer alone"))
    print(full_score.line("hazm + restore_halfspaces"))
    print(own_score.line("restore_halfspaces's own"))
    print(f"  missed ({len(full_score.missed_words)}): " + ", ".join(full_score.missed_words))
    print(f"  wrongly split by restore_halfspaces ({len(own_score.wrong_words)}): " + ", ".join(own_score.wrong_words))
    hazm_wrong = sorted(set(full_score.wrong_words) - set(own_score.wrong_words))
    print(f"  wrongly split by hazm, kept (only ZWNJs are ever inserted) ({len(hazm_wrong)}): " + ", ".join(hazm_wrong))
    print(f"  correct text changed by restore_halfspaces: {len(changed_correct)}")
    for item in changed_correct:
        print("    " + item.replace(ZWNJ, "|"))
    print(f"  output not idempotent: {len(not_idempotent)}; sentences hazm re-spelled (skipped): {len(misaligned)}")
    for item in misaligned:
        print("    " + item.replace(ZWNJ, "|"))
    print()
    return not (misaligned or not_idempotent or changed_correct)


def evaluate_lexicon() -> None:
    """Strip and restore hazm's own half-spaced words (not held out: the restorer indexes them)."""
    for label, min_count in (("counted (count >= 1)", 1), ("all entries", 0)):
        words = {w for w, count, _ in words_list() if ZWNJ in w and count >= min_count}
        gold_pairs = [(w, strip_halfspaces(w)) for w in sorted(words)]
        gold_pairs = [(w, s) for w, s in gold_pairs if s != w]
        exact = sum(1 for w, s in gold_pairs if halfspace_offsets(restore_halfspaces(s))[1] == halfspace_offsets(w)[1])
        print(f"  lexicon words, {label:<20} {exact / len(gold_pairs):6.1%} exactly restored ({exact}/{len(gold_pairs)})")


def evaluate_whole_words(normalizer: Normalizer) -> bool:
    """Every must-stay-whole word comes out unchanged; hazm's own splits are listed apart."""
    words = read_lines("must_stay_whole.txt")
    ours = [w for w in words if restore_halfspaces(w) != w]
    hazm_split = [w for w in words if normalizer.normalize(w) != w]
    after_hazm = [w for w in words if restore_halfspaces(normalizer.normalize(w)) != normalizer.normalize(w)]
    print(f"must_stay_whole.txt: {len(words)} words")
    print(f"  split by restore_halfspaces: {len(ours)} {' '.join(ours)}")
    print(f"  split by restore_halfspaces after hazm: {len(after_hazm)} {' '.join(after_hazm)}")
    print(f"  already split by hazm itself (not ours to undo): {' '.join(w.replace(ZWNJ, '|') for w in (normalizer.normalize(x) for x in hazm_split))}")
    print()
    return not ours and not after_hazm


def main() -> int:
    normalizer = Normalizer()
    ok = evaluate_sentences("sentences_dev.txt", normalizer)
    ok = evaluate_sentences("sentences_test.txt", normalizer) and ok
    ok = evaluate_sentences("sentences_test2.txt", normalizer) and ok
    ok = evaluate_whole_words(normalizer) and ok
    print("hazm's own half-spaced words, stripped and restored (sanity check, not held out):")
    evaluate_lexicon()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
