"""不合格党员处置: the follow-up of a member graded 不合格 in 民主评议 (seed §二(二)4: the
grades are "不合格党员处置的重要依据").

The branch records the disposal decided by its 支部党员大会 — 限期改正 (with a deadline), 劝其
退党, 除名 (劝而不退) or 按自行脱党除名 — with the decision's date and text and, for a 除名,
the upper approval; it stays open until the branch closes it with the outcome. Open ones are
listed to the committee (``open_disposals``). One open disposal per result; a closed 限期改正
that failed may be followed by another.
"""

from django.db import transaction
from django.utils import timezone

from branches.permissions import Action, require
from branches.selectors import branches_visible_to, get_for_user
from ledgers.models import (
    Activity,
    ActivityType,
    AppraisalResult,
    DisposalKind,
    DisposalOutcome,
    Grade,
    MemberDisposal,
)
from wujin_branch.errors import DomainError
from wujin_branch.services import require_version

REMOVALS = (DisposalKind.REMOVAL, DisposalKind.LAPSED)


def disposal_create(*, actor, result: AppraisalResult, kind, decided_on, decision, meeting=None, deadline=None,
                    upper_approved_on=None) -> MemberDisposal:  # fmt: skip
    branch = result.appraisal.branch
    require(actor, Action.EDIT, branch)
    if result.grade != Grade.UNQUALIFIED:
        raise DomainError("只有评定为不合格的党员需要处置。")
    if kind not in DisposalKind.values:
        raise DomainError("请选择处置方式。", field="kind")
    decision = (decision or "").strip()
    if not decision:
        raise DomainError("请填写支部党员大会的决定。", field="decision")
    today = timezone.localdate()
    if decided_on > today:
        raise DomainError("决定日期不能晚于今天。", field="decided_on")
    if decided_on < result.appraisal.held_on:
        raise DomainError("决定日期不能早于民主评议日期。", field="decided_on")
    if kind == DisposalKind.CORRECTION:
        if deadline is None:
            raise DomainError("限期改正请填写改正期限。", field="deadline")
        if deadline <= decided_on:
            raise DomainError("改正期限应晚于决定日期。", field="deadline")
    if upper_approved_on is not None and upper_approved_on < decided_on:
        raise DomainError("上级批准日期不能早于支部决定日期。", field="upper_approved_on")
    if meeting is not None and (meeting.branch_id != branch.pk or meeting.type != ActivityType.CONGRESS):
        raise DomainError("请选择本支部的支部党员大会记录。", field="meeting")
    with transaction.atomic():
        r = AppraisalResult.objects.select_for_update().get(pk=result.pk)
        if MemberDisposal.objects.filter(result=r, closed_on__isnull=True).exists():
            raise DomainError("该党员已有未办结的处置，请先办结。")
        d = MemberDisposal(result=r, branch=branch, kind=kind, decided_on=decided_on, decision=decision,
                           meeting=meeting, deadline=deadline if kind == DisposalKind.CORRECTION else None,
                           upper_approved_on=upper_approved_on, created_by=actor)  # fmt: skip
        d.full_clean()
        d._history_user = actor
        d.save()
    return d


def disposal_close(*, actor, disposal: MemberDisposal, version, closed_on, outcome, outcome_note="",
                   upper_approved_on=None) -> MemberDisposal:  # fmt: skip
    require(actor, Action.EDIT, disposal.branch)
    if outcome not in DisposalOutcome.values:
        raise DomainError("请选择处置结果。", field="outcome")
    outcome_note = (outcome_note or "").strip()
    if outcome == DisposalOutcome.OTHER and not outcome_note:
        raise DomainError("请说明处置结果。", field="outcome_note")
    if closed_on > timezone.localdate():
        raise DomainError("办结日期不能晚于今天。", field="closed_on")
    with transaction.atomic():
        d = MemberDisposal.objects.select_for_update().get(pk=disposal.pk)
        require_version(d.version, version)
        if d.closed_on is not None:
            raise DomainError("该处置已办结。")
        if closed_on < d.decided_on:
            raise DomainError("办结日期不能早于支部决定日期。", field="closed_on")
        approved = upper_approved_on or d.upper_approved_on
        if outcome == DisposalOutcome.REMOVED and approved is None:
            raise DomainError("除名须经上级党组织批准，请填写批准日期。", field="upper_approved_on")
        d.closed_on, d.outcome, d.outcome_note, d.upper_approved_on = closed_on, outcome, outcome_note, approved
        d.version += 1
        d.full_clean()
        d._history_user = actor
        d.save()
    return d


# ---------------------------------------------------------------- reads


def unqualified_results(appraisal):
    """The appraisal's 不合格 members with their disposals (two queries)."""
    return (
        appraisal.results.filter(grade=Grade.UNQUALIFIED)
        .select_related("member")
        .prefetch_related("disposals__meeting")
        .order_by("member__name_pinyin", "id")
    )


def congress_meetings(branch):
    return Activity.objects.filter(branch=branch, type=ActivityType.CONGRESS).order_by("-held_on")[:30]


def open_disposals(user):
    """Open disposals of every branch the user may decide for, oldest decision first: one query."""
    return (
        MemberDisposal.objects.filter(closed_on__isnull=True, branch__in=branches_visible_to(user, Action.APPROVE))
        .select_related("branch", "result__member", "result__appraisal")
        .order_by("decided_on", "id")
    )


def get_result_for_user(user, pk, action=Action.VIEW) -> AppraisalResult:
    return get_for_user(AppraisalResult.objects.select_related("appraisal__branch", "member"), pk, user, action,
                        branch="appraisal.branch", missing="未找到该评议结果")  # fmt: skip


def get_disposal_for_user(user, pk, action=Action.VIEW) -> MemberDisposal:
    qs = MemberDisposal.objects.select_related("branch", "result__member", "result__appraisal", "meeting")
    return get_for_user(qs, pk, user, action, missing="未找到该处置")
