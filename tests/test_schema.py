"""Schema versions: `feedapp db upgrade`/`status`, databases made by every earlier feedapp, and the
refusal to serve a database that is missing, empty or behind.

The legacy databases in tests/data/legacy/ were made by the old code itself (its own `feedapp
ingest` of its own seeds, an update and a retraction where it had them), then dumped; see the
README there. Each is loaded as the old code left it and upgraded by the real command.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import lxml.html
import psycopg
import pytest
from lxml import etree

from feedapp import __version__, create_app, schema, state, store
from feedapp.core.models import Selection
from feedapp.engine import Engine, utc
from feedapp.schema import SchemaError
from tests.support import ROOT, SEEDS, feedapp, ingest_service, upgraded

LEGACY = ROOT / "tests" / "data" / "legacy"
FIXTURES = sorted(LEGACY.glob("*.sql"))
LATEST = [
    "0001_schema",
    "0002_edited_version",
    "0003_change_indexes",
    "0004_positions",
    "0005_flat_reads",
    "0006_tokens_and_audit",
    "0007_ingest_queue",
    "0008_reach",
    "0009_check_jobs",
]
APPLIED_ALL = "".join(f"applied {migration}\n" for migration in LATEST)
ATOM = "{http://www.w3.org/2005/Atom}"


def fixture_database(fixture: Path, tmp_path: Path, postgres_server) -> str:  # noqa: ANN001
    """A database holding the dump exactly as the old code left it; its URL."""
    text = fixture.read_text(encoding="utf-8")
    if fixture.name.endswith(".postgresql.sql"):
        url = postgres_server().new_database()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(text)
        return url
    path = tmp_path / "legacy.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(text)
    return f"sqlite:///{path}"


def rows(url: str) -> tuple[list[dict], dict[str, int], dict[str, list[str]]]:
    """Every release row (by key), the state table, and the category rows per release key."""
    engine = Engine(url)
    try:
        with engine.connect() as connection:
            releases = connection.rows("SELECT * FROM releases ORDER BY id")
            state = {row["name"]: row["value"] for row in connection.rows("SELECT name, value FROM state")}
            tables = store.schema_versions(engine)[0]
            categories: dict[str, list[str]] = {}
            if "release_categories" in tables:
                for key, category in connection.execute(
                    "SELECT releases.key, release_categories.category FROM release_categories JOIN releases"
                    " ON releases.id = release_categories.release_id ORDER BY releases.id, category"
                ).fetchall():
                    categories.setdefault(key, []).append(category)
    finally:
        engine.dispose()
    for row in releases:
        row["raw"] = bytes(row["raw"])
    return releases, state, categories


def refused_at_start(url: str) -> str:
    """What the web app says when it refuses to start on the database."""
    with pytest.raises(SchemaError) as refused:
        create_app({"DATABASE_URL": url})
    return str(refused.value)


def run_upgrade(url: str):  # noqa: ANN201
    return feedapp({"FEEDAPP_DATABASE_URL": url}, "db", "upgrade", check=False)


@pytest.fixture
def postgres_server(request):
    return lambda: request.getfixturevalue("postgres")


def test_every_earlier_schema_has_a_fixture_on_each_backend_it_ran_on():
    names = [fixture.name for fixture in FIXTURES]
    assert names == [
        "2fa355e.postgresql.sql",
        "2fa355e.sqlite.sql",
        "4eb0e54.sqlite.sql",
        "709b57b.postgresql.sql",
        "709b57b.sqlite.sql",
        "d4ea7e4.postgresql.sql",
        "d4ea7e4.sqlite.sql",
        "e311046.sqlite.sql",
        "e7eef5c.postgresql.sql",
        "e7eef5c.sqlite.sql",
        "upgraded.sqlite.sql",  # made by e311046, then upgraded in place by each later version's own code
    ]


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_database_made_by_earlier_code_is_refused_then_upgraded_with_every_row_kept(fixture, tmp_path, postgres_server):
    url = fixture_database(fixture, tmp_path, postgres_server)
    before, old_state, old_categories = rows(url)
    assert len(before) >= 8
    where = url.removeprefix("sqlite:///")
    assert refused_at_start(url) == (
        f"the database {where} was made by a feedapp that recorded no schema version; back it up"
        " (`feedapp backup PATH`), then bring it up to date with `feedapp db upgrade`"
    )

    done = run_upgrade(url)
    assert (done.returncode, done.stdout) == (0, APPLIED_ALL)
    assert done.stderr.startswith(f"{where}: made by a feedapp that recorded no schema version")

    after, state, categories = rows(url)
    assert [row["key"] for row in after] == [row["key"] for row in before]
    for old, new in zip(before, after):
        kept = {name: old[name] for name in old}
        kept.setdefault("retracted_at", None)
        # A database from before change versions orders its releases by insertion.
        kept.setdefault("changed_version", old["id"])
        assert {name: new[name] for name in kept} == kept
        assert new["edited_version"] == new["changed_version"]
        expected_categories = list(dict.fromkeys(json.loads(old["categories"])))
        assert sorted(categories.get(old["key"], [])) == sorted(old_categories.get(old["key"], expected_categories))
    shown = sum(row["retracted_at"] is None for row in after)
    assert (state["releases_total"], state["releases_shown"]) == (len(after), shown)
    assert state["data_version"] == max(old_state.get("data_version", 0), max(r["changed_version"] for r in after))


# What each old version served (e311046 predates the feeds).
SERVED = [fixture for fixture in FIXTURES if not fixture.name.startswith("e311046")]


def served(fixture: Path, fmt: str) -> bytes:
    return fixture.with_name(fixture.name.removesuffix(".sql") + f".feed.{fmt}").read_bytes()


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("fixture", SERVED, ids=[f.stem for f in SERVED])
def test_upgraded_database_serves_the_old_entries_with_every_field_kept(fixture, tmp_path, postgres_server, make_app):
    url = fixture_database(fixture, tmp_path, postgres_server)
    assert run_upgrade(url).returncode == 0
    client = make_app({"DATABASE_URL": url, "SITE_URL": "http://127.0.0.1:8000"}).test_client()
    atom, rss, feed_json = (client.get(f"/feed.{fmt}").data for fmt in ("atom", "rss", "json"))
    assert atom_entries(atom) == atom_entries(served(fixture, "atom"))
    assert rss_items(rss) == rss_items(served(fixture, "rss"))
    assert json_items(feed_json) == json_items(served(fixture, "json"))
    generator = etree.fromstring(atom).find(f"{ATOM}generator")
    assert (generator.text, generator.get("version")) == ("feedapp", __version__)


# What 0.3.0 changed in every entry, on purpose (CHANGELOG): the content HTML gained the Jalali
# date line and line breaks between blocks; Media RSS lost media:description and gained
# media:thumbnail. Everything else must be as the old code served it, byte for byte.
MEDIA = "{http://search.yahoo.com/mrss/}"
CONTENT = (f"{ATOM}content", "{http://purl.org/rss/1.0/modules/content/}encoded")


def content_text(html: str) -> str:
    """The words of content HTML, without the date line, one space between any two texts (the
    old code glued blocks together: what 0.3.0 fixed)."""
    root = lxml.html.fragment_fromstring(html)
    for date in root.xpath("//p[@class='date']"):
        date.getparent().remove(date)
    return " ".join(" ".join(root.itertext()).split())


def comparable(entry: etree._Element) -> bytes:
    """An entry's canonical XML with 0.3.0's deliberate changes taken out."""
    entry = copy.deepcopy(entry)
    for element in entry.iter(f"{MEDIA}description", f"{MEDIA}thumbnail"):
        element.getparent().remove(element)
    for element in entry.iter(*CONTENT):
        element.text = content_text(element.text)
    return etree.tostring(entry, method="c14n")


def atom_entries(atom: bytes) -> dict[str, bytes]:
    """Each entry's canonical XML, by its id."""
    feed = etree.fromstring(atom)
    return {entry.findtext(f"{ATOM}id"): comparable(entry) for entry in feed.iter(f"{ATOM}entry")}


def rss_items(rss: bytes) -> dict[str, bytes]:
    return {item.findtext("guid"): comparable(item) for item in etree.fromstring(rss).iter("item")}


def json_items(feed: bytes) -> list[dict]:
    return [{**item, "content_html": content_text(item["content_html"])} for item in json.loads(feed)["items"]]


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_upgrading_twice_changes_nothing(fixture, tmp_path, postgres_server):
    url = fixture_database(fixture, tmp_path, postgres_server)
    assert run_upgrade(url).returncode == 0
    first = rows(url)
    done = run_upgrade(url)
    assert (done.returncode, done.stdout) == (0, "")
    assert rows(url) == first


@pytest.mark.slow  # runs the feedapp command
def test_new_database_is_created_by_upgrade_and_status_tells_where_it_stands(empty_database_url):
    env = {"FEEDAPP_DATABASE_URL": empty_database_url}
    where = empty_database_url.removeprefix("sqlite:///")
    if empty_database_url.startswith("sqlite"):
        absent = (f"the database {where} does not exist; create it with `feedapp db upgrade`\n", " ".join(LATEST))
    else:
        absent = (
            f"the database {where} holds no feedapp tables; create them with `feedapp db upgrade`\n",
            " ".join(LATEST),
        )
    status = feedapp(env, "db", "status", check=False)
    assert (status.returncode, status.stdout, status.stderr) == (
        1,
        f"feedapp {__version__}\ndatabase: {where}\ncurrent: -\nlatest: {LATEST[-1]}\npending: {absent[1]}\n",
        absent[0],
    )
    done = feedapp(env, "db", "upgrade")
    assert done.stdout == APPLIED_ALL
    status = feedapp(env, "db", "status")
    assert status.stdout == (
        f"feedapp {__version__}\ndatabase: {where}\ncurrent: {LATEST[-1]}\nlatest: {LATEST[-1]}\npending: -\n"
    )
    assert feedapp(env, "ingest", str(SEEDS)).returncode == 0


@pytest.mark.slow  # runs the feedapp command
def test_no_command_but_upgrade_creates_a_missing_sqlite_database(tmp_path):
    database = tmp_path / "missing" / "feedapp.sqlite3"
    env = {"FEEDAPP_DATABASE_URL": f"sqlite:///{database}"}
    for command in (["ingest", str(SEEDS)], ["export", str(tmp_path / "out")], ["reprocess"]):
        done = feedapp(env, *command, check=False)
        assert (done.returncode, done.stderr) == (
            1,
            f"Error: the database {database} does not exist; create it with `feedapp db upgrade`\n",
        )
    with pytest.raises(SchemaError):
        create_app({"DATABASE_URL": f"sqlite:///{database}"})
    assert not database.parent.exists()


@pytest.mark.slow  # runs the feedapp command
def test_database_behind_the_code_is_refused_with_the_command_that_fixes_it(database_url, make_app):
    engine = Engine(database_url)
    with engine.begin(write=True) as connection:
        connection.execute("DELETE FROM _yoyo_migration WHERE migration_id = :latest", {"latest": LATEST[-1]})
    engine.dispose()
    where = database_url.removeprefix("sqlite:///")
    assert refused_at_start(database_url) == (
        f"the database {where} is at schema version {LATEST[-2]}, feedapp {__version__} needs {LATEST[-1]};"
        " back it up (`feedapp backup PATH`), then run `feedapp db upgrade`"
    )
    # The latest runs again over a database that already has its changes: a no-op that records it.
    assert run_upgrade(database_url).stdout == f"applied {LATEST[-1]}\n"
    make_app({"DATABASE_URL": database_url})


@pytest.mark.slow  # runs the feedapp command
def test_database_upgraded_by_a_newer_feedapp_is_refused(database_url):
    engine = Engine(database_url)
    with engine.begin(write=True) as connection:
        connection.execute(
            "INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc)"
            " VALUES ('f00', '0099_from_the_future', '2030-01-01 00:00:00')"
        )
    engine.dispose()
    where = database_url.removeprefix("sqlite:///")
    message = (
        f"the database {where} is at schema version 0099_from_the_future, which feedapp {__version__} does"
        f" not know (its newest is {LATEST[-1]}): it was upgraded by a newer feedapp; run that"
        " version, or restore a backup taken before the upgrade"
    )
    assert refused_at_start(database_url) == message
    done = run_upgrade(database_url)
    assert (done.returncode, done.stderr) == (1, f"Error: {message}\n")


def test_deleted_database_file_is_never_recreated_by_a_running_app(tmp_path, make_app):
    database = tmp_path / "db.sqlite3"
    app = make_app({"DATABASE_URL": upgraded(f"sqlite:///{database}"), "TESTING": True})
    client = app.test_client()
    assert client.get("/feed.atom").status_code == 200
    engine = state.of(app).engine
    database.unlink()
    with pytest.raises(sqlite3.OperationalError) as refused:
        store.retract(engine, "any", store.utc("2026-01-01 00:00:00"))
    assert str(refused.value) == (
        f"the database file {database} was removed or replaced while in use; nothing was"
        " written (restore it, or run `feedapp db upgrade`)"
    )
    engine.dispose()
    with pytest.raises(sqlite3.OperationalError):
        with engine.connect():
            pass
    assert not database.exists()


@pytest.mark.slow  # runs the feedapp command
def test_concurrent_upgrades_of_one_database_apply_each_migration_once(empty_database_url):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        results = list(pool.map(run_upgrade, [empty_database_url] * 3))
    assert [r.returncode for r in results] == [0, 0, 0]
    assert sorted(r.stdout for r in results) == ["", "", APPLIED_ALL]
    assert schema.status(Engine(empty_database_url)).applied == tuple(LATEST)


# --- A store made by the real feedapp 0.2.0 (tests/data/v0.2.0/, see its README) ---------------

V020 = ROOT / "tests" / "data" / "v0.2.0"
SAMPLE_TEXT = (SEEDS / "000_44faba8da108bc04.txt").read_text(encoding="utf-8")
SAMPLE_TITLE = "حمایت از فعالیت روابط عمومی\u200cها موجب بروز خلاقیت\u200cکاری سازمان\u200cها می\u200cشود"
V020_RETRACTED_AT = "Mon, 03 Mar 2025 10:45:00 GMT"  # make.sh's T_RETRACT


def upgraded_0_2_0_store(backend: str, tmp_path: Path, postgres_server) -> str:  # noqa: ANN001
    """A store made by 0.2.0 (its dump), upgraded to this code's schema by `feedapp db upgrade`,
    every row 0.2.0 wrote checked as kept (assert_old_rows_kept); its URL."""
    url = fixture_database(V020 / f"0.2.0.{backend}.sql", tmp_path, postgres_server)
    before = rows(url)
    assert run_upgrade(url).returncode == 0
    assert_old_rows_kept(url, before)  # the new migrations touched no old row
    return url


def assert_old_rows_kept(url: str, before: tuple) -> None:
    """The releases, state and categories 0.2.0 wrote are as they were (`before`: rows() then),
    but for the positions 0004 added."""
    releases, state_rows, categories = rows(url)
    for row in releases:
        del row["position"], row["source_position"]
    assert (releases, state_rows, categories) == before


def table_indexes(url: str, table: str) -> set[str]:
    """The names of the indexes made on `table` by the migrations (not by its constraints)."""
    engine = Engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect == "sqlite":
                return set(
                    connection.column(
                        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table AND sql IS NOT NULL",
                        {"table": table},
                    )
                )
            return set(
                connection.column(
                    "SELECT indexname FROM pg_indexes WHERE tablename = :table"
                    " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    {"table": table},
                )
            )
    finally:
        engine.dispose()


def indexes(url: str) -> set[str]:
    """The names of the indexes the migrations made on `releases`."""
    return table_indexes(url, "releases")


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_made_by_0_2_0_is_upgraded_and_serves_what_0_2_0_served(backend, tmp_path, postgres_server, make_app):
    fixture = V020 / f"0.2.0.{backend}.sql"
    url = fixture_database(fixture, tmp_path, postgres_server)
    before = rows(url)
    where = url.removeprefix("sqlite:///")
    assert refused_at_start(url) == (
        f"the database {where} is at schema version 0002_edited_version, feedapp {__version__} needs"
        f" {LATEST[-1]}; back it up (`feedapp backup PATH`), then run `feedapp db upgrade`"
    )

    done = run_upgrade(url)
    assert (done.returncode, done.stdout) == (0, "".join(f"applied {name}\n" for name in LATEST[2:]))
    # Every row as 0.2.0 left it, with its places added (0004): numbered in id order.
    releases, state, categories = rows(url)
    places = [(row.pop("position"), row.pop("source_position")) for row in releases]
    assert (releases, state, categories) == before
    sources: dict[str, int] = {}
    expected = []
    for number, row in enumerate(before[0], start=1):
        if row["source"] is not None:
            sources[row["source"]] = sources.get(row["source"], 0) + 1
        expected.append((number, sources.get(row["source"]) if row["source"] is not None else None))
    assert places == expected
    assert indexes(url) == {
        "releases_published",
        "releases_changed_at",
        "releases_changed_version",
        "releases_source",
        "releases_edited_version",
        "releases_retracted",
        "releases_position",
        "releases_source_position",
        "releases_sitemap_position",
        "releases_source_edited",
        "releases_retracted_changed",
    }

    client = make_app({"DATABASE_URL": url, "SITE_URL": "http://127.0.0.1:8000"}).test_client()
    old = {
        name: (V020 / f"0.2.0.{backend}.{name}").read_bytes()
        for name in ("feed.atom", "feed.rss", "feed.json", "sitemap.xml", "sitemap-releases-1.xml")
    }
    atom = client.get("/feed.atom")
    assert atom_entries(atom.data) == atom_entries(old["feed.atom"])
    assert rss_items(client.get("/feed.rss").data) == rss_items(old["feed.rss"])
    assert json_items(client.get("/feed.json").data) == json_items(old["feed.json"])
    assert client.get("/sitemap.xml").data == old["sitemap.xml"]
    assert client.get("/sitemaps/releases-1.xml").data == old["sitemap-releases-1.xml"]
    # 0.2.0 dated the feed by its newest shown change (the update, a day before the retraction).
    assert atom.headers["Last-Modified"] == V020_RETRACTED_AT


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0005_gives_each_category_row_its_release_edit_and_each_block_its_newest_changes(
    backend, tmp_path, postgres_server
):
    url = fixture_database(V020 / f"0.2.0.{backend}.sql", tmp_path, postgres_server)
    assert run_upgrade(url).returncode == 0
    releases, _, categories = rows(url)
    engine = Engine(url)
    try:
        with engine.connect() as connection:
            copied = connection.execute(
                "SELECT releases.key, release_categories.category, release_categories.edited_version"
                " FROM release_categories JOIN releases ON releases.id = release_categories.release_id"
                " ORDER BY releases.id, release_categories.category"
            ).fetchall()
            blocks = connection.rows("SELECT * FROM position_blocks ORDER BY block")
    finally:
        engine.dispose()
    edited = {row["key"]: row["edited_version"] for row in releases}
    assert [tuple(row) for row in copied] == [
        (key, category, edited[key]) for key, held in categories.items() for category in held
    ]
    assert len(copied) > len(categories) == 3  # the fixture has a release with two categories
    shown = [row for row in releases if row["retracted_at"] is None]
    assert len(shown) < len(releases) <= store.BLOCK  # one block, with a retracted release in it
    assert [{**row, "published": utc(row["published"]), "updated": utc(row["updated"])} for row in blocks] == [
        {
            "block": 0,
            "version": max(row["changed_version"] for row in releases),
            "published": max(utc(row["published"]) for row in shown),
            "updated": max((utc(row["updated"]) for row in shown if row["updated"]), default=None),
        }
    ]


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pages_of_an_upgraded_0_2_0_store_hold_what_counting_in_id_order_gave(backend, tmp_path, postgres_server):
    """0004 numbers existing rows: every page of every selection keeps the members OFFSET
    counted out in id order, retracted releases included."""
    url = fixture_database(V020 / f"0.2.0.{backend}.sql", tmp_path, postgres_server)
    assert run_upgrade(url).returncode == 0
    releases, _, categories = rows(url)
    members = {store.ALL: [row["key"] for row in releases]}
    for row in releases:
        for category in categories.get(row["key"], []):
            members.setdefault(Selection(category=category), []).append(row["key"])
        if row["source"] is not None:
            members.setdefault(Selection(source=row["source"]), []).append(row["key"])
    assert len(members) > 3  # the fixture has categories and sources
    engine = Engine(url)
    try:
        for selection, keys in members.items():
            for size in (1, 2, 3):
                pages = [keys[start : start + size] for start in range(0, len(keys), size)]
                assert store.archive_page_count(engine, selection, size) == len(pages)
                for number, expected in enumerate(pages, start=1):
                    page = store.archive_page(engine, number, size, selection)
                    held = [stamp.key for stamp in page.stamps] + [removal.key for removal in page.removals]
                    assert sorted(held) == sorted(expected), (selection, size, number)
        shown = [row["key"] for row in releases if row["retracted_at"] is None]
        retracted = {row["key"] for row in releases if row["retracted_at"] is not None}
        assert retracted == {"005_bimeh_salamat_nowruz"}
        for size in (1, 2, 3):
            for number, start in enumerate(range(0, len(releases), size), start=1):
                expected = [row["key"] for row in releases[start : start + size] if row["key"] in shown]
                assert [key for key, _ in store.sitemap_page(engine, number, size)[0]] == expected
    finally:
        engine.dispose()


def table_contents(url: str, table: str) -> tuple[list[str], list[dict]]:
    """A table's column names, in order, and its rows (by its first column)."""
    engine = Engine(url)
    try:
        with engine.connect() as connection:
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY 1")
            return [column[0] for column in cursor.description], cursor.fetchall()
    finally:
        engine.dispose()


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_made_by_0_2_0_is_upgraded_by_0006_with_empty_token_and_audit_tables_and_still_serves(
    backend, tmp_path, postgres_server, make_app
):
    from feedapp import tokens

    fixture = V020 / f"0.2.0.{backend}.sql"
    url = fixture_database(fixture, tmp_path, postgres_server)
    before = rows(url)
    done = run_upgrade(url)
    assert (done.returncode, done.stdout) == (0, "".join(f"applied {name}\n" for name in LATEST[2:]))
    assert {"api_tokens", "audit_log"} <= store.schema_versions(Engine(url))[0]
    assert table_contents(url, "api_tokens") == (
        [
            "id",
            "prefix",
            "sha256",
            "source",
            "scopes",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ],
        [],
    )
    assert table_contents(url, "audit_log") == (
        ["id", "recorded_at", "action", "key", "raw_sha256", "token", "command", "os_user"],
        [],
    )
    assert table_indexes(url, "audit_log") == {"audit_log_recorded", "audit_log_key"}
    assert_old_rows_kept(url, before)  # 0006 touched no old row

    # The old store serves what 0.2.0 served; its API stays off (404), as it never had a token.
    client = make_app({"DATABASE_URL": url, "SITE_URL": "http://127.0.0.1:8000"}).test_client()
    assert atom_entries(client.get("/feed.atom").data) == atom_entries(served(fixture, "atom"))
    assert client.get("/api/releases/000_44faba8da108bc04").status_code == 404
    # Once a token is made, the old releases are read and retracted through it, and audited.
    engine = Engine(url)
    token = tokens.new_token()
    now = utc("2026-12-01 10:00:00")
    store.add_token(engine, tokens.prefix_of(token), tokens.digest(token), None, tokens.SCOPES, now, None)
    auth = {"Authorization": f"Bearer {token}"}
    read = client.get("/api/releases/000_44faba8da108bc04", headers=auth)
    old = next(row for row in before[0] if row["key"] == "000_44faba8da108bc04")
    assert (read.status_code, read.get_json()["title"]) == (200, old["title"])
    retracted = client.delete("/api/releases/000_44faba8da108bc04", headers=auth)
    assert retracted.status_code == 200
    records = store.audit_records(engine)
    retracted_at = store.get_release(engine, "000_44faba8da108bc04").retracted_at
    engine.dispose()
    assert records == [
        store.AuditRecord(
            1, retracted_at, "retracted", "000_44faba8da108bc04", old["raw_sha256"], tokens.prefix_of(token), None, None
        )
    ]
    assert client.get("/releases/000_44faba8da108bc04").status_code == 410


@pytest.mark.slow  # runs the feedapp command, and the ingest service (hazm)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_made_by_0_2_0_is_upgraded_by_0007_with_an_empty_queue_and_takes_api_writes_through_the_service(
    backend, tmp_path, postgres_server, make_app
):
    url = upgraded_0_2_0_store(backend, tmp_path, postgres_server)
    assert table_contents(url, "ingest_jobs") == (
        [
            "id",
            "received_at",
            "format",
            "key",
            "raw",
            "actor",
            "state",
            "claimed_by",
            "claimed_at",
            "attempts",
            "action",
            "reply",
            "finished_at",
            "request_id",  # added by 0008
            "purpose",  # added by 0009
        ],
        [],
    )
    assert table_indexes(url, "ingest_jobs") == {"ingest_jobs_open", "ingest_jobs_finished"}

    # The old store takes a replacement of one of its releases through the API and the service.
    old = next(row for row in rows(url)[0] if row["key"] == "000_44faba8da108bc04")  # as 0.2.0 wrote it
    assert old["title"] != "تیتر تازه"
    token = "upgrade-token-0123456789"
    client = make_app({"DATABASE_URL": url, "API_TOKEN": token}).test_client()
    document = {
        "key": "000_44faba8da108bc04",
        "published": "1392/12/20 ساعت 12:00",
        "title": "تیتر تازه",
        "lead": "لید.",
    }
    with ingest_service({"FEEDAPP_DATABASE_URL": url}):
        answer = client.put(
            "/api/releases/000_44faba8da108bc04", json=document, headers={"Authorization": f"Bearer {token}"}
        )
    assert (answer.status_code, answer.get_json()["action"]) == (200, "updated")
    engine = Engine(url)
    try:
        assert store.get_release(engine, "000_44faba8da108bc04").release.title == "تیتر تازه"
        with engine.connect() as connection:
            jobs = connection.rows("SELECT key, state, action, attempts FROM ingest_jobs")
    finally:
        engine.dispose()
    assert jobs == [{"key": "000_44faba8da108bc04", "state": "done", "action": "updated", "attempts": 1}]


@pytest.mark.slow  # runs the feedapp command
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_made_by_0_2_0_is_upgraded_by_0008_with_empty_reach_tables_that_take_counts(
    backend, tmp_path, postgres_server
):
    from feedapp.reach import ReachCounter

    url = upgraded_0_2_0_store(backend, tmp_path, postgres_server)
    columns = {
        "reach_announced": ["day", "feed", "aggregator", "feed_id", "subscribers", "seen_at"],
        "reach_pollers": ["day", "feed", "poller"],
        "reach_keys": ["day", "secret"],
        "reach_daily": ["day", "feed", "pollers"],
    }
    assert table_contents(url, "ingest_jobs")[0][-2] == "request_id"
    assert {table: table_contents(url, table) for table in columns} == {
        table: (names, []) for table, names in columns.items()
    }

    engine = Engine(url)
    try:
        counter = ReachCounter(engine, 3600)
        moment = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
        counter.count("/feed.atom", 304, "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 5 subscribers)", "", moment)
        counter.count("/feed.atom", 200, "Reader/1.0", "10.0.0.1", moment)
        counter.flush(moment)
        assert store.reach(engine, "2026-03-01") == [store.DayReach("2026-03-01", "/feed.atom", {"feedly": 5}, 1)]
    finally:
        engine.dispose()


@pytest.mark.slow  # runs the feedapp command and an ingest service
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_made_by_0_2_0_is_upgraded_by_0009_and_its_service_answers_checks_storing_nothing(
    backend, tmp_path, postgres_server
):
    from feedapp.ingest_client import IngestClient
    from feedapp.ingest_service import wake_address

    url = upgraded_0_2_0_store(backend, tmp_path, postgres_server)
    names, jobs = table_contents(url, "ingest_jobs")
    assert (names[-1], jobs) == ("purpose", [])

    engine = Engine(url)
    try:
        client = IngestClient(engine, wake_address(url), 20)
        with ingest_service({"FEEDAPP_DATABASE_URL": url}):
            checked = client.ingest(SAMPLE_TEXT.encode(), "text", "checked_only", purpose=store.CHECK)
            stored = client.ingest(SAMPLE_TEXT.encode(), "text", "stored_1")
        client.close()
        assert (checked["action"], checked["release"]["title"]) == ("checked", SAMPLE_TITLE)
        assert stored["action"] == "added"
        assert store.get_release(engine, "checked_only") is None
        with engine.connect() as connection:
            purposes = connection.rows("SELECT key, purpose, state FROM ingest_jobs ORDER BY id")
    finally:
        engine.dispose()
    assert purposes == [
        {"key": "checked_only", "purpose": "check", "state": "done"},
        {"key": "stored_1", "purpose": "store", "state": "done"},
    ]
