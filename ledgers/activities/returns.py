"""Returning a thin record to the branch for completion (退回补充).

A reviewer (a committee above the branch, or the district) who finds a record too thin —
a topic and nothing else, no participants, minutes copied from elsewhere — returns it with
a reason. The branch's secretary and workers are told; until they amend the record it does
not count on the compliance calendar or in the suggested scores (``Activity.returned``).
Saving the record again (``services.activity_update``) closes the return and tells the
reviewer; the reviewer may also withdraw it. Every step is a row with its history.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from branches.notify import notify_branch_users
from branches.permissions import Action, require
from ledgers.activities.services import is_frozen
from ledgers.models import Activity, RecordReturn, ReturnResolution
from wujin_branch.errors import DomainError
from wujin_branch.notices import notify_user

REASON_MAX = 500


def activity_return(*, actor, activity: Activity, reason: str) -> RecordReturn:
    require(actor, Action.APPROVE, activity.branch)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写退回理由，说明需要补充或修改什么。", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"退回理由不能超过 {REASON_MAX} 字。", field="reason")
    with transaction.atomic():
        a = Activity.all_objects.select_for_update().select_related("branch").get(pk=activity.pk)
        if a.voided:
            raise DomainError("本记录已作废，无需退回。")
        if is_frozen(a):
            raise DomainError("本记录已随自评报送而锁定，支部无法修改；请在审核自评时逐项退回。")
        if a.returned:
            raise DomainError("本记录已退回补充，正在等待支部修改。")
        r = RecordReturn(activity=a, reason=reason, returned_by=actor)
        r._history_user = actor
        r.save()
        a.returned = True
        a._history_user = actor
        a.save(update_fields=["returned"])
        _notify_branch(a, reason)
    return r


def activity_return_withdraw(*, actor, activity: Activity) -> RecordReturn:
    require(actor, Action.APPROVE, activity.branch)
    with transaction.atomic():
        a = Activity.all_objects.select_for_update().get(pk=activity.pk)
        r = RecordReturn.objects.select_for_update().filter(activity=a, resolved_at__isnull=True).first()
        if r is None:
            raise DomainError("本记录没有待处理的退回。")
        _resolve(r, a, actor, ReturnResolution.WITHDRAWN)
    return r


def resolve_on_amend(activity: Activity, actor) -> None:
    """Called inside ``activity_update``'s transaction, on the locked row, when the branch
    saves a returned record: the return is closed and the reviewer told."""
    r = RecordReturn.objects.select_for_update().filter(activity=activity, resolved_at__isnull=True).first()
    if r is None:
        activity.returned = False
        return
    _resolve(r, activity, actor, ReturnResolution.AMENDED, save_activity=False)
    url = reverse("activity_detail", args=[activity.pk])
    title = f"{activity.branch.name}已按退回意见修改记录：{activity.topic}"[:200]
    notify_user(r.returned_by, title, f"退回理由：{r.reason}\n请复核。", url)


def _resolve(r, a, actor, resolution, *, save_activity=True):
    r.resolution, r.resolved_by, r.resolved_at = resolution, actor, timezone.now()
    r._history_user = actor
    r.save()
    a.returned = False
    if save_activity:
        a._history_user = actor
        a.save(update_fields=["returned"])


def _notify_branch(a, reason):
    url = reverse("activity_detail", args=[a.pk])
    title = f"组织生活记录被退回补充：{a.held_on:%m月%d日}{a.get_type_display()}"
    notify_branch_users(a.branch, title, f"退回理由：{reason}\n请补充或修改后重新保存，保存后即视为已修改。", url)
