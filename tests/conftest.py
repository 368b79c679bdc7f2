"""Fixtures: a fresh app on a temporary SQLite file (or PostgreSQL database), its engine, CLI runner
and a copy of the seeds; and which tests are `slow`. Constants and helpers are in tests/support.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feedapp import create_app
from tests.support import BACKENDS, SEEDS, PostgresServer, close_app, feedapp, get_engine_of, upgraded

# `./scripts/test.sh -m "not slow"` leaves out the tests that start servers or programs or run on
# PostgreSQL, for a quick inner loop; CI runs everything. Slow are: every test of these modules
# (they start gunicorn, nginx, chromium, feed readers, the benchmark), every PostgreSQL run (see
# runs_on_postgresql), every test of a store served by the ingest service (SERVICE_FIXTURES: the
# service loads hazm, seconds), and the tests marked `@pytest.mark.slow` in other modules because
# they start the feedapp command, a Python child (hazm alone takes seconds to load) or nginx.
SERVICE_MODULES = {
    "test_api_wire",
    "test_backup",
    "test_bench",
    "test_browser",
    "test_crawlers",
    "test_deploy",
    "test_faults",
    "test_feeds",
    "test_observe_served",
    "test_readers",
    "test_scale_out",
    "test_serve",
    "test_throttle",
}


# Fixtures that start the ingest service (tests/test_api.py).
SERVICE_FIXTURES = {"api_store", "shared_sqlite", "shared_postgresql"}


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis' number of examples: 300 for the parsers' properties in a full run; 60 in the
    fast tier (`-m "not slow"`), where drawing 300 nested documents took 14 of its 57 s. CI runs
    the full suite."""
    from hypothesis import settings

    settings.register_profile("full", max_examples=300)
    settings.register_profile("fast", max_examples=60)
    settings.load_profile("fast" if config.getoption("markexpr") == "not slow" else "full")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        in_service_module = item.module.__name__.rsplit(".", 1)[-1] in SERVICE_MODULES
        if in_service_module or runs_on_postgresql(item) or SERVICE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


def runs_on_postgresql(item: pytest.Item) -> bool:
    """The test uses the PostgreSQL server: it asks for the `postgres` fixture (itself or through
    its fixtures), or a parameter is that backend (`"postgresql"`, or test_schema's PostgreSQL dumps
    such as `2fa355e.postgresql.sql`), for fixtures that ask for the server only on that backend."""
    if "postgres" in item.fixturenames:
        return True
    callspec = getattr(item, "callspec", None)
    values = callspec.params.values() if callspec is not None else ()
    return any(value == "postgresql" or (isinstance(value, Path) and ".postgresql." in value.name) for value in values)


@pytest.fixture(autouse=True)
def _auth_throttle_file_in_the_test_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's apps and servers keep their sign-in throttle file in the test's own folder: the
    default, in the system's temporary folder and named after the database, would leave one file
    behind for every test database."""
    monkeypatch.setenv("FEEDAPP_AUTH_THROTTLE_FILE", str(tmp_path / "auth-throttle"))


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the whole run (each test gets its own database)."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def upgraded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file as `feedapp db upgrade` makes it, made once: tests get copies of it rather
    than running the migrations for each of hundreds of databases."""
    path = tmp_path_factory.mktemp("upgraded") / "upgraded.sqlite3"
    upgraded(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path: Path) -> str:
    """Where a new database goes on each backend (no SQLite file yet, an empty PostgreSQL one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def database_url(empty_database_url: str, upgraded_sqlite: Path) -> str:
    """A fresh database at the latest schema on each backend: the test runs once per backend."""
    if empty_database_url.startswith("sqlite:///"):
        shutil.copyfile(upgraded_sqlite, empty_database_url.removeprefix("sqlite:///"))
        return empty_database_url
    return upgraded(empty_database_url)


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Per backend, a store holding the seeds as `feedapp ingest seeds/` stored them, made on
    first use (seeded_database_url)."""
    return {}


@pytest.fixture
def seeded_database_url(empty_database_url: str, seeded_templates: dict[str, str], tmp_path_factory, request) -> str:
    """A fresh database holding the seeds, stored once per run and backend by the feedapp
    command and copied for each test (each ingest would start hazm again: seconds). Only for
    tests of what comes after an ingest; the times of the ingest are the run's, not the test's."""
    if empty_database_url.startswith("sqlite:///"):
        _copy_seeded_sqlite(seeded_templates, tmp_path_factory, Path(empty_database_url.removeprefix("sqlite:///")))
        return empty_database_url
    server = request.getfixturevalue("postgres")
    if "postgresql" not in seeded_templates:
        template = upgraded(server.new_database())
        feedapp({"FEEDAPP_DATABASE_URL": template}, "ingest", str(SEEDS))
        seeded_templates["postgresql"] = template
    return server.new_database(like=seeded_templates["postgresql"])


@pytest.fixture
def seeded_sqlite(seeded_templates: dict[str, str], tmp_path_factory, tmp_path: Path) -> Path:
    """`tmp_path / "db.sqlite3"`, a SQLite store holding the seeds (see seeded_database_url)."""
    return _copy_seeded_sqlite(seeded_templates, tmp_path_factory, tmp_path / "db.sqlite3")


def _copy_seeded_sqlite(seeded_templates: dict[str, str], tmp_path_factory, path: Path) -> Path:
    if "sqlite" not in seeded_templates:
        template = upgraded(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.sqlite3'}")
        feedapp({"FEEDAPP_DATABASE_URL": template}, "ingest", str(SEEDS))
        seeded_templates["sqlite"] = template.removeprefix("sqlite:///")
    # The command's last connection checkpointed the WAL into the file: the file is the store.
    assert not Path(seeded_templates["sqlite"] + "-wal").exists()
    shutil.copyfile(seeded_templates["sqlite"], path)
    return path


@pytest.fixture
def app(database_url: str):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    close_app(app)


@pytest.fixture
def make_app():
    """create_app for a test that configures its own app: every app it makes is closed after."""
    apps = []

    def make(config: dict):
        apps.append(create_app(config))
        return apps[-1]

    yield make
    for app in apps:
        close_app(app)


@pytest.fixture
def sqlite_app(tmp_path: Path, upgraded_sqlite: Path):
    """An app on a fresh SQLite file, for what only SQLite has (WAL, its locking) or needs only one backend."""
    shutil.copyfile(upgraded_sqlite, tmp_path / "test.sqlite3")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}", "TESTING": True})
    yield app
    close_app(app)


@pytest.fixture
def sqlite_engine(sqlite_app):
    """The engine of an app on a fresh SQLite file."""
    return get_engine_of(sqlite_app)


@pytest.fixture
def engine(app):
    return get_engine_of(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of seeds/ (tests change files in it)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target
