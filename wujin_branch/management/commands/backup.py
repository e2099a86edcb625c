"""``manage.py backup <dir>``: a database dump, the media files and a manifest in ``<dir>/<timestamp>/``
(see ``wujin_branch.backups``)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from wujin_branch.backups import BackupFailed, create_backup


class Command(BaseCommand):
    help = (
        "备份数据库和全部媒体文件到 <目录>/<时间>/，并写入清单（行数、迁移状态、校验和）。"
        "Back up the database and all media files into <dir>/<timestamp>/ with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="备份存放目录 / where backups are kept")

    def handle(self, *args, directory, **options):
        started = time.monotonic()
        try:
            folder, manifest = create_backup(directory, log=self.stdout.write)
        except BackupFailed as e:
            raise CommandError(str(e)) from e
        except OperationalError as e:
            raise CommandError(f"无法连接数据库 / cannot reach the database: {e}") from e
        rows = sum(manifest["tables"].values())
        size = sum(entry["size"] for entry in manifest["media"])
        self.stdout.write(
            f"{len(manifest['tables'])} 张表 {rows} 行，{len(manifest['media'])} 个文件 {size / 1e6:.1f} MB"
            f" / {len(manifest['tables'])} tables, {rows} rows, {len(manifest['media'])} files"
        )
        if manifest["missing_media"]:
            missing = manifest["missing_media"]
            raise CommandError(
                f"备份不完整：{len(missing)} 个被记录引用的文件不在媒体目录中（见 {folder}/manifest.json 的 "
                f"missing_media），请重新备份；若文件确已丢失，这份备份仍可恢复数据库。"
                f" / incomplete: {len(missing)} referenced files are missing, e.g. {missing[0]}"
            )
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.1f} 秒 / done: {folder}"))
