"""Getters for plans and study plans, scoped to what the user may see (missing and forbidden are the same 404)."""

from branches.permissions import Action
from branches.selectors import get_for_user
from ledgers.models import Plan, StudyPlan


def get_plan_for_user(user, pk, action=Action.VIEW) -> Plan:
    return get_for_user(Plan.objects.select_related("branch"), pk, user, action, missing="未找到该计划")


def get_study_plan_for_user(user, pk, action=Action.VIEW) -> StudyPlan:
    return get_for_user(
        StudyPlan.objects.select_related("member__branch"),
        pk,
        user,
        action,
        branch="member.branch",
        missing="未找到该学习计划",
    )
