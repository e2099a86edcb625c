"""Review state changes. Each step: lock the assessment row, re-check its state and the
actor's role after the lock, change it, write a ``ReviewEvent`` — one transaction. When two
people act at once, the second finds the state already changed and gets a clear message.
Notifications are created in the same transaction and mailed after commit."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from assessment import scoring
from assessment.models import EDITABLE_BY_BRANCH, Assessment, ItemScore, Veto
from assessment.models import AssessmentStatus as S
from assessment.services import score_column_save, vetoes_redetect
from assessment.sheets import veto_text
from branches.models import Organization, OrgKind, Role
from branches.permissions import Action, can, has_role
from review import adopt
from review.models import (
    Declaration,
    DeclarationEntry,
    Objection,
    ObjectionStatus,
    Publication,
    PublicationEntry,
    Rectification,
    RectificationStatus,
    RectificationTask,
    ReviewEvent,
)
from review.notify import notify_branch, notify_committee, notify_district
from review.rectification_outcome import LABELS as OUTCOME_LABELS
from wujin_branch import versions
from wujin_branch.errors import DomainError, lock_conflicts
from wujin_branch.services import require_version

BRANCH_ROLES = {Role.SECRETARY, Role.WORKER}
COMMITTEE_ROLES = {Role.REVIEWER}
DISTRICT_ROLES = {Role.DISTRICT}
# When the database gives up waiting for a lock (SQLite past its busy timeout), the loser of a
# race gets this instead of a server error; within the timeout it waits and gets the state message.
BUSY = "该考核表正在被他人处理，您的操作未执行。可能已被他人处理，请刷新页面查看。"


@dataclass(frozen=True)
class Step:
    code: str
    stage: str
    label: str
    roles: frozenset
    sources: frozenset
    target: str | None


def _step(code, stage, label, roles, sources, target):
    return Step(code, stage, label, frozenset(roles), frozenset(sources), target)


STEPS = {
    "submit": _step("review.branch.submitted", "branch", "报送", BRANCH_ROLES, EDITABLE_BY_BRANCH, S.SUBMITTED),
    "committee_return": _step(
        "review.committee.returned", "committee", "退回支部", COMMITTEE_ROLES,
        {S.SUBMITTED, S.COMMITTEE_REVIEWED, S.DISTRICT_RETURNED}, S.RETURNED,
    ),
    "committee_review": _step(
        "review.committee.reviewed", "committee", "审核评分", COMMITTEE_ROLES,
        {S.SUBMITTED, S.COMMITTEE_REVIEWED, S.DISTRICT_RETURNED}, S.COMMITTEE_REVIEWED,
    ),
    "recommend": _step(
        "review.committee.recommended", "committee", "推荐", COMMITTEE_ROLES, {S.COMMITTEE_REVIEWED}, S.RECOMMENDED
    ),
    "not_recommend": _step(
        "review.committee.not_recommended", "committee", "不推荐", COMMITTEE_ROLES, {S.COMMITTEE_REVIEWED},
        S.NOT_RECOMMENDED,
    ),
    "declare": _step("review.committee.declared", "committee", "申报", COMMITTEE_ROLES, {S.RECOMMENDED}, S.DECLARED),
    "district_return": _step(
        "review.district.returned", "district", "退回党(工)委", DISTRICT_ROLES, {S.DECLARED}, S.DISTRICT_RETURNED
    ),
    "accept": _step("review.district.accepted", "district", "验收", DISTRICT_ROLES, {S.DECLARED}, None),
    "publish": _step("review.district.published", "publication", "公示", DISTRICT_ROLES, {S.ACCEPTED}, S.PUBLISHED),
    "objection_upheld": _step(
        "review.publication.objection_upheld", "publication", "异议查实", DISTRICT_ROLES, {S.PUBLISHED}, S.DECLARED
    ),
    "confirm": _step("review.district.confirmed", "confirmation", "确认", DISTRICT_ROLES, {S.PUBLISHED}, S.CONFIRMED),
    "rectify": _step(
        "review.rectification.started", "rectification", "整顿", COMMITTEE_ROLES | DISTRICT_ROLES,
        {S.NOT_PASSED, S.NOT_RECOMMENDED}, S.RECTIFYING,
    ),
    "reassess": _step(
        "review.rectification.reassess", "rectification", "整顿后重新考核", COMMITTEE_ROLES | DISTRICT_ROLES,
        {S.RECTIFYING}, S.DRAFT,
    ),
}  # fmt: skip
# What a ReviewEvent's code says in words, wherever events are shown (ReviewEvent.label).
STEP_LABELS = {step.code: step.label for step in STEPS.values()}
STEP_LABELS.update(OUTCOME_LABELS)  # 软弱涣散, 撤销, 撤并 of a rectification (review.rectification_outcome)


def _lock(pk, lock=True):
    qs = Assessment.objects.select_related("branch", "period")
    return (qs.select_for_update(of=("self",)) if lock else qs).get(pk=pk)


def _check(step, actor, a):
    if actor is None or not has_role(actor, step.roles, a.branch):
        raise DomainError(f"您没有权限对该支部执行“{step.label}”。")
    if a.status not in step.sources:
        raise DomainError(
            f"考核表当前状态为“{a.get_status_display()}”，不能{step.label}。可能已被他人处理，请刷新页面查看。"
        )


def _move(step, actor, a, *, to=None, comment="", details=None):
    old = a.status
    a.status = to or step.target
    a.version += 1
    a._history_user = actor
    a.save()
    versions.bump(versions.ASSESSMENTS)  # every step goes through here: the dashboards see it
    return ReviewEvent.objects.create(
        assessment=a, code=step.code, stage=step.stage, from_status=old, to_status=a.status, actor=actor,
        comment=comment, details=details or {}, revision=a.revision,
    )  # fmt: skip


@dataclass(frozen=True)
class Refused:
    """What a ``mutate`` returns to refuse the step after recording what it found (the vetoes
    judged): the transaction commits without moving the state, then the refusal is raised."""

    message: str


@lock_conflicts(BUSY)
def transition(name, *, actor, assessment, comment="", details=None, to=None, mutate=None, _lock_row=True,
               _after_read=None):  # fmt: skip
    """Apply one step. ``mutate(a)`` may change the row (and choose ``to``, or return
    ``Refused``) after the checks; it may fill ``details`` (the event's), given as a dict.

    ``_lock_row`` and ``_after_read`` exist for the concurrency test and its control.
    """
    step = STEPS[name]
    refused = None
    with transaction.atomic():
        a = _lock(assessment.pk, lock=_lock_row)
        if _after_read:
            _after_read()
        _check(step, actor, a)
        if mutate:
            result = mutate(a)
            if isinstance(result, Refused):
                refused = result
            else:
                to = result or to
        if refused is None:
            _move(step, actor, a, to=to, comment=comment, details=details)
        else:
            a._history_user = actor
            a.save(update_fields=["has_veto"])
            versions.bump(versions.ASSESSMENTS)
    if refused is not None:
        raise DomainError(refused.message)
    return a


def judge_vetoes(actor, a) -> tuple[list[str], list[str]]:
    """Inside the step's lock: the vetoes judged today (a decision is being taken), as texts,
    and those among them that were not on the sheet before. Sets ``a.has_veto``."""
    before = {(v.kind_id, v.detail) for v in Veto.objects.filter(assessment=a, active=True)}
    active = vetoes_redetect(actor=actor, assessment=a)
    new = [veto_text(v) for v in active if (v.kind_id, v.detail) not in before]
    a.judged_vetoes = [veto_text(v) for v in active]
    return a.judged_vetoes, new


# ---------------------------------------------------------------- branch


def submit(*, actor, assessment, comment=""):
    def mutate(a):
        missing = ItemScore.objects.filter(assessment=a, self_score__isnull=True).count()
        if missing:
            raise DomainError(f"还有 {missing} 项未自评，请全部自评后再报送。")
        a.submitted_at = timezone.now()

    a = transition("submit", actor=actor, assessment=assessment, comment=comment, mutate=mutate)
    notify_committee(a, f"{a.branch.name}已报送自评", "请审核。", "assessment_view")
    return a


# ---------------------------------------------------------------- committee


def committee_return(*, actor, assessment, comment, item_comments=None):
    """Return to the branch with reasons (overall and/or per item); the branch edits a new revision."""
    if not (comment or "").strip() and not item_comments:
        raise DomainError("退回时请写明原因（总体意见或逐项意见）。")

    def mutate(a):
        a.revision += 1

    a = transition("committee_return", actor=actor, assessment=assessment, comment=comment.strip(),
                   details={"items": item_comments or {}}, mutate=mutate)  # fmt: skip
    body = "\n".join([comment.strip()] + [f"第{k}项：{v}" for k, v in (item_comments or {}).items()]).strip()
    notify_branch(a, "考核表被退回修改", body, "assessment_self")
    return a


@lock_conflicts(BUSY)
def committee_scores_save(*, actor, assessment, version, rows):
    """Committee scores and remarks; the first save moves the assessment to 'reviewed'. The
    vetoes are judged again (today: the committee is reviewing) and shown on the sheet."""
    step = STEPS["committee_review"]
    with transaction.atomic():
        a = _lock(assessment.pk)
        _check(step, actor, a)
        require_version(a.version, version)  # a stale page first hears that it is stale
        adopt.require_reasons(a, rows, "committee_score", "committee_remark")
        a = score_column_save(actor=actor, assessment=a, version=version, rows=rows, column="committee_score",
                               remark_column="committee_remark", allowed_statuses=step.sources,
                               action=Action.APPROVE)  # fmt: skip
        had_veto = a.has_veto
        judge_vetoes(actor, a)
        if a.status != S.COMMITTEE_REVIEWED:
            _move(step, actor, a)
        elif a.has_veto != had_veto:
            a.save(update_fields=["has_veto"])
            versions.bump(versions.ASSESSMENTS)
    return a


def committee_decide(*, actor, assessment, recommend: bool, comment=""):
    """推荐 / 不推荐. The vetoes are judged again on the day: a branch with one is not recommended."""
    details = {}

    def mutate(a):
        if a.committee_total is None:
            raise DomainError("请先完成全部项目的党(工)委评分。")
        vetoes, _ = judge_vetoes(actor, a)
        if vetoes:
            details["vetoes"] = vetoes
            if recommend:
                return Refused(
                    f"存在一票否决情形：{'；'.join(vetoes)}。有一票否决情形的支部不能推荐申报为合格支部，"
                    "请选择“不推荐”并写明理由；情况已变化的（如已补选书记），请支部先在平台登记。"
                )

    name = "recommend" if recommend else "not_recommend"
    if not recommend and not (comment or "").strip():
        raise DomainError("不推荐时请写明理由。")
    return transition(name, actor=actor, assessment=assessment, comment=comment, mutate=mutate, details=details)


@lock_conflicts(BUSY)
def declaration_submit(*, actor, committee: Organization, period, assessments, note="") -> Declaration:
    """申报: the recommended branches go to the district as one batch."""
    if committee.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH) or not has_role(
        actor, COMMITTEE_ROLES, committee
    ):
        raise DomainError("只有党(工)委审核员可以申报。")
    ids = [a.pk for a in assessments]
    if not ids:
        raise DomainError("请至少选择一个已推荐的支部。")
    with transaction.atomic():
        locked = list(
            Assessment.objects.select_for_update(of=("self",)).select_related("branch", "period").filter(pk__in=ids)
        )
        for a in locked:
            if a.period_id != period.pk or not a.branch.path.startswith(committee.path):
                raise DomainError(f"{a.branch.name} 不属于本单位本考核周期。")
            _check(STEPS["declare"], actor, a)
        d = Declaration.objects.create(committee=committee, period=period, submitted_by=actor, note=note)
        DeclarationEntry.objects.bulk_create(DeclarationEntry(declaration=d, assessment=a) for a in locked)
        for a in locked:
            _move(STEPS["declare"], actor, a, details={"declaration": d.pk})
        notify_district(f"{committee.name}申报 {len(locked)} 个支部", note, "district_dashboard")
    return d


# ---------------------------------------------------------------- district


def district_return(*, actor, assessment, comment):
    if not (comment or "").strip():
        raise DomainError("退回时请写明原因。")
    a = transition("district_return", actor=actor, assessment=assessment, comment=comment)
    notify_committee(a, f"{a.branch.name}被区委组织部退回", comment, "assessment_view")
    return a


@lock_conflicts(BUSY)
def district_scores_save(*, actor, assessment, version, rows):
    """District scores may be entered while the branch is declared (before accepting)."""
    with transaction.atomic():
        a = _lock(assessment.pk)
        _check(STEPS["accept"], actor, a)
        require_version(a.version, version)
        adopt.require_reasons(a, rows, "district_score", "district_remark")
        return score_column_save(actor=actor, assessment=a, version=version, rows=rows, column="district_score",
                                  remark_column="district_remark", allowed_statuses={S.DECLARED},
                                  action=Action.APPROVE)  # fmt: skip


def accept(*, actor, assessment, comment="", _lock_row=True, _after_read=None):
    """验收: passed when the district total reaches the pass line and no veto stands. The
    vetoes are judged again on the day (书记 seat vacant now, sanctions in force up to now).
    One found that was not on the sheet stops the acceptance with a message (recorded on the
    sheet); accepting again with it standing gives 验收不合格."""
    details = {}

    def mutate(a):
        if a.district_total is None:
            raise DomainError("请先完成全部项目的区委组织部评分。")
        vetoes, new = judge_vetoes(actor, a)
        if new:
            return Refused(
                f"验收时检测到一票否决情形：{'；'.join(new)}（已记入考核表）。存在一票否决情形的支部不能验收为合格："
                "情况属实的，再次点击“验收评定”即评定为验收不合格；情况已变化的（如已补选书记），请支部先在平台登记后再验收。"
            )
        if vetoes:
            details["vetoes"] = vetoes
        passed = scoring.passes(a.district_total, a.period.pass_line, a.has_veto)
        return S.ACCEPTED if passed else S.NOT_PASSED

    a = transition("accept", actor=actor, assessment=assessment, comment=comment, mutate=mutate, details=details,
                   _lock_row=_lock_row, _after_read=_after_read)  # fmt: skip
    verdict = "验收通过（拟定合格，待公示）" if a.status == S.ACCEPTED else "验收不合格"
    body = "\n".join(filter(None, [comment, f"一票否决情形：{'；'.join(details['vetoes'])}" if details else ""]))
    notify_branch(a, f"区委组织部{verdict}", body, "assessment_view")
    notify_committee(a, f"{a.branch.name}{verdict}", body, "assessment_view")
    return a


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The last day of a notice of ``days`` working days starting on ``start`` (weekends skipped;
    public holidays are not known to the platform)."""
    d, counted = start, 0
    while True:
        if d.weekday() < 5:
            counted += 1
            if counted == days:
                return d
        d += datetime.timedelta(days=1)


@lock_conflicts(BUSY)
def publish(*, actor, period, assessments, title="", starts_on=None, contact="") -> Publication:
    if not has_role(actor, DISTRICT_ROLES, Organization.objects.get(depth=1, kind=OrgKind.DISTRICT)):
        raise DomainError("只有区委组织部可以发布公示。")
    starts_on = starts_on or timezone.localdate()
    ids = [a.pk for a in assessments]
    if not ids:
        raise DomainError("请选择要公示的支部。")
    with transaction.atomic():
        locked = list(
            Assessment.objects.select_for_update(of=("self",)).select_related("branch", "period").filter(pk__in=ids)
        )
        pub = Publication.objects.create(
            period=period, title=title or f"{period.name}拟确认合格党支部名单公示", starts_on=starts_on,
            ends_on=add_working_days(starts_on, period.notice_days), published_by=actor, contact=contact,
        )  # fmt: skip
        for a in locked:
            if a.period_id != period.pk:
                raise DomainError(f"{a.branch.name} 不属于本考核周期。")
            _check(STEPS["publish"], actor, a)
            PublicationEntry.objects.create(publication=pub, assessment=a, total=a.district_total)
            _move(STEPS["publish"], actor, a, details={"publication": pub.pk})
            notify_branch(a, "已进入公示", f"公示期 {pub.starts_on} 至 {pub.ends_on}", "assessment_view")
    return pub


@lock_conflicts(BUSY)
@transaction.atomic
def objection_lodge(*, entry: PublicationEntry, name: str, contact: str, text: str, client: str = "") -> Objection:
    """Anyone may object during the notice; contact is required, the name optional."""
    today = timezone.localdate()
    if not entry.publication.is_open_on(today):
        raise DomainError("该公示不在公示期内，不能提出异议。")
    if not (contact or "").strip():
        raise DomainError("请留下联系方式，以便核实情况。", field="contact")
    if len((text or "").strip()) < 10:
        raise DomainError("请具体说明异议内容（至少 10 个字）。", field="text")
    o = Objection.objects.create(
        entry=entry, name=(name or "").strip()[:50], contact=contact.strip()[:100], text=text.strip()[:5000],
        client_hash=hashlib.sha256(client.encode()).hexdigest() if client else "",
    )  # fmt: skip
    versions.bump(versions.ASSESSMENTS)  # the pending objections on the district dashboard
    a = entry.assessment
    notify_district(f"{a.branch.name}的公示收到异议", o.text[:200], "district_dashboard")
    return o


@lock_conflicts(BUSY)
def objection_handle(*, actor, objection: Objection, upheld: bool, note: str) -> Objection:
    if not (note or "").strip():
        raise DomainError("请填写处理意见。", field="note")
    with transaction.atomic():
        o = Objection.objects.select_for_update().select_related("entry__assessment__branch").get(pk=objection.pk)
        if not has_role(actor, DISTRICT_ROLES, o.entry.assessment.branch):
            raise DomainError("只有区委组织部可以处理异议。")
        if o.status != ObjectionStatus.PENDING:
            raise DomainError("该异议已处理。")
        o.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        o.handled_by, o.handled_at, o.handling_note = actor, timezone.now(), note.strip()
        o._history_user = actor
        o.save()
        versions.bump(versions.ASSESSMENTS)
        if upheld:
            a = transition("objection_upheld", actor=actor, assessment=o.entry.assessment, comment=note,
                           details={"objection": o.pk})  # fmt: skip
            notify_committee(a, f"{a.branch.name}的公示异议查实，退回重新验收", note, "assessment_view")
    return o


def confirm(*, actor, assessment, comment=""):
    """After the notice ends with no pending or upheld objection: 合格支部."""

    def mutate(a):
        entry = PublicationEntry.objects.filter(assessment=a).select_related("publication").order_by("-id").first()
        if entry is None:
            raise DomainError("没有找到该支部的公示记录。")
        if timezone.localdate() <= entry.publication.ends_on:
            raise DomainError(f"公示期至 {entry.publication.ends_on} 结束，期满后才能确认。")
        if entry.objections.filter(status=ObjectionStatus.PENDING).exists():
            raise DomainError("还有未处理的异议，请先处理。")

    a = transition("confirm", actor=actor, assessment=assessment, comment=comment, mutate=mutate)
    notify_branch(a, "确认为党支部规范化建设合格支部", comment, "assessment_view")
    notify_committee(a, f"{a.branch.name}确认为合格支部", comment, "assessment_view")
    return a


# ---------------------------------------------------------------- rectification


@lock_conflicts(BUSY)
def rectification_start(*, actor, assessment, reason, deadline, tasks) -> Rectification:
    """整顿 for a branch not passed, not recommended or vetoed."""
    if not (reason or "").strip():
        raise DomainError("请写明整顿原因。", field="reason")
    if not tasks:
        raise DomainError("请至少列出一项整改任务。", field="tasks")
    with transaction.atomic():
        a = transition("rectify", actor=actor, assessment=assessment, comment=reason)
        r = Rectification.objects.create(assessment=a, reason=reason, deadline=deadline, started_by=actor)
        RectificationTask.objects.bulk_create(
            RectificationTask(rectification=r, title=t[:200], due_on=deadline) for t in tasks if t.strip()
        )
    notify_branch(a, "进入整顿", reason, "assessment_view")
    return r


def rectification_task_update(*, actor, task: RectificationTask, progress: str, done_on=None) -> RectificationTask:
    branch = task.rectification.assessment.branch
    if not can(actor, Action.EDIT, branch) and not can(actor, Action.APPROVE, branch):
        raise DomainError("您没有权限。")
    if task.rectification.status != RectificationStatus.OPEN:
        raise DomainError(f"该整顿已结束（{task.rectification.get_status_display()}），不能再填写进展。")
    task.progress, task.done_on = progress, done_on
    task._history_user = actor
    task.save()
    return task


@lock_conflicts(BUSY)
def reassess(*, actor, rectification: Rectification, summary: str):
    """Close the rectification and reopen the assessment as a new revision (re-assessment)."""
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update(of=("self",)).select_related("assessment").get(
            pk=rectification.pk
        )
        if rectification.status != RectificationStatus.OPEN:  # ended by 撤销/撤并 (review.rectification_outcome)
            raise DomainError(f"该整顿已结束（{rectification.get_status_display()}），不能重新考核。")
        if rectification.tasks.filter(done_on__isnull=True).exists():
            raise DomainError("还有整改任务未完成。")

        def mutate(a):
            a.revision += 1

        a = transition("reassess", actor=actor, assessment=rectification.assessment, comment=summary, mutate=mutate)
        rectification.status, rectification.summary = RectificationStatus.DONE, summary
        rectification.finished_at = timezone.now()
        rectification.save()
    notify_branch(a, "整顿完成，请重新自评", summary, "assessment_self")
    return a
