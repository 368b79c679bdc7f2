"""Build feedapp/core/halfspace_news.txt: joined forms that published news writes with a half-space.

wordfreq's list (halfspace_usage.txt) stops at about one word in a million and counts the web,
subtitles and tweets; news has words of its own that it spells with a half-space and that no rule
of the restorer derives: `اداره‌کل`, `آذربایجان‌شرقی`, `تخم‌مرغ`, `پاری‌سن‌ژرمن`. This file lists,
for each such joined form, the spelling news gives it, counted on published articles.

Source: language-ml/course-nlp-ir-1-text-exploring at COMMIT (Apache License 2.0): 1,500 Fars
News articles of 2003-2021 (`exploring-datasets/news/fars-news-{1..5}.json`) and 2,500 articles
of the sports site Varzesh3 (`exploring-datasets/sports/varzesh3-{1..5}.json`, about 2015-2018),
title, abstract and paragraphs. Fars News is the newsroom of the dev set
(eval/halfspace/real/news_dev.txt); neither is one of the second dev set's or the held-out set's.
Any article that repeats an article of the evaluated sets (build.duplicates) is left out, so no
evaluated article is counted.

Counting: Arabic ي/ك become Persian ی/ک, diacritics and tatweel go (as hazm's normalizer does
before the restorer sees a word), a doubled ZWNJ counts once; words are runs of Persian letters
joined by ZWNJs (usage.WORD). A spelling is kept when it holds a visible half-space, appears at
least MIN_COUNT times, and is at least RATIO times as frequent as every other spelling of the same
letters, the joined one included (`اداره‌کل` 41 times, `ادارهکل` never).

Rebuild from a local copy of the repository (`fetch` it; nothing is read from the network):

    .venv/bin/python -m eval.halfspace.news --git-dir PATH/TO/course-nlp-ir-1-text-exploring.git [--check]

``--check`` compares the result with the committed file and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from eval.halfspace.real.build import duplicates, evaluated_texts, git_show, skeleton
from eval.halfspace.usage import WORD, ZWNJ, visible_halfspace, write_or_check

REPOSITORY = "language-ml/course-nlp-ir-1-text-exploring"
COMMIT = "48c7d56a33a6f75709e90b001529bf7705420674"
PATHS = tuple(
    f"exploring-datasets/{folder}/{name}-{number}.json"
    for folder, name in (("news", "fars-news"), ("sports", "varzesh3"))
    for number in range(1, 6)
)
TARGET = Path(__file__).resolve().parents[2] / "feedapp" / "core" / "halfspace_news.txt"
MIN_COUNT = 3
RATIO = 3

_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u0640": None})
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_ZWNJ_RUN = re.compile(f"{ZWNJ}{{2,}}")

HEADER = f"""\
# Joined forms that published news writes with a half-space: SPELLING<TAB>WITH<TAB>JOINED, WITH
# being how many times the articles write SPELLING, JOINED how many times they write its letters
# with no half-space. The restorer gives a joined form the spelling listed here when no rule of
# its own and no spelling of halfspace_usage.txt decides it, and takes it between two readings
# halfspace_usage.txt leaves undecided (feedapp/core/halfspace.py).
#
# Counted on 1,500 Fars News articles of 2003-2021 and 2,500 Varzesh3 articles:
# {REPOSITORY} at {COMMIT[:12]},
# exploring-datasets/news/fars-news-1..5.json and sports/varzesh3-1..5.json,
# under the Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0; its LICENSE).
# The articles are the work of Fars News Agency and Varzesh3. Built by eval/halfspace/news.py
# (its docstring says how); do not edit by hand.
"""


def articles(git_dir: Path) -> Iterator[tuple[str, str, str]]:
    """(file name, ``<file>:<index>``, text) of each article, its text the title, abstract and
    paragraphs (each file: a JSON list of objects)."""
    for path in PATHS:
        name = Path(path).stem
        for index, article in enumerate(json.loads(git_show(git_dir, COMMIT, path))):
            text = "\n".join([article["title"], article["abstract"], *article["paragraphs"]])
            yield name, f"{name}:{index}", text


def article_texts(git_dir: Path) -> Iterator[str]:
    """The text of each article (:func:`articles`)."""
    return (text for _, _, text in articles(git_dir))


def normalized(text: str) -> str:
    """The letters as hazm's normalizer leaves them, for the restorer's purposes."""
    return _ZWNJ_RUN.sub(ZWNJ, _DIACRITICS.sub("", text.translate(_FOLD)))


def unseen(texts: Iterable[str], evaluated: Iterable[str]) -> list[str]:
    """The texts that repeat none of the evaluated articles."""
    shapes = [skeleton(text) for text in evaluated]
    return [
        text
        for text, own in ((text, skeleton(text)) for text in texts)
        if not any(duplicates(own, shape) for shape in shapes)
    ]


def select(counts: Counter[str]) -> dict[str, tuple[int, int]]:
    """Spelling -> (times written so, times written joined) for the spellings kept (module docstring)."""
    by_letters: dict[str, list[tuple[int, str]]] = {}
    for spelling, count in counts.items():
        by_letters.setdefault(spelling.replace(ZWNJ, ""), []).append((count, spelling))
    kept = {}
    for letters, spellings in by_letters.items():
        ranked = sorted(spellings, key=lambda item: (-item[0], item[1]))
        count, best = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0
        if visible_halfspace(best) and count >= MIN_COUNT and count >= RATIO * runner_up:
            kept[best] = (count, counts.get(letters, 0))
    return kept


def render(selected: dict[str, tuple[int, int]], header: str = HEADER) -> str:
    """The file's text: ``header``, then one line per spelling in code-point order."""
    return header + "".join(f"{word}\t{selected[word][0]}\t{selected[word][1]}\n" for word in sorted(selected))


def build(git_dir: Path) -> tuple[str, int, int]:
    """The file's text, the articles counted and the articles left out as repeats of evaluated ones."""
    texts = [normalized(text) for text in article_texts(git_dir)]
    kept = unseen(texts, evaluated_texts())
    counts = Counter(word for text in kept for word in WORD.findall(text))
    return render(select(counts)), len(kept), len(texts) - len(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", type=Path, required=True, help=f"a local git directory of {REPOSITORY}")
    parser.add_argument("--check", action="store_true", help="compare with the committed file, exit 1 if it differs")
    args = parser.parse_args(argv)
    text, counted, left_out = build(args.git_dir)
    lines = text.count("\n") - HEADER.count("\n")
    what = f"{lines} spellings from {counted} articles ({left_out} left out as evaluated ones)"
    return write_or_check(TARGET, text, args.check, what)


if __name__ == "__main__":
    sys.exit(main())
