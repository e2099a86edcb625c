"""The media half of a backup: every stored file, read and written back through the Storage
API, so the same code serves the filesystem today and object storage later.

MEDIA_ROOT has two parts, each its own storage: ``private/`` (``private_storage``: photos,
attachments, receipts, PDFs, exports) and the public rest (``default_storage``). A manifest
path is relative to MEDIA_ROOT: ``private/photos/original/2025/05/<uuid>.jpg``. The backup
folder itself is a plain local folder (it is not a stored file).
"""

import hashlib
import posixpath
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage

from wujin_branch.media import PRIVATE_DIR
from wujin_branch.storage import private_storage

MEDIA_DIR = "media"  # in the backup folder
CHUNK = 1024 * 1024


def parts():
    """(folder of MEDIA_ROOT, storage) for each part."""
    return [(PRIVATE_DIR, private_storage), ("", default_storage)]


def part_of(storage) -> str | None:
    """The folder a model field's storage keeps its files in; None for a storage not backed up."""
    for prefix, candidate in parts():
        if storage is candidate:
            return prefix
    return None


def locate(path: str):
    """(storage, name in it) for a manifest path; refuses paths that leave MEDIA_ROOT."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(path)
    if pure.parts[0] == PRIVATE_DIR and len(pure.parts) > 1:
        return private_storage, str(PurePosixPath(*pure.parts[1:]))
    return default_storage, str(pure)


def walk(storage, folder="", skip=()):
    """Every file name in ``storage`` under ``folder``, by listing (folders named in ``skip`` at
    the top are left out)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # MEDIA_ROOT (or its private part) not created yet
        return
    for name in sorted(files):
        if name.startswith("."):  # a file being written (wujin_branch.media), not yet stored
            continue
        yield posixpath.join(folder, name) if folder else name
    for name in sorted(dirs):
        if not folder and name in skip:
            continue
        yield from walk(storage, posixpath.join(folder, name) if folder else name)


def stored_files():
    """(manifest path, storage, name) of every stored file."""
    for prefix, storage in parts():
        skip = () if prefix else (PRIVATE_DIR,)
        for name in walk(storage, skip=skip):
            yield (f"{prefix}/{name}" if prefix else name), storage, name


def hash_stream(stream, out=None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return size, digest.hexdigest()


def hash_local(path: Path) -> tuple[int, str]:
    with path.open("rb") as stream:
        return hash_stream(stream)


def copy_out(folder: Path) -> list[dict]:
    """Copy every stored file into ``folder``/media; return its manifest entries."""
    entries = []
    for path, storage, name in stored_files():
        target = folder / MEDIA_DIR / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(name, "rb") as stream, target.open("wb") as out:
                size, sha = hash_stream(stream, out)
        except FileNotFoundError:  # deleted since it was listed: no row refers to it any more
            target.unlink(missing_ok=True)
            continue
        entries.append({"path": path, "size": size, "sha256": sha})
    return entries


def verify_copy(folder: Path, entries: list[dict]) -> list[str]:
    """Problems with the files in the backup folder, one line each (empty: all good)."""
    problems = []
    for entry in entries:
        try:
            locate(entry["path"])
        except ValueError:
            problems.append(f"非法路径 / bad path: {entry['path']}")
            continue
        source = folder / MEDIA_DIR / entry["path"]
        if not source.is_file():
            problems.append(f"缺少文件 / missing: {entry['path']}")
            continue
        size, sha = hash_local(source)
        if (size, sha) != (entry["size"], entry["sha256"]):
            problems.append(f"文件已改变 / changed: {entry['path']} ({size} 字节 / bytes, sha256 {sha[:12]}…)")
    return problems


def copy_in(folder: Path, entries: list[dict]) -> None:
    """Write every file of the backup into its storage under its own name."""
    for entry in entries:
        storage, name = locate(entry["path"])
        if storage.exists(name):
            storage.delete(name)
        with (folder / MEDIA_DIR / entry["path"]).open("rb") as stream:
            saved = storage.save(name, File(stream, name=posixpath.basename(name)))
        if saved != name:
            raise RuntimeError(f"{entry['path']} saved as {saved}")


def verify_stored(entries: list[dict]) -> list[str]:
    """Problems with the restored files: each re-read from its storage and hashed."""
    problems = []
    for entry in entries:
        storage, name = locate(entry["path"])
        try:
            with storage.open(name, "rb") as stream:
                size, sha = hash_stream(stream)
        except FileNotFoundError:
            problems.append(f"恢复后缺少文件 / missing after restore: {entry['path']}")
            continue
        if (size, sha) != (entry["size"], entry["sha256"]):
            problems.append(f"恢复后文件不同 / differs after restore: {entry['path']}")
    return problems
