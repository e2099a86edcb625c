"""``manage.py restore <backup folder>``: verify a backup against its manifest, load it, and check
the result (see ``wujin_branch.backups``)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from wujin_branch.backups import BackupFailed, restore_backup


class Command(BaseCommand):
    help = (
        "从备份目录恢复数据库和媒体文件：先按清单校验备份，恢复后重新清点每张表、校验每个文件。"
        "Restore a backup folder after checking it against its manifest, then re-count and re-hash."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="一份备份的目录（含 manifest.json）/ one backup folder")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库或媒体目录不为空时也覆盖（删除并重建备份中的表）/ overwrite a non-empty target",
        )

    def handle(self, *args, directory, force=False, **options):
        started = time.monotonic()
        try:
            summary = restore_backup(directory, force=force, log=self.stdout.write)
        except BackupFailed as e:
            raise CommandError(str(e)) from e
        except OperationalError as e:
            raise CommandError(f"无法连接数据库 / cannot reach the database: {e}") from e
        self.stdout.write(
            f"已恢复 {summary['tables']} 张表 {summary['rows']} 行，{summary['files']} 个文件"
            f" {summary['bytes'] / 1e6:.1f} MB，与清单一致"
            f" / restored {summary['tables']} tables, {summary['rows']} rows, {summary['files']} files; all match"
        )
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.1f} 秒 / done"))
