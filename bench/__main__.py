"""`python -m bench COMMAND [OPTIONS]`, from the repository root (or `./scripts/bench.sh COMMAND`).

Each command is a module of this package with `main(argv) -> int`; its options are its own
(`python -m bench run --help`). A new command is one more row in COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name → (module, one line for the list). Modules are imported only when their command runs,
# so one command's dependencies (Django, matplotlib, wrk) are never needed by another.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bench.run", "the serving benchmark: ingest, gunicorn, wrk vs a floor and Django; writes BENCHMARKS.md"),
    "limits": ("bench.limits", "render time of feeds made of releases at every bound of core/limits.py"),
    "slowloris": ("bench.slowloris", "slow clients against gunicorn alone and behind the shipped nginx"),
    "generate": ("bench.generate", "write N synthetic releases shaped like the real sample"),
    "populate": ("bench.populate", "append N synthetic releases to a store in bulk, through the store (no hazm)"),
    "pages": ("bench.pages", "the store reads behind the documents that grow with N, on a populated store"),
    "growth": ("bench.growth", "first renders, sitemap crawl, RSS and req/s through gunicorn, on a populated store"),
    "lexicon": ("bench.lexicon", "what the half-space lexicon costs a fresh ingest process; restoration speed"),
    "normalize": ("bench.normalize", "normalize_text per real article, in this checkout and another (--against)"),
    "ingest": ("bench.ingest", "API writes through the ingest service: boot, first write, latency, burst, memory"),
    "observe": ("bench.observe", "what access lines, reach and metrics cost cached feeds, against the floor"),
}


def parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<10} {summary}" for name, (_, summary) in COMMANDS.items())
    result = argparse.ArgumentParser(
        prog="python -m bench",
        usage="python -m bench [-h] COMMAND [OPTIONS]",
        description="feedapp's benchmarks (bench/README.md).",
        epilog=f"commands:\n{listing}\n\n`python -m bench COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument("command", choices=COMMANDS, metavar="COMMAND", help="one of: " + ", ".join(COMMANDS))
    return result


def main(argv: list[str] | None = None) -> int:
    """Run COMMAND with the arguments after it (its own parser reads them, `--help` included)."""
    argv = sys.argv[1:] if argv is None else argv
    command = parser().parse_args(argv[:1]).command
    return importlib.import_module(COMMANDS[command][0]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
