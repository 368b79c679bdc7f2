"""Synthetic press releases shaped like the real sample, for benchmarks.

Each release copies the shape of `seeds/000_44faba8da108bc04.txt`: a date line (weekday, Jalali
date, time), a kicker ending in `:`, a one-line headline, a lead, about ten body paragraphs and
the trailer. The words come from the sample itself (Arabic yeh/kaf, lost half-spaces and all),
so ingest pays the same normalization cost as for real releases. Every release has its own key,
its own publication instant and its own headline; the output is deterministic for a given N.

    python -m bench generate FOLDER N [--first K]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import jdatetime

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seeds" / "000_44faba8da108bc04.txt"
TRAILER = "پايان پيام"
# jdatetime numbers weekdays from Saturday (0); written as in the sample, without half-space.
WEEKDAYS = ("شنبه", "يکشنبه", "دوشنبه", "سهشنبه", "چهارشنبه", "پنجشنبه", "جمعه")
FIRST_DAY = jdatetime.date(1300, 1, 1)  # the parser refuses years before 1300
MAX_RELEASES = 4 * 365 * 190  # four a day stays inside the accepted years 1300-1499
PARAGRAPHS = 10


def sample_parts(path: Path = SAMPLE) -> tuple[str, str, str, list[str]]:
    """The sample's kicker, headline, lead and body paragraphs (its date line and trailer dropped)."""
    text = path.read_text(encoding="utf-8").replace("\u00a0", " ")
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    kicker, headline, lead, body = blocks[1], blocks[2], blocks[3], blocks[4]
    paragraphs = [line for line in body.splitlines() if line.strip() and line.strip() != TRAILER]
    return kicker.rstrip(":"), headline, lead, paragraphs


def date_line(number: int) -> str:
    """A distinct instant per release: four slots a day (09:00, 11:15, …), days counted from 1300/01/01.

    The weekday is the true one, so ingest prints no weekday warning.
    """
    day = FIRST_DAY + jdatetime.timedelta(days=number // 4)
    minutes = 9 * 60 + (number % 4) * 135
    weekday = WEEKDAYS[day.weekday()]
    return f"{weekday} {day.year}/{day.month:02d}/{day.day:02d} ساعت {minutes // 60:02d}:{minutes % 60:02d}"


def release_text(number: int, parts: tuple[str, str, str, list[str]]) -> str:
    """Release `number`: the sample's blocks with a numbered headline and a shuffled body."""
    kicker, headline, lead, paragraphs = parts
    rng = random.Random(number)  # per release, so any release can be regenerated alone
    body = [rng.choice(paragraphs) for _ in range(PARAGRAPHS)]
    # A number in words and digits makes each headline (and lead) distinct.
    return (
        "\n\n".join(
            [
                date_line(number),
                f"{kicker}:",
                f"{headline} (گزارش {number})",
                f"{lead} شماره گزارش {number}.",
                "\n".join(body),
                TRAILER,
            ]
        )
        + "\n"
    )


def write(folder: Path, count: int, first: int = 0, prefix: str = "bench") -> list[str]:
    """Write releases first … first+count-1 as `{prefix}_{number:06d}.txt`; return their keys."""
    if first < 0 or first + count > MAX_RELEASES:
        raise ValueError(f"at most {MAX_RELEASES} releases fit in the accepted Jalali years")
    folder.mkdir(parents=True, exist_ok=True)
    parts = sample_parts()
    keys = []
    for number in range(first, first + count):
        key = f"{prefix}_{number:06d}"
        (folder / f"{key}.txt").write_text(release_text(number, parts), encoding="utf-8")
        keys.append(key)
    return keys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--first", type=int, default=0)
    args = parser.parse_args(argv)
    keys = write(args.folder, args.count, args.first)
    print(f"wrote {len(keys)} releases to {args.folder}")
    return 0
