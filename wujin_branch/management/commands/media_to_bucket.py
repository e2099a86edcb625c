"""``manage.py media_to_bucket [--from DIR]``: copy the local media into the configured bucket
and verify each file's checksum (``wujin_branch.backups.to_bucket``)."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wujin_branch.backups.to_bucket import media_to_bucket


class Command(BaseCommand):
    help = (
        "把本地媒体目录中的文件复制到已配置的对象存储桶，逐个读回核对 sha256；可重复运行。"
        "Copy the local media into the configured bucket, verifying each file; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", type=Path, default=None,
                            help="本地媒体目录，默认 MEDIA_ROOT / the local media folder")  # fmt: skip

    def handle(self, *args, source, **options):
        source = source or Path(settings.MEDIA_ROOT)
        if not settings.USE_S3:
            raise CommandError(
                "对象存储未配置：请先设置 AWS_S3_ENDPOINT_URL、AWS_STORAGE_BUCKET_NAME、AWS_ACCESS_KEY_ID、"
                "AWS_SECRET_ACCESS_KEY / object storage is not configured"
            )
        if not source.is_dir():
            raise CommandError(f"本地媒体目录不存在 / no such folder: {source}")
        started = time.monotonic()
        result = media_to_bucket(source, log=self.stdout.write)
        self.stdout.write(
            f"复制 {result.copied} 个（{result.bytes / 1e6:.1f} MB），已存在 {result.present} 个，"
            f"内容不同 {len(result.different)} 个，校验失败 {len(result.failed)} 个"
            f" / copied {result.copied}, present {result.present}, different {len(result.different)},"
            f" failed {len(result.failed)}"
        )
        if not result.ok:
            raise CommandError("有文件未能复制或与桶中不同，见上文 / some files were not moved, see above")
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.1f} 秒 / done"))
