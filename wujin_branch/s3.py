"""The media in an S3-compatible bucket (SeaweedFS, Ceph RGW, a cloud's object storage), used
when the AWS_* settings are given (``settings.USE_S3``); see README「对象存储」.

The bucket keeps the same layout as MEDIA_ROOT: the private store under ``<AWS_LOCATION>/private/``,
the rest (``default_storage``) under ``<AWS_LOCATION>/``. Nothing in it is public: objects are
written without an ACL (the bucket's own policy, private), and links to them are presigned and
short-lived (``AWS_QUERYSTRING_EXPIRE``). The web processes and workers need to reach
``AWS_S3_ENDPOINT_URL``; browsers are sent to the bucket only when ``AWS_S3_PUBLIC_ENDPOINT_URL``
says where they can reach it (links are then signed for that address), otherwise files are
streamed through the web process (``wujin_branch.storage.stored_response``).
"""

import posixpath

from django.conf import settings
from storages.backends.s3 import S3Storage

from wujin_branch.media import PRIVATE_DIR, RandomNames


class BucketStorage(S3Storage):
    """``default_storage`` in the bucket: the public part of MEDIA_ROOT's layout (health-check
    files, nothing of a member's). ``location`` follows ``AWS_LOCATION`` at creation, so tests
    can give each test a prefix of its own."""

    def __init__(self, **kwargs):
        kwargs.setdefault("location", getattr(settings, "AWS_LOCATION", ""))
        super().__init__(**kwargs)

    def url(self, name, parameters=None, expire=None, http_method=None):
        """A presigned GET, signed for the address browsers use when that differs from the one
        this process talks to (signing is local: no request to the bucket)."""
        public = getattr(settings, "AWS_S3_PUBLIC_ENDPOINT_URL", "")
        if not public or public == self.endpoint_url:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        signer = getattr(self, "_signer", None)
        if signer is None:
            signer = self._signer = S3Storage(location=self.location, endpoint_url=public)
        return signer.url(name, parameters=parameters, expire=expire, http_method=http_method)


class PrivateBucketStorage(RandomNames, BucketStorage):
    """The private store in the bucket, with random names like the filesystem one."""

    def __init__(self, **kwargs):
        base = getattr(settings, "AWS_LOCATION", "")
        kwargs.setdefault("location", posixpath.join(base, PRIVATE_DIR) if base else PRIVATE_DIR)
        super().__init__(**kwargs)
