"""The `feedapp` command: Flask's CLI group (run, routes, shell) plus ingest, check, retract,
the database's commands, publishing tokens and the audit trail.

A thin layer: the work is in feedapp.ingest; this module turns outcomes into lines and exit codes.
Exit status: 0 when every release was stored (or checked), 1 when any was rejected (the good ones
are still stored), 2 for usage errors.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
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
@click.option(
    "--source",
    "office",
    metavar="NAME",
    help="The source office of every release in PATHS, as a token made with --source NAME would publish them:"
    " releases that name no source get NAME; one naming another source, or replacing a release of another"
    " source (or of none), is refused.",
)
@click.option(
    "--inbox",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Instead of PATHS, a drop folder: each sub-folder holds the releases of the office it is named after"
    " (as with --source NAME); files directly in it are ingested as without --source.",
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def ingest_command(paths: tuple[Path, ...], parallel: int | None, office: str | None, inbox: Path | None) -> None:
    """Parse, normalize and store releases from files or folders (*.txt, *.json, *.jsonl).

    Prints `added KEY`, `updated KEY` or `unchanged KEY` per release on stdout, and
    `error PATH[:LINE]: …` / `warning PATH[:LINE]: …` on stderr, then a summary line.
    """
    from . import offices, store  # offices loads hazm: only for this command
    from .state import get_engine

    if inbox is not None and (paths or office is not None):
        raise click.UsageError("--inbox takes no PATHS and no --source: each of its sub-folders names its office")
    if inbox is None and not paths:
        raise click.UsageError("Missing argument 'PATHS...' (or --inbox DIR).")
    if inbox is not None:
        batch = offices.inbox(inbox)
    else:
        try:
            name = offices.source_name(office) if office is not None else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--source'") from None
        batch = offices.for_office(paths, name)
    counts: dict[Action, int] = {}
    changed = []
    workers = _workers(batch.size, parallel)
    # Every change is checked against the file's office, if any, and recorded in the audit trail in
    # its own transaction, with this command and user.
    for outcome in offices.ingest(get_engine(), batch, store.os_user(), _with_progress(batch.files), workers):
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
        if outcome.action.changed_feeds and outcome.release:
            changed.append(outcome.release)
        _report_problems(outcome)
        if outcome.ok:
            click.echo(f"{outcome.action} {outcome.key}")
    click.echo(offices.summary(batch.size, counts), err=True)
    _notify_hub(changed)
    refused = (Action.REJECTED, Action.FORBIDDEN, Action.FAILED)
    sys.exit(1 if any(counts.get(action) for action in refused) else 0)


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
    for line in outcome.problem_lines():
        click.echo(line, err=True)


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
    counts: dict[Action, int] = {}
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


@main.command("ingest-service", with_appcontext=False)
def ingest_service_command() -> None:
    """Run the host's ingest service: it stores what the publishing API receives.

    One per host and database (a second one exits 1). It restarts its service process when that
    dies and stops on SIGTERM or Ctrl-C; scripts/serve.sh and deploy/feedapp-ingestd.service
    start it beside the site. Without it, API writes answer 202 and wait in the queue.
    """
    from . import ingest_service

    config = configured_app().config
    address = ingest_service.wake_address(config["DATABASE_URL"], config["INGEST_SOCKET"])
    sys.exit(ingest_service.supervise(config["DATABASE_URL"], address))


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


@main.command("retract")
@click.argument("keys", nargs=-1, required=True)
@with_appcontext
def retract_command(keys: tuple[str, ...]) -> None:
    """Retract releases: gone from every feed, list and sitemap; their pages answer 410.

    Prints `retracted KEY` per release retracted and `unchanged KEY` per one already retracted;
    `error KEY: …` on stderr for a key no release has, then a summary. Ingesting the release
    again publishes it again. Exit status 1 when any key was not retracted.
    """
    from . import store
    from .engine import storage_faults
    from .state import get_engine

    engine = get_engine()
    counts = {"retracted": 0, "unchanged": 0, "failed": 0}
    changed = []
    with store.acting_as(store.Actor(command="retract", user=store.os_user())):
        for key in dict.fromkeys(keys):
            now = datetime.now(timezone.utc)
            try:
                stored = store.retract(engine, key, now)
            except storage_faults() as exc:
                stored = None
                click.echo(
                    f"error {key}: the store could not be written ({type(exc).__name__}: {exc}); nothing was"
                    " retracted, try again later",
                    err=True,
                )
            else:
                if stored is None:
                    click.echo(f"error {key}: no release has this key", err=True)
            if stored is None:
                counts["failed"] += 1
                continue
            action = "retracted" if stored.retracted_at == now else "unchanged"
            counts[action] += 1
            if action == "retracted":
                changed.append(stored.release)
            click.echo(f"{action} {key}")
    click.echo(
        f"{sum(counts.values())} keys: {counts['retracted']} retracted, {counts['unchanged']} unchanged,"
        f" {counts['failed']} failed",
        err=True,
    )
    _notify_hub(changed)
    sys.exit(1 if counts["failed"] else 0)


def _when(value: str | None, now: datetime, *, ahead: bool, option: str) -> datetime | None:
    """A command line's instant: `90d` or `12h` from `now` (ahead, or back), a date (`2027-03-21`:
    its start, Tehran time), or an ISO 8601 instant with its offset."""
    import re

    from .core.jalali import TEHRAN

    if value is None:
        return None
    relative = re.fullmatch(r"(\d{1,5})([dh])", value.strip())
    if relative:
        amount = timedelta(**{"days" if relative[2] == "d" else "hours": int(relative[1])})
        return now + amount if ahead else now - amount
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return datetime.fromisoformat(value.strip()).replace(tzinfo=TEHRAN)
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} is not a time; expected a number of days or hours (90d, 12h), a date (2027-03-21,"
            " Tehran time) or an ISO 8601 instant with its offset (2027-03-21T09:00:00+03:30)",
            param_hint=f"'{option}'",
        )
    return instant


def _instant_text(instant: datetime | None) -> str:
    from .core.jalali import rfc3339

    return rfc3339(instant) if instant is not None else "-"


def _expiry(instant: datetime | None) -> str:
    return _instant_text(instant) if instant is not None else "never"


@main.group("token", cls=click.Group)
def token_group() -> None:
    """Tokens of the publishing API: one per source office, or an administrator's."""


@token_group.command("create")
@click.option(
    "--source",
    help="The source office whose releases the token may publish and retract, as releases name it"
    " (their `source`); the releases it creates get it. Without it: an administrator token (every release).",
)
@click.option(
    "--scope",
    "scope",
    default=",".join(("publish", "retract")),
    show_default=True,
    help="What it may do, comma-separated: publish (create and replace), retract. Reading needs none.",
)
@click.option(
    "--expires", help="When it stops working: 90d, 12h (from now), a date (Tehran time) or an ISO 8601 instant."
)
@with_appcontext
def token_create_command(source: str | None, scope: str, expires: str | None) -> None:
    """Make a token and print it on stdout, once: only its SHA-256 and its prefix are stored.

    The prefix (`fa_` and 8 characters) names it in `feedapp token list`, `feedapp token
    revoke`, the logs and the audit trail.
    """
    from . import store, tokens
    from .state import get_engine

    try:
        scopes = tokens.parse_scopes(scope)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--scope'") from None
    now = datetime.now(timezone.utc)
    expires_at = _when(expires, now, ahead=True, option="--expires")
    if expires_at is not None and expires_at <= now:
        raise click.BadParameter(f"{expires!r} is not in the future", param_hint="'--expires'")
    office = _office_name(source) if source is not None else None
    engine = get_engine()
    for attempt in range(3):  # the 8-character id is random: taken once in 2.8 trillion
        token = tokens.new_token()
        try:
            made = store.add_token(
                engine, tokens.prefix_of(token) or "", tokens.digest(token), office, scopes, now, expires_at
            )
            break
        except engine.IntegrityError:
            if attempt == 2:
                raise
    click.echo(token)
    whose = f"source {office}" if office is not None else "every source (administrator)"
    click.echo(
        f"created {made.prefix}: {whose}; scopes {','.join(made.scopes)}; expires {_expiry(made.expires_at)}."
        " The token is shown only this once (only its SHA-256 is stored): give it to its office now.",
        err=True,
    )


def _office_name(source: str) -> str:
    """A source name as releases store it (normalized as ingest normalizes it: loads hazm), or a
    usage error saying why it cannot be one."""
    from .core.decode import clean_text
    from .core.limits import name_problem
    from .core.normalize import normalize_text

    # As the JSON parser and the normalizer treat a release's `source`.
    name = normalize_text(" ".join(clean_text(source).split()))
    if not name:
        raise click.BadParameter("holds no text once normalized; expected the office's name", param_hint="'--source'")
    problem = name_problem("source", name)
    if problem is not None:
        raise click.BadParameter(problem.message, param_hint="'--source'")
    return name


@token_group.command("list")
@with_appcontext
def token_list_command() -> None:
    """Every token ever made, oldest first, one a line, tab-separated: prefix, source, scopes,
    created, expires, last used (to the minute), state (active, expired, revoked)."""
    from . import store
    from .state import get_engine

    now = datetime.now(timezone.utc)
    click.echo("\t".join(("prefix", "source", "scopes", "created", "expires", "last used", "state")))
    for token in store.list_tokens(get_engine()):
        if token.revoked_at is not None:
            state = f"revoked {_instant_text(token.revoked_at)}"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        fields = (
            token.prefix,
            token.source if token.source is not None else "(administrator)",
            ",".join(token.scopes),
            _instant_text(token.created_at),
            _expiry(token.expires_at),
            _instant_text(token.last_used_at),
            state,
        )
        click.echo("\t".join(fields))


@token_group.command("revoke")
@click.argument("prefix")
@with_appcontext
def token_revoke_command(prefix: str) -> None:
    """End the token with this PREFIX (`fa_` and 8 characters) for good: the API refuses it from
    the next request on. Its row stays, so the audit trail still names it."""
    from . import store
    from .state import get_engine

    now = datetime.now(timezone.utc)
    token = store.revoke_token(get_engine(), prefix, now)
    if token is None:
        raise click.ClickException(f"no token has the prefix {prefix!r}; `feedapp token list` shows them")
    if token.revoked_at == now:
        click.echo(f"revoked {token.prefix}")
    else:
        click.echo(f"{token.prefix} was already revoked at {_instant_text(token.revoked_at)}", err=True)


@main.command("audit")
@click.option(
    "--since", help="From this time on: 7d, 12h (back from now), a date (Tehran time) or an ISO 8601 instant."
)
@click.option("--key", help="Only the changes of the release with this key.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change, for scripts.")
@with_appcontext
def audit_command(since: str | None, key: str | None, as_json: bool) -> None:
    """Print the audit trail: every change made through the API or by `feedapp ingest` and
    `feedapp retract`, oldest first.

    One change a line, tab-separated: time, action (added, updated, retracted; unchanged when only
    the stored bytes changed), key, who (`token PREFIX`, or `feedapp COMMAND by USER`), and the
    SHA-256 of the raw bytes (for a retraction: of the bytes retracted). With --json, one object a
    line: id, at, action, key, raw_sha256, token, command, user.
    """
    from . import store
    from .state import get_engine

    records = store.audit_records(
        get_engine(), since=_when(since, datetime.now(timezone.utc), ahead=False, option="--since"), key=key
    )
    for record in records:
        if as_json:
            fields = {
                "id": record.id,
                "at": _instant_text(record.recorded_at),
                "action": record.action,
                "key": record.key,
                "raw_sha256": record.raw_sha256,
                "token": record.token,
                "command": record.command,
                "user": record.os_user,
            }
            click.echo(json.dumps(fields, ensure_ascii=False))
            continue
        who = f"token {record.token}" if record.token else f"feedapp {record.command} by {record.os_user}"
        click.echo("\t".join((_instant_text(record.recorded_at), record.action, record.key, who, record.raw_sha256)))


@main.command("stats")
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True, help="The last N days (Tehran).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@with_appcontext
def stats_command(days: int, as_json: bool) -> None:
    """Print each subscription feed's readers per day, oldest day first (feedapp/reach.py).

    One feed and day a line, tab-separated: day, feed, subscribers announced by aggregators
    (their total), other pollers, and each aggregator's figure (`feedly=120`). With --json, one
    object a line: day, feed, subscribers (aggregator → count), total, pollers. Today's figures
    grow until the day ends; each process writes its counts every FEEDAPP_REACH_FLUSH_SECONDS.
    """
    from . import store
    from .reach import site_day
    from .state import get_engine

    since = (site_day(datetime.now(timezone.utc)) - timedelta(days=days - 1)).isoformat()
    for day in store.reach(get_engine(), since):
        total = sum(day.subscribers.values())
        if as_json:
            fields = {"day": day.day, "feed": day.feed, "subscribers": day.subscribers, "total": total}
            click.echo(json.dumps({**fields, "pollers": day.pollers}, ensure_ascii=False))
            continue
        each = " ".join(f"{name}={count}" for name, count in sorted(day.subscribers.items()))
        click.echo("\t".join((day.day, day.feed, str(total), str(day.pollers), each)).rstrip("\t"))
