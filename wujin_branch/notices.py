"""In-app notices, each mailed after commit (``wujin_branch.tasks.mail_notices``). Apps decide
who is told (``branches.notify`` by organization and role); this only writes and sends."""

from wujin_branch import outbox
from wujin_branch.models import Notice


def send(users, title, body, url):
    notices = Notice.objects.bulk_create(Notice(user=u, title=title, body=body or "", url=url) for u in users)
    ids = [n.pk for n in notices if n.pk]
    if ids:
        from wujin_branch.tasks import mail_notices

        outbox.enqueue(mail_notices, ids)
    return notices


def notify_user(user, title, body, url):
    return send([user] if user is not None and user.is_active else [], title, body, url)
