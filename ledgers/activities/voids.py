"""Voiding a record (作废) and restoring it, each with a mandatory reason.

A record saved twice, or in error, cannot be deleted: it is voided. It stays visible (struck
through, with the reason, who and when), keeps its history, and counts nowhere — the default
manager ``Activity.objects`` leaves it out, so the calendar, ``compliance_counts``, the
suggested scores, the integrity comparisons and the 台账 never see it.

Who: the branch's secretary and workers while the record is not frozen; a reviewer above the
branch, or district staff, at any time. A frozen record (a submitted self-assessment judges
its date) goes back to the branch through the assessment's item return first. A step taken
while a declared assessment judges the record is marked ``after_declaration`` and shown to
that assessment's reviewers.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from branches.notify import notify_branch_users
from branches.permissions import Action, can
from ledgers.activities.services import is_frozen, recheck_after_void
from ledgers.books.pdfs import schedule_life_ledger
from ledgers.models import Activity, RecordReturn, RecordVoid, ReturnResolution, VoidAction
from wujin_branch.errors import DomainError

REASON_MAX = 500
FROZEN = "本记录已随自评报送而锁定，支部不能作废；如确需作废，请联系党(工)委退回自评中的相关项目后再操作。"


def may_void(user, activity) -> bool:
    """Whether ``user`` may void or restore ``activity`` now (the pages show the button by this)."""
    branch = activity.branch
    if can(user, Action.APPROVE, branch):
        return True
    return can(user, Action.EDIT, branch) and branch.is_active and not is_frozen(activity)


def may_ever_void(user, activity) -> bool:
    """The role allows it, frozen or not: a secretary facing a frozen record gets a message, not a 404."""
    return can(user, Action.APPROVE, activity.branch) or can(user, Action.EDIT, activity.branch)


def _reason(reason, what):
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"请填写{what}理由。", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"{what}理由不能超过 {REASON_MAX} 字。", field="reason")
    return reason


def _check(actor, a):
    if not may_ever_void(actor, a):
        raise DomainError("无权操作该记录。")
    if not can(actor, Action.APPROVE, a.branch):
        if not a.branch.is_active:
            raise DomainError("该支部已撤销或撤并，记录不能再修改。")
        if is_frozen(a):
            raise DomainError(FROZEN)


def activity_void(*, actor, activity: Activity, reason: str) -> RecordVoid:
    reason = _reason(reason, "作废")
    with transaction.atomic():
        a = Activity.all_objects.select_for_update().select_related("branch").get(pk=activity.pk)
        _check(actor, a)
        if a.voided:
            raise DomainError("本记录已作废。")
        step = _step(a, actor, VoidAction.VOID, reason)
        if a.returned:  # an open return is closed: there is nothing left to complete
            r = RecordReturn.objects.select_for_update().filter(activity=a, resolved_at__isnull=True).first()
            if r is not None:
                r.resolution, r.resolved_by, r.resolved_at = ReturnResolution.VOIDED, actor, timezone.now()
                r._history_user = actor
                r.save()
            a.returned = False
        a.voided = True
        _save(a, actor)
        if can(actor, Action.APPROVE, a.branch):
            _tell_branch(a, actor, "作废", reason)
    return step


def activity_restore(*, actor, activity: Activity, reason: str) -> RecordVoid:
    reason = _reason(reason, "恢复")
    with transaction.atomic():
        a = Activity.all_objects.select_for_update().select_related("branch").get(pk=activity.pk)
        _check(actor, a)
        if not a.voided:
            raise DomainError("本记录未作废，无需恢复。")
        step = _step(a, actor, VoidAction.RESTORE, reason)
        a.voided = False
        _save(a, actor)
        if can(actor, Action.APPROVE, a.branch):
            _tell_branch(a, actor, "恢复", reason)
    return step


def _step(a, actor, action, reason):
    return RecordVoid.objects.create(
        activity=a, action=action, reason=reason, actor=actor, after_declaration=is_frozen(a)
    )


def _save(a, actor):
    a.version += 1
    a.updated_at = timezone.now()
    a._history_user = actor
    a.save(update_fields=["voided", "returned", "version", "updated_at"])
    schedule_life_ledger(a.branch_id, a.held_on.year)
    recheck_after_void(a)


def _tell_branch(a, actor, what, reason):
    """A reviewer's void or restore is told to the branch's secretary and workers."""
    url = reverse("activity_detail", args=[a.pk])
    title = f"组织生活记录已被{what}：{a.held_on:%m月%d日}{a.get_type_display()}“{a.topic}”"[:200]
    notify_branch_users(a.branch, title, f"{what}理由：{reason}", url)


def voids_for(activities) -> dict[int, RecordVoid]:
    """The latest step of each voided record among ``activities``, in one query."""
    ids = [a.pk for a in activities if a.voided]
    out = {}
    if ids:
        for v in RecordVoid.objects.filter(activity_id__in=ids, action=VoidAction.VOID).select_related("actor"):
            out.setdefault(v.activity_id, v)  # ordered newest first
    return out


def steps_in_window(branch, start, end, *, declared_at=None) -> list[RecordVoid]:
    """Void and restore steps on the branch's records dated ``start``–``end`` (an assessment's
    window), newest first; ``v.after`` marks those taken while or after the assessment was
    declared (申报), which its reviewers must see. One query."""
    steps = list(
        RecordVoid.objects.filter(activity__branch=branch, activity__held_on__range=(start, end))
        .select_related("actor", "activity")
        .order_by("-at", "-id")
    )
    for v in steps:
        v.after = v.after_declaration or (declared_at is not None and v.at >= declared_at)
    return steps
