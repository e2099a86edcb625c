"""The private file store: originals, attachments, receipts, stored PDFs and exports, served
only by views that check access (never through ``MEDIA_URL``), under random names.

It is ``MEDIA_ROOT/private`` on the local filesystem, or the ``private/`` prefix of the bucket
when object storage is configured (``settings.USE_S3``, ``wujin_branch.s3``). Code reaches the
files only through the Storage API (open, save, delete, exists, listdir), never by a path, so
every web process and worker sees the same files whichever machine stored them.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.http import FileResponse, HttpResponseRedirect
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header

from wujin_branch.media import PRIVATE_DIR, RandomNameStorage


class PrivateStorage(LazyObject):
    def _setup(self):
        if getattr(settings, "USE_S3", False):
            from wujin_branch.s3 import PrivateBucketStorage

            self._wrapped = PrivateBucketStorage()
        else:
            self._wrapped = RandomNameStorage(location=settings.MEDIA_ROOT / PRIVATE_DIR, base_url=None)


private_storage = PrivateStorage()

# Settings that decide where files go; tests change them per test (a temporary MEDIA_ROOT, a
# bucket prefix of the test's own) and the lazy storages must follow.
_STORAGE_SETTINGS = {"MEDIA_ROOT", "STORAGES", "USE_S3"}


def _reset_storages(*, setting, **kwargs):
    if setting in _STORAGE_SETTINGS or setting.startswith("AWS_"):
        from django.core.files.storage import default_storage, storages

        private_storage._wrapped = empty
        if setting != "STORAGES":  # Django resets these itself for STORAGES
            storages._storages = {}
            default_storage._wrapped = empty


setting_changed.connect(_reset_storages)


def private():
    """``storage=`` for model fields: a callable, so migrations record this function rather
    than a folder of the machine that made them."""
    return private_storage


def redirects(storage) -> bool:
    """Whether files of ``storage`` are handed to the browser as presigned links (a bucket the
    browser can reach) rather than streamed through this process."""
    from wujin_branch.s3 import BucketStorage  # only imported when a bucket is configured

    return isinstance(storage, BucketStorage) and bool(settings.AWS_S3_PUBLIC_ENDPOINT_URL)


def stored_response(fieldfile, *, content_type=None, filename=None, as_attachment=False,
                    cache_control="private, max-age=3600"):  # fmt: skip
    """The response that hands a stored file to a viewer whose access the view has checked:
    a redirect to a short-lived presigned link when the bucket is reachable by browsers
    (``AWS_S3_PUBLIC_ENDPOINT_URL``; type, name and caching go into the signed link), else the
    file streamed. The redirect itself is never cached: the link expires."""
    storage = fieldfile.storage
    if getattr(settings, "USE_S3", False) and redirects(storage):
        params = {"ResponseCacheControl": cache_control}
        if content_type:
            params["ResponseContentType"] = content_type
        disposition = content_disposition_header(as_attachment, filename)
        if disposition:
            params["ResponseContentDisposition"] = disposition
        response = HttpResponseRedirect(
            storage.url(fieldfile.name, parameters=params, expire=settings.AWS_QUERYSTRING_EXPIRE)
        )
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(fieldfile.open("rb"), content_type=content_type, as_attachment=as_attachment,
                            filename=filename)  # fmt: skip
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
