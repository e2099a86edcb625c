"""In-app notices plus mail (sent by Celery after commit) to the people concerned."""

from django.db import transaction
from django.urls import reverse

from branches.models import Role, RoleAssignment

from .models import Notice


def _ancestor_paths(path, steplen=4):
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def _users_with(roles, orgs_q):
    return {
        r.user
        for r in RoleAssignment.objects.filter(role__in=roles, user__is_active=True)
        .filter(orgs_q)
        .select_related("user")
    }


def _send(users, title, body, url):
    notices = Notice.objects.bulk_create(Notice(user=u, title=title, body=body or "", url=url) for u in users)
    ids = [n.pk for n in notices if n.pk]
    if ids:
        from .tasks import mail_notices

        transaction.on_commit(lambda: mail_notices.delay(ids))
    return notices


def _url(name, assessment):
    return reverse(name, args=[assessment.pk]) if assessment is not None else reverse(name)


def notify_branch(assessment, title, body, url_name):
    from django.db.models import Q

    users = _users_with([Role.SECRETARY, Role.WORKER], Q(organization_id=assessment.branch_id))
    return _send(users, f"{assessment.branch.name}：{title}", body, _url(url_name, assessment))


def notify_committee(assessment, title, body, url_name):
    from django.db.models import Q

    paths = _ancestor_paths(assessment.branch.path)[:-1]
    users = _users_with([Role.REVIEWER], Q(organization__path__in=paths))
    return _send(users, title, body, _url(url_name, assessment))


def notify_district(title, body, url_name):
    from django.db.models import Q

    users = _users_with([Role.DISTRICT], Q(organization__depth=1))
    return _send(users, title, body, reverse(url_name))


def notify_branch_users(branch, title, body, url):
    """The branch's secretary and Party-affairs workers (e.g. a record returned for completion)."""
    from django.db.models import Q

    users = _users_with([Role.SECRETARY, Role.WORKER], Q(organization_id=branch.pk))
    return _send(users, f"{branch.name}：{title}", body, url)


def notify_user(user, title, body, url):
    return _send([user] if user is not None and user.is_active else [], title, body, url)
