"""The private file store: originals, attachments, receipts, stored PDFs and exports, served
only by views that check access (never through ``MEDIA_URL``), under random names."""

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

from wujin_branch.media import PRIVATE_DIR, RandomNameStorage


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = RandomNameStorage(location=settings.MEDIA_ROOT / PRIVATE_DIR, base_url=None)


private_storage = PrivateStorage()


def _reset_private_storage(*, setting, **kwargs):
    """Tests change MEDIA_ROOT per test; the lazy storage must follow."""
    if setting == "MEDIA_ROOT":
        private_storage._wrapped = empty


setting_changed.connect(_reset_private_storage)


def private():
    """``storage=`` for model fields: a callable, so migrations record this function rather
    than a folder of the machine that made them."""
    return private_storage
