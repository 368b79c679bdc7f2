"""Shared fixtures: a fresh app on a temporary SQLite file, its engine, CLI runner and paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feedapp import create_app
from feedapp.db import get_engine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SAMPLE = SEEDS / "000_44faba8da108bc04.txt"


@pytest.fixture
def app(tmp_path: Path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}", "TESTING": True})
    yield app
    get_engine_of(app).dispose()


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
