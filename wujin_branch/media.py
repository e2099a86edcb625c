"""Stored files: random names for uploads, and a DEBUG media route that never serves the
private part of MEDIA_ROOT.

Photos, attachments and materials live under ``MEDIA_ROOT/private`` and are served only by
views that check the viewer's scope. Under DEBUG, Django's static route would serve the whole
of MEDIA_ROOT to anyone — originals with their GPS data among them — and upload names such as
``photos/original/2025/05/o.jpg`` (the first photo of a month) are easy to guess.
"""

import posixpath
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import Http404
from django.views.static import serve

PRIVATE_DIR = "private"  # under MEDIA_ROOT
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


class RandomNameStorage(FileSystemStorage):
    """Every file saved through a model field gets a random name (uuid4 hex) in its
    ``upload_to`` folder, keeping the extension. Names given to ``save()`` directly (the demo's
    shared pictures, the PDF caches) are kept; stored names are read as they are."""

    def generate_filename(self, filename):
        dirname, name = posixpath.split(super().generate_filename(filename).replace("\\", "/"))
        ext = posixpath.splitext(name)[1].lower()
        return posixpath.join(dirname, uuid.uuid4().hex + (ext if _EXTENSION.fullmatch(ext) else ""))


def debug_media(request, path, document_root=None, show_indexes=False):
    """The DEBUG-only media route: ``django.views.static.serve`` for MEDIA_ROOT except its
    private part, which is a 404 like a missing file."""
    root = Path(document_root or settings.MEDIA_ROOT).resolve()
    private = (root / PRIVATE_DIR).resolve()
    target = (root / posixpath.normpath(path).lstrip("/")).resolve()
    if target == private or private in target.parents:
        raise Http404("找不到该文件")
    return serve(request, path, document_root=document_root, show_indexes=show_indexes)
