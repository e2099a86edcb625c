"""Backup and restore: a database dump, a copy of the media files and a manifest of what they
hold (row counts, migration state, sizes and sha256 checksums), checked before and after a
restore. The commands ``manage.py backup`` / ``restore`` call these.

A backup folder::

    20250512-021500/
      manifest.json
      database.dump        pg_dump --format=custom, or an SQLite copy
      media/private/...    every stored file, by its path under MEDIA_ROOT

The media are copied after the dump. Files added in between are harmless extras; a file a
dumped row refers to but that is gone by then (deleted with its row meanwhile, or lost before)
is listed in the manifest as ``missing_media``, and the backup command then fails loudly so
that the operator runs it again.
"""

import json
import shutil
from pathlib import Path

from django.utils import timezone

from wujin_branch.backups import database, files
from wujin_branch.backups.database import DUMP_NAME, BackupFailed

__all__ = ["BackupFailed", "create_backup", "restore_backup", "verify_backup"]

FORMAT = 1
MANIFEST_NAME = "manifest.json"


def create_backup(root: Path, *, log=lambda line: None) -> tuple[Path, dict]:
    """Write a new backup folder ``root/<timestamp>``; return it and its manifest. The folder
    is written as ``<timestamp>.partial`` and renamed when complete."""
    created = timezone.now()
    name = timezone.localtime(created).strftime("%Y%m%d-%H%M%S")
    folder, partial = root / name, root / f"{name}.partial"
    if folder.exists() or partial.exists():
        raise BackupFailed(f"备份目录已存在：{folder} / backup folder exists")
    partial.mkdir(parents=True)
    try:
        log(f"导出数据库（{database.vendor()}）/ dumping the database")
        state = database.dump(partial / DUMP_NAME, files.part_of)
        dump_size, dump_sha = files.hash_local(partial / DUMP_NAME)
        log("复制媒体文件 / copying media files")
        media = files.copy_out(partial)
        copied = {entry["path"] for entry in media}
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "database": {"vendor": database.vendor(), "file": DUMP_NAME, "size": dump_size, "sha256": dump_sha},
            "migrations": state["migrations"],
            "tables": state["tables"],
            "media": media,
            "missing_media": sorted(state["referenced"] - copied),
        }
        (partial / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(folder)
    return folder, manifest


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        inside = sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST_NAME}"))
        hint = f"；其中的备份：{'、'.join(inside[-5:])}，请指定其中一个 / pick one of them" if inside else ""
        raise BackupFailed(f"{folder} 中没有 {MANIFEST_NAME}，不是一份备份 / not a backup folder{hint}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise BackupFailed(f"{MANIFEST_NAME} 无法读取 / unreadable: {e}") from e
    if manifest.get("format") != FORMAT:
        raise BackupFailed(f"不认识的备份格式 / unknown backup format: {manifest.get('format')!r}")
    return manifest


def verify_backup(folder: Path) -> dict:
    """The manifest, once the dump and every media file match it; otherwise BackupFailed
    listing what does not."""
    manifest = read_manifest(folder)
    problems = []
    dump = folder / manifest["database"]["file"]
    if not dump.is_file():
        problems.append(f"缺少数据库文件 / missing: {dump.name}")
    elif files.hash_local(dump) != (manifest["database"]["size"], manifest["database"]["sha256"]):
        problems.append(f"数据库文件与清单不符 / {dump.name} does not match the manifest")
    problems += files.verify_copy(folder, manifest["media"])
    if problems:
        raise BackupFailed(_listing("备份已损坏或被改动，拒绝恢复 / the backup does not match its manifest", problems))
    return manifest


def restore_backup(folder: Path, *, force=False, log=lambda line: None) -> dict:
    """Verify ``folder``, load it into the configured database and storages, and check the
    result against the manifest. Returns a summary; raises BackupFailed on any difference."""
    manifest = verify_backup(folder)
    log(f"备份校验通过 / backup verified: {folder}")
    if manifest["database"]["vendor"] != database.vendor():
        raise BackupFailed(
            f"备份来自 {manifest['database']['vendor']}，当前数据库是 {database.vendor()} / database kinds differ"
        )
    tables = database.existing_tables()
    stored = next(files.stored_files(), None)
    if (tables or stored) and not force:
        raise BackupFailed(
            f"目标不是空的（数据库 {len(tables)} 张表，媒体目录{'有' if stored else '无'}文件）；"
            "确认要覆盖时加 --force / the target is not empty: add --force to overwrite it"
        )
    log("恢复数据库 / restoring the database")
    database.load(folder / manifest["database"]["file"])
    log("恢复媒体文件 / restoring media files")
    files.copy_in(folder, manifest["media"])
    log("核对 / checking")
    state = database.current_state()
    problems = _compare_tables(manifest["tables"], state["tables"])
    if state["migrations"] != manifest["migrations"]:
        problems.append("迁移状态与清单不同 / the migration state differs")
    problems += files.verify_stored(manifest["media"])
    if problems:
        raise BackupFailed(_listing("恢复结果与清单不符 / the restored data differ from the manifest", problems))
    return {
        "tables": len(state["tables"]),
        "rows": sum(state["tables"].values()),
        "files": len(manifest["media"]),
        "bytes": sum(entry["size"] for entry in manifest["media"]),
    }


def _compare_tables(expected: dict, actual: dict) -> list[str]:
    problems = []
    for table in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(table), actual.get(table)
        if want != got:
            problems.append(f"表 {table}：清单 {want}，恢复后 {got} / table {table}: manifest {want}, restored {got}")
    return problems


def _listing(headline: str, problems: list[str], limit=20) -> str:
    lines = [headline, *(f"  - {p}" for p in problems[:limit])]
    if len(problems) > limit:
        lines.append(f"  …… 另有 {len(problems) - limit} 项 / and {len(problems) - limit} more")
    return "\n".join(lines)
