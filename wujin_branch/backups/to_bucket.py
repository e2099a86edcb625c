"""Moving the media of a MEDIA_ROOT into the bucket (``manage.py media_to_bucket``), once object
storage is configured: every file is copied under the same name (``private/…`` into the private
store, the rest into ``default_storage``, the layout of ``wujin_branch.s3``), read back and its
sha256 compared with the local file's.

Run it again at will: a file already in the bucket with the same content is counted as present
and left alone; one with different content is reported and left alone too (the bucket's copy
may be newer), and the command then fails so that someone looks. Local files are never deleted:
remove the folder once a run reports nothing copied and nothing different.
"""

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage

from wujin_branch.backups import files


@dataclass
class Moved:
    copied: int = 0
    present: int = 0
    bytes: int = 0
    different: list[str] = field(default_factory=list)  # in the bucket with other content: left alone
    failed: list[str] = field(default_factory=list)  # copied, but read back different

    @property
    def ok(self) -> bool:
        return not self.different and not self.failed


def _hash(storage, name):
    with storage.open(name, "rb") as stream:
        return files.hash_stream(stream)


def media_to_bucket(source: Path, *, log=lambda line: None) -> Moved:
    if not settings.USE_S3:
        raise ValueError("对象存储未配置（AWS_S3_ENDPOINT_URL 等四项）/ object storage is not configured")
    local = FileSystemStorage(location=source)
    result = Moved()
    for path in files.walk(local):
        storage, name = files.locate(path)
        want = _hash(local, path)
        if storage.exists(name):
            if _hash(storage, name) == want:
                result.present += 1
            else:
                result.different.append(path)
                log(f"已存在且内容不同，未覆盖 / differs in the bucket, left alone: {path}")
            continue
        with local.open(path, "rb") as stream:
            saved = storage.save(name, File(stream, name=posixpath.basename(name)))
        if saved != name or _hash(storage, name) != want:
            result.failed.append(path)
            log(f"复制后校验不符 / checksum differs after copying: {path}")
            continue
        result.copied += 1
        result.bytes += want[0]
        if result.copied % 500 == 0:
            log(f"已复制 {result.copied} 个文件 / {result.copied} files copied")
    return result
