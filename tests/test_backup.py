"""Backup and restore, round trip: committed data with photos → ``manage.py backup`` → ``manage.py
restore`` in a subprocess into a FRESH database and an empty MEDIA_ROOT → the same row in every
table and the same bytes in every file, checked here independently of the restore's own check.
A tampered backup (a changed photo, a truncated dump) and a non-empty target are refused.

On PostgreSQL (CI) the fresh database is created on the same server (``wujin_restore_<pid>``)
and dropped afterwards; on SQLite it is a new file.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from branches.models import Member
from ledgers.activities.services import activity_create
from ledgers.models import ActivityType, Photo
from tests.factories import MemberFactory
from tests.ledgers.test_activities import jpeg
from tests.seaweed import bucket_client
from tests.workers import storage_env

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the subprocess see committed rows only


def _pg_params(name=None) -> dict:
    s = connection.settings_dict
    return {
        "host": s.get("HOST") or "127.0.0.1",
        "port": s.get("PORT") or 5432,
        "user": s.get("USER") or "postgres",
        "password": s.get("PASSWORD") or None,
        "dbname": name or s["NAME"],
    }


def _database_url(name: str) -> str:
    p = _pg_params(name)
    password = f":{quote(p['password'])}" if p["password"] else ""
    return f"postgres://{quote(p['user'])}{password}@{p['host']}:{p['port']}/{quote(name)}"


@pytest.fixture
def fresh_database(tmp_path):
    """(DATABASE_URL, counts()) of an empty database nobody else uses."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"

        def counts():
            with sqlite3.connect(path) as db:
                names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in names
                        if t != "sqlite_sequence"}  # fmt: skip

        yield f"sqlite:///{path}", counts
        return
    import psycopg
    from psycopg import sql

    name = f"wujin_restore_{os.getpid()}"
    admin = _pg_params("postgres")
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def counts():
        with psycopg.connect(**_pg_params(name)) as db:
            names = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return {t: db.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                    for t in names}  # fmt: skip

    try:
        yield _database_url(name), counts
    finally:
        with psycopg.connect(**admin, autocommit=True) as db:
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _source_counts() -> dict:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _hashes(where) -> dict:
    """(size, sha256) of every media file by its path under the media root, read here without
    the backup code: the files of the folder ``where``, or, with the media in a bucket, the
    objects under the prefix ``where`` (a str)."""
    if isinstance(where, str):
        return _bucket_hashes(where)
    return {
        p.relative_to(where).as_posix(): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(where.rglob("*"))
        if p.is_file()
    }


def _bucket_hashes(prefix: str) -> dict:
    client = bucket_client()
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                                                                 Prefix=f"{prefix}/"):  # fmt: skip
        for obj in page.get("Contents", ()):
            body = client.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=obj["Key"])["Body"].read()
            out[obj["Key"].removeprefix(f"{prefix}/")] = (len(body), hashlib.sha256(body).hexdigest())
    return out


def _media_here():
    """Where this test's media are: its MEDIA_ROOT, or its prefix in the bucket."""
    return settings.AWS_LOCATION if settings.USE_S3 else Path(settings.MEDIA_ROOT)


def _empty_target(tmp_path):
    """Where a restore goes: an empty folder, or an empty prefix beside the test's own."""
    return f"{settings.AWS_LOCATION}-restored" if settings.USE_S3 else tmp_path / "restored-media"


def _restore(folder: Path, database_url: str, media, *extra) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **storage_env(),
        "DATABASE_URL": database_url,
        "TESTING": "1",
        "CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "wujin_branch.settings",
    }
    if isinstance(media, str):
        env["AWS_LOCATION"] = media
    else:
        env["MEDIA_ROOT"] = str(media)
    command = [sys.executable, "manage.py", "restore", str(folder), *extra]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def source(branch, secretary, settings):
    """Committed rows (a record with two photos, members, users) and files in both parts of MEDIA_ROOT."""
    for name in ("张伟", "王芳", "李娜"):
        MemberFactory(branch=branch, name=name)
    activity = activity_create(actor=secretary, branch=branch, attendance={}, photos=[jpeg(), jpeg(pattern=1)], data={
        "type": ActivityType.COMMITTEE, "held_on": datetime.date.today() - datetime.timedelta(days=3),
        "place": "村党群服务中心", "form": "offline", "host": "张伟", "recorder": "王芳",
        "topic": "研究年度工作计划", "content": "讨论通过年度工作计划。", "decisions": "按计划推进。",
    })  # fmt: skip
    default_storage.save("notices/公告.txt", ContentFile("公开的文件".encode()))
    return activity


def test_backup_then_restore_into_a_fresh_database_gives_the_same_rows_and_files(
    source, fresh_database, tmp_path, settings
):
    database_url, restored_counts = fresh_database
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backups"), stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert "完成" in out.getvalue() and not folder.name.endswith(".partial")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    # The manifest describes the source: every table's count, every file's bytes.
    source_counts = _source_counts()
    assert manifest["tables"] == source_counts
    assert manifest["tables"]["ledgers_photo"] == 2 and manifest["tables"]["django_migrations"] > 10
    applied = set(MigrationRecorder(connection).applied_migrations())
    assert {"kernel", "branches", "ledgers", "assessment", "review"} <= manifest["migrations"].keys()
    assert all((app, name) in applied for app, name in manifest["migrations"].items())
    source_files = _hashes(_media_here())
    assert {e["path"]: (e["size"], e["sha256"]) for e in manifest["media"]} == source_files
    for photo in Photo.objects.all():
        for field in (photo.original, photo.display, photo.thumb):
            assert f"private/{field.name}" in source_files
    assert "notices/公告.txt" in source_files
    assert manifest["missing_media"] == []
    dump = folder / "database.dump"
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == manifest["database"]["sha256"]

    # Restore into the fresh database and an empty media folder (or bucket prefix).
    media = _empty_target(tmp_path)
    done = _restore(folder, database_url, media)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "与清单一致" in done.stdout
    assert restored_counts() == manifest["tables"] == source_counts
    assert _hashes(media) == source_files

    # Restoring again into what is now full is refused without --force, and works with it.
    again = _restore(folder, database_url, media)
    assert again.returncode != 0 and "--force" in again.stderr
    forced = _restore(folder, database_url, media, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert restored_counts() == source_counts and _hashes(media) == source_files


def test_a_tampered_backup_is_refused_before_anything_is_touched(source, fresh_database, tmp_path):
    database_url, restored_counts = fresh_database
    call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    media = _empty_target(tmp_path)

    photo = tmp_path / "photo-changed"
    shutil.copytree(folder, photo)
    changed = next(e["path"] for e in manifest["media"] if e["path"].startswith("private/photos/original/"))
    with (photo / "media" / changed).open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    done = _restore(photo, database_url, media)
    assert done.returncode != 0
    assert "拒绝恢复" in done.stderr and changed in done.stderr

    truncated = tmp_path / "dump-truncated"
    shutil.copytree(folder, truncated)
    dump = truncated / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    done = _restore(truncated, database_url, media)
    assert done.returncode != 0
    assert "拒绝恢复" in done.stderr and "database.dump" in done.stderr

    assert restored_counts() == {} and _hashes(media) == {}  # refused before touching either


def test_rows_written_while_pg_dump_runs_are_neither_dumped_nor_counted(source, fresh_database, tmp_path, monkeypatch):
    """The counts and the dump come from one snapshot: a member committed after the counts,
    just before pg_dump starts, is in neither, and the restore matches the manifest exactly."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump --snapshot is PostgreSQL's")
    from wujin_branch.backups import database

    before = Member.objects.count()
    real_run = database._run

    def run_after_a_write(args, env, what):
        if Path(args[0]).name == "pg_dump":
            MemberFactory(branch=source.branch, name="后来者")  # committed: autocommit, other connection
        return real_run(args, env, what)

    monkeypatch.setattr(database, "_run", run_after_a_write)
    call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert Member.objects.count() == before + 1
    assert manifest["tables"]["branches_member"] == before

    database_url, restored_counts = fresh_database
    done = _restore(folder, database_url, _empty_target(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert restored_counts() == manifest["tables"]


def test_a_file_a_row_refers_to_that_is_gone_fails_the_backup(source, tmp_path):
    photo = Photo.objects.first()
    photo.thumb.storage.delete(photo.thumb.name)
    with pytest.raises(CommandError, match="备份不完整"):
        call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing_media"] == [f"private/{photo.thumb.name}"]
