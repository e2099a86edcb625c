"""The test databases cloned from a migrated template instead of migrated twice (once per
pytest-xdist worker): running the ~70 migrations costs ~40 s of CPU, cloning ~1 s.

The template is named after a hash of every migration file, so any change to a migration
builds a new one from scratch with the real ``migrate`` (data migrations included) — the same
schema and reference rows the tests got before. One worker builds it under a PostgreSQL
advisory lock while the others wait; older templates are dropped. PostgreSQL only (SQLite
test databases are migrated as before).
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("branches", "ledgers", "assessment", "review", "wujin_branch")
PREFIX = "wujin_tpl_"
LOCK = 7_316_052  # an arbitrary advisory-lock key for building templates


def migrations_hash() -> str:
    h = hashlib.sha256()
    files = sorted(p for app in APPS for p in (ROOT / app / "migrations").glob("*.py"))
    for p in files:
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    for name in ("django", "simple_history", "axes", "treebeard"):  # third-party migrations too
        try:
            h.update(__import__(name).__version__.encode())
        except (ImportError, AttributeError):
            pass
    return h.hexdigest()[:16]


def _connect(settings_dict):
    import psycopg

    params = {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or "postgres",
        "dbname": "postgres",
        "autocommit": True,
    }
    if settings_dict.get("PASSWORD"):
        params["password"] = settings_dict["PASSWORD"]
    return psycopg.connect(**params)


def _exists(conn, name) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def ensure_template(settings_dict) -> str | None:
    """The name of a migrated template for the current migrations (built if missing), or None
    when the database is not PostgreSQL."""
    if "postgresql" not in settings_dict["ENGINE"]:
        return None
    from psycopg import sql

    name = PREFIX + migrations_hash()
    with _connect(settings_dict) as conn:
        if _exists(conn, name):
            return name
        conn.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        try:
            if _exists(conn, name):  # another worker built it while we waited
                return name
            building = name + "_b"
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(building)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
            url = "postgres://{user}{pw}@{host}:{port}/{db}".format(
                user=settings_dict.get("USER") or "postgres",
                pw=(":" + settings_dict["PASSWORD"]) if settings_dict.get("PASSWORD") else "",
                host=settings_dict.get("HOST") or "127.0.0.1",
                port=settings_dict.get("PORT") or 5432,
                db=building,
            )
            env = {**os.environ, "DATABASE_URL": url, "TESTING": "1", "DATABASE_REPLICA_URL": ""}
            subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
                           cwd=ROOT, env=env, check=True)  # fmt: skip
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(building), sql.Identifier(name))
            )
            old = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s", [PREFIX + "%", name]
            ).fetchall()
            for (other,) in old:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(other)))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    return name
