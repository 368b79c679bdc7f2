"""Build feedapp/core/halfspace_vocab.txt: joined forms shekar's vocabulary writes with a half-space.

The second list of spellings the restorer falls back on, after the news list (halfspace_news.txt):
shekar 1.7.0 (MIT, a Persian NLP library) ships `shekar/data/files/vocab.csv`, 83,043 words
with a count each, half-spaces kept; many of its spellings are words news has but the 4,000
articles behind the news list do not (`رای‌دهندگان`, `هیات‌علمی`, `سهم‌خواهی`, `زیست‌فناوری`). Kept
as there: a spelling with a visible half-space whose count is at least 3 times that of every other
spelling of the same letters, the joined one included (news.select, news.RATIO), letters folded as hazm's normalizer
leaves them (news.normalized); except a surname ending the restorer splits only after `ی`
(SURNAMES_AFTER_YEH: `اسماعیلی‌فر`) split after anything else (`همایون‌فر`, which news writes
joined): the list would undo that rule.

Rebuild from the wheel (PyPI; nothing is read from the network here):

    .venv/bin/python -m pip download --no-deps shekar==1.7.0 -d /tmp/shekar
    .venv/bin/python -m eval.halfspace.vocab --wheel /tmp/shekar/shekar-1.7.0-py3-none-any.whl [--check]

The wheel's SHA-256 is checked first (WHEEL_SHA256); ``--check`` compares the result with the
committed file and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from eval.halfspace.news import normalized, render, select
from eval.halfspace.usage import WORD, ZWNJ, write_or_check
from feedapp.core.halfspace import SURNAMES_AFTER_YEH

TARGET = Path(__file__).resolve().parents[2] / "feedapp" / "core" / "halfspace_vocab.txt"
VERSION = "1.7.0"
WHEEL_SHA256 = "c18611d53f6bb04c5ac9938d089b6848b6a52ae69fa6007665b4728c31c9ea7e"
VOCAB = "shekar/data/files/vocab.csv"

HEADER = f"""\
# Joined forms shekar's vocabulary writes with a half-space: SPELLING<TAB>WITH<TAB>JOINED, WITH
# being shekar's count of SPELLING, JOINED its count of the same letters without a half-space.
# The restorer reads it after halfspace_news.txt, for the joined forms neither its rules nor
# halfspace_usage.txt nor the news list decide (feedapp/core/halfspace.py).
#
# Derived from {VOCAB} of shekar {VERSION} (https://github.com/amirivojdan/shekar),
# under the MIT License:
# Copyright (c) 2024 Ahmad Amirivojdan
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software
# and associated documentation files (the "Software"), to deal in the Software without
# restriction, including without limitation the rights to use, copy, modify, merge, publish,
# distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
# Software is furnished to do so, subject to the following conditions: The above copyright notice
# and this permission notice shall be included in all copies or substantial portions of the
# Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
# INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE
# AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
# DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
# Built by eval/halfspace/vocab.py (its docstring says how); do not edit by hand.
"""


def counts(rows: Iterable[list[str]]) -> Counter[str]:
    """Spelling -> count from ``WORD,COUNT`` rows, letters folded; rows that are no word are skipped."""
    counted: Counter[str] = Counter()
    for word, count in rows:
        spelling = normalized(word)
        if WORD.fullmatch(spelling):
            counted[spelling] += int(count)
    return counted


def against_the_surname_rule(spelling: str) -> bool:
    """True for ``همایون‌فر``: a surname ending split after a part that does not end in ``ی``."""
    head, _, last = spelling.rpartition(ZWNJ)
    return last in SURNAMES_AFTER_YEH and not head.endswith("ی")


def build(wheel: Path) -> str:
    """The file's text from the wheel at ``wheel``; ValueError when it is not the pinned one."""
    data = wheel.read_bytes()
    if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
        raise ValueError(f"{wheel} is not shekar {VERSION}'s wheel (SHA-256 differs)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(VOCAB).decode("utf-8")
    selected = select(counts(csv.reader(io.StringIO(text))))
    kept = {word: value for word, value in selected.items() if not against_the_surname_rule(word)}
    return render(kept, HEADER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, required=True, help=f"shekar {VERSION}'s wheel, from pip download")
    parser.add_argument("--check", action="store_true", help="compare with the committed file, exit 1 if it differs")
    args = parser.parse_args(argv)
    text = build(args.wheel)
    return write_or_check(TARGET, text, args.check, f"{text.count(chr(10)) - HEADER.count(chr(10))} spellings")


if __name__ == "__main__":
    sys.exit(main())
