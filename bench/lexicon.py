"""What the half-space lexicon costs a fresh ingest process, and how fast restoration runs with it.

    .venv/bin/python -m bench lexicon              # 5 later runs per case: about 1 minute on 2 cores
    .venv/bin/python -m bench lexicon --runs 2     # quicker

Each figure comes from a fresh interpreter (`python -c`), as the ingest service starts one:

* `lexicon`: `from feedapp.core.halfspace import default_lexicon, restore_halfspaces;
  default_lexicon(); restore_halfspaces(TEXT)`, TEXT the sample release seeds/000_….txt;
* `normalize`: `normalize_release` of the sample release parsed as ingest parses it, which loads
  hazm's Normalizer too (its WordTokenizer reads hazm's word list itself: that part stays);
* `speed`: `restore_halfspaces` on the eval sentences with every ZWNJ removed (about 25,000
  words), with empty memos (`cold`: every distinct word analysed, the lexicon looked up, as in a
  new process) and then again (`warm`: the words memoised), in ms per 1,000 words; three times
  each per process, the fastest kept (a busy machine only ever adds time).

Two sources of the lexicon, runs alternated so that a busy machine slows both alike:
`compact` is `default_lexicon()` as shipped (feedapp/core/lexicon_store.py); `hazm` replaces it
in the probe by `hazm_lexicon()`, the build from hazm's lists that every process ran before the
compiled cache (`build_lexicon(words_list(), …)`), i.e. the "before" of bench/README.md. The
compact source's first run starts with an empty cache folder (FEEDAPP_LEXICON_CACHE, a temporary
folder: the user's own cache is never touched) and so includes building it; later runs read it.

Wall time is the parent's clock around the whole child (interpreter start, imports, the work):
the median over the runs, and the fastest in brackets. CPU is the child's user + system time
(getrusage), less disturbed than wall time by other work on the machine. Peak RSS is the child's
`getrusage(RUSAGE_SELF).ru_maxrss`; VmRSS is /proc/self/status at its end; both medians. No
figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seeds" / "000_44faba8da108bc04.txt"
SENTENCES = sorted((ROOT / "eval" / "halfspace").glob("sentences*.txt"))
SOURCES = ("hazm", "compact")

# Runs in the child. argv: scenario, source, the sample release, the sentence files. Prints one JSON object.
PROBE = r"""
import json, resource, sys, time
from pathlib import Path
scenario, source, sample, sentences = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4:]
from feedapp.core import halfspace
# The lexicon as every process built it before the compiled cache (a checkout from before it has
# no hazm_lexicon: its default_lexicon is that build, so both sources measure the same thing).
if source == "hazm" and hasattr(halfspace, "hazm_lexicon"):
    import functools
    halfspace.default_lexicon = functools.lru_cache(maxsize=1)(halfspace.hazm_lexicon)
result = {}
if scenario == "lexicon":
    from feedapp.core.halfspace import default_lexicon, restore_halfspaces
    default_lexicon()
    restore_halfspaces(sample.read_text(encoding="utf-8"))
elif scenario == "normalize":
    from feedapp.core.normalize import normalize_release
    from feedapp.core.parse import parse_text_release
    normalize_release(parse_text_release(sample.read_bytes(), sample.stem).release)
else:
    from feedapp.core.halfspace import ZWNJ, _TOKEN, default_lexicon, restore_halfspaces
    default_lexicon()
    text = "\n".join(Path(name).read_text(encoding="utf-8") for name in sentences).replace(ZWNJ, "")
    words = len(_TOKEN.findall(text))
    cold, warm = [], []
    for _ in range(3):
        # Empty memos, as in a new process: the restorer's words, and the compiled lexicon's rows.
        halfspace._Restorer._instances.clear()
        if hasattr(default_lexicon().whole, "_row"):
            default_lexicon().whole._row.cache_clear()
        clock = time.perf_counter()
        restore_halfspaces(text)
        cold.append((time.perf_counter() - clock) * 1e6 / words)
        clock = time.perf_counter()
        restore_halfspaces(text)
        warm.append((time.perf_counter() - clock) * 1e6 / words)
    result["cold"], result["warm"], result["words"] = min(cold), min(warm), words
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
result["vmrss"] = int(status["VmRSS"].split()[0])
usage = resource.getrusage(resource.RUSAGE_SELF)
result["maxrss"] = usage.ru_maxrss
result["cpu"] = usage.ru_utime + usage.ru_stime  # the whole process, interpreter start included
print(json.dumps(result))
"""


def probe(scenario: str, source: str, cache: Path) -> dict:
    """Run PROBE in a fresh interpreter; its figures plus the wall time seen from here."""
    env = {**os.environ, "FEEDAPP_LEXICON_CACHE": str(cache)}
    command = [sys.executable, "-c", PROBE, scenario, source, str(SAMPLE), *map(str, SENTENCES)]
    clock = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    wall = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"probe {scenario}/{source} failed:\n{done.stderr}")
    return {**json.loads(done.stdout.splitlines()[-1]), "wall": wall}


def measure(runs: int) -> dict[tuple[str, str, str], list[dict]]:
    """(scenario, source, first|later) → the runs' figures, sources alternated in each round."""
    figures: dict[tuple[str, str, str], list[dict]] = {}
    for scenario in ("lexicon", "normalize", "speed"):
        with tempfile.TemporaryDirectory(prefix="feedapp-lexicon-bench-") as folder:
            cache = Path(folder)
            for round_ in range(runs + 1):
                order = SOURCES if round_ % 2 else SOURCES[::-1]
                for source in order:
                    when = "first" if round_ == 0 else "later"
                    figures.setdefault((scenario, source, when), []).append(probe(scenario, source, cache))
            print(f"  {scenario}: done", file=sys.stderr)
    return figures


def table(figures: dict[tuple[str, str, str], list[dict]]) -> str:
    """The Markdown tables of bench/README.md."""

    def median(key: tuple[str, str, str], field: str) -> float:
        return statistics.median(run[field] for run in figures[key])

    lines = [
        "| process | lexicon | run | wall s (min) | CPU s | peak RSS MB | VmRSS MB |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for scenario in ("lexicon", "normalize"):
        for source in SOURCES:
            for when in ("first", "later"):
                key = (scenario, source, when)
                runs = len(figures[key])
                fastest = min(run["wall"] for run in figures[key])
                lines.append(
                    f"| `{scenario}` | {source} | {when} ({runs}) | {median(key, 'wall'):.2f} ({fastest:.2f})"
                    f" | {median(key, 'cpu'):.2f} | {median(key, 'maxrss') / 1024:.0f} | {median(key, 'vmrss') / 1024:.0f} |"
                )
    lines += [
        "",
        "| restore_halfspaces | lexicon | ms per 1,000 words, cold memos | ms per 1,000 words, warm |",
        "| --- | --- | ---: | ---: |",
    ]
    for source in SOURCES:
        runs = figures[("speed", source, "first")] + figures[("speed", source, "later")]
        words = runs[0]["words"]
        cold = min(run["cold"] for run in runs)
        warm = min(run["warm"] for run in runs)
        lines.append(f"| {words:,} words, {len(runs)} processes | {source} | {cold:.1f} | {warm:.1f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench lexicon", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="later runs per process and source (default 5)")
    args = parser.parse_args(argv)
    print(table(measure(max(1, args.runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
