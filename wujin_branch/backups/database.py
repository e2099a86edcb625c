"""The database half of a backup: a dump taken in one snapshot together with the row counts
and the migration state, and the restore of that dump.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot (``pg_export_snapshot()``),
counts every table in it, and ``pg_dump --snapshot=`` dumps exactly what was counted while the
transaction stays open. SQLite: the ``sqlite3`` backup API copies the file in one step, and the
copy itself is counted.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections

DUMP_NAME = "database.dump"


class BackupFailed(Exception):
    """Shown to the operator as the command's error (plain Chinese, then English)."""


def vendor() -> str:
    return connection.vendor


def read_state(conn, cursor) -> dict:
    """Row count of every table and the latest applied migration of every app, read through
    ``cursor`` (so inside whatever snapshot it is in)."""
    tables = {}
    for table in conn.introspection.table_names(cursor):
        cursor.execute(f"SELECT count(*) FROM {conn.ops.quote_name(table)}")
        tables[table] = cursor.fetchone()[0]
    migrations = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name  # the last applied one wins
    return {"tables": tables, "migrations": migrations}


def current_state() -> dict:
    """What the configured database holds now (after a restore)."""
    connection.close()  # a restore replaced the tables under this connection
    with connection.cursor() as cursor:
        return read_state(connection, cursor)


def referenced_files(conn, cursor, part_of) -> set[str]:
    """Every file name a row refers to (FileField / ImageField), as a manifest path:
    ``part_of(storage)`` gives the folder of MEDIA_ROOT a storage keeps its files in."""
    from django.apps import apps
    from django.db import models

    names = set()
    existing = set(conn.introspection.table_names(cursor))
    for model in apps.get_models():
        if model._meta.db_table not in existing:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            prefix = part_of(field.storage)
            if prefix is None:
                continue
            column, table = conn.ops.quote_name(field.column), conn.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")
            names.update(f"{prefix}/{name}" if prefix else name for (name,) in cursor.fetchall())
    return names


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin:/usr/bin")
    if not found:
        raise BackupFailed(
            f"找不到 {name}：请安装 PostgreSQL 客户端（apt-get install postgresql-client，版本不低于服务器）。"
            f" / {name} not found: install the PostgreSQL client tools."
        )
    return found


def _pg_command(tool: str, settings_dict: dict) -> tuple[list[str], dict]:
    args = [_tool(tool)]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{flag}={settings_dict[key]}")
    env = os.environ.copy()
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return args, env


def _run(args: list[str], env: dict, what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"{what}失败 / {what} failed ({Path(args[0]).name}):\n{done.stderr.strip()}")


def dump(target: Path, part_of) -> dict:
    """Write the dump to ``target``; return the state it holds (table counts, migrations) and
    the files its rows refer to (``referenced``)."""
    if vendor() == "sqlite":
        return _dump_sqlite(target, part_of)
    if vendor() != "postgresql":
        raise BackupFailed(f"不支持的数据库：{vendor()} / unsupported database")
    return _dump_postgresql(target, part_of)


def _dump_postgresql(target: Path, part_of) -> dict:
    conn = connections.create_connection(DEFAULT_DB_ALIAS)  # its own transaction, whatever the caller's
    try:
        conn.set_autocommit(False)
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            state = read_state(conn, cursor)
            state["referenced"] = referenced_files(conn, cursor, part_of)
            args, env = _pg_command("pg_dump", conn.settings_dict)
            args += [
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={conn.settings_dict['NAME']}",
            ]
            _run(args, env, "导出数据库")  # the snapshot lives as long as this transaction
        conn.rollback()
    finally:
        conn.close()
    return state


def _sqlite_wrapper(path: Path):
    """A Django connection to another SQLite file, to count it the way the database is counted."""
    return type(connections[DEFAULT_DB_ALIAS])({**connection.settings_dict, "NAME": str(path)}, DEFAULT_DB_ALIAS)


def _sqlite_copy(source: str, target: str) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # one step: a consistent copy even while the site writes
    finally:
        dst.close()
        src.close()


def _dump_sqlite(target: Path, part_of) -> dict:
    _sqlite_copy(str(connection.settings_dict["NAME"]), str(target))
    copy = _sqlite_wrapper(target)
    try:
        with copy.cursor() as cursor:
            state = read_state(copy, cursor)
            state["referenced"] = referenced_files(copy, cursor, part_of)
    finally:
        copy.close()
    return state


def existing_tables() -> list[str]:
    return connection.introspection.table_names()


def load(source: Path) -> None:
    """Replace what the configured database holds with the dump at ``source``."""
    connection.close()
    if vendor() == "sqlite":
        _sqlite_copy(str(source), str(connection.settings_dict["NAME"]))
        return
    args, env = _pg_command("pg_restore", connection.settings_dict)
    args += [
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",  # all or nothing; implies --exit-on-error
        f"--dbname={connection.settings_dict['NAME']}",
        str(source),
    ]
    _run(args, env, "恢复数据库")
