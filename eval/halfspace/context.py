"""Build feedapp/core/halfspace_context.txt: which words follow a plural, which an indefinite in ه.

A joined ``نامهای`` is ``نام‌های`` ("names of") or ``نامه‌ای`` ("a letter"), ``حرفهای`` ``حرف‌های``
("words of") or ``حرفه‌ای`` ("professional"). The word that follows tells them apart: a plural
written ``‌های`` carries the ezafe, so an adjective, a noun or a pronoun it governs comes next
(``نام‌های متفاوت``, ``حرف‌های زیادی``, ``نقش‌های اصلی``); after ``Xه‌ای`` come verbs,
prepositions and conjunctions (``نامه‌ای به``, ``حرفه‌ای عمل``). The restorer's grammar rules name
the closed classes (``که``, ``را``, verbs with ``می``); this file holds the open ones, counted.

Counted on every word written ``X‌های`` (a ZWNJ, then the plural with its ezafe) and every word
written ``Xه‌ای``, pooled over all words of each shape, so that the counts say something of a
homograph no article happens to write: for each word that directly follows one of them (only a
space between), how often it follows each shape. Kept: words seen at least MIN_COUNT times after
either shape whose log-likelihood ratio, with ADD of a count added to each side, is at least
MIN_RATIO (natural log) either way. The restorer adds that ratio to the two readings' prior odds
(halfspace_usage.txt) and takes the reading the sum favours (feedapp/core/halfspace.py,
``_in_context``).

Source: the articles eval/halfspace/news.py counts (language-ml/course-nlp-ir-1-text-exploring,
Apache License 2.0: 1,500 Fars News and 2,500 Varzesh3 articles, none of an evaluated set),
folded as hazm's normalizer leaves letters (news.normalized).

Rebuild from a local copy of the repository (`fetch` it; nothing is read from the network):

    .venv/bin/python -m eval.halfspace.context --git-dir PATH/TO/course-nlp-ir-1-text-exploring.git [--check]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from eval.halfspace import news
from eval.halfspace.real.build import evaluated_texts
from eval.halfspace.usage import WORD, ZWNJ, write_or_check

TARGET = Path(__file__).resolve().parents[2] / "feedapp" / "core" / "halfspace_context.txt"
MIN_COUNT = 5
MIN_RATIO = 2.0
ADD = 0.5
PLURAL = f"{ZWNJ}های"
INDEFINITE = f"ه{ZWNJ}ای"

HEADER = f"""\
# Words that follow a plural X‌های or an indefinite Xه‌ای: WORD<TAB>AFTER_PLURAL<TAB>AFTER_INDEFINITE<TAB>
# LOG_RATIO, the times WORD (written without half-spaces) directly follows a word of each shape
# and the natural log of how much likelier it is after a plural (negative: after an indefinite).
# The restorer reads the word after a joined homograph (نامهای: نام‌های or نامه‌ای) here and adds
# LOG_RATIO to the two readings' odds (feedapp/core/halfspace.py, _in_context).
#
# Counted, pooled over all words of each shape, on 1,500 Fars News articles of 2003-2021 and
# 2,500 Varzesh3 articles: {news.REPOSITORY} at {news.COMMIT[:12]},
# exploring-datasets/news/fars-news-1..5.json and sports/varzesh3-1..5.json,
# under the Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0; its LICENSE).
# The articles are the work of Fars News Agency and Varzesh3. Built by eval/halfspace/context.py
# (its docstring says which words are kept and how the ratio is computed); do not edit by hand.
"""


@dataclass
class Followers:
    """What follows each shape: word -> count, and how many words of the shape were seen."""

    after_plural: Counter[str] = field(default_factory=Counter)
    after_indefinite: Counter[str] = field(default_factory=Counter)
    plurals: int = 0
    indefinites: int = 0

    def add(self, text: str) -> None:
        """Count one (normalized) text's plurals and indefinites and the words right after them."""
        tokens = list(WORD.finditer(text))
        for index, token in enumerate(tokens):
            word = token.group()
            if word.endswith(PLURAL):
                self.plurals += 1
                counter = self.after_plural
            elif word.endswith(INDEFINITE):
                self.indefinites += 1
                counter = self.after_indefinite
            else:
                continue
            if index + 1 < len(tokens) and not text[token.end() : tokens[index + 1].start()].strip():
                counter[tokens[index + 1].group().replace(ZWNJ, "")] += 1

    def ratio(self, word: str) -> float:
        """Natural log of how much likelier ``word`` is after a plural than after an indefinite."""
        after_plural = (self.after_plural[word] + ADD) / self.plurals
        after_indefinite = (self.after_indefinite[word] + ADD) / self.indefinites
        return math.log(after_plural / after_indefinite)

    def kept(self) -> list[str]:
        """The words seen often enough that say clearly which shape they follow."""
        return sorted(
            word
            for word in self.after_plural.keys() | self.after_indefinite.keys()
            if self.after_plural[word] + self.after_indefinite[word] >= MIN_COUNT and abs(self.ratio(word)) >= MIN_RATIO
        )


def count(texts: Iterable[str]) -> Followers:
    """The followers of both shapes in ``texts`` (normalized)."""
    followers = Followers()
    for text in texts:
        followers.add(text)
    return followers


def render(followers: Followers) -> str:
    """The file's text: the header, then one line per kept word in code-point order."""
    lines = (
        f"{word}\t{followers.after_plural[word]}\t{followers.after_indefinite[word]}\t{followers.ratio(word):.2f}\n"
        for word in followers.kept()
    )
    return (
        HEADER
        + f"# Words counted: {followers.plurals} plurals, {followers.indefinites} indefinites.\n"
        + "".join(lines)
    )


def build(git_dir: Path) -> tuple[str, int]:
    """The file's text and how many words it lists."""
    texts = [news.normalized(text) for text in news.article_texts(git_dir)]
    followers = count(news.unseen(texts, evaluated_texts()))
    return render(followers), len(followers.kept())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", type=Path, required=True, help=f"a local git directory of {news.REPOSITORY}")
    parser.add_argument("--check", action="store_true", help="compare with the committed file, exit 1 if it differs")
    args = parser.parse_args(argv)
    text, words = build(args.git_dir)
    return write_or_check(TARGET, text, args.check, f"{words} words")


if __name__ == "__main__":
    sys.exit(main())
