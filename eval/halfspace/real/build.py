"""Rebuild news_dev.txt, news_dev2.txt, news_dev3.txt and news_heldout.txt from snapshots of their sources.

Run from the repository root, one git directory per source (a bare clone or a fetched snapshot;
nothing is downloaded here, every file is read with `git show <pinned commit>:<path>`):

    .venv/bin/python -m eval.halfspace.real.build \\
        --fars /path/amirshnll+persian-news-dataset/repo \\
        --jannati /path/farzadjannati+Improving-Persian-News-Headline-Generation/repo \\
        --khabarfouri /path/MohammadHeydari+Persian-News-Agencies-on-Instagram-Dataset/repo \\
        --irnews /path/shessam+IR-News-Dataset/repo

`--check` compares the result with the committed files instead of writing them. SOURCES.md says
what each source is and why the sets are cut the way they are. This module also holds the reader
(`read_articles`) and the density measure that evaluate.py and tests/test_eval_real.py use; it
never imports hazm.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEV_FILE = HERE / "news_dev.txt"
DEV2_FILE = HERE / "news_dev2.txt"
DEV3_FILE = HERE / "news_dev3.txt"
HELDOUT_FILE = HERE / "news_heldout.txt"
# The sets tuning looks at, and every evaluated set (what the shipped lists must not count).
DEV_FILES = (DEV_FILE, DEV2_FILE, DEV3_FILE)
EVALUATED_FILES = (*DEV_FILES, HELDOUT_FILE)

ZWNJ = "\u200c"
HEADER = "# source: "

# Articles are cut to at most this many characters, on a sentence end: long enough for several
# paragraphs, short enough to keep both files at a few hundred kB.
MAX_CHARS = 1500
# When the last sentence end within MAX_CHARS comes before this (a first sentence of 2,000
# characters, say), the cut falls back to the last space.
MIN_CUT = 300
# Fewer Persian words than this (two short sentences) is a one-line flash or a photo caption.
MIN_WORDS = 30
# Half-spaces per 1,000 Persian words below which an article is dropped. Writers who use ZWNJ
# consistently reach 45-70 (the kept articles' median is above 50); below 20 the writer joined or
# spaced most affixes (تلاش های, میکند), and every half-space the restorer puts into such a word
# would count as a wrong split although the restorer is right.
MIN_DENSITY = 20.0

# Arabic-script letters (hazm's and the restorer's range) and the ZWNJ that joins them into a word.
_WORD = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff\u200c]+")
_LETTERS = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_SENTENCE_END = re.compile(r"[.!?؟…](?=\s|$)|\n")


@dataclass(frozen=True)
class Article:
    """One article of a set: the source's short id (SOURCES.md), its id there, its text as published."""

    source: str
    ident: str
    text: str

    def block(self) -> str:
        return f"{HEADER}{self.source} {self.ident}\n{self.text}"


def persian_words(text: str) -> list[str]:
    """Runs of Arabic-script letters, a half-space inside a run keeping it one word."""
    return [w for w in _WORD.findall(text) if w.strip(ZWNJ)]


def zwnj_density(text: str) -> float:
    """Half-spaces per 1,000 Persian words (0 for a text without Persian words)."""
    words = persian_words(text)
    return 1000 * text.count(ZWNJ) / len(words) if words else 0.0


def read_articles(path: Path) -> list[Article]:
    """The articles of a set file: blocks separated by a blank line, each opened by a source line."""
    articles = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if not block.strip():
            continue
        header, _, text = block.strip("\n").partition("\n")
        if not header.startswith(HEADER):
            raise ValueError(f"{path.name}: block without a source line: {header[:60]!r}")
        source, _, ident = header[len(HEADER) :].partition(" ")
        articles.append(Article(source, ident, text))
    return articles


def cut(text: str, limit: int = MAX_CHARS) -> str:
    """The longest prefix of at most ``limit`` characters that ends a sentence (or a paragraph)."""
    if len(text) <= limit:
        return text
    # Searched in the whole text: a "." at the limit is a sentence end only if a space follows it.
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= limit]
    end = ends[-1] if ends and ends[-1] >= MIN_CUT else text.rfind(" ", 0, limit)
    return text[: end if end > 0 else limit].rstrip()


def tidy(text: str) -> str:
    """Only what the one-article-per-block format needs: no CR, no blank line, no edge whitespace.

    Whitespace is never compared by the evaluation (only ZWNJ positions are), so collapsing a
    caption's blank lines into one line break changes nothing it measures.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines if line.strip()).strip()


def skeleton(text: str) -> str:
    """Letters only, Arabic ي/ك folded: the text two copies of one article share."""
    return "".join(_LETTERS.findall(text)).replace("ي", "ی").replace("ك", "ک")


def duplicates(a: str, b: str) -> bool:
    """Whether two skeletons hold the same article: a 50-letter stretch of one occurs in the other."""
    for short, long in ((a, b), (b, a)):
        if len(short) < 50:
            continue
        probes = [short[int(f * (len(short) - 50)) :][:50] for f in (0.2, 0.5, 0.8)]
        if any(p in long for p in probes):
            return True
    return False


# -- the sources ------------------------------------------------------------------------------


def git_show(git_dir: Path, commit: str, path: str) -> bytes:
    """A file of a pinned commit, read from a local git directory (never from the network)."""
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], check=True, capture_output=True
    ).stdout


FARS_COMMIT = "937c7e78c560ff4f64e20bebe9a8d7ef2b9d0c3a"
JANNATI_COMMIT = "68785cc38f3207a44bfa24154d17e2b578b20a56"
KHABARFOURI_COMMIT = "e2fb23f30a77d9d76c3fa93ff9fe4584cb74b917"
IRNEWS_COMMIT = "583562d326b0693ffc5faf8b65cdae85263e9979"
# The second dev set reads at most this many articles of each IR-News newsroom (in the order of
# the files' numbers), so that no one newsroom's habits dominate it: 336 read, 243 kept.
IRNEWS_PER_SOURCE = 80
# The third reads the next this many of each (Mashregh has none left): 827 read, 546 kept.
IRNEWS_DEV3_PER_SOURCE = 250


def fars_articles(git_dir: Path) -> Iterator[Article]:
    """amirshnll/persian-news-dataset: one Fars News article a line (headline run into the body)."""
    # Saved from Excel as UTF-16; a line holding a comma or quote is quoted, its quotes doubled.
    text = git_show(git_dir, FARS_COMMIT, "news_data.txt").decode("utf-16")
    for number, line in enumerate(text.split("\n"), 1):
        line = line.strip().lstrip("\ufeff")
        if len(line) > 1 and line[0] == line[-1] == '"':
            line = line[1:-1].replace('""', '"')
        if line:
            yield Article("fars", f"news_data.txt:{number}", line)


def jannati_articles(git_dir: Path) -> Iterator[Article]:
    """farzadjannati/Improving-Persian-News-Headline-Generation: four agencies' samples, then the
    test sample (headline and lead missing there, so it comes after the fuller copies)."""
    csv.field_size_limit(sys.maxsize)
    for outlet in ("borna", "hamshahri_online", "khabaronline", "tasnim"):
        path = f"DataCrawling/SampleGoldData/news_{outlet}_20_LLM_Tagged.csv"
        rows = csv.DictReader(io.StringIO(git_show(git_dir, JANNATI_COMMIT, path).decode("utf-8-sig")))
        for row in rows:
            # The crawler stored paragraph breaks as " [n] "; the headline, lead and body are
            # published in that order. The two generated headline columns are never read.
            body = re.sub(r"\s*\[n\]\s*", "\n", row["text"])
            text = "\n".join(part for part in (row["title"], row["introtext"], body) if part.strip())
            yield Article(f"jannati-{outlet.split('_')[0]}", row["url"], text)
    path = "baseline_inference_results/baseline_inference_results/combined_news_dataset.csv"
    rows = csv.DictReader(io.StringIO(git_show(git_dir, JANNATI_COMMIT, path).decode("utf-8-sig")))
    for number, row in enumerate(rows, 1):
        yield Article("jannati-combined", f"combined_news_dataset.csv#row{number}", row["article_text"])


def khabarfouri_articles(git_dir: Path) -> Iterator[Article]:
    """MohammadHeydari/Persian-News-Agencies-on-Instagram-Dataset: Khabar Fouri's news posts."""
    data = json.loads(git_show(git_dir, KHABARFOURI_COMMIT, "khabar_fouri.json"))
    for post in data["posts"]:
        if post.get("caption"):
            yield Article("khabarfouri", post["url"], post["caption"])


def irnews_articles(git_dir: Path, skip: int = 0, take: int = IRNEWS_PER_SOURCE) -> Iterator[Article]:
    """shessam/IR-News-Dataset: Asr-e Iran, Mashregh, Roozno, Sobhaneh and Tabnak articles of
    2019-2020, files ``skip`` to ``skip + take`` of each newsroom (:func:`irnews_paths`)."""
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "--name-only", IRNEWS_COMMIT, "Dataset/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for source, path in irnews_paths(listing, skip, take):
        yield irnews_article(source, path, git_show(git_dir, IRNEWS_COMMIT, path).decode("utf-8"))


def irnews_paths(listing: Iterable[str], skip: int = 0, take: int = IRNEWS_PER_SOURCE) -> list[tuple[str, str]]:
    """(newsroom, path) of the files read: by file number, ``take`` a newsroom after its first ``skip``.

    Files are named for a newsroom, an optional part and a number: asriran_1_data_7.txt,
    roozno_data_7.txt, sobhane2_7.txt, mashregh_7.txt.
    """
    by_source: dict[str, list[tuple[int, str]]] = {}
    for path in listing:
        found = re.fullmatch(r"Dataset/([a-z]+?)\d*_(?:\d+_)?(?:data_)?(\d+)\.txt", path)
        if found:
            by_source.setdefault(found[1], []).append((int(found[2]), path))
    return [
        (source, path)
        for source, numbered in sorted(by_source.items())
        for _, path in sorted(numbered)[skip : skip + take]
    ]


def irnews_article(source: str, path: str, text: str) -> Article:
    """One IR-News file as an article: its title on a line, then its sentences joined by spaces.

    The first line is metadata (agency, title, url, category, date… separated by `###`), the second
    the ids of the summary's sentences (not read), then one numbered sentence a line
    (`N<TAB>sentence`): the published body, split into sentences by the dataset's makers.
    """
    lines = text.split("\n")
    title = lines[0].split("###")[1]
    sentences = [line.partition("\t")[2] for line in lines[2:] if "\t" in line]
    return Article(f"irnews-{source}", path, "\n".join([title, " ".join(sentences)]))


def select(articles: Iterable[Article], kept: list[Article] | None = None) -> list[Article]:
    """Tidy, cut and filter the articles; drop any that repeats one kept here or in ``kept``."""
    chosen: list[Article] = []
    seen = [skeleton(a.text) for a in kept or []]
    for article in articles:
        text = cut(tidy(article.text))
        if len(persian_words(text)) < MIN_WORDS or zwnj_density(text) < MIN_DENSITY:
            continue
        letters = skeleton(text)
        if any(duplicates(letters, other) for other in seen):
            continue
        seen.append(letters)
        chosen.append(Article(article.source, article.ident, text))
    return chosen


def build(fars: Path, jannati: Path, khabarfouri: Path, irnews: Path) -> dict[Path, list[Article]]:
    """The dev set (Fars News), the second and third dev sets (five other newsrooms of IR-News,
    different articles) and the held-out set (four other agencies and Khabar Fouri), by file.

    The held-out set is selected first so that an article found in two sources stays held out;
    each later dev set comes after the earlier ones, so adding it changed none of them.
    """
    heldout = select([*jannati_articles(jannati), *khabarfouri_articles(khabarfouri)])
    dev = select(fars_articles(fars), kept=heldout)
    dev2 = select(irnews_articles(irnews), kept=heldout + dev)
    dev3 = select(irnews_articles(irnews, IRNEWS_PER_SOURCE, IRNEWS_DEV3_PER_SOURCE), kept=heldout + dev + dev2)
    return {DEV_FILE: dev, DEV2_FILE: dev2, DEV3_FILE: dev3, HELDOUT_FILE: heldout}


def evaluated_texts() -> list[str]:
    """The text of every article of every evaluated set, as committed."""
    return [article.text for path in EVALUATED_FILES for article in read_articles(path)]


def render(articles: list[Article]) -> str:
    return "\n\n".join(a.block() for a in articles) + "\n"


def summary(name: str, articles: list[Article]) -> str:
    """Articles, words and density per source, for SOURCES.md."""
    lines = [f"{name}: {len(articles)} articles"]
    by_source: dict[str, list[Article]] = {}
    for article in articles:
        by_source.setdefault(article.source, []).append(article)
    for source, group in sorted(by_source.items()):
        text = "\n".join(a.text for a in group)
        lines.append(
            f"  {source:<22} {len(group):4} articles {len(persian_words(text)):6} words"
            f"  {zwnj_density(text):5.1f} ZWNJ per 1,000 words"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("fars", "jannati", "khabarfouri", "irnews"):
        parser.add_argument(f"--{name}", type=Path, required=True, help="git directory of the source snapshot")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    sets = build(args.fars, args.jannati, args.khabarfouri, args.irnews)
    for path, articles in sets.items():
        print(summary(path.name, articles))
    outputs = {path: render(articles) for path, articles in sets.items()}
    if args.check:
        stale = [p.name for p, text in outputs.items() if p.read_text(encoding="utf-8") != text]
        print("differs from the committed files: " + ", ".join(stale) if stale else "identical to the committed files")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
