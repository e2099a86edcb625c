"""In-app notices, each mailed after commit (``wujin_branch.tasks.mail_notices``). Apps decide
who is told (``branches.notify`` by organization and role); this only writes and sends.

The unread count is on every page (the badge in the menu): it is kept in the cache per user
and forgotten whenever that user's notices are written or read (``unread_changed``, at once and
again after commit, so a page rendered in between cannot keep the old count). With a shared
cache (Redis, as deployed) the badge is right on the next request; with each process's own
memory (no REDIS_URL, several processes) another process may show the old count for up to
``UNREAD_TTL`` seconds, as does every process while the cache is down (``safe_cache``).
"""

from django.db import transaction
from django.utils import timezone

from wujin_branch import outbox, safe_cache
from wujin_branch.models import Notice

UNREAD_TTL = 60


def _unread_key(user_id):
    return f"notices:unread:{user_id}"


def unread_count(user) -> int:
    """The user's unread notices (a query only when the cache has forgotten it)."""
    key = _unread_key(user.pk)
    n = safe_cache.get(key)
    if n is None:
        n = Notice.objects.filter(user=user, read_at__isnull=True).count()
        safe_cache.set(key, n, UNREAD_TTL)
    return n


def unread_changed(user_ids) -> None:
    keys = [_unread_key(u) for u in set(user_ids)]
    if keys:
        safe_cache.delete_many(keys)
        transaction.on_commit(lambda: safe_cache.delete_many(keys))


def mark_all_read(user) -> int:
    n = Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    unread_changed([user.pk])
    return n


def send(users, title, body, url):
    notices = Notice.objects.bulk_create(Notice(user=u, title=title, body=body or "", url=url) for u in users)
    unread_changed(n.user_id for n in notices)
    ids = [n.pk for n in notices if n.pk]
    if ids:
        from wujin_branch.tasks import mail_notices

        outbox.enqueue(mail_notices, ids)
    return notices


def notify_user(user, title, body, url):
    return send([user] if user is not None and user.is_active else [], title, body, url)
