"""Notices about an assessment's review, to the branch, its committee or the district."""

from django.db.models import Q
from django.urls import reverse

from branches.models import Role
from branches.notify import ancestor_paths, users_with
from wujin_branch.notices import send


def _url(name, assessment):
    return reverse(name, args=[assessment.pk]) if assessment is not None else reverse(name)


def notify_branch(assessment, title, body, url_name):
    users = users_with([Role.SECRETARY, Role.WORKER], Q(organization_id=assessment.branch_id))
    return send(users, f"{assessment.branch.name}：{title}", body, _url(url_name, assessment))


def notify_committee(assessment, title, body, url_name):
    paths = ancestor_paths(assessment.branch.path)[:-1]
    users = users_with([Role.REVIEWER], Q(organization__path__in=paths))
    return send(users, title, body, _url(url_name, assessment))


def notify_district(title, body, url_name):
    users = users_with([Role.DISTRICT], Q(organization__depth=1))
    return send(users, title, body, reverse(url_name))
