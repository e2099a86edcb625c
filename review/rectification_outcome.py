"""整顿 that ends somewhere (seed 备注2: "对不配合整顿的软弱涣散党组织要及时进行撤销、撤并").

While a rectification is open, district staff may mark the branch 软弱涣散 with the reasons;
a marked branch is then dissolved (撤销, members to a receiving branch) or merged (撤并) through
the organization services of ``branches.services``, which keep the branch row, its records and
its history. The rectification keeps the reasons and the outcome; each step is a ``ReviewEvent``
on the branch's assessment. Only district staff: the committee's own MANAGE right over its
branches is not enough to end a rectification this way.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from branches.models import Organization, OrgChange, OrgKind, OrgStatus
from branches.permissions import require_district
from branches.services import org_dissolve, org_merge
from review.models import Rectification, RectificationOutcome, RectificationStatus, ReviewEvent
from review.notify import notify_committee
from wujin_branch.errors import DomainError, StaleEditError

WEAK_CODE = "review.rectification.weak"
OUTCOME_CODES = {
    RectificationOutcome.DISSOLVED: "review.rectification.dissolved",
    RectificationOutcome.MERGED: "review.rectification.merged",
}
LABELS = {
    WEAK_CODE: "认定软弱涣散",
    OUTCOME_CODES[RectificationOutcome.DISSOLVED]: "未配合整顿，撤销",
    OUTCOME_CODES[RectificationOutcome.MERGED]: "未配合整顿，撤并",
}
ONLY_DISTRICT = "只有区委组织部工作人员可以认定软弱涣散、撤销或撤并党支部。"


def _locked(rectification, version):
    r = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("assessment__branch", "assessment__period")
        .get(pk=rectification.pk)
    )
    if version is not None and r.version != int(version):
        raise StaleEditError("该整顿刚被其他人处理过，请刷新页面后再看。")
    if r.status != RectificationStatus.OPEN:
        raise DomainError(f"该整顿已结束（{r.get_status_display()}），不能再处理。")
    return r


def _text(value, label):
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请写明{label}。", field="reason")
    if len(value) > 4000:
        raise DomainError(f"{label}不能超过4000个字。", field="reason")
    return value


def _event(r, code, actor, comment, details):
    a = r.assessment
    return ReviewEvent.objects.create(
        assessment=a, code=code, stage="rectification", from_status=a.status, to_status=a.status, actor=actor,
        comment=comment, details=details, revision=a.revision,
    )  # fmt: skip


def _save(r, actor):
    r.version += 1
    r._history_user = actor
    r.full_clean(exclude=["assessment", "started_by", "weak_marked_by", "outcome_change"])
    r.save()


@transaction.atomic
def rectification_mark_weak(*, actor, rectification: Rectification, reason: str, marked_on: datetime.date,
                            version: int | None = None) -> Rectification:  # fmt: skip
    """认定软弱涣散: the branch does not cooperate with the rectification."""
    require_district(actor, ONLY_DISTRICT)
    r = _locked(rectification, version)
    if r.weak_marked_on:
        raise DomainError("该支部已被认定为软弱涣散党组织。")
    if marked_on is None or marked_on > timezone.localdate():
        raise DomainError("请填写认定日期（不能晚于今天）。", field="marked_on")
    r.weak_reason, r.weak_marked_on, r.weak_marked_by = _text(reason, "认定软弱涣散的理由"), marked_on, actor
    _save(r, actor)
    _event(r, WEAK_CODE, actor, r.weak_reason, {"marked_on": marked_on.isoformat()})
    notify_committee(r.assessment, f"{r.assessment.branch.name}被认定为软弱涣散党组织", r.weak_reason,
                     "assessment_view")  # fmt: skip
    return r


@transaction.atomic
def rectification_end_by_reorganizing(*, actor, rectification: Rectification, outcome: str, reason: str,
                                      occurred_on: datetime.date, target: Organization | None = None,
                                      version: int | None = None) -> Rectification:  # fmt: skip
    """撤销 or 撤并 a branch marked 软弱涣散, through the organization services; ``target``
    receives the members (required for 撤并, and for 撤销 of a branch with members)."""
    require_district(actor, ONLY_DISTRICT)
    r = _locked(rectification, version)
    if not r.weak_marked_on:
        raise DomainError("请先认定该支部为软弱涣散党组织，再撤销或撤并。")
    if outcome not in RectificationOutcome.values:
        raise DomainError("请选择撤销或撤并。", field="outcome")
    if occurred_on is None or occurred_on > timezone.localdate():
        raise DomainError("请填写撤销或撤并日期（不能晚于今天）。", field="occurred_on")
    reason = _text(reason, "撤销或撤并的原因")
    branch = r.assessment.branch
    if target is not None and (target.kind != OrgKind.BRANCH or target.status != OrgStatus.ACTIVE):
        raise DomainError("接收党员的必须是另一个正常的党支部。", field="target")
    if outcome == RectificationOutcome.MERGED:
        if target is None:
            raise DomainError("撤并时请选择并入的党支部。", field="target")
        moved = org_merge(actor=actor, org=branch, into=target, occurred_on=occurred_on, reason=reason)
    else:
        moved = org_dissolve(actor=actor, org=branch, occurred_on=occurred_on, reason=reason, transfer_to=target)
    change = OrgChange.objects.filter(organization=branch, kind=outcome).order_by("-id").first()
    r.status, r.outcome, r.outcome_change = RectificationStatus.ENDED, outcome, change
    r.finished_at, r.summary = timezone.now(), reason
    _save(r, actor)
    _event(r, OUTCOME_CODES[outcome], actor, reason, {
        "occurred_on": occurred_on.isoformat(), "target": target.pk if target else None,
        "target_name": target.name if target else "", "members_moved": moved, "org_change": change.pk,
    })  # fmt: skip
    label = RectificationOutcome(outcome).label
    notify_committee(r.assessment, f"{branch.name}未配合整顿，已{label}", reason, "assessment_view")
    return r


def may_escalate(user) -> bool:
    from branches.permissions import is_district

    return is_district(user)
