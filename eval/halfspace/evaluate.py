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

`--real` adds the real-news sets of real/ (published articles, SOURCES.md): news_dev.txt,
news_dev2.txt and news_dev3.txt, to tune on, and news_heldout.txt, never tuned on;
`--real-only` reports those alone. Their figures are the same, measured on whole articles: hazm re-spells some letters of
real text (ي, ك, diacritics), so the texts are aligned letter by letter and only the ZWNJ
positions whose two neighbours are aligned are compared. Misses and misreadings (splits that are not the lexicon's spelling) are broken down
by kind (homograph, compound, name, suffix; see `kind_of`), with the most frequent of each. The
real sets never change the exit status. `--dev-only` reports the dev sets alone (tune with them:
the held-out figures stay unseen until a change is done); `--top N` lists N errors of each sort.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from hazm import Normalizer
from hazm.utils import words_list

from feedapp.core.halfspace import COMPARATIVE_SUFFIXES, NON_JOINING, PLURAL_SUFFIXES, ZWNJ, restore_halfspaces
from feedapp.core.normalize import normalize_text

from .real.build import DEV_FILES, EVALUATED_FILES, Article, persian_words, read_articles

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


# -- real published news ----------------------------------------------------------------------

KINDS = ("homograph", "compound", "name", "suffix")
NAMES_FILE = HERE / "real" / "names.txt"
# Arabic-script letters: a ZWNJ between two of them, after one that joins, is a half-space the
# evaluation measures. Others (before a space, after a digit or a Latin letter) are typing noise.
_ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]")
# Suffixes that make a second reading of a joined word (kind "homograph"), by what they follow.
READING_AFTER_ANY = ("ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان", "هاست")
READING_AFTER_HEH = ("ای", "ام", "اش", "ایم", "اید", "اند", "است")
READING_AFTER_ADJECTIVE = ("تر", "ترین", "تری")
# Lexicon compounds shorter than this (in letters) are too short to recognise inside a word.
MIN_COMPOUND = 4
TOP = 30


def _is_letter(char: str) -> bool:
    return bool(_ARABIC_LETTER.fullmatch(char))


_ZWNJ_RUN = re.compile(f"{ZWNJ}+")


def measured_runs(text: str) -> list[re.Match[str]]:
    """The runs of ZWNJ (a doubled one is one half-space) between two Arabic-script letters, the
    first a joining one: the half-spaces the evaluation measures. A ZWNJ before a space or after a
    digit or a Latin letter is typing noise that changes no shape."""
    return [
        run
        for run in _ZWNJ_RUN.finditer(text)
        if run.start() > 0
        and run.end() < len(text)
        and _is_letter(text[run.start() - 1])
        and text[run.start() - 1] not in NON_JOINING
        and _is_letter(text[run.end()])
    ]


def real_separators(text: str) -> tuple[str, list[int], set[int], set[int]]:
    """Skeleton (no whitespace, no ZWNJ), the text index of each skeleton character, and the
    skeleton offsets of the measured half-spaces and of whitespace."""
    measured = {run.start() for run in measured_runs(text)}
    skeleton: list[str] = []
    index: list[int] = []
    offsets, spaces = set(), set()
    for position, char in enumerate(text):
        if char == ZWNJ:
            if position in measured:
                offsets.add(len(skeleton))
        elif char.isspace():
            spaces.add(len(skeleton))
        else:
            skeleton.append(char)
            index.append(position)
    return "".join(skeleton), index, offsets, spaces


def strip_measured(text: str) -> str:
    """The article as an old system would have sent it: every measured half-space dropped."""
    pieces, start = [], 0
    for run in measured_runs(text):
        pieces.append(text[start : run.start()])
        start = run.end()
    return "".join(pieces) + text[start:]


def align(source: str, target: str) -> dict[int, int]:
    """Skeleton offsets of ``source`` mapped to those of ``target``, for the letters both share."""
    if source == target:
        return dict(zip(range(len(source)), range(len(target))))
    mapping = {}
    for block in SequenceMatcher(None, source, target, autojunk=False).get_matching_blocks():
        mapping.update(zip(range(block.a, block.a + block.size), range(block.b, block.b + block.size)))
    return mapping


def map_boundary(mapping: dict[int, int], offset: int) -> int | None:
    """Where the boundary before skeleton char ``offset`` lands, if both its neighbours are aligned
    next to each other (a ZWNJ between letters hazm re-spelled is not compared)."""
    after, before = mapping.get(offset), mapping.get(offset - 1)
    return after if after is not None and before is not None and after == before + 1 else None


def token_at(text: str, position: int) -> str:
    """The run of letters and ZWNJs around text index ``position`` (a word without punctuation)."""
    start, end = position, position
    while start > 0 and (text[start - 1] == ZWNJ or _is_letter(text[start - 1])):
        start -= 1
    while end < len(text) and (text[end] == ZWNJ or _is_letter(text[end])):
        end += 1
    return text[start:end]


def academy_inflection(text: str, position: int) -> bool:
    """Whether the ZWNJ before text index ``position`` sets apart an inflection of a word hazm's
    lexicon knows: a plural ``ها…`` or a comparative ``تر…`` after it, or the verb prefix ``می``/``نمی``
    before a verb form (``سازمان‌ها``, ``مهم‌تر``, ``می‌کند``). The Academy's orthography writes these
    apart; a writer who joins them (``سازمانها``, ``مهمتر``) made a choice of style, not of reading."""
    start, end = position - 1, position  # text[position - 1] is the ZWNJ
    while start > 0 and (text[start - 1] == ZWNJ or _is_letter(text[start - 1])):
        start -= 1
    while end < len(text) and _is_letter(text[end]):
        end += 1
    stem, after = text[start : position - 1], text[position:end]
    if stem in ("می", "نمی"):
        return True
    return after in PLURAL_SUFFIXES + COMPARATIVE_SUFFIXES and stem.replace(ZWNJ, "") in lexicon_entries()


def spelling(word: str) -> str:
    """A word as compared across texts: doubled ZWNJs as one, Arabic ي/ك as hazm writes them."""
    return _ZWNJ_RUN.sub(ZWNJ, word).replace("ي", "ی").replace("ك", "ک")


def published_spellings(articles: list[Article], *, joined: bool = False) -> frozenset[str]:
    """Every half-spaced word of a set as its writers published it (with ``joined``, every word
    written without a half-space instead)."""
    words = (spelling(w) for a in articles for w in persian_words(a.text))
    return frozenset(w for w in words if (ZWNJ in w.strip(ZWNJ)) != joined)


@functools.lru_cache(maxsize=1)
def lexicon_entries() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """hazm's lexicon by joined form: the spellings (with their half-spaces) and the POS tags."""
    spellings: dict[str, set[str]] = {}
    tags: dict[str, set[str]] = {}
    for word, _, word_tags in words_list():
        joined = word.replace(ZWNJ, "")
        spellings.setdefault(joined, set()).add(word)
        tags.setdefault(joined, set()).update(word_tags)
    return {joined: (frozenset(spellings[joined]), frozenset(tags[joined])) for joined in spellings}


def _visible_zwnj(spelling: str) -> bool:
    return any(char == ZWNJ and index and spelling[index - 1] not in NON_JOINING for index, char in enumerate(spelling))


@functools.lru_cache(maxsize=1)
def lexicon_compounds() -> frozenset[str]:
    """Joined forms of the lexicon's half-spaced entries, except می/نمی verb forms."""
    return frozenset(
        joined
        for joined, (spellings, _) in lexicon_entries().items()
        if len(joined) >= MIN_COMPOUND
        and any(_visible_zwnj(s) and not s.startswith(("می" + ZWNJ, "نمی" + ZWNJ)) for s in spellings)
    )


@functools.lru_cache(maxsize=1)
def names() -> tuple[frozenset[str], tuple[str, ...]]:
    """real/names.txt: the names, and the surname endings (its `*` lines), half-spaces removed."""
    lines = [line.strip().replace(ZWNJ, "") for line in NAMES_FILE.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    return frozenset(x for x in lines if not x.startswith("*")), tuple(x[1:] for x in lines if x.startswith("*"))


def is_name(joined: str) -> bool:
    """A listed name, one followed by ی (تهرانی), or three letters or more and a surname ending."""
    whole, endings = names()
    return (
        joined in whole
        or (joined.endswith("ی") and joined[:-1] in whole)
        or any(joined.endswith(end) and len(joined) - len(end) >= 3 for end in endings)
    )


def readings(joined: str) -> frozenset[str]:
    """Attested half-spaced spellings of a joined word: the lexicon's own, and a lexicon word plus a
    suffix where the orthography writes it apart (plural ها… after any word; ای/ام/اش/ایم/اید/اند/است
    after a final ه; تر/ترین/تری after an adjective), when the half-space is visible."""
    entries = lexicon_entries()
    found = {s for s in entries.get(joined, (frozenset(), frozenset()))[0] if _visible_zwnj(s)}
    for suffixes, needs in (
        (READING_AFTER_ANY, None),
        (READING_AFTER_HEH, "heh"),
        (READING_AFTER_ADJECTIVE, "AJ"),
    ):
        for suffix in suffixes:
            stem = joined[: -len(suffix)]
            if not joined.endswith(suffix) or len(stem) < 2 or stem[-1] in NON_JOINING or stem not in entries:
                continue
            stem_spellings, stem_tags = entries[stem]
            if (needs == "heh" and not stem.endswith("ه")) or (needs == "AJ" and "AJ" not in stem_tags):
                continue
            found.update(spelling + ZWNJ + suffix for spelling in stem_spellings)
    return frozenset(found)


@functools.cache
def kind_of(word: str) -> str:
    """The kind of a word with a missed or misread half-space, first that fits:
    name      its joined form is a name of real/names.txt (`is_name`): خرمشهر, غلامرضا, نعمتزاده;
    homograph its joined form has two or more attested readings (`readings`): حرفهای;
    compound  its joined form starts with a compound the lexicon writes with a half-space, and goes
              on (آبمیوههای: آب‌میوه + های; فیلمنامهنویس);
    suffix    everything else: ها/های, ای, تر/ترین, می/نمی, and words the lexicon lists whole.
    Arabic ي/ك are read as hazm writes them (نامهاي is the homograph نامهای)."""
    joined = spelling(word).replace(ZWNJ, "")
    if is_name(joined):
        return "name"
    if len(readings(joined)) > 1:
        return "homograph"
    compounds = lexicon_compounds()
    if any(joined[:end] in compounds for end in range(MIN_COMPOUND, len(joined))):
        return "compound"
    return "suffix"


def writers_slip(gold_word: str, out_word: str, kind: str, published: frozenset[str]) -> bool:
    """True when the writer joined the whole word and the set's writers publish the restorer's
    spelling of it elsewhere (بانکها here, بانک‌ها in other articles). For a homograph, only when
    they publish none of its other readings: استانهای joined here, استان‌های elsewhere and استانه‌ای
    nowhere says the writer meant the plural; where the set writes both نام‌های and نامه‌ای, a
    joined نامهای could be either, and the restorer's choice stays a misreading."""
    if ZWNJ in gold_word or spelling(out_word) not in published:
        return False
    if kind != "homograph":
        return True
    others = {spelling(reading) for reading in readings(spelling(gold_word))} - {spelling(out_word)}
    return not others & published


@dataclass
class RealScore:
    """Counts for one real-news set; `full`, `hazm` and `own` follow the written sets' three lines.

    A misreading (a split that is not the lexicon's spelling) is also called a writer's slip when
    the writer joined the whole word and the restorer's spelling is one the set's writers publish
    elsewhere, of a homograph only when they publish none of its other readings
    (:func:`writers_slip`): the restorer then wrote what the same newsrooms write, and the
    published text is what erred.
    A misreading that is no slip, no homograph and no name is counted apart again when the writer
    joined the whole word and the restorer wrote the Academy's spelling of one of its inflections
    (:func:`academy_inflection`): reported beside the others, never taken out of the headline.
    """

    published: frozenset[str] = frozenset()  # published_spellings of the set
    published_joined: frozenset[str] = frozenset()  # and its words written without a half-space
    full: Score = field(default_factory=Score)
    hazm: Score = field(default_factory=Score)
    own: Score = field(default_factory=Score)
    articles: Counter[str] = field(default_factory=Counter)
    words: int = 0
    unaligned: int = 0  # ZWNJs (original or output) between letters hazm re-spelled: not compared
    skipped: list[str] = field(default_factory=list)
    not_idempotent: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # by kind
    restored: Counter[str] = field(default_factory=Counter)
    misread: Counter[str] = field(default_factory=Counter)
    slips: Counter[str] = field(default_factory=Counter)
    academy: Counter[str] = field(default_factory=Counter)  # misreadings that are the Academy's inflection
    choices: Counter[str] = field(default_factory=Counter)  # misses the set itself writes joined too
    by_source: dict[str, Counter[str]] = field(default_factory=dict)
    misses: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    misreadings: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)

    def add(self, article: Article) -> None:
        """Drop the article's half-spaces, run the ingest pipeline on it, and count the differences."""
        gold_text = article.text
        stripped = strip_measured(gold_text)
        try:
            hazm_text = normalize_text(stripped, halfspaces=False)
            out_text = normalize_text(stripped)
        except AssertionError as error:  # normalize_text's own guard: hazm lost a protected span
            self.skipped.append(f"{article.source} {article.ident}: {error}")
            return
        self.articles[article.source] += 1
        self.words += len(persian_words(gold_text))
        if restore_halfspaces(out_text) != out_text:
            self.not_idempotent += 1
        gold_skeleton, gold_index, gold, spaces = real_separators(gold_text)
        out_skeleton, out_index, out, _ = real_separators(out_text)
        hazm_skeleton, _, hazm, _ = real_separators(hazm_text)
        forward = align(gold_skeleton, out_skeleton)
        backward = {o: g for g, o in forward.items()}
        # Both sides in the output's coordinates; positions that do not align are left out.
        gold_out = {g: map_boundary(forward, g) for g in gold}
        out_gold = {o: map_boundary(backward, o) for o in out}
        self.unaligned += sum(v is None for v in gold_out.values()) + sum(v is None for v in out_gold.values())
        gold_at = {o: g for g, o in gold_out.items() if o is not None}
        compared_out = {o for o, g in out_gold.items() if g is not None}
        space_at = {o for o, g in out_gold.items() if g in spaces}
        # hazm and the restorer differ only in the ZWNJs the restorer adds, never in letters.
        hazm_out = hazm & compared_out if hazm_skeleton == out_skeleton else set()
        source = self.by_source.setdefault(article.source, Counter())
        expected = set(gold_at)

        def word(text: str, index: list[int], offset: int) -> str:
            return token_at(text, index[offset])

        for o in sorted(expected):
            gold_word = word(gold_text, gold_index, gold_at[o])
            kind = kind_of(gold_word)
            self.dropped[kind] += 1
            source["dropped"] += 1
            if o in out:
                self.restored[kind] += 1
                source["restored"] += 1
            else:
                seen, out_word = gold_word.replace(ZWNJ, ""), word(out_text, out_index, o)
                # آنها where the article has آن‌ها: a miss, but one the same newsroom writes too.
                choice = ZWNJ not in out_word and kind != "homograph" and spelling(out_word) in self.published_joined
                self.choices[kind] += choice
                label = f"{kind}, the set's own spelling" if choice else kind
                self.misses[(seen, out_word, gold_word, label)] += 1
        wrong = compared_out - expected
        splits = wrong - space_at
        split_kinds = {o: kind_of(word(gold_text, gold_index, out_gold[o])) for o in splits}
        # A name is spelled as its bearer spells it: the lexicon's غلام‌حسین does not excuse a split
        # of a غلامحسین the writer joined, so names are never set aside as the lexicon's spelling.
        style = {o for o in splits if split_kinds[o] != "name" and lexicon_style(out_text, o)}
        for o in sorted(splits - style):
            gold_word, out_word = word(gold_text, gold_index, out_gold[o]), word(out_text, out_index, o)
            kind = split_kinds[o]
            slip = writers_slip(gold_word, out_word, kind, self.published)
            academy = (
                not slip
                and ZWNJ not in gold_word  # joined whole: حرفه‌ای‌شان read as حرف‌هایشان is a misreading
                and kind in ("compound", "suffix")
                and academy_inflection(out_text, out_index[o])
            )
            self.misread[kind] += 1
            self.slips[kind] += slip
            self.academy[kind] += academy
            source["misread"] += 1
            source["slips"] += slip
            label = f"{kind}, writer's slip" if slip else f"{kind}, the Academy's inflection" if academy else kind
            self.misreadings[(gold_word.replace(ZWNJ, ""), out_word, gold_word, label)] += 1
        source["inserted"] += len(compared_out)
        for score, found, wanted in (
            (self.full, compared_out, expected),
            (self.hazm, hazm_out, expected if hazm_skeleton == out_skeleton else set()),
            (self.own, compared_out - hazm_out, expected - hazm_out),
        ):
            score.dropped += len(wanted)
            score.restored += len(wanted & found)
            score.inserted += len(found)
            bad = found - wanted
            score.wrong += len(bad)
            score.joins += len(bad & space_at)
            score.style += len((bad - space_at) & style)

    def report(self, name: str, top: int = TOP) -> None:
        """The written sets' three lines, then kinds, sources and the most frequent errors."""
        sources = ", ".join(f"{source} {count}" for source, count in sorted(self.articles.items()))
        print(f"{name}: {sum(self.articles.values())} articles ({sources}), {self.words:,} words")
        print(self.hazm.line("hazm Normalizer alone"))
        print(self.full.line("hazm + restore_halfspaces"))
        print(self.own.line("restore_halfspaces's own"))
        inserted = max(self.full.inserted, 1)
        print(
            f"  {'kind':<10} {'dropped':>7} {'restored':>8} {'recall':>6} {'missed':>6}   of which the set's"
            f" own spelling   misreadings (of insertions)   of which writers' slips   other misreadings"
            f"   of which the Academy's inflection   the rest"
        )
        for kind in (*KINDS, "all"):
            dropped = self.full.dropped if kind == "all" else self.dropped[kind]
            restored = self.full.restored if kind == "all" else self.restored[kind]
            misread = sum(self.misread.values()) if kind == "all" else self.misread[kind]
            slips = sum(self.slips.values()) if kind == "all" else self.slips[kind]
            choices = sum(self.choices.values()) if kind == "all" else self.choices[kind]
            academy = sum(self.academy.values()) if kind == "all" else self.academy[kind]
            rest = misread - slips - academy
            recall = restored / dropped if dropped else 0.0
            print(
                f"  {kind:<10} {dropped:7} {restored:8} {recall:6.1%} {dropped - restored:6}   {choices:4}"
                f" ({(restored + choices) / max(dropped, 1):6.1%} with them)"
                f"   {misread:4} ({misread / inserted:5.2%})              {slips:4}"
                f"             {misread - slips:4} ({(misread - slips) / inserted:5.2%})"
                f"      {academy:4} ({academy / inserted:5.2%})               {rest:4} ({rest / inserted:5.2%})"
            )
        for source, counts in sorted(self.by_source.items()):
            recall = counts["restored"] / counts["dropped"] if counts["dropped"] else 0.0
            share = counts["misread"] / counts["inserted"] if counts["inserted"] else 0.0
            other = (counts["misread"] - counts["slips"]) / counts["inserted"] if counts["inserted"] else 0.0
            print(
                f"  source {source:<22} recall {recall:6.1%} ({counts['restored']}/{counts['dropped']})"
                f"   misreadings {share:5.2%} ({counts['misread']}/{counts['inserted']}),"
                f" other than writers' slips {other:5.2%}"
            )
        print(
            f"  ZWNJs not compared (hazm re-spelled a neighbouring letter): {self.unaligned};"
            f" output not idempotent: {self.not_idempotent}; articles skipped: {len(self.skipped)}"
        )
        for item in self.skipped:
            print(f"    {item}")
        for title, counter in (("misses", self.misses), ("misreadings", self.misreadings)):
            print(f"  {top} most frequent {title} (restorer's input -> output -> published, kind):")
            for (seen, got, wanted, kind), count in counter.most_common(top):
                got, wanted = got.replace(ZWNJ, "|"), wanted.replace(ZWNJ, "|")
                print(f"    {count:3}  {seen} -> {got} -> {wanted}  ({kind})")
        print()


def evaluate_real(path: Path, top: int = TOP) -> None:
    """Print the figures for one real-news set (report only: never a failed check)."""
    evaluate_articles(path.name, read_articles(path), top)


def evaluate_articles(name: str, articles: list[Article], top: int = TOP) -> None:
    """Print the figures for published articles, as for a real-news set."""
    score = RealScore(
        published=published_spellings(articles), published_joined=published_spellings(articles, joined=True)
    )
    for article in articles:
        score.add(article)
    score.report(name, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure half-space restoration (docs/halfspace.md).")
    parser.add_argument("--real", action="store_true", help="also report the real-news sets (real/)")
    parser.add_argument("--real-only", action="store_true", help="report the real-news sets alone")
    parser.add_argument(
        "--dev-only",
        action="store_true",
        help="with --real or --real-only: the three dev sets alone, so tuning never shows the held-out figures",
    )
    parser.add_argument("--top", type=int, default=TOP, help=f"misses and misreadings listed per set ({TOP})")
    args = parser.parse_args(argv)
    ok = True
    if not args.real_only:
        for path in [HERE / "sentences_dev.txt", *sorted(HERE.glob("sentences_test*.txt"))]:
            ok = evaluate_sentences(path.name) and ok
        normalizer = Normalizer()
        ok = evaluate_whole_words(normalizer) and ok
        print("hazm's own half-spaced words, stripped and restored (sanity check, not held out):")
        evaluate_lexicon()
    if args.real or args.real_only:
        if not args.real_only:
            print()
        print("Real published news (real/SOURCES.md; report only, the exit status ignores it):")
        for path in DEV_FILES if args.dev_only else EVALUATED_FILES:
            evaluate_real(path, args.top)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
