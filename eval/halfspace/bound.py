"""How far any restorer can go on a real-news set: the best spelling per joined form, known in advance.

Run from the repository root:  .venv/bin/python -m eval.halfspace.bound [--budget 0.3]

The restorer sees a word with its half-spaces dropped (`آنها`) and must write it one way. Where
a set's writers publish the same joined form more than one way (`آن‌ها` 13 times, `آنها` 10), each
choice is wrong for some of them: a missed half-space, or one the writer did not mean. This
measures that floor on each real set with an oracle that knows the set's answers and is allowed
everything a restorer is not:

- for each joined form it picks the spellings that suit the set best (it has read the answers);
- homographs (forms the evaluation's `kind_of` calls so: two readings in the lexicon) are
  resolved perfectly, as if context never failed; so are names.

With no misreading at all, each form gets the half-spaces every one of its published spellings
shares. Spending a misreading budget (a share of the half-spaces written, as the evaluation
counts it), the oracle moves forms to spellings that win more half-spaces than they misplace,
best ratio first, and may split the last move: the linear-programming relaxation of the choice,
so the recall printed is an upper bound for any restorer that writes a form the same way
wherever its context gives no clue. A split the lexicon spells that way is not a misreading here
either (the evaluation sets those apart).

Counted on the published words (runs of letters and ZWNJs), without hazm: what the restorer is
asked to put back, not what hazm already does.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .evaluate import kind_of, lexicon_entries, measured_runs, spelling, strip_measured
from .real.build import DEV2_FILE, DEV3_FILE, DEV_FILE, HELDOUT_FILE, persian_words, read_articles


def halfspaces(word: str) -> tuple[str, frozenset[int]]:
    """The word without its measured half-spaces, and their offsets in that joined form."""
    offsets, dropped = set(), 0
    for run in measured_runs(word):
        offsets.add(run.start() - dropped)
        dropped += len(run.group())
    return strip_measured(word), frozenset(offsets)


@dataclass(frozen=True)
class Choice:
    """Writing a form one way: half-spaces restored, misplaced and written over its occurrences."""

    restored: int
    misplaced: int
    written: int

    def cost(self, budget: float) -> float:
        """What it takes from the budget: Σ misplaced ≤ budget × Σ written is Σ cost ≤ 0."""
        return self.misplaced - budget * self.written


def choices(form: str, published: Counter[frozenset[int]]) -> list[Choice]:
    """Every way worth considering of writing `form`: as each published spelling has it, or with
    only the half-spaces all of them share (the first of the list)."""
    lexicon = {halfspaces(s)[1] for s in lexicon_entries().get(form, (frozenset(), frozenset()))[0]}
    found = []
    for offsets in [frozenset.intersection(*published), *published]:
        restored = sum(len(offsets & theirs) * count for theirs, count in published.items())
        misplaced = (
            0 if offsets in lexicon else sum(len(offsets - theirs) * count for theirs, count in published.items())
        )
        found.append(Choice(restored, misplaced, len(offsets) * sum(published.values())))
    return found


def upper_hull(options: list[Choice], budget: float) -> list[Choice]:
    """The choices on the upper convex hull of (cost, restored), from the cheapest."""
    hull: list[Choice] = []
    for point in sorted(options, key=lambda c: (c.cost(budget), -c.restored)):
        if hull and point.restored <= hull[-1].restored:
            continue  # costs as much or more, restores no more
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            rise_b, run_b = b.restored - a.restored, b.cost(budget) - a.cost(budget)
            rise_p, run_p = point.restored - a.restored, point.cost(budget) - a.cost(budget)
            if rise_b * run_p <= rise_p * run_b:  # b on or under the line from a to point
                hull.pop()
            else:
                break
        hull.append(point)
    return hull


@dataclass(frozen=True)
class Bound:
    dropped: int
    recall_without_misreadings: float
    recall_at_budget: float
    forms_written_two_ways: int


def bound(path: Path, budget: float) -> Bound:
    """The oracle's recall on a set with no misreading, and with `budget` (a share) of them."""
    by_form: dict[str, Counter[frozenset[int]]] = {}
    for article in read_articles(path):
        for word in persian_words(article.text):
            form, offsets = halfspaces(spelling(word))
            by_form.setdefault(form, Counter())[offsets] += 1
    dropped = sum(len(offsets) * n for published in by_form.values() for offsets, n in published.items())
    without = restored = 0.0
    room = 0.0  # Σ cost of the choices made so far, negated: what the budget still allows
    moves: list[tuple[float, float, float]] = []  # (restored per cost, restored, cost)
    for form, published in by_form.items():
        if len(published) == 1 or kind_of(form) in ("homograph", "name"):  # always right
            each = sum(len(offsets) * n for offsets, n in published.items())
            without, restored, room = without + each, restored + each, room + budget * each
            continue
        options = choices(form, published)
        without += options[0].restored
        hull = upper_hull(options, budget)
        restored, room = restored + hull[0].restored, room - hull[0].cost(budget)
        for a, b in zip(hull, hull[1:]):
            rise, run = b.restored - a.restored, b.cost(budget) - a.cost(budget)
            moves.append((rise / run, rise, run))
    for _, rise, run in sorted(moves, reverse=True):  # each form's moves come in its hull's order
        if room <= 0:
            break
        step = min(1.0, room / run)
        restored, room = restored + step * rise, room - step * run
    two_ways = sum(1 for published in by_form.values() if len(published) > 1)
    return Bound(dropped, without / dropped, restored / dropped, two_ways)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.3, help="misreadings allowed, in %% of half-spaces written")
    options = parser.parse_args(argv)
    for name, path in (("dev", DEV_FILE), ("dev2", DEV2_FILE), ("dev3", DEV3_FILE), ("held out", HELDOUT_FILE)):
        result = bound(path, options.budget / 100)
        print(
            f"{name}: {result.dropped:,} half-spaces in published words; {result.forms_written_two_ways:,} joined"
            f" forms published more than one way; oracle recall {100 * result.recall_without_misreadings:.1f}%"
            f" with no misreading, {100 * result.recall_at_budget:.1f}% with ≤ {options.budget}% misreadings"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
