"""实施方案: a committee files its plan for the period; the district accepts it or returns it
with a reason; a returned plan is changed and filed again (the revision goes up).

Who: the committee's own reviewers file (district staff do not write a committee's plan);
only district staff accept or return. Each step locks the row, checks the state and the
actor's role again after the lock, writes an event row and tells the other side. The stage
progress on the dashboards is read live from these rows (``review.stage_progress``), so
nothing cached has to be invalidated here.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessment.models import Period, PeriodStatus
from branches.models import Organization, OrgKind, OrgStatus, Role
from branches.notify import users_with
from branches.permissions import has_role, is_district, require_district
from ledgers.plans.services import check_plan_file
from review.stage_plan_models import StagePlan, StagePlanEvent, StagePlanStatus
from wujin_branch.errors import DomainError, StaleEditError
from wujin_branch.notices import send

P = StagePlanStatus
COMMITTEE_DEPTH = 2
TEXT_LIMIT = 20000


def is_committee(org) -> bool:
    """A 党(工)委/党组: the depth-2 organizations under the district (not a branch)."""
    return org.depth == COMMITTEE_DEPTH and org.kind != OrgKind.BRANCH


def may_file(user, committee) -> bool:
    return is_committee(committee) and has_role(user, {Role.REVIEWER}, committee)


def may_decide(user) -> bool:
    return is_district(user)


def plan_page_url(plan_or_committee, period) -> str:
    committee_id = getattr(plan_or_committee, "committee_id", None) or plan_or_committee.pk
    return f"{reverse('stage_plan_page', args=[committee_id])}?period={period.pk}"


def plan_for(committee, period) -> StagePlan | None:
    return (
        StagePlan.objects.filter(committee=committee, period=period)
        .select_related("submitted_by", "decided_by")
        .first()
    )


def events_of(plan) -> list[StagePlanEvent]:
    return list(plan.events.select_related("actor")) if plan is not None else []


def _event(plan, code, from_status, actor, comment=""):
    StagePlanEvent.objects.create(plan=plan, code=code, from_status=from_status, to_status=plan.status,
                                  actor=actor, comment=comment, revision=plan.revision)  # fmt: skip


@transaction.atomic
def stage_plan_submit(*, actor, committee: Organization, period: Period, text: str = "", upload=None,
                      remove_file: bool = False) -> StagePlan:  # fmt: skip
    """File (or, after a return, file again) the committee's 实施方案 for ``period``."""
    if not may_file(actor, committee):
        raise DomainError("只有本党(工)委的审核人员可以报送实施方案。")
    if committee.status != OrgStatus.ACTIVE:
        raise DomainError("该党(工)委已撤销或撤并，不能报送。")
    if Period.objects.values_list("status", flat=True).get(pk=period.pk) == PeriodStatus.DRAFT:
        raise DomainError("该考核周期尚未开始。")
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise DomainError(f"实施方案内容不能超过{TEXT_LIMIT}个字。", field="text")
    if upload is not None:
        check_plan_file(upload)
    plan = StagePlan.objects.select_for_update().filter(committee=committee, period=period).first()
    from_status = ""
    if plan is None:
        plan = StagePlan(committee=committee, period=period)
    else:
        if plan.status != P.RETURNED:
            raise DomainError(f"实施方案{plan.get_status_display()}，不能重复报送。")
        from_status = plan.status
        plan.revision += 1
        plan.version += 1
    keeps_file = bool(plan.file) and not remove_file
    if not text and upload is None and not keeps_file:
        raise DomainError("请填写实施方案内容或上传实施方案文件。", field="text")
    plan.text, plan.status = text, P.SUBMITTED
    plan.submitted_by, plan.submitted_at = actor, timezone.now()
    plan.decided_by, plan.decided_at, plan.decision_note = None, None, ""
    if upload is not None:
        plan.file.save(upload.name, upload, save=False)
    elif remove_file:
        plan.file = ""  # the stored file stays: the history still points at it
    plan._history_user = actor
    plan.full_clean(exclude=["committee", "period", "submitted_by", "decided_by", "file"], validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as e:
        raise DomainError("本党(工)委的实施方案刚被他人报送，请刷新页面后再看。") from e
    _event(plan, "review.stage_plan.submitted", from_status, actor)
    again = "（修改后重新报送）" if from_status else ""
    district = users_with([Role.DISTRICT], Q(organization__depth=1))
    send(district, f"{committee.name}报送了实施方案{again}", f"{period.name}：请审核。", plan_page_url(plan, period))
    return plan


def _locked(plan, version, lock=True, after_read=None):
    """The plan re-read under its row lock (``lock``/``after_read``: for the concurrency test
    and its control only)."""
    qs = StagePlan.objects.select_for_update() if lock else StagePlan.objects
    p = qs.select_related("committee", "period").get(pk=plan.pk)
    if after_read:
        after_read()
    if version is not None and p.version != version:
        raise StaleEditError("这份实施方案刚被其他人处理过，请刷新页面后再看。")
    if p.status != P.SUBMITTED:
        raise DomainError(f"这份实施方案{p.get_status_display()}，不能再次审核。")
    return p


def _decide(p, actor, code, note):
    p.decided_by, p.decided_at, p.decision_note, p.version = actor, timezone.now(), note, p.version + 1
    p._history_user = actor
    p.save()
    _event(p, code, P.SUBMITTED, actor, note)
    reviewers = users_with([Role.REVIEWER], Q(organization_id=p.committee_id))
    return p, reviewers


@transaction.atomic
def stage_plan_accept(*, actor, plan: StagePlan, note: str = "", version: int | None = None, _lock_row=True,
                      _after_read=None) -> StagePlan:  # fmt: skip
    require_district(actor)
    p = _locked(plan, version, _lock_row, _after_read)
    p.status = P.ACCEPTED
    note = (note or "").strip()[:1000]
    p, reviewers = _decide(p, actor, "review.stage_plan.accepted", note)
    send(reviewers, f"{p.committee.name}：实施方案已审核通过", note or p.period.name, plan_page_url(p, p.period))
    return p


@transaction.atomic
def stage_plan_return(*, actor, plan: StagePlan, reason: str, version: int | None = None) -> StagePlan:
    require_district(actor)
    p = _locked(plan, version)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请写明退回的原因。", field="reason")
    if len(reason) > 1000:
        raise DomainError("退回原因不能超过1000个字。", field="reason")
    p.status = P.RETURNED
    p, reviewers = _decide(p, actor, "review.stage_plan.returned", reason)
    send(reviewers, f"{p.committee.name}：实施方案被退回修改", reason, plan_page_url(p, p.period))
    return p
