"""Build feedapp/core/halfspace_usage.txt: how often real text writes each spelling of a word.

The restorer's lexicon (hazm's) says which spellings exist; it cannot say which of two
readings of one joined form (``نامهای``: ``نامه‌ای`` or ``نام‌های``) people write more, nor whether a
joined form it does not know (``بهعنوان``) is written with a half-space at all. wordfreq's Persian
list can: word frequencies counted on Persian Wikipedia, OpenSubtitles, the OSCAR web crawl and
Twitter, half-spaces kept. None of that is the news of eval/halfspace/real/, so nothing is tuned on
the held-out set through this file.

Which words are kept (the file holds what the restorer asks about, not the whole list):
every Persian-letter word with a visible half-space, every joined word that shares its letters
with one of those (``آنها`` beside ``آن‌ها``), and every joined word ending in a suffix the restorer
splits off (``سفرهای``, ``روزهای``), so that a reading's absence from the file means "rare in
real text" and not "not asked".

Rebuild (wordfreq is not a dependency of feedapp; any Python with it installed will do):

    python -m venv /tmp/wordfreq && /tmp/wordfreq/bin/pip install wordfreq==3.1.1
    /tmp/wordfreq/bin/python eval/halfspace/usage.py [--check]

The script imports nothing from feedapp, so it runs outside the project's environment;
``--check`` compares the result with the committed file and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[2] / "feedapp" / "core" / "halfspace_usage.txt"
WORDFREQ_VERSION = "3.1.1"
ZWNJ = "\u200c"
# Letters hazm's normalized text holds (Persian ی and ک, not Arabic ي and ك), ZWNJ between them:
# the list also counts Arabic spellings (اينكه), which never reach the restorer.
_LETTERS = "\u0621-\u063a\u0641\u0642\u0644-\u0648\u067e\u0686\u0698\u06a9\u06af\u06cc"
WORD = re.compile(f"[{_LETTERS}]+(?:{ZWNJ}[{_LETTERS}]+)*")
# The endings feedapp.core.halfspace splits off (its SPACED_SUFFIXES, the compound heads aside).
ENDINGS = ("ها", "های", "هایی", "هایم", "هایش", "هاست", "ای", "ام", "اش", "ایم", "اید", "اند", "تر", "ترین", "تری", "ی")
NON_JOINING = frozenset("اآأإٱدذرزژوؤةء")

HEADER = f"""\
# How often real Persian text writes each spelling: SPELLING<TAB>CB, where CB is wordfreq's
# frequency class (the word's frequency is 10 ** (-CB / 100): 300 is one word in 1,000, 500 one
# in 100,000); a smaller CB is a more frequent spelling.
#
# Derived from wordfreq {WORDFREQ_VERSION}'s Persian list ("small_fa": Wikipedia, OpenSubtitles, OSCAR,
# Twitter), (c) Robyn Speer and contributors, data under the Creative Commons
# Attribution-ShareAlike 4.0 license (https://creativecommons.org/licenses/by-sa/4.0/); this file
# is likewise CC BY-SA 4.0. It holds the list's words with a visible half-space, the joined words
# sharing their letters, and joined words ending in a suffix feedapp splits off. Built by
# eval/halfspace/usage.py; do not edit by hand.
"""


def visible_halfspace(word: str) -> bool:
    """True when a ZWNJ in ``word`` follows a letter that joins: it changes the word's shape."""
    return any(char == ZWNJ and word[index - 1] not in NON_JOINING for index, char in enumerate(word) if index)


def select(buckets: list[list[str]]) -> dict[str, int]:
    """Spelling -> frequency class for the words the restorer asks about (see the module docstring)."""
    classes: dict[str, int] = {}
    for frequency_class, words in enumerate(buckets):
        for word in words:
            if WORD.fullmatch(word):
                classes.setdefault(word, frequency_class)
    spaced_keys = {word.replace(ZWNJ, "") for word in classes if visible_halfspace(word)}
    return {
        word: frequency_class
        for word, frequency_class in classes.items()
        if visible_halfspace(word) or (ZWNJ not in word and (word in spaced_keys or word.endswith(ENDINGS)))
    }


def render(selected: dict[str, int]) -> str:
    """The file's text: the header, then one line per spelling in code-point order."""
    return HEADER + "".join(f"{word}\t{selected[word]}\n" for word in sorted(selected))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, exit 1 if it differs")
    args = parser.parse_args(argv)
    import wordfreq  # imported here: --help works without it

    installed = getattr(wordfreq, "__version__", None)
    if installed is None:
        from importlib.metadata import version

        installed = version("wordfreq")
    if installed != WORDFREQ_VERSION:
        print(f"wordfreq {installed} is installed; this file is built from {WORDFREQ_VERSION}", file=sys.stderr)
        return 2
    text = render(select(wordfreq.get_frequency_list("fa", wordlist="small")))
    return write_or_check(TARGET, text, args.check, f"{text.count(chr(10)) - HEADER.count(chr(10))} spellings")


def write_or_check(target: Path, text: str, check: bool, what: str) -> int:
    """Write a built file (saying `what` it holds), or with ``check`` compare it with the committed
    one; the exit status: 1 when the check finds them different."""
    if check:
        same = target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'differs from a fresh build'}")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
