"""Versions of data, for caches keyed by the data's last change.

A service that changes a kind of data calls ``bump(KEY)`` inside its transaction; a reader
builds its cache key from ``tokens(KEY, ...)``, read before the data itself. The new token is
committed with the change (a rolled-back change keeps the old one), so no reader can keep
using a cached copy made before a change once the change is visible: it reads the new token
and misses. A copy made from data newer than its token is merely rebuilt once more.

Tokens are random rather than counters: a cache entry outlives a database restored from a
backup or a test's rolled-back transaction, and a counter would start again at a number
whose old entries are still cached. The tokens live in the database (one indexed query per
read, all keys at once) so every process sees the same ones whatever the cache backend.
"""

import hashlib
import uuid

from django.utils import timezone

from wujin_branch.models import DataVersion

#: Organizations: the tree, branch status, names (branch counts, committee rows).
ORGS = "orgs"
#: Assessments, their periods, vetoes, publications and objections (the review dashboards).
ASSESSMENTS = "assessments"


def _new():
    return uuid.uuid4().hex


def bump(*keys: str) -> None:
    """A new token for each key (an upsert: a key seen for the first time is created)."""
    now = timezone.now()
    DataVersion.objects.bulk_create(
        [DataVersion(key=k, token=_new(), changed_at=now) for k in keys],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["token", "changed_at"],
    )


def tokens(*keys: str) -> str:
    """The keys' current tokens joined into one string, for a cache key (one query; a key
    never bumped gets its first token now)."""
    found = dict(DataVersion.objects.filter(key__in=keys).values_list("key", "token"))
    missing = [k for k in keys if k not in found]
    if missing:
        DataVersion.objects.bulk_create(
            [DataVersion(key=k, token=_new()) for k in missing], ignore_conflicts=True
        )  # two first readers at once: one wins, both read the winner's token
        found.update(DataVersion.objects.filter(key__in=missing).values_list("key", "token"))
    return ".".join(found[k] for k in keys)


KEPT_FOR = 3600  # bounds how long an unread entry, or one rendered by an older template, stays


def cached(prefix: str, keys: tuple, parts: tuple, compute):
    """``compute()``, from the cache while the tokens of ``keys`` are unchanged: the entry is
    named by those tokens (read first, before the data), ``prefix`` and ``parts`` (what was
    asked, who asks). A cache that is down costs a fresh computation (``safe_cache``)."""
    from wujin_branch import safe_cache

    raw = "|".join(map(str, (tokens(*keys), *parts)))
    key = f"{prefix}:" + hashlib.sha256(raw.encode()).hexdigest()
    value = safe_cache.get(key)
    if value is None:
        value = compute()
        safe_cache.set(key, value, KEPT_FOR)
    return value
