"""The dashboards' aggregates, rendered once and kept until the data changes.

A fragment (the district overview, a committee's summary) is cached under a key made of the
tokens of the data it counts (``wujin_branch.versions``: organizations, assessments with their
periods, vetoes and objections — every service that changes them bumps the token inside its
transaction), who looks (the user's scopes), what is asked (period, filters) and the day
(overdue steps depend on it). A change is therefore seen by the very next request; nothing
waits for a timeout. The timeout only bounds how long an unread fragment (or one rendered by
an older template after a deploy) stays in the cache.
"""

import hashlib

from django.utils.safestring import mark_safe

from branches.permissions import user_scopes
from review.dashboards import today
from wujin_branch import safe_cache, versions

TIMEOUT = 3600
SOURCES = (versions.ORGS, versions.ASSESSMENTS)


def fragment_key(name: str, user, *parts) -> str:
    """The cache key: the data's tokens first (read before the data itself, see versions)."""
    scopes = sorted((s.role, s.org_id) for s in user_scopes(user))
    raw = "|".join(map(str, (versions.tokens(*SOURCES), name, scopes, today().isoformat(), *parts)))
    return "dashboard:" + hashlib.sha256(raw.encode()).hexdigest()


def fragment(name: str, user, parts: tuple, render) -> str:
    """The HTML ``render()`` gives, from the cache while the data is unchanged."""
    key = fragment_key(name, user, *parts)
    html = safe_cache.get(key)
    if html is None:
        html = str(render())
        safe_cache.set(key, html, TIMEOUT)
    return mark_safe(html)
