"""Step 5 of make.sh: load each dump back into a fresh database, check that it holds exactly the
rows of the database the old code wrote, and describe it in manifest.json.

    python manifest.py WORK NAME...   (WORK as make.sh left it; PG_URL set; needs psycopg)

NAME is a commit (WORK/NAME/db.sqlite3, database c_NAME) or "upgraded" (WORK/upgraded.sqlite3, made
by the commits in $UPGRADED, oldest first).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent


def main(work: Path, names: list[str]) -> None:
    fixtures = {}
    for name in names:
        history = os.environ["UPGRADED"].split() if name == "upgraded" else [name]
        commit = history[-1]
        for backend in ("sqlite", "postgresql"):
            dump = OUT / f"{name}.{backend}.sql"
            if not dump.exists():
                continue
            text = dump.read_text(encoding="utf-8")
            if backend == "sqlite":
                source = sqlite3.connect(work / "upgraded.sqlite3" if name == "upgraded" else work / name / "db.sqlite3")
                loaded = sqlite3.connect(":memory:")
                loaded.executescript(text)
            else:
                import psycopg

                url = os.environ["PG_URL"]
                with psycopg.connect(url + "/postgres", autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS r_{commit}")
                    admin.execute(f"CREATE DATABASE r_{commit}")
                with psycopg.connect(f"{url}/r_{commit}", autocommit=True) as load:
                    load.execute(text)  # the whole file in one execute(), as a test would
                # New sessions: the dump leaves its own session's search_path empty.
                source = psycopg.connect(f"{url}/c_{commit}", autocommit=True)
                loaded = psycopg.connect(f"{url}/r_{commit}", autocommit=True)
            schema = sqlite_schema(loaded) if backend == "sqlite" else postgresql_schema(loaded)
            counts = {}
            for table in schema:
                rows = [sorted(map(repr, all_rows(db, table))) for db in (source, loaded)]
                assert rows[0] == rows[1], f"{dump.name}: table {table} differs from the source database"
                counts[table] = len(rows[0])
            retracted = "retracted_at IS NOT NULL" if "retracted_at" in schema["releases"]["columns"] else "NULL"
            releases = [
                {"id": id, "key": key, "raw_sha256": sha, "categories": categories,
                 "updated": updated is not None, "retracted": bool(gone),
                 **({"changed_version": version[0]} if version else {})}
                for id, key, sha, categories, updated, gone, *version in loaded.execute(
                    f"SELECT id, key, raw_sha256, categories, updated, {retracted}"
                    + (", changed_version" if "changed_version" in schema["releases"]["columns"] else "")
                    + " FROM releases ORDER BY id")]
            fixtures[dump.name] = {
                "commit": commit,
                **({"made_by": history} if len(history) > 1 else {}),
                "subject": subprocess.run(["git", "-C", str(OUT), "log", "-1", "--format=%s", commit],
                                          capture_output=True, text=True, check=True).stdout.strip(),
                # The oldest commit whose store.py is this very blob (e311046 stands for f208d0f,
                # 4eb0e54 for 1eadfbb: see make.sh).
                "store_py_same_since": store_py_since(commit),
                "backend": backend,
                # Served bodies: file name -> the file it is a symlink to (same bytes), or null.
                "feeds": {p.name: os.readlink(p) if p.is_symlink() else None
                          for p in sorted(OUT.glob(f"{name}.{backend}.feed.*"))},
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
    (OUT / "manifest.json").write_text(dumps(manifest) + "\n", encoding="utf-8")


def store_py_since(commit: str) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(OUT), *args], capture_output=True, text=True, check=True).stdout

    blob = git("rev-parse", f"{commit}:feedapp/store.py").strip()
    for earlier in git("rev-list", "--reverse", "--first-parent", commit).split():
        if git("ls-tree", earlier, "--", ":/feedapp/store.py").split()[2:3] == [blob]:
            return earlier[:7]
    return commit


def all_rows(db, table: str) -> list[tuple]:
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in db.execute(f'SELECT * FROM "{table}"').fetchall()]


def sqlite_schema(db: sqlite3.Connection) -> dict:
    """{table: {columns: {name: declared type and constraints}, indexes: {name: definition}}}."""
    schema = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        columns = {name: " ".join(filter(None, (type, "NOT NULL" if notnull else "",
                                                f"DEFAULT {default}" if default is not None else "",
                                                "PRIMARY KEY" if pk else "")))
                   for _, name, type, notnull, default, pk in db.execute(f'PRAGMA table_info("{table}")')}
        indexes = {}
        for _, name, unique, origin, _ in db.execute(f'PRAGMA index_list("{table}")').fetchall():
            cols = ", ".join(row[2] for row in db.execute(f'PRAGMA index_info("{name}")'))
            made_by = {"c": "CREATE INDEX", "u": "UNIQUE constraint", "pk": "PRIMARY KEY"}[origin]
            indexes[name] = f"{'UNIQUE ' if unique else ''}({cols}) from {made_by}"
        schema[table] = {"columns": columns, "indexes": dict(sorted(indexes.items()))}
    return schema


def postgresql_schema(db) -> dict:
    """{table: {columns: {name: type and constraints}, indexes: {name: pg_indexes.indexdef}}}."""
    schema = {}
    tables = db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                        " AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()
    for (table,) in tables:
        columns = {name: " ".join(filter(None, (type, "NOT NULL" if nullable == "NO" else "",
                                                f"DEFAULT {default}" if default is not None else "")))
                   for name, type, nullable, default in db.execute(
                       "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns"
                       " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", (table,))}
        indexes = dict(db.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
                                  " AND tablename = %s ORDER BY indexname", (table,)).fetchall())
        schema[table] = {"columns": columns, "indexes": indexes}
    return schema


def dumps(value, indent: str = "") -> str:
    """JSON with one line for each value that fits on one (a release, a column), nested otherwise."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + len(indent) <= 250 or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
