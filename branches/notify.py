"""Who is told: the users holding some roles on some organizations (a notice each, mailed)."""

from django.db.models import Q

from branches.models import Role, RoleAssignment
from wujin_branch.notices import send


def ancestor_paths(path, steplen=4):
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def users_with(roles, orgs_q):
    return {
        r.user
        for r in RoleAssignment.objects.filter(role__in=roles, user__is_active=True)
        .filter(orgs_q)
        .select_related("user")
    }


def notify_branch_users(branch, title, body, url):
    """The branch's secretary and Party-affairs workers (e.g. a record returned for completion)."""
    users = users_with([Role.SECRETARY, Role.WORKER], Q(organization_id=branch.pk))
    return send(users, f"{branch.name}：{title}", body, url)
