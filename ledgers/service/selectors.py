"""Reads for 联系服务群众: a branch's escalations, a reviewer's inbox, scoped getters."""

from branches.permissions import Action
from branches.selectors import branches_visible_to, get_for_user
from ledgers.models import Escalation, EscalationStatus

# ---------------------------------------------------------------- service reads


def escalations_of(branch):
    return Escalation.objects.filter(branch=branch).select_related("replied_by")


def escalation_inbox(user, *, status=EscalationStatus.OPEN):
    """Escalations of every branch the user may decide for (Action.APPROVE), oldest open
    first. One query, whatever the number of branches; ``status=None`` lists all."""
    qs = Escalation.objects.filter(branch__in=branches_visible_to(user, Action.APPROVE))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("branch", "replied_by").order_by("raised_on", "id")


def get_escalation_for_user(user, pk, action=Action.VIEW) -> Escalation:
    return get_for_user(
        Escalation.objects.select_related("branch", "replied_by", "created_by"),
        pk,
        user,
        action,
        missing="未找到该问题",
    )
