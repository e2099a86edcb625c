"""The cache as the pages use it: a cache that is down (Redis stopped, a port closed) costs a
fresh computation, never the page or the change being saved. Each failure is logged."""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)
MISSING = object()


def get(key, default=None):
    try:
        return cache.get(key, default)
    except Exception:
        log.warning("cache unavailable (get)", exc_info=True)
        return default


def set(key, value, timeout):  # noqa: A001 - the cache's own name for it
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.warning("cache unavailable (set)", exc_info=True)


def delete_many(keys):
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("cache unavailable (delete)", exc_info=True)
