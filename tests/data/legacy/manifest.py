"""Step 5 of make.sh: load each dump back into a fresh database, check that it holds exactly the
rows of the database the old code wrote, and describe it in manifest.json.

    python manifest.py WORK COMMIT...   (WORK as make.sh left it; PG_URL set; needs psycopg)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent


def main(work: Path, commits: list[str]) -> None:
    fixtures = {}
    for commit in commits:
        for backend in ("sqlite", "postgresql"):
            dump = OUT / f"{commit}.{backend}.sql"
            if not dump.exists():
                continue
            text = dump.read_text(encoding="utf-8")
            if backend == "sqlite":
                source = sqlite3.connect(work / commit / "db.sqlite3")
                loaded = sqlite3.connect(":memory:")
                loaded.executescript(text)
            else:
                import psycopg

                url = os.environ["PG_URL"]
                with psycopg.connect(url + "/postgres", autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS r_{commit}")
                    admin.execute(f"CREATE DATABASE r_{commit}")
                source = psycopg.connect(f"{url}/c_{commit}", autocommit=True)
                loaded = psycopg.connect(f"{url}/r_{commit}", autocommit=True)
                loaded.execute(text)  # the whole file in one execute(), as a test would
            schema = sqlite_schema(loaded) if backend == "sqlite" else postgresql_schema(loaded)
            counts = {}
            for table in schema:
                rows = [sorted(map(repr, all_rows(db, table))) for db in (source, loaded)]
                assert rows[0] == rows[1], f"{dump.name}: table {table} differs from the source database"
                counts[table] = len(rows[0])
            retracted = "retracted_at IS NOT NULL" if "retracted_at" in schema["releases"]["columns"] else "NULL"
            releases = [
                {"id": id, "key": key, "raw_sha256": sha, "categories": categories,
                 "updated": updated is not None, "retracted": bool(gone)}
                for id, key, sha, categories, updated, gone in loaded.execute(
                    f"SELECT id, key, raw_sha256, categories, updated, {retracted} FROM releases ORDER BY id")]
            fixtures[dump.name] = {
                "commit": commit,
                "subject": subprocess.run(["git", "-C", str(OUT), "log", "-1", "--format=%s", commit],
                                          capture_output=True, text=True, check=True).stdout.strip(),
                "backend": backend,
                "feeds": sorted(p.name for p in OUT.glob(f"{commit}.{backend}.feed.*")),
                "schema": schema,
                "row_counts": counts,
                "state": dict(loaded.execute("SELECT name, value FROM state ORDER BY name").fetchall()),
                "releases": releases,
            }
            print(f"{dump.name}: loads back, same rows as the source ({counts})")
    manifest = {
        "about": "Databases written by the old feedapp code of each earlier schema (see README.md, make.sh).",
        "clock": {name: os.environ[name] for name in ("T_INGEST", "T_UPDATE", "T_RETRACT")},
        "fixtures": fixtures,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def all_rows(db, table: str) -> list[tuple]:
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in db.execute(f'SELECT * FROM "{table}"').fetchall()]


def sqlite_schema(db: sqlite3.Connection) -> dict:
    schema = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        columns = {name: {"type": type, "not_null": bool(notnull), "default": default, "primary_key": bool(pk)}
                   for _, name, type, notnull, default, pk in db.execute(f'PRAGMA table_info("{table}")')}
        indexes = {}
        for _, name, unique, origin, _ in db.execute(f'PRAGMA index_list("{table}")').fetchall():
            indexes[name] = {"columns": [row[2] for row in db.execute(f'PRAGMA index_info("{name}")')],
                             "unique": bool(unique), "origin": {"c": "CREATE INDEX", "u": "UNIQUE",
                                                                "pk": "PRIMARY KEY"}[origin]}
        schema[table] = {"columns": columns, "indexes": dict(sorted(indexes.items()))}
    return schema


def postgresql_schema(db) -> dict:
    schema = {}
    tables = db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                        " AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()
    for (table,) in tables:
        columns = {name: {"type": type, "not_null": nullable == "NO", "default": default}
                   for name, type, nullable, default in db.execute(
                       "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns"
                       " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", (table,))}
        indexes = {name: definition for name, definition in db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s"
            " ORDER BY indexname", (table,))}
        schema[table] = {"columns": columns, "indexes": indexes}
    return schema


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
