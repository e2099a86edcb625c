"""Getters for plans and study plans, scoped to what the user may see (missing and forbidden are the same 404)."""

from django.http import Http404

from branches.permissions import Action, can
from ledgers.models import Plan, StudyPlan


def get_plan_for_user(user, pk, action=Action.VIEW) -> Plan:
    p = Plan.objects.select_related("branch").filter(pk=pk).first()
    if p is None or not can(user, action, p.branch):
        raise Http404("未找到该计划")
    return p


def get_study_plan_for_user(user, pk, action=Action.VIEW) -> StudyPlan:
    s = StudyPlan.objects.select_related("member__branch").filter(pk=pk).first()
    if s is None or not can(user, action, s.member.branch):
        raise Http404("未找到该学习计划")
    return s
