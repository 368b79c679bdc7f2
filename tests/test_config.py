"""Configuration from FEEDAPP_* variables: defaults, parsing, and clear errors."""

from __future__ import annotations

import hashlib
import tempfile

import pytest

from feedapp import create_app
from tests.support import upgraded


def make(monkeypatch, tmp_path, **env: str):
    monkeypatch.setenv("FEEDAPP_DATABASE_URL", upgraded(f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    for name, value in env.items():
        monkeypatch.setenv(f"FEEDAPP_{name}", value)
    return create_app()


def test_defaults(monkeypatch, tmp_path):
    config = make(monkeypatch, tmp_path).config
    assert (
        config["SITE_URL"],
        config["SITE_TITLE"],
        config["FEED_SIZE"],
        config["WEBSUB_HUB"],
        config["API_TOKEN"],
        config["TAG_AUTHORITY"],
    ) == ("http://127.0.0.1:8000", "feedapp", 50, None, None, "127.0.0.1,2026")


def test_the_sign_in_throttle_file_is_named_after_the_database_in_the_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("FEEDAPP_AUTH_THROTTLE_FILE")  # conftest puts it in the test's folder
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config = make(monkeypatch, tmp_path).config
    digest = hashlib.sha256(config["DATABASE_URL"].encode()).hexdigest()[:16]
    assert config["AUTH_THROTTLE_FILE"] == str(tmp_path / f"feedapp-auth-{digest}")


def test_values_are_read_and_empty_ones_mean_unset(monkeypatch, tmp_path):
    config = make(
        monkeypatch, tmp_path, SITE_URL="https://news.example.ir/", FEED_SIZE="30", WEBSUB_HUB="", API_TOKEN=""
    ).config
    assert (
        config["SITE_URL"],
        config["FEED_SIZE"],
        config["WEBSUB_HUB"],
        config["API_TOKEN"],
        config["TAG_AUTHORITY"],
    ) == ("https://news.example.ir", 30, None, None, "news.example.ir,2026")


@pytest.mark.parametrize(
    "name, value, message",
    [
        (
            "SITE_URL",
            "news.example.ir",
            "FEEDAPP_SITE_URL must be an absolute http(s) URL such as https://news.example.ir, not 'news.example.ir'",
        ),
        ("FEED_SIZE", "0", "FEEDAPP_FEED_SIZE must be a whole number ≥ 1, not 0"),
        ("SITEMAP_SIZE", "50001", "FEEDAPP_SITEMAP_SIZE must be at most 50000 (sitemaps.org)"),
        ("API_TOKEN", "short", "FEEDAPP_API_TOKEN must be at least 16 characters (a random secret)"),
        (
            "WEBSUB_HUB",
            "ftp://hub",
            "FEEDAPP_WEBSUB_HUB must be an absolute http(s) URL such as https://news.example.ir, not 'ftp://hub'",
        ),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(monkeypatch, tmp_path, name, value, message):
    with pytest.raises(ValueError) as caught:
        make(monkeypatch, tmp_path, **{name: value})
    assert str(caught.value) == message
