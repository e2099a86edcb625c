"""The dashboards' aggregates, rendered once and kept until the data changes.

A fragment (the district overview, a committee's summary) is cached under a key made of the
tokens of the data it counts (``wujin_branch.versions``: organizations, assessments with their
periods, vetoes and objections — every service that changes them bumps the token inside its
transaction), who looks (the user's scopes), what is asked (period, filters) and the day
(overdue steps depend on it). A change is therefore seen by the very next request; nothing
waits for a timeout. The timeout only bounds how long an unread fragment (or one rendered by
an older template after a deploy) stays in the cache.
"""

from django.utils.safestring import mark_safe

from branches.permissions import scope_signature
from review.dashboards import today
from wujin_branch import versions

SOURCES = (versions.ORGS, versions.ASSESSMENTS)


def fragment(name: str, user, parts: tuple, render) -> str:
    """The HTML ``render()`` gives, from the cache while the data is unchanged."""
    asked = (name, scope_signature(user), today().isoformat(), *parts)
    return mark_safe(versions.cached("dashboard", SOURCES, asked, lambda: str(render())))
