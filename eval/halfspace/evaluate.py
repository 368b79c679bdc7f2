"""Measure feedapp.core.halfspace.restore_halfspaces on news-style sentences.

Run from the repository root:  .venv/bin/python -m eval.halfspace.evaluate

Data (UTF-8, next to this file):
  sentences_dev.txt    news sentences written with correct half-spaces, used while tuning;
  sentences_test*.txt  more such sentences, each held out until its first run (docs/halfspace.md
                       records every set's first-run figures and what was tuned on it since);
  must_stay_whole.txt  joined words the restorer must never split.

For each sentence the half-spaces that change a word's shape (those after a letter that joins
the next one) are removed; the text goes through the ingest pipeline's normalize_text (hazm on
the text with numbers, dates and Latin masked, then restore_halfspaces), and the half-spaces of
the result are compared with the original ones, position by position on the text without
whitespace and ZWNJ. Figures:
  recall = dropped half-spaces put back / dropped half-spaces;
  wrong  = half-spaces not in the original / all half-spaces in the result, split into
    joins:  where the writer had a space (hazm writes گرفته شده as گرفته‌شده): two words joined;
    splits: inside a word the writer wrote joined, the "wrong splits" the target counts, and
            of those the ones that are not hazm's lexicon's own spelling of the word
            (its نگه‌داری where the writer joined نگهداری is a style choice, not a misreading).
Three lines per file: hazm alone; the whole pipeline; and the restorer's own share (the
half-spaces hazm left dropped, and those only the restorer inserted). The command exits 1 when
correct text is changed other than to the lexicon's spelling, output is not idempotent, or a
must-stay-whole word is split.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hazm import Normalizer
from hazm.utils import words_list

from feedapp.core.halfspace import NON_JOINING, ZWNJ, restore_halfspaces
from feedapp.core.normalize import normalize_text

HERE = Path(__file__).resolve().parent


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
    skeleton, offsets, _ = separators(text)
    return skeleton, offsets


def separators(text: str) -> tuple[str, set[int], set[int]]:
    """Skeleton, offsets of shape-changing ZWNJs, and offsets where whitespace separated words."""
    skeleton: list[str] = []
    offsets, spaces = set(), set()
    for index, char in enumerate(text):
        if char == ZWNJ:
            previous = text[index - 1] if index else ""
            if previous.isalpha() and previous not in NON_JOINING:
                offsets.add(len(skeleton))
        elif char.isspace():
            spaces.add(len(skeleton))
        else:
            skeleton.append(char)
    return "".join(skeleton), offsets, spaces


def _letter_index(word: str, offset: int) -> int:
    """Index in ``word`` of the ZWNJ standing before its ``offset``-th non-ZWNJ character."""
    seen = 0
    for index, char in enumerate(word):
        if char == ZWNJ and seen == offset:
            return index
        seen += char != ZWNJ
    return len(word)


@functools.lru_cache(maxsize=1)
def lexicon_spellings() -> frozenset[str]:
    """Every word hazm's lexicon writes with a half-space."""
    return frozenset(w for w, _, _ in words_list() if ZWNJ in w)


def lexicon_style(text: str, offset: int) -> bool:
    """Whether the ZWNJ at skeleton ``offset`` of ``text`` belongs to a spelling hazm's lexicon has
    (a style choice such as نگه‌داری, where the writer joined: not an analysis error)."""
    count = 0
    for word in text.split():
        length = len(word.replace(ZWNJ, ""))
        if count <= offset <= count + length:
            # Any lexicon spelling inside the word that holds this ZWNJ (کتاب‌فروش in کتاب‌فروشان);
            # punctuation stays in the word: spellings are looked up as substrings.
            cut = _letter_index(word, offset - count)
            return any(
                word[start:end] in lexicon_spellings() for start in range(cut) for end in range(cut + 2, len(word) + 1)
            )
        count += length
    return False


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
    joins: int = 0  # wrong ZWNJs where the writer had a space: two words joined, not one split
    style: int = 0  # wrong splits that follow hazm's lexicon (نگه‌داری where the writer joined)
    missed_words: list[str] = field(default_factory=list)
    wrong_words: list[str] = field(default_factory=list)

    def add(self, gold_text: str, out_text: str, gold: set[int], out: set[int], spaces: set[int]) -> None:
        self.dropped += len(gold)
        self.restored += len(gold & out)
        self.inserted += len(out)
        wrong = out - gold
        style = {o for o in wrong - spaces if lexicon_style(out_text, o)}
        self.wrong += len(wrong)
        self.joins += len(wrong & spaces)
        self.style += len(style)
        self.missed_words += [f"{word_at(gold_text, o)} -> {word_at(out_text, o)}" for o in sorted(gold - out)]
        self.wrong_words += [
            f"{word_at(gold_text, o)} -> {word_at(out_text, o)}"
            + (" (joined)" if o in spaces else " (lexicon)" if o in style else "")
            for o in sorted(wrong)
        ]

    def line(self, name: str) -> str:
        recall = self.restored / self.dropped if self.dropped else 0.0
        inserted = max(self.inserted, 1)
        splits = self.wrong - self.joins
        return (
            f"  {name:<26} recall {recall:6.1%} ({self.restored}/{self.dropped})"
            f"   wrong {self.wrong / inserted:5.1%} ({self.wrong}/{self.inserted}):"
            f" joins {self.joins}, splits {splits / inserted:4.1%} ({splits}),"
            f" of which not the lexicon's spelling {(splits - self.style) / inserted:4.1%} ({splits - self.style})"
        )


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file."""
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def evaluate_sentences(name: str) -> bool:
    """Print the figures for one sentence file; False when a check failed."""
    sentences = read_lines(name)
    hazm_score, full_score, own_score = Score(), Score(), Score()
    misaligned, not_idempotent, changed_correct, changed_style = [], [], [], []
    for gold_text in sentences:
        # As ingest does it: hazm with numbers, dates and Latin masked, then the restorer.
        normalized = normalize_text(strip_halfspaces(gold_text), halfspaces=False)
        restored = normalize_text(strip_halfspaces(gold_text))
        gold_skeleton, gold, spaces = separators(gold_text)
        hazm_skeleton, hazm = halfspace_offsets(normalized)
        out_skeleton, out = halfspace_offsets(restored)
        if not (gold_skeleton == hazm_skeleton == out_skeleton):
            misaligned.append(gold_text)
            continue
        hazm_score.add(gold_text, normalized, gold, hazm, spaces)
        full_score.add(gold_text, restored, gold, out, spaces)
        # The restorer alone: what hazm left to do, and the half-spaces only it inserted.
        own_score.add(gold_text, restored, gold - hazm, out - hazm, spaces)
        if restore_halfspaces(restored) != restored:
            not_idempotent.append(restored)
        again = restore_halfspaces(gold_text)
        if again != gold_text:
            _, added = halfspace_offsets(again)
            style = all(lexicon_style(again, offset) for offset in added - gold)
            (changed_style if style else changed_correct).append(f"{gold_text}\n    -> {again}")

    print(f"{name}: {len(sentences)} sentences")
    print(hazm_score.line("hazm Normalizer alone"))
    print(full_score.line("hazm + restore_halfspaces"))
    print(own_score.line("restore_halfspaces's own"))
    print(f"  missed ({len(full_score.missed_words)}): " + ", ".join(full_score.missed_words))
    print(f"  wrongly split by restore_halfspaces ({len(own_score.wrong_words)}): " + ", ".join(own_score.wrong_words))
    hazm_wrong = sorted(set(full_score.wrong_words) - set(own_score.wrong_words))
    print(f"  wrongly split by hazm, kept (only ZWNJs are ever inserted) ({len(hazm_wrong)}): " + ", ".join(hazm_wrong))
    print(f"  correct text given hazm's lexicon spelling of a word the writer joined: {len(changed_style)}")
    print(f"  correct text changed by restore_halfspaces otherwise: {len(changed_correct)}")
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
        print(
            f"  lexicon words, {label:<20} {exact / len(gold_pairs):6.1%} exactly restored ({exact}/{len(gold_pairs)})"
        )


def evaluate_whole_words(normalizer: Normalizer) -> bool:
    """Every must-stay-whole word comes out unchanged; hazm's own splits are listed apart."""
    words = read_lines("must_stay_whole.txt")
    ours = [w for w in words if restore_halfspaces(w) != w]
    hazm_split = [w for w in words if normalizer.normalize(w) != w]
    after_hazm = [w for w in words if restore_halfspaces(normalizer.normalize(w)) != normalizer.normalize(w)]
    print(f"must_stay_whole.txt: {len(words)} words")
    print(f"  split by restore_halfspaces: {len(ours)} {' '.join(ours)}")
    print(f"  split by restore_halfspaces after hazm: {len(after_hazm)} {' '.join(after_hazm)}")
    print(
        f"  already split by hazm itself (not ours to undo): {' '.join(w.replace(ZWNJ, '|') for w in (normalizer.normalize(x) for x in hazm_split))}"
    )
    print()
    return not ours and not after_hazm


def main() -> int:
    ok = True
    for path in [HERE / "sentences_dev.txt", *sorted(HERE.glob("sentences_test*.txt"))]:
        ok = evaluate_sentences(path.name) and ok
    normalizer = Normalizer()
    ok = evaluate_whole_words(normalizer) and ok
    print("hazm's own half-spaced words, stripped and restored (sanity check, not held out):")
    evaluate_lexicon()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
