"""Publishing tokens per source office and the audit trail: `feedapp token`, the API's checks
(office, scopes, expiry, revocation), and `feedapp audit` for API and CLI writes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import pwd
import re
from datetime import datetime, timedelta, timezone

import pytest

from feedapp import store, tokens
from feedapp.cli import main
from feedapp.core.jalali import rfc3339
from feedapp.core.models import Action, PublishedAt, Release
from feedapp.engine import Engine
from tests import test_api
from tests.support import close_app, opened_app
from tests.test_api import RELEASE, api_app, post_json

# The API's fixtures, for this module's tests too: a fresh store and its ingest service per backend.
shared_sqlite, shared_postgresql, api_store = test_api.shared_sqlite, test_api.shared_postgresql, test_api.api_store

QAZVIN = "روابط عمومی شهرداری قزوین"
TEHRAN = "روابط عمومی شهرداری تهران"
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
REFUSED = {"errors": [{"message": "the token is wrong, expired or revoked"}]}


def make_token(url: str, source: str | None = None, scopes=tokens.SCOPES, **times) -> str:
    """A token stored as `feedapp token create` stores it (without the CLI's hazm); the token."""
    engine = Engine(url)
    try:
        token = tokens.new_token()
        store.add_token(
            engine,
            tokens.prefix_of(token),
            tokens.digest(token),
            source,
            scopes,
            times.get("created_at", T0),
            times.get("expires_at"),
        )
    finally:
        engine.dispose()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit(url: str) -> list[store.AuditRecord]:
    engine = Engine(url)
    try:
        return store.audit_records(engine)
    finally:
        engine.dispose()


def stored(url: str, key: str):
    engine = Engine(url)
    try:
        return store.get_release(engine, key)
    finally:
        engine.dispose()


def sha256(document) -> str:
    return hashlib.sha256(json.dumps(document, ensure_ascii=False).encode()).hexdigest()


def release_of(key: str, source: str | None = None) -> Release:
    published = PublishedAt(datetime(2014, 3, 11, 8, 30, tzinfo=timezone.utc), "1392/12/20", False)
    return Release(key=key, published=published, title="تیتر", lead="لید.", source=source)


@pytest.fixture
def office_api(api_store, tmp_path):
    """The API over a fresh store, with no FEEDAPP_API_TOKEN: only tokens made in the store."""
    app = api_app(api_store, tmp_path, TESTING=True, API_TOKEN=None)
    yield api_store, app.test_client()
    close_app(app)


# --- Tokens: made, shown once, stored as digests, listed, revoked ------------------------------


def test_token_is_shown_once_and_only_its_digest_and_prefix_are_stored(runner, engine):
    made = runner.invoke(
        main,
        [
            "token",
            "create",
            "--source",
            " روابط عمومی شهرداری قزوين ",  # Arabic yeh and spaces: stored as releases store the name
            "--scope",
            "retract,publish",
            "--expires",
            "2099-01-01T00:00:00+03:30",
        ],
    )
    assert made.exit_code == 0, made.stderr
    token = made.stdout.removesuffix("\n")
    assert re.fullmatch(r"fa_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", token)
    prefix = token[:11]
    assert made.stderr == (
        f"created {prefix}: source {QAZVIN}; scopes publish,retract; expires 2099-01-01T00:00:00+03:30."
        " The token is shown only this once (only its SHA-256 is stored): give it to its office now.\n"
    )
    [kept] = store.list_tokens(engine)
    assert kept.created_at <= datetime.now(timezone.utc)
    assert kept == store.ApiToken(
        id=kept.id,
        prefix=prefix,
        sha256=hashlib.sha256(token.encode()).hexdigest(),
        source=QAZVIN,
        scopes=("publish", "retract"),
        created_at=kept.created_at,
        expires_at=datetime(2098, 12, 31, 20, 30, tzinfo=timezone.utc),
        revoked_at=None,
        last_used_at=None,
    )
    with engine.connect() as connection:
        row = connection.first("SELECT * FROM api_tokens")
    secret = token[12:]
    assert not any(secret in str(value) or token in str(value) for value in row.values())
    # A second token for the same office is another token.
    again = runner.invoke(main, ["token", "create", "--source", QAZVIN])
    assert again.exit_code == 0 and again.stdout != made.stdout

    listed = runner.invoke(main, ["token", "list"])
    second = store.list_tokens(engine)[1]
    assert listed.stdout == (
        "prefix\tsource\tscopes\tcreated\texpires\tlast used\tstate\n"
        f"{prefix}\t{QAZVIN}\tpublish,retract\t{rfc3339(kept.created_at)}\t2099-01-01T00:00:00+03:30\t-\tactive\n"
        f"{second.prefix}\t{QAZVIN}\tpublish,retract\t{rfc3339(second.created_at)}\tnever\t-\tactive\n"
    )


def test_administrator_token_list_and_revoke(runner, engine):
    made = runner.invoke(main, ["token", "create", "--scope", "publish", "--expires", "30d"])
    assert made.exit_code == 0
    [token] = store.list_tokens(engine)
    assert token.expires_at - token.created_at == timedelta(days=30)
    assert made.stderr == (
        f"created {token.prefix}: every source (administrator); scopes publish; expires {rfc3339(token.expires_at)}."
        " The token is shown only this once (only its SHA-256 is stored): give it to its office now.\n"
    )
    revoked = runner.invoke(main, ["token", "revoke", token.prefix])
    assert (revoked.exit_code, revoked.stdout, revoked.stderr) == (0, f"revoked {token.prefix}\n", "")
    [token] = store.list_tokens(engine)
    assert token.revoked_at is not None
    again = runner.invoke(main, ["token", "revoke", token.prefix])
    assert (again.exit_code, again.stdout, again.stderr) == (
        0,
        "",
        f"{token.prefix} was already revoked at {rfc3339(token.revoked_at)}\n",
    )
    assert store.list_tokens(engine) == [token]  # the row stays: the audit trail names it
    listed = runner.invoke(main, ["token", "list"])
    assert listed.stdout.splitlines()[1] == (
        f"{token.prefix}\t(administrator)\tpublish\t{rfc3339(token.created_at)}\t{rfc3339(token.expires_at)}\t-"
        f"\trevoked {rfc3339(token.revoked_at)}"
    )
    unknown = runner.invoke(main, ["token", "revoke", "fa_nothere"])
    assert (unknown.exit_code, unknown.stderr) == (
        1,
        "Error: no token has the prefix 'fa_nothere'; `feedapp token list` shows them\n",
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--scope", "publish,delete"],
            "Error: Invalid value for '--scope': delete is not a scope; expected a comma-separated list of publish, retract",
        ),
        (
            ["--scope", ","],
            "Error: Invalid value for '--scope': nothing is not a scope; expected a comma-separated list of publish, retract",
        ),
        (["--expires", "2020-01-01"], "Error: Invalid value for '--expires': '2020-01-01' is not in the future"),
        (
            ["--expires", "2030-01-01T00:00:00"],
            "Error: Invalid value for '--expires': '2030-01-01T00:00:00' is not a time; expected a number of days or"
            " hours (90d, 12h), a date (2027-03-21, Tehran time) or an ISO 8601 instant with its offset"
            " (2027-03-21T09:00:00+03:30)",
        ),
        (
            ["--source", "اداره/شهر"],
            "Error: Invalid value for '--source': 'اداره/شهر' holds a '/', which would split its feed's URL in two;"
            " expected a name without '/' (e.g. 'اقتصاد و بازار' for 'اقتصاد/بازار')",
        ),
    ],
)
def test_token_create_refuses_what_could_not_work(runner, engine, args, message):
    done = runner.invoke(main, ["token", "create", *args])
    assert (done.exit_code, done.stdout, done.stderr.splitlines()[-1]) == (2, "", message)
    assert store.list_tokens(engine) == []


def test_last_use_is_written_once_a_minute_not_per_request(engine):
    token = make_token(engine.url)
    uses = []
    for seconds in (0, 30, 59, 61):
        checked = tokens.authenticate(engine, token, None, T0 + timedelta(seconds=seconds))
        assert checked == tokens.Grant(store.Actor(token=token[:11]), ("publish", "retract"))
        uses.append(store.get_token(engine, token[:11]).last_used_at)
    assert uses == [T0, T0, T0, T0 + timedelta(seconds=61)]


# --- The API: on with a token, offices, scopes, refusals ---------------------------------------


def test_api_is_off_until_a_token_is_made_then_on_for_good(office_api):
    url, client = office_api
    for method, path in (("post", "/api/releases"), ("get", "/api/releases/k1"), ("put", "/api/releases/k1")):
        assert getattr(client, method)(path).status_code == 404
    assert client.delete("/api/releases/k1").status_code == 404
    token = make_token(url, QAZVIN)
    missing = client.get("/api/releases/k1")
    assert (missing.status_code, missing.get_json()) == (401, {"errors": [{"message": "a bearer token is required"}]})
    assert client.get("/api/releases/k1", headers=bearer(token)).status_code == 404  # on: no such release
    assert client.get("/api/releases/k1", headers=bearer(token + "x")).status_code == 403
    engine = Engine(url)
    store.revoke_token(engine, token[:11], T0)
    engine.dispose()
    assert client.get("/api/releases/k1").status_code == 401  # revoked: the API stays on


def test_revoked_expired_and_wrong_tokens_are_refused_alike_and_logged_by_prefix(api_store, tmp_path, caplog):
    url = api_store
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    revoked, expired, good = make_token(url, QAZVIN), make_token(url, expires_at=past), make_token(url)
    engine = Engine(url)
    store.revoke_token(engine, revoked[:11], T0)
    engine.dispose()
    wrong_secret = good[:12] + "x" * 43
    app = api_app(api_store, tmp_path, API_TOKEN=None, AUTH_FAILURES=5)
    client = app.test_client()
    try:
        with caplog.at_level(logging.WARNING, logger=app.logger.name):
            answers = [
                client.delete("/api/releases/k1", headers=bearer(given))
                for given in (revoked, expired, wrong_secret, "not-a-feedapp-token-at-all", "fa_zzzzzzzz_" + "y" * 43)
            ]
            throttled = client.get("/api/releases/k1", headers=bearer(good))
    finally:
        close_app(app)
    assert [(answer.status_code, answer.get_json()) for answer in answers] == [(403, REFUSED)] * 5
    assert throttled.status_code == 429  # five refusals count: even the good token waits now
    messages = [record.getMessage() for record in caplog.records if record.name == app.logger.name]
    assert messages == [
        f"publishing API: revoked token {revoked[:11]} from 127.0.0.1 (1 of 5 allowed in 60 s)",
        f"publishing API: expired token {expired[:11]} from 127.0.0.1 (2 of 5 allowed in 60 s)",
        f"publishing API: wrong token {good[:11]} from 127.0.0.1 (3 of 5 allowed in 60 s)",
        "publishing API: wrong token from 127.0.0.1 (4 of 5 allowed in 60 s)",
        "publishing API: wrong token fa_zzzzzzzz from 127.0.0.1 (5 of 5 allowed in 60 s); throttled",
    ]
    logged = caplog.text
    assert not any(secret in logged for secret in (revoked[12:], expired[12:], good[12:], "y" * 43))


def test_a_token_without_a_scope_cannot_use_it_and_any_token_reads(office_api):
    url, client = office_api
    publisher, retractor = make_token(url, QAZVIN, scopes=("publish",)), make_token(url, QAZVIN, scopes=("retract",))
    refused = client.delete("/api/releases/k1", headers=bearer(publisher))
    assert (refused.status_code, refused.get_json()) == (
        403,
        {"errors": [{"message": "retracting needs the retract scope; this token has publish"}]},
    )
    for method, path in (("post", "/api/releases"), ("put", "/api/releases/api_1")):
        refused = post_json(client, RELEASE, path, method, headers=bearer(retractor))
        assert (refused.status_code, refused.get_json()) == (
            403,
            {"errors": [{"message": "publishing needs the publish scope; this token has retract"}]},
        )
    for token in (publisher, retractor):
        assert client.get("/api/releases/k1", headers=bearer(token)).status_code == 404  # read: allowed
    assert audit(url) == []


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_office_token_publishes_under_its_own_source_only(office_api):
    url, client = office_api
    token = make_token(url, QAZVIN)
    created = post_json(client, RELEASE, headers=bearer(token))  # the body names no source
    assert (created.status_code, created.get_json()["action"]) == (201, "added")
    assert client.get("/api/releases/api_1", headers=bearer(token)).get_json()["source"] == QAZVIN
    assert stored(url, "api_1").release.source == QAZVIN
    # Naming its own office, even spelled with Arabic yeh, is its own office.
    same_office = {**RELEASE, "title": "تیتر تازه", "source": "روابط عمومی شهرداری قزوين"}
    replaced = post_json(client, same_office, "/api/releases/api_1", "put", headers=bearer(token))
    assert (replaced.status_code, replaced.get_json()["action"]) == (200, "updated")
    other = post_json(client, {**RELEASE, "key": "api_2", "source": TEHRAN}, headers=bearer(token))
    assert (other.status_code, other.get_json()) == (
        403,
        {
            "errors": [
                {
                    "field": "source",
                    "message": f"the release names the source {TEHRAN!r}; this token publishes for {QAZVIN!r}"
                    " only (leave `source` out, or name that office)",
                }
            ]
        },
    )
    assert stored(url, "api_2") is None
    assert [(record.action, record.key) for record in audit(url)] == [("added", "api_1"), ("updated", "api_1")]


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_another_office_s_release_is_403_for_every_write_and_readable(office_api):
    url, client = office_api
    admin, qazvin = make_token(url), make_token(url, QAZVIN)
    tehran_release = {**RELEASE, "source": TEHRAN}
    assert post_json(client, tehran_release, headers=bearer(admin)).status_code == 201
    assert post_json(client, {**RELEASE, "key": "nobody"}, headers=bearer(admin)).status_code == 201
    before = stored(url, "api_1")
    theirs = f"the release 'api_1' is of the source {TEHRAN!r}; this token may change only the releases of {QAZVIN!r}"
    attempts = {
        "put": post_json(client, {**RELEASE, "title": "ربوده"}, "/api/releases/api_1", "put", headers=bearer(qazvin)),
        "post": post_json(client, {**RELEASE, "title": "ربوده"}, headers=bearer(qazvin)),
        # The very bytes stored (answered before normalizing, as `unchanged`): refused all the same.
        "same bytes": post_json(client, tehran_release, "/api/releases/api_1", "put", headers=bearer(qazvin)),
        "delete": client.delete("/api/releases/api_1", headers=bearer(qazvin)),
    }
    for name, answer in attempts.items():
        assert (answer.status_code, answer.get_json()) == (403, {"errors": [{"message": theirs}]}), name
    no_source = client.delete("/api/releases/nobody", headers=bearer(qazvin))
    assert (no_source.status_code, no_source.get_json()) == (
        403,
        {
            "errors": [
                {
                    "message": f"the release 'nobody' is of no source; this token may change only the releases of {QAZVIN!r}"
                }
            ]
        },
    )
    assert stored(url, "api_1") == before and stored(url, "nobody").retracted_at is None
    read = client.get("/api/releases/api_1", headers=bearer(qazvin))
    assert (read.status_code, read.get_json()["source"]) == (200, TEHRAN)
    # An administrator token changes every office's releases.
    updated = post_json(
        client, {**tehran_release, "title": "تیتر دیگر"}, "/api/releases/api_1", "put", headers=bearer(admin)
    )
    assert (updated.status_code, updated.get_json()["action"]) == (200, "updated")
    assert client.delete("/api/releases/nobody", headers=bearer(admin)).status_code == 200
    assert [(record.action, record.key, record.token) for record in audit(url)] == [
        ("added", "api_1", admin[:11]),
        ("added", "nobody", admin[:11]),
        ("updated", "api_1", admin[:11]),
        ("retracted", "nobody", admin[:11]),
    ]


# --- The audit trail ----------------------------------------------------------------------------


@pytest.mark.slow  # writes through the ingest service (hazm)
def test_api_changes_are_audited_with_the_token_and_the_raw_bytes_digest(office_api):
    url, client = office_api
    token = make_token(url, QAZVIN)
    auth = bearer(token)
    changed = {**RELEASE, "title": "تیتر تازه"}
    started = datetime.now(timezone.utc)
    assert post_json(client, RELEASE, headers=auth).get_json()["action"] == "added"
    assert post_json(client, RELEASE, "/api/releases/api_1", "put", headers=auth).get_json()["action"] == "unchanged"
    assert post_json(client, changed, "/api/releases/api_1", "put", headers=auth).get_json()["action"] == "updated"
    # The same release in other bytes: nothing readers see changed, but the stored bytes did.
    respaced = json.dumps(changed, ensure_ascii=False, indent=1).encode()
    again = client.put("/api/releases/api_1", data=respaced, headers={**auth, "Content-Type": "application/json"})
    assert again.get_json()["action"] == "unchanged"
    assert client.delete("/api/releases/api_1", headers=auth).status_code == 200
    assert client.delete("/api/releases/api_1", headers=auth).status_code == 200  # already: nothing changes
    assert client.get("/api/releases/api_1", headers=auth).status_code == 200  # reads are not changes
    finished = datetime.now(timezone.utc)

    records = audit(url)
    final = stored(url, "api_1")
    assert [record._replace(recorded_at=None) for record in records] == [
        store.AuditRecord(1, None, "added", "api_1", sha256(RELEASE), token[:11], None, None),
        store.AuditRecord(2, None, "updated", "api_1", sha256(changed), token[:11], None, None),
        store.AuditRecord(3, None, "unchanged", "api_1", hashlib.sha256(respaced).hexdigest(), token[:11], None, None),
        store.AuditRecord(4, None, "retracted", "api_1", hashlib.sha256(respaced).hexdigest(), token[:11], None, None),
    ]
    assert records[0].recorded_at == final.ingested_at  # each record has its change's own time
    assert records[1].recorded_at == final.release.updated
    assert records[3].recorded_at == final.retracted_at
    assert started <= records[0].recorded_at <= records[2].recorded_at <= records[3].recorded_at <= finished

    with opened_app({"DATABASE_URL": url}) as app:
        printed = app.test_cli_runner().invoke(main, ["audit", "--json"])
        text = app.test_cli_runner().invoke(main, ["audit", "--key", "api_1", "--since", "1d"])
        none = app.test_cli_runner().invoke(main, ["audit", "--key", "api_2"])
    assert printed.exit_code == 0
    assert printed.stdout == "".join(
        json.dumps(
            {
                "id": record.id,
                "at": rfc3339(record.recorded_at),
                "action": record.action,
                "key": "api_1",
                "raw_sha256": record.raw_sha256,
                "token": token[:11],
                "command": None,
                "user": None,
            }
        )
        + "\n"
        for record in records
    )
    assert text.stdout == "".join(
        f"{rfc3339(record.recorded_at)}\t{record.action}\tapi_1\ttoken {token[:11]}\t{record.raw_sha256}\n"
        for record in records
    )
    assert (none.exit_code, none.stdout) == (0, "")


def test_a_change_refused_in_its_transaction_leaves_no_record_and_no_change(engine, monkeypatch):
    """The office is checked, and the record written, inside the write transaction: no check made
    before it can be raced, no record without its change, no change without its record."""
    release = release_of("k1", TEHRAN)
    tehran, qazvin = store.Actor(token="fa_tehran00", office=TEHRAN), store.Actor(token="fa_qazvin00", office=QAZVIN)
    with store.acting_as(tehran):
        assert store.save_release(engine, release, b"raw", "json", T0).action == Action.ADDED
    version = store.data_version(engine)
    with store.acting_as(qazvin):
        for write in (
            lambda: store.save_release(engine, dataclasses.replace(release, source=QAZVIN), b"raw2", "json", T0),
            lambda: store.retract(engine, "k1", T0),
        ):
            with pytest.raises(store.OfficeError):
                write()
    assert store.data_version(engine) == version
    assert store.get_release(engine, "k1").release.source == TEHRAN
    assert [record.token for record in store.audit_records(engine)] == ["fa_tehran00"]

    def broken(*args):
        raise RuntimeError("the insert failed")

    monkeypatch.setattr(store, "_insert_new", broken)
    with store.acting_as(tehran), pytest.raises(RuntimeError):
        store.save_release(engine, dataclasses.replace(release, key="k2"), b"raw", "json", T0)
    assert [record.key for record in store.audit_records(engine)] == ["k1"]  # rolled back with its change
    # Without an actor (reprocess, bulk loads) nothing is checked or recorded.
    store.retract(engine, "k1", T0)
    assert len(store.audit_records(engine)) == 1


def test_cli_ingest_and_retract_are_audited_with_the_command_and_the_os_user(runner, engine, tmp_path, monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    user = pwd.getpwuid(os.geteuid()).pw_name
    path = tmp_path / "k1.txt"
    first = "۱۳۹۲/۱۲/۲۰\n\nتیتر\n\nلید.".encode()
    second = "۱۳۹۲/۱۲/۲۰\n\nتیتر دوم\n\nلید.".encode()
    path.write_bytes(first)
    assert runner.invoke(main, ["ingest", str(path)]).stdout == "added k1\n"
    assert runner.invoke(main, ["ingest", str(path)]).stdout == "unchanged k1\n"
    path.write_bytes(second)
    monkeypatch.setenv("SUDO_USER", "maryam")
    assert runner.invoke(main, ["ingest", str(path)]).stdout == "updated k1\n"
    monkeypatch.delenv("SUDO_USER")
    retracted = runner.invoke(main, ["retract", "k1", "nope"])
    assert (retracted.exit_code, retracted.stdout, retracted.stderr) == (
        1,
        "retracted k1\n",
        "error nope: no release has this key\n2 keys: 1 retracted, 0 unchanged, 1 failed\n",
    )
    again = runner.invoke(main, ["retract", "k1"])
    assert (again.exit_code, again.stdout, again.stderr) == (
        0,
        "unchanged k1\n",
        "1 keys: 0 retracted, 1 unchanged, 0 failed\n",
    )
    assert store.get_release(engine, "k1").retracted_at is not None

    records = store.audit_records(engine)
    digest = hashlib.sha256(second).hexdigest()
    sudo = user if user == "maryam" else f"{user} (sudo by maryam)"
    assert [record._replace(recorded_at=None) for record in records] == [
        store.AuditRecord(1, None, "added", "k1", hashlib.sha256(first).hexdigest(), None, "ingest", user),
        store.AuditRecord(2, None, "updated", "k1", digest, None, "ingest", sudo),
        store.AuditRecord(3, None, "retracted", "k1", digest, None, "retract", user),
    ]
    final = store.get_release(engine, "k1")
    assert [record.recorded_at for record in records] == [final.ingested_at, final.release.updated, final.retracted_at]
    printed = runner.invoke(main, ["audit"])
    assert printed.stdout == (
        f"{rfc3339(records[0].recorded_at)}\tadded\tk1\tfeedapp ingest by {user}\t{records[0].raw_sha256}\n"
        f"{rfc3339(records[1].recorded_at)}\tupdated\tk1\tfeedapp ingest by {sudo}\t{digest}\n"
        f"{rfc3339(records[2].recorded_at)}\tretracted\tk1\tfeedapp retract by {user}\t{digest}\n"
    )
    later = runner.invoke(main, ["audit", "--since", "2999-01-01"])
    assert (later.exit_code, later.stdout) == (0, "")


def test_audit_command_filters_by_time_and_key_and_prints_json_exactly(runner, engine):
    with store.acting_as(store.Actor(token="fa_abcdefgh", office=QAZVIN)):
        store.save_release(engine, release_of("k1", QAZVIN), b"one", "json", T0)
        store.save_release(engine, release_of("k2", QAZVIN), b"two", "json", T0 + timedelta(hours=1))
    with store.acting_as(store.Actor(command="retract", user="maryam")):
        store.retract(engine, "k1", T0 + timedelta(hours=2))
    one, two = hashlib.sha256(b"one").hexdigest(), hashlib.sha256(b"two").hexdigest()
    printed = runner.invoke(main, ["audit", "--json"])
    assert (printed.exit_code, printed.stdout) == (
        0,
        f'{{"id": 1, "at": "2026-11-01T11:30:00+03:30", "action": "added", "key": "k1", "raw_sha256": "{one}",'
        ' "token": "fa_abcdefgh", "command": null, "user": null}\n'
        f'{{"id": 2, "at": "2026-11-01T12:30:00+03:30", "action": "added", "key": "k2", "raw_sha256": "{two}",'
        ' "token": "fa_abcdefgh", "command": null, "user": null}\n'
        f'{{"id": 3, "at": "2026-11-01T13:30:00+03:30", "action": "retracted", "key": "k1", "raw_sha256": "{one}",'
        ' "token": null, "command": "retract", "user": "maryam"}\n',
    )
    lines = {
        1: f"2026-11-01T11:30:00+03:30\tadded\tk1\ttoken fa_abcdefgh\t{one}\n",
        2: f"2026-11-01T12:30:00+03:30\tadded\tk2\ttoken fa_abcdefgh\t{two}\n",
        3: f"2026-11-01T13:30:00+03:30\tretracted\tk1\tfeedapp retract by maryam\t{one}\n",
    }
    for args, shown in (
        ([], [1, 2, 3]),
        (["--since", "2026-11-01T12:30:00+03:30"], [2, 3]),
        (["--since", "2026-11-01T09:00:00Z"], [2, 3]),
        (["--key", "k1"], [1, 3]),
        (["--since", "2026-11-01", "--key", "k2"], [2]),  # a date: from its start, Tehran time
        (["--since", "2026-11-02"], []),
        (["--key", "k3"], []),
    ):
        done = runner.invoke(main, ["audit", *args])
        assert (done.exit_code, done.stdout) == (0, "".join(lines[number] for number in shown)), args
    bad = runner.invoke(main, ["audit", "--since", "yesterday"])
    assert (bad.exit_code, bad.stderr.splitlines()[-1]) == (
        2,
        "Error: Invalid value for '--since': 'yesterday' is not a time; expected a number of days or hours (90d,"
        " 12h), a date (2027-03-21, Tehran time) or an ISO 8601 instant with its offset (2027-03-21T09:00:00+03:30)",
    )
