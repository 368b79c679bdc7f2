"""BENCHMARKS.md and bench/chart.png from one run's figures (`python -m bench run`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One reported figure, with its target and whether it was met (None: no target or not measured)."""

    name: str
    value: str
    target: str = "-"
    met: bool | None = None


@dataclass(frozen=True)
class Throughput:
    """Median requests/s of one endpoint and encoding: the app, its floor, the peer if measured."""

    label: str
    app: float
    floor: float
    peer: float | None = None

    @property
    def ratio(self) -> float:
        return self.app / self.floor if self.floor else 0.0


@dataclass
class Report:
    """Everything BENCHMARKS.md shows."""

    command: str
    mode: str
    machine: list[tuple[str, str]]
    versions: list[tuple[str, str]]
    setup: list[str]
    figures: list[Figure] = field(default_factory=list)
    throughput: list[Throughput] = field(default_factory=list)
    first_render: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # label → (N, ms)
    notes: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)  # every wrk run, for the appendix


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "-"}[met]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def markdown(report: Report) -> str:
    """The whole BENCHMARKS.md text."""
    lines = ["# Benchmarks", "", f"Produced by `{report.command}` ({report.mode}).", ""]
    lines += ["## Machine and versions", ""]
    lines += _table(("item", "value"), [(k, v) for k, v in report.machine + report.versions])
    lines += ["", "## Setup", ""] + [f"- {item}" for item in report.setup]
    lines += ["", "## Figures against targets", ""]
    lines += _table(
        ("figure", "value", "target", "result"), [(f.name, f.value, f.target, _verdict(f.met)) for f in report.figures]
    )
    if report.throughput:
        lines += ["", "## Requests/s per endpoint (medians)", ""]
        lines += _table(
            ("endpoint", "app req/s", "floor req/s", "app / floor", "Django req/s"),
            [
                (
                    t.label,
                    f"{t.app:,.0f}",
                    f"{t.floor:,.0f}",
                    f"{t.ratio:.2f}",
                    f"{t.peer:,.1f}" if t.peer is not None else "-",
                )
                for t in report.throughput
            ],
        )
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    if report.runs:
        lines += ["", "## Every wrk run", "", "```"] + report.runs + ["```"]
    return "\n".join(lines) + "\n"


def chart(report: Report, path: Path) -> bool:
    """Requests/s per endpoint beside its floor and the peer, and first render against N.

    False (and no file) when matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")  # no display here
    import matplotlib.pyplot as plt

    figure, (bars, lines) = plt.subplots(1, 2, figsize=(14, 5.5), gridspec_kw={"width_ratios": [2.2, 1]})
    _throughput_bars(bars, report.throughput)
    _first_render_lines(lines, report.first_render)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _throughput_bars(axes, rows: list[Throughput]) -> None:  # noqa: ANN001 - matplotlib Axes
    width = 0.28
    positions = range(len(rows))
    axes.bar([p - width for p in positions], [r.app for r in rows], width, label="feedapp")
    axes.bar(list(positions), [r.floor for r in rows], width, label="floor (bare WSGI)")
    peers = [(p, r.peer) for p, r in zip(positions, rows) if r.peer is not None]
    if peers:
        axes.bar([p + width for p, _ in peers], [v for _, v in peers], width, label="Django syndication")
    axes.set_xticks(list(positions), [r.label for r in rows], rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("requests/s (median)")
    axes.set_title("Requests/s per endpoint")
    axes.legend(fontsize=8)


def _first_render_lines(axes, series: dict[str, list[tuple[int, float]]]) -> None:  # noqa: ANN001
    for label, points in series.items():
        points = sorted(points)
        axes.plot([n for n, _ in points], [ms for _, ms in points], marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("releases stored (N)")
    axes.set_ylabel("first request after a change (ms)")
    axes.set_title("First render against N")
    axes.legend(fontsize=8)


# Sections that other commands (`bench ingest`) write into BENCHMARKS.md: kept when `bench run`
# rewrites the rest of the file, replaced when their command runs again.
_SECTION_START = "<!-- section: {} -->"
_SECTION_END = "<!-- end of section: {} -->"


def write_section(path: Path, title: str, text: str) -> None:
    """Put `## title` and `text` into the report at `path`, in place of an earlier run's."""
    start, end = _SECTION_START.format(title), _SECTION_END.format(title)
    block = f"{start}\n## {title}\n\n{text.rstrip()}\n{end}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in current and end in current:
        before, rest = current.split(start, 1)
        current = before + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + ("\n\n" if current else "") + block
    path.write_text(current, encoding="utf-8")


def kept_sections(path: Path) -> str:
    """The sections other commands wrote into the report at `path` (see write_section), as they are."""
    if not path.exists():
        return ""
    text, kept = path.read_text(encoding="utf-8"), []
    opening = _SECTION_START.split("{}")[0]
    while (found := text.find(opening)) >= 0:
        title = text[found + len(opening) :].split(" -->", 1)[0]
        end = _SECTION_END.format(title)
        if end not in text:
            break
        section, text = text[found:].split(end, 1)
        kept.append(section + end + "\n")
    return "".join(kept)
