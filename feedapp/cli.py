"""The `feedapp` command: Flask's CLI group (run, routes, shell) plus ingest and check.

A thin layer: the work is in feedapp.ingest; this module turns outcomes into lines and exit codes.
Exit status: 0 when every release was stored (or checked), 1 when any was rejected (the good ones
are still stored), 2 for usage errors.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import __version__, configured_app, create_app
from .core.models import Action

if TYPE_CHECKING:  # importing feedapp.ingest loads hazm: only the commands that need it do
    from flask import Flask

    from .core.errors import Problem
    from .core.models import Release
    from .engine import Engine
    from .ingest import Outcome

# Below this many files a progress bar is more noise than help.
PROGRESS_MIN_FILES = 20


def _app() -> Flask:
    """The app for commands that use it; a database not at this code's schema is a clear error."""
    from .schema import SchemaError

    try:
        return create_app()
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from None


class _Commands(FlaskGroup):
    """Flask's group, listing its commands without building the app (`--help` works whatever
    state the database is in; the app registers no commands of its own)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return click.Group.list_commands(self, ctx)


main = click.version_option(__version__, "--version", prog_name="feedapp", message="%(prog)s %(version)s")(
    _Commands(
        create_app=_app,
        add_version_option=False,  # Flask's shows Python's and Flask's versions; ours shows feedapp's
        help="Publish Persian press releases as feeds. Configuration: FEEDAPP_* variables (see README).",
    )
)

_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))


@main.command("ingest")
@click.option(
    "--jobs",
    "parallel",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that normalize text (default: every core when there are 100 files or more).",
)
@_paths
@with_appcontext
def ingest_command(paths: tuple[Path, ...], parallel: int | None) -> None:
    """Parse, normalize and store releases from files or folders (*.txt, *.json, *.jsonl).

    Prints `added KEY`, `updated KEY` or `unchanged KEY` per release on stdout, and
    `error PATH[:LINE]: …` / `warning PATH[:LINE]: …` on stderr, then a summary line.
    """
    from .ingest import collect_files, ingest_files  # loads hazm: only for this command
    from .state import get_engine

    files = collect_files(paths)
    counts: dict[str, int] = {}
    changed = []
    workers = _workers(len(files), parallel)
    for outcome in ingest_files(get_engine(), _with_progress(files), workers=workers):
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
        if outcome.action.changed_feeds and outcome.release:
            changed.append(outcome.release)
        _report_problems(outcome)
        if outcome.ok:
            click.echo(f"{outcome.action} {outcome.key}")
    summary = ", ".join(
        f"{counts.get(a, 0)} {a}" for a in (Action.ADDED, Action.UPDATED, Action.UNCHANGED, Action.REJECTED)
    )
    if counts.get(Action.FAILED):  # the store's fault, not the files': named apart, so they are retried
        summary += f", {counts[Action.FAILED]} failed"
    click.echo(f"{len(files)} files: {summary}", err=True)
    _notify_hub(changed)
    sys.exit(1 if counts.get(Action.REJECTED) or counts.get(Action.FAILED) else 0)


def _notify_hub(changed: list[Release]) -> None:
    """After the results are out: tell the WebSub hub, if configured, which feeds changed."""
    hub = current_app.config["WEBSUB_HUB"]
    if not hub or not changed:
        return
    from . import urls, websub

    for topic in websub.notify(hub, urls.topic_urls(changed)):
        click.echo(
            f"warning: WebSub hub {hub} did not accept {topic}; subscribers will see it on their next poll", err=True
        )


@main.command("check")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per release, for scripts.")
@_paths
def check_command(paths: tuple[Path, ...], as_json: bool) -> None:
    """Parse and normalize releases without storing them; print each release's fields.

    With --json, prints one object per release (per line of a .jsonl file):
    path, line, ok, key, published (RFC 3339), jalali, kicker, title, lead, body, errors, warnings.
    """
    from .ingest import check_files, collect_files

    rejected = False
    for outcome in check_files(collect_files(paths)):
        rejected |= not outcome.ok
        if as_json:
            click.echo(json.dumps(_check_record(outcome), ensure_ascii=False))
        else:
            _report_problems(outcome)
            if outcome.ok:
                click.echo(_check_text(outcome))
    sys.exit(1 if rejected else 0)


@main.command("export")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(outdir: Path) -> None:
    """Write every page, feed, sitemap and robots.txt under OUTDIR as static files.

    Each text file gets a .gz sibling; OUTDIR/manifest.json lists every URL with its file,
    content type and ETag. Files whose bytes did not change are left alone.
    """
    from .export import export_site

    result = export_site(current_app, outdir)
    click.echo(f"{result.written} written, {result.unchanged} unchanged, {result.removed} removed", err=True)


# Below this many files, starting worker processes (each loads hazm) costs more than it saves.
PARALLEL_MIN_FILES = 100


def _workers(files: int, requested: int | None) -> int:
    if requested is not None:
        return requested
    return (os.cpu_count() or 1) if files >= PARALLEL_MIN_FILES else 1


def _with_progress(files: list[Path]) -> Iterable[Path]:
    if len(files) < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return files
    return _progress(files)


def _progress(files: list[Path]) -> Iterator[Path]:
    with click.progressbar(length=len(files), label="ingesting", file=sys.stderr) as bar:
        for path in files:
            yield path
            bar.update(1)


def _location(outcome: Outcome, line: int | None) -> str:
    return f"{outcome.path}:{line}" if line is not None else str(outcome.path)


def _report_problems(outcome: Outcome) -> None:
    for kind, problems in (("error", outcome.errors), ("warning", outcome.warnings)):
        for problem in problems:
            line = problem.line if problem.line is not None else outcome.line
            click.echo(f"{kind} {_location(outcome, line)}: {problem.describe()}", err=True)


def _problem_records(outcome: Outcome, problems: Iterable[Problem]) -> list[dict[str, object]]:
    return [{"line": None, "field": None, **p.as_dict(default_line=outcome.line)} for p in problems]


def _check_record(outcome: Outcome) -> dict[str, object]:
    from .core.jalali import rfc3339

    release = outcome.release
    return {
        "path": str(outcome.path),
        "line": outcome.line,
        "ok": outcome.ok,
        "key": outcome.key,
        "published": rfc3339(release.published.instant) if release else None,
        "jalali": release.published.jalali if release else None,
        "kicker": release.kicker if release else None,
        "title": release.title if release else None,
        "lead": release.lead if release else None,
        "body": list(release.body) if release else [],
        "errors": _problem_records(outcome, outcome.errors),
        "warnings": _problem_records(outcome, outcome.warnings),
    }


def _check_text(outcome: Outcome) -> str:
    from .core.jalali import format_jalali, rfc3339

    release = outcome.release
    assert release is not None  # only called for releases that parsed
    published = release.published
    rows = [
        ("key", release.key),
        ("date", f"{format_jalali(published)} ({published.jalali}) = {rfc3339(published.instant)}"),
        ("kicker", release.kicker or "-"),
        ("headline", release.title),
        ("lead", release.lead),
        ("paragraphs", str(len(release.body))),
    ]
    lines = [_location(outcome, outcome.line)] + [f"  {name + ':':<12}{value}" for name, value in rows]
    return "\n".join(lines) + "\n"


def _engine_from_config() -> Engine:
    """The store named by the configuration, without building the web app (which checks it)."""
    from .engine import Engine

    return Engine(configured_app().config["DATABASE_URL"])


@main.group("db", cls=click.Group)
def db_group() -> None:
    """The database's schema: see where it stands, bring it up to date."""


@db_group.command("upgrade")
def db_upgrade_command() -> None:
    """Apply the schema migrations the database is missing (create it when it does not exist).

    Safe to run at every start and on several hosts at once: a database that is up to date is
    left alone, and concurrent upgrades wait for each other.
    """
    from . import schema

    engine = _engine_from_config()
    before = schema.status(engine)
    if before.unknown:
        raise click.ClickException(schema.describe_problem(engine.display, before) or "")
    if before.legacy:
        click.echo(
            f"{engine.display}: made by a feedapp that recorded no schema version; bringing it up to date,"
            " every row kept",
            err=True,
        )
    for version in schema.upgrade(engine):
        click.echo(f"applied {version}")
    click.echo(f"{engine.display}: schema {schema.latest_version()} (up to date)", err=True)


@db_group.command("status")
def db_status_command() -> None:
    """Print feedapp's version, the database's schema version and the latest one.

    Exit status 0 when the database is up to date, 1 when it needs `feedapp db upgrade`
    (or a newer feedapp).
    """
    from . import schema

    engine = _engine_from_config()
    state = schema.status(engine)
    click.echo(f"feedapp {__version__}")
    click.echo(f"database: {engine.display}")
    click.echo(f"current: {state.current or '-'}")
    click.echo(f"latest: {schema.latest_version()}")
    click.echo(f"pending: {' '.join(state.pending) or '-'}")
    problem = schema.describe_problem(engine.display, state)
    if problem:
        click.echo(problem, err=True)
        sys.exit(1)


@main.command("reprocess")
@click.option("--dry-run", is_flag=True, help="Write nothing; show each change as a word-level diff.")
@click.option(
    "--jobs",
    "parallel",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that normalize text (default: every core).",
)
@click.option("--restart", is_flag=True, help="Start from the first release, not where an interrupted run stopped.")
@click.argument("keys", nargs=-1)
@with_appcontext
def reprocess_command(dry_run: bool, parallel: int | None, restart: bool, keys: tuple[str, ...]) -> None:
    """Re-derive stored releases (all, or KEYS) from their raw bytes with the current code.

    Prints `changed KEY` for each release whose text changed (with --dry-run, followed by its
    diff: `[-old-]{+new+}`, half-spaces shown as <ZWNJ>), `error KEY: …` for raw bytes that no
    longer parse (the stored release is kept), then a summary. `updated` and the feed order stay.
    A whole-store run that is killed resumes where it stopped.
    """
    from .reprocess import reprocess, resume_point
    from .state import get_engine

    engine = get_engine()
    resume = resume_point(engine) if not keys and not dry_run and not restart else None
    if resume:
        click.echo(f"resuming after release #{resume} (--restart to start over)", err=True)
    counts: dict[str, int] = {}
    for result in reprocess(
        engine, list(keys) or None, dry_run=dry_run, workers=parallel or os.cpu_count() or 1, restart=restart
    ):
        counts[result.action] = counts.get(result.action, 0) + 1
        for problem in result.errors:
            # A store fault's message says itself that nothing was written; a rejection needs saying.
            kept = "stored raw bytes: " if result.action == Action.REJECTED else ""
            suffix = "; the stored release is kept" if result.action == Action.REJECTED else ""
            click.echo(f"error {result.key}: {kept}{problem.describe()}{suffix}", err=True)
        if result.action == Action.CHANGED:
            click.echo(f"changed {result.key}")
            for line in result.diff:
                click.echo(f"  {line}")
    verb = "would change" if dry_run else "changed"
    failed = counts.get(Action.REJECTED, 0) + counts.get(Action.FAILED, 0)
    click.echo(
        f"{sum(counts.values())} releases: {counts.get(Action.CHANGED, 0)} {verb},"
        f" {counts.get(Action.UNCHANGED, 0)} unchanged, {failed} failed",
        err=True,
    )
    sys.exit(1 if failed else 0)


@main.command("backup", with_appcontext=False)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH, while the site serves and ingests.

    SQLite: a SQLite file (checked with PRAGMA integrity_check). PostgreSQL: a pg_dump archive
    (custom format). Restore it with `feedapp restore PATH`.
    """
    from .backup import backup

    _copy(backup, path, "backed up to")


@main.command("restore", with_appcontext=False)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Replace the database's content with a backup made by `feedapp backup`.

    Stop the site (and the ingest timer) first, restore, run `feedapp db upgrade` (a backup from
    an older feedapp is brought up to date), then start it again.
    """
    from . import schema
    from .backup import restore

    engine = _copy(restore, path, "restored from")
    problem = schema.describe_problem(engine.display, schema.status(engine))
    if problem:
        click.echo(problem, err=True)


def _copy(action: Callable[[Engine, Path], None], path: Path, done: str) -> Engine:
    """Run a backup or restore on the configured database; its errors as one clear line."""
    from .backup import BackupError

    engine = _engine_from_config()
    try:
        action(engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{engine.display}: {done} {path}", err=True)
    return engine
