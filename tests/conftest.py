"""Shared fixtures: a fresh app on a temporary SQLite file, its engine, CLI runner and paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feedapp import create_app
from feedapp.db import get_engine
from tests.support import PostgresServer, upgraded

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SAMPLE = SEEDS / "000_44faba8da108bc04.txt"


BACKENDS = ["sqlite", "postgresql"]

# Modules whose tests start servers or programs (gunicorn, nginx, chromium, feed readers, the
# benchmark): with the PostgreSQL runs, marked `slow`. `./scripts/test.sh -m "not slow"` leaves
# them out for a quick inner loop; CI runs everything.
SERVICE_MODULES = {
    "test_api_wire",
    "test_backup",
    "test_bench",
    "test_browser",
    "test_crawlers",
    "test_deploy",
    "test_faults",
    "test_feeds",
    "test_readers",
    "test_scale_out",
    "test_serve",
    "test_throttle",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgresql = params is not None and "postgresql" in params.params.values()
        if item.module.__name__.rsplit(".", 1)[-1] in SERVICE_MODULES or on_postgresql:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the whole run (each test gets its own database)."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path: Path) -> str:
    """Where a new database goes on each backend (no SQLite file yet, an empty PostgreSQL one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A fresh database at the latest schema on each backend: the test runs once per backend."""
    return upgraded(empty_database_url)


@pytest.fixture
def app(database_url: str):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    get_engine_of(app).dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path):
    """An engine on a fresh SQLite file, for what only SQLite has (WAL, its locking)."""
    app = create_app({"DATABASE_URL": upgraded(f"sqlite:///{tmp_path / 'test.sqlite3'}"), "TESTING": True})
    engine = get_engine_of(app)
    yield engine
    engine.dispose()


def get_engine_of(app):
    with app.app_context():
        return get_engine()


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
