"""Stored files: random names for uploads, and a DEBUG media route that never serves the
private part of MEDIA_ROOT.

Photos, attachments and materials live under ``MEDIA_ROOT/private`` and are served only by
views that check the viewer's scope. Under DEBUG, Django's static route would serve the whole
of MEDIA_ROOT to anyone — originals with their GPS data among them — and upload names such as
``photos/original/2025/05/o.jpg`` (the first photo of a month) are easy to guess.
"""

import os
import posixpath
import re
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import Http404
from django.views.static import serve

PRIVATE_DIR = "private"  # under MEDIA_ROOT
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


class RandomNames:
    """Every file saved through a model field gets a random name (uuid4 hex) in its
    ``upload_to`` folder, keeping the extension. Names given to ``save()`` directly (the demo's
    shared pictures, the PDF caches) are kept; stored names are read as they are. Mixed into
    the filesystem storage below and the bucket storage (``wujin_branch.s3``)."""

    def generate_filename(self, filename):
        dirname, name = posixpath.split(super().generate_filename(filename).replace("\\", "/"))
        ext = posixpath.splitext(name)[1].lower()
        return posixpath.join(dirname, uuid.uuid4().hex + (ext if _EXTENSION.fullmatch(ext) else ""))


class RandomNameStorage(RandomNames, FileSystemStorage):
    """The private store on the local filesystem. A file appears under its name only once it
    is complete, as an object in a bucket does: it is written to a temporary file in the same
    folder and then linked into place (``os.link`` fails if the name is taken, like Django's
    ``O_EXCL``, and the storage then picks another name). Django's own ``_save`` writes into the
    final name, so a reader at that moment (a stored ledger PDF being downloaded while a worker
    writes it) could get half a file."""

    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):  # a large upload on disk: Django moves it whole
            return super()._save(name, content)
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
            os.chmod(tmp, self.file_permissions_mode or 0o644)
            while True:
                try:
                    os.link(tmp, full_path)
                    break
                except FileExistsError:  # taken meanwhile: another name, as Django does
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            os.unlink(tmp)
        return str(name).replace("\\", "/")


def debug_media(request, path, document_root=None, show_indexes=False):
    """The DEBUG-only media route: ``django.views.static.serve`` for MEDIA_ROOT except its
    private part, which is a 404 like a missing file."""
    root = Path(document_root or settings.MEDIA_ROOT).resolve()
    private = (root / PRIVATE_DIR).resolve()
    target = (root / posixpath.normpath(path).lstrip("/")).resolve()
    if target == private or private in target.parents:
        raise Http404("找不到该文件")
    return serve(request, path, document_root=document_root, show_indexes=show_indexes)
