"""Writes for the assessment: periods (opened in bulk by a Celery task), suggestions
(set-based, by task or on demand for one draft), self scores, vetoes. Rubric versions are
edited in ``assessment.rubric_writes``."""

import json
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessment import rules, scoring
from assessment.milestones import defaults_for_new
from assessment.models import (
    EDITABLE_BY_BRANCH,
    Assessment,
    ItemScore,
    Period,
    PeriodStatus,
    RubricItem,
    RubricSection,
    Veto,
    VetoKind,
    VetoSource,
)
from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import Action, require, require_district
from wujin_branch import outbox, versions
from wujin_branch.errors import DomainError, lock_conflicts
from wujin_branch.models import Job, JobStatus
from wujin_branch.services import require_version

from .models import AssessmentStatus as S

BATCH = 500




# ---------------------------------------------------------------- periods


@transaction.atomic
def period_create(*, actor, **data) -> Period:
    require_district(actor)
    p = Period(created_by=actor, **data)
    if p.window_end < p.window_start:
        raise DomainError("考核截止日期不能早于起始日期。", field="window_end")
    if not (p.self_deadline <= p.committee_deadline <= p.district_deadline):
        raise DomainError("截止日期应依次为：支部自评 ≤ 党(工)委审核 ≤ 区委组织部验收。", field="committee_deadline")
    if not (Decimal("0") < p.pass_line <= Decimal("100")):
        raise DomainError("合格分数线应在 0 到 100 之间。", field="pass_line")
    if not 1 <= p.notice_days <= 30:
        raise DomainError("公示天数应在 1 到 30 天之间。", field="notice_days")
    p.full_clean()
    p._history_user = actor
    p.save()
    versions.bump(versions.ASSESSMENTS)
    defaults_for_new(actor=actor, period=p)
    return p


def period_open(*, actor, period: Period) -> Job:
    """Queue the bulk creation of one assessment per active branch; returns the Job to poll."""
    require_district(actor)
    with transaction.atomic():
        p = Period.objects.select_for_update().get(pk=period.pk)
        if p.status not in (PeriodStatus.DRAFT, PeriodStatus.OPENING):
            raise DomainError("该考核周期已经开始。")
        p.status = PeriodStatus.OPENING
        p.save(update_fields=["status"])
        versions.bump(versions.ASSESSMENTS)
        job = Job.objects.create(kind="period_open", params={"period_id": p.pk}, created_by=actor)
        from assessment.tasks import period_open_task

        outbox.enqueue(period_open_task, job.pk)
    return job


def _job_progress(job, done, total=None, message=None):
    """Progress and heartbeat (``Job.interrupted``); both jobs are idempotent: a redelivery reruns."""
    fields = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)


def period_open_run(*, job_id: int) -> int:
    """Create the assessments and empty score rows in batches, then compute suggestions.

    Idempotent: existing assessments are kept (unique per period and branch), so a
    redelivered task only fills what is missing.
    """
    job = Job.objects.get(pk=job_id)
    period = Period.objects.select_related("rubric").get(pk=job.params["period_id"])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    branch_ids = list(
        Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    items = list(RubricItem.objects.filter(section__version=period.rubric))
    _job_progress(job, 0, total=len(branch_ids) * 2, message="正在生成各支部考核表")
    created = 0
    for i in range(0, len(branch_ids), BATCH):
        chunk = branch_ids[i : i + BATCH]
        with transaction.atomic():
            have = set(
                Assessment.objects.filter(period=period, branch_id__in=chunk).values_list("branch_id", flat=True)
            )
            new = [Assessment(period=period, branch_id=b) for b in chunk if b not in have]
            bulk_create_with_history(new, Assessment, batch_size=BATCH)
            versions.bump(versions.ASSESSMENTS)
            fresh = Assessment.objects.filter(period=period, branch_id__in=[a.branch_id for a in new])
            ItemScore.objects.bulk_create(
                [ItemScore(assessment=a, item=it) for a in fresh for it in items], batch_size=2000
            )
            created += len(new)
        _job_progress(job, min(i + BATCH, len(branch_ids)))
    suggestions_run(period=period, branch_ids=branch_ids, job=job, offset=len(branch_ids))
    with transaction.atomic():  # through save(): the period's history shows when it opened
        p = Period.objects.select_for_update().get(pk=period.pk)
        p.status = PeriodStatus.OPEN
        p._history_user = job.created_by
        p.save(update_fields=["status"])
        versions.bump(versions.ASSESSMENTS)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, done=len(branch_ids) * 2, finished_at=timezone.now(),
        message=f"已生成 {created} 个支部的考核表并计算建议分",
    )  # fmt: skip
    return created


# ---------------------------------------------------------------- suggestions


def suggestions_run(*, period: Period, branch_ids, job=None, offset=0) -> int:
    """Compute suggestions and detected vetoes for these branches, in batches of ``BATCH``.

    Only draft/returned assessments are updated: what a reviewer is judging is frozen.
    """
    items = list(RubricItem.objects.filter(section__version=period.rubric).select_related("section"))
    kinds = {k.detection: k for k in VetoKind.objects.filter(active=True).exclude(detection="")}
    updated = 0
    for i in range(0, len(branch_ids), BATCH):
        chunk = branch_ids[i : i + BATCH]
        assessments = {
            a.branch_id: a
            for a in Assessment.objects.filter(period=period, branch_id__in=chunk, status__in=EDITABLE_BY_BRANCH)
        }
        if not assessments:
            continue
        ctx = rules.Context(period.window_start, period.window_end, list(assessments),
                            vacancy_grace_days=period.rubric.vacancy_grace_days,
                            term_rule_set_id=period.term_rules_id)  # fmt: skip
        suggestions, vetoes = rules.compute(ctx, items)
        now = timezone.now()
        with transaction.atomic():
            # Re-read under the lock: one submitted meanwhile is frozen and keeps what it had.
            assessments = {
                a.branch_id: a
                for a in Assessment.objects.select_for_update()
                .filter(pk__in=[a.pk for a in assessments.values()], status__in=EDITABLE_BY_BRANCH)
                .order_by("pk")  # one lock order for two runs over the same branches
            }
            branch_of = {a.pk: a.branch_id for a in assessments.values()}
            scores = ItemScore.objects.filter(assessment__in=assessments.values()).only(
                "id", "assessment_id", "item_id", "suggested", "suggestion_reason", "evidence"
            )
            changed = []
            for sc in scores:
                sug = suggestions[(branch_of[sc.assessment_id], sc.item_id)]
                new = (sug.score, sug.reason[:300], sug.evidence)
                if (sc.suggested, sc.suggestion_reason, sc.evidence) != new:
                    sc.suggested, sc.suggestion_reason, sc.evidence = new
                    changed.append(sc)
            _write_suggestions(changed)
            existing = defaultdict(list)
            for v in Veto.objects.filter(assessment__in=assessments.values(), source=VetoSource.DETECTED):
                existing[v.assessment_id].append(v)
            stale, new_vetoes = [], []
            for bid, a in assessments.items():
                gone, fresh = detected_changes(a, existing[a.pk], vetoes.get(bid, {}), kinds)
                stale += gone
                new_vetoes += fresh
            Veto.objects.filter(pk__in=[v.pk for v in stale]).delete()
            Veto.objects.bulk_create(new_vetoes, batch_size=2000)
            active = Veto.objects.filter(assessment__in=assessments.values(), active=True)
            with_veto = set(active.values_list("assessment_id", flat=True))
            for a in assessments.values():
                a.suggestions_at, a.has_veto = now, a.pk in with_veto
            bulk_update_with_history(list(assessments.values()), Assessment, ["suggestions_at", "has_veto"],
                                     batch_size=BATCH, default_change_reason="计算建议分")  # fmt: skip
            versions.bump(versions.ASSESSMENTS)  # has_veto
        updated += len(assessments)
        if job is not None:
            _job_progress(job, offset + min(i + BATCH, len(branch_ids)))
    return updated


def detected_changes(assessment, existing: list[Veto], found: dict, kinds: dict) -> tuple[list[Veto], list[Veto]]:
    """Detected vetoes that no longer hold (to delete) and new ones (unsaved), from what the
    rules ``found`` ({rule key: [(text, evidence)]}). A detected veto a reviewer lifted with a
    reason stays lifted while the same situation (same kind and text) is found again."""
    wanted = {}
    for key, hits in found.items():
        kind = kinds.get(key)
        if kind is None:
            continue
        for detail, evidence in hits:
            wanted.setdefault((kind.pk, detail[:300]), (kind, evidence))
    have = {(v.kind_id, v.detail): v for v in existing}
    gone = [v for k, v in have.items() if k not in wanted and v.active]
    fresh = [
        Veto(assessment=assessment, kind=kind, source=VetoSource.DETECTED, detail=detail, evidence=evidence)
        for (_, detail), (kind, evidence) in wanted.items()
        if (kind.pk, detail) not in have
    ]
    return gone, fresh


def vetoes_redetect(*, actor, assessment: Assessment, on=None) -> list[Veto]:
    """Judge the detected vetoes again on ``on`` (today): the day a decision is taken. The
    caller holds the assessment's row lock (``review.services``) and saves the row; this
    deletes the detected vetoes that no longer hold and adds new ones, each with a history
    row naming ``actor``, and sets ``assessment.has_veto``. Returns the active vetoes
    (detected and entered), in order."""
    a = assessment
    period = a.period
    kinds = {k.detection: k for k in VetoKind.objects.filter(active=True).exclude(detection="")}
    ctx = rules.Context(period.window_start, period.window_end, [a.branch_id], today=on or timezone.localdate(),
                        vacancy_grace_days=period.rubric.vacancy_grace_days,
                            term_rule_set_id=period.term_rules_id)  # fmt: skip
    found = rules.detect_vetoes(ctx).get(a.branch_id, {})
    existing = list(Veto.objects.filter(assessment=a, source=VetoSource.DETECTED))
    gone, fresh = detected_changes(a, existing, found, kinds)
    for v in gone:
        v._history_user = actor
        v._change_reason = "复核时该情形已不存在"
        v.delete()
    for v in fresh:
        v._history_user = actor
        v.save()
    active = list(Veto.objects.filter(assessment=a, active=True).select_related("kind").order_by("kind__order", "id"))
    a.has_veto = bool(active)
    return active


def _write_suggestions(scores):
    """Write changed suggestions. On PostgreSQL one ``UPDATE … FROM (VALUES …)`` per 2,000
    rows: Django's bulk_update builds CASE expressions that are several times slower at
    the 84,000 rows of a district."""
    if not scores:
        return
    if connection.vendor != "postgresql":
        ItemScore.objects.bulk_update(scores, ["suggested", "suggestion_reason", "evidence"], batch_size=2000)
        return
    table = ItemScore._meta.db_table
    for i in range(0, len(scores), 2000):
        chunk = scores[i : i + 2000]
        values = ", ".join(["(%s, %s::numeric, %s, %s::jsonb)"] * len(chunk))
        params = []
        for sc in chunk:
            params += [sc.pk, sc.suggested, sc.suggestion_reason, json.dumps(sc.evidence, ensure_ascii=False)]
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table} AS s SET suggested = v.suggested, suggestion_reason = v.reason, "
                f"evidence = v.evidence FROM (VALUES {values}) AS v(id, suggested, reason, evidence) "
                "WHERE s.id = v.id",
                params,
            )


def suggestions_refresh_one(*, actor, assessment: Assessment) -> None:
    """On demand, for one branch while its assessment is a draft."""
    require(actor, Action.VIEW, assessment.branch)
    if assessment.status not in EDITABLE_BY_BRANCH:
        raise DomainError("考核表已报送，建议分不再更新。")
    suggestions_run(period=assessment.period, branch_ids=[assessment.branch_id])


def suggestions_queue_all(*, actor, period: Period) -> Job:
    require_district(actor)
    job = Job.objects.create(kind="suggestions", params={"period_id": period.pk}, created_by=actor)
    from assessment.tasks import suggestions_task

    outbox.enqueue(suggestions_task, job.pk)
    return job


def suggestions_job_run(*, job_id: int) -> int:
    job = Job.objects.get(pk=job_id)
    period = Period.objects.get(pk=job.params["period_id"])
    ids = list(
        Assessment.objects.filter(period=period, status__in=EDITABLE_BY_BRANCH).values_list("branch_id", flat=True)
    )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, total=len(ids), message="正在计算建议分",
                                         heartbeat_at=timezone.now())  # fmt: skip
    n = suggestions_run(period=period, branch_ids=ids, job=job)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, done=len(ids), finished_at=timezone.now(),
                                         message=f"已为 {n} 个支部计算建议分")  # fmt: skip
    return n


# ---------------------------------------------------------------- scores


@lock_conflicts()
def score_column_save(*, actor, assessment, version, rows, column, remark_column, allowed_statuses, action):
    """Save one column of scores. ``rows``: {item_id: (raw score, remark)}. All or nothing:
    every bad value is reported together and nothing is saved."""
    require(actor, action, assessment.branch)
    with transaction.atomic():
        a = Assessment.objects.select_for_update().select_related("period", "branch").get(pk=assessment.pk)
        require_version(a.version, version)  # a page posting no version is refused, never trusted
        if a.status not in allowed_statuses:
            raise DomainError(f"考核表当前状态为“{a.get_status_display()}”，不能修改此栏分数。")
        scores = {s.item_id: s for s in ItemScore.objects.filter(assessment=a).select_related("item")}
        errors, changed = [], []
        for item_id, (raw, remark) in rows.items():
            s = scores.get(item_id)
            if s is None:
                continue
            try:
                value = scoring.parse_score(raw, s.item.points, label=f"第{s.item.code}项")
            except DomainError as e:
                errors.append(e.message)
                continue
            remark = (remark or "").strip()[:300]
            if getattr(s, column) != value or getattr(s, remark_column) != remark:
                setattr(s, column, value)
                setattr(s, remark_column, remark)
                changed.append(s)
        if errors:
            raise DomainError("；".join(errors))
        score_column_write(actor=actor, assessment=a, column=column, scores=scores, changed=changed)
    return a


SCORE_COLUMNS = {  # column → (its remark, the assessment's total of it)
    "self_score": ("self_remark", "self_total"),
    "committee_score": ("committee_remark", "committee_total"),
    "district_score": ("district_remark", "district_total"),
}


def score_column_write(*, actor, assessment: Assessment, column: str, scores: dict, changed: list) -> Assessment:
    """The one write of a score column, for the score pages and the on-site inspection alike:
    the changed rows (with history), the column's total and the assessment's version, so a
    score page opened before this write refuses its stale save instead of undoing it.

    The caller has locked ``assessment`` and checked its state; ``scores`` are all its rows
    (item id → ItemScore) with the new values set, ``changed`` the rows that differ."""
    remark_column, total_field = SCORE_COLUMNS[column]
    if changed:
        bulk_update_with_history(changed, ItemScore, [column, remark_column], default_user=actor)
    sections = RubricSection.objects.filter(version=assessment.period.rubric).prefetch_related("items")
    t = scoring.totals(sections, scores, column)
    setattr(assessment, total_field, t.total if t.complete else None)
    assessment.version += 1
    assessment._history_user = actor
    assessment.save()
    versions.bump(versions.ASSESSMENTS)  # the totals
    return assessment


def self_scores_save(*, actor, assessment, version, rows):
    return score_column_save(
        actor=actor, assessment=assessment, version=version, rows=rows, column="self_score",
        remark_column="self_remark", allowed_statuses=EDITABLE_BY_BRANCH, action=Action.EDIT,
    )  # fmt: skip


# ---------------------------------------------------------------- vetoes


# A veto is judged when a decision is taken (committee review, district acceptance): it may be
# entered or lifted until the district has decided. An upheld objection reopens acceptance.
VETO_OPEN = {S.DRAFT, S.RETURNED, S.SUBMITTED, S.COMMITTEE_REVIEWED, S.RECOMMENDED, S.DECLARED, S.DISTRICT_RETURNED}


def _lock_for_veto(actor, assessment_pk, *, lock=True) -> Assessment:
    """Lock the assessment and check, after the lock, the actor's right and its state, like
    a review step. The lock also serializes changes to its vetoes."""
    qs = Assessment.objects.select_related("branch")
    a = (qs.select_for_update(of=("self",)) if lock else qs).get(pk=assessment_pk)
    require(actor, Action.APPROVE, a.branch)
    if a.status not in VETO_OPEN:
        raise DomainError(f"考核表当前状态为“{a.get_status_display()}”，不能再认定或撤销一票否决情形。"
                          "可能已被他人处理，请刷新页面查看。")  # fmt: skip
    return a


def _veto_flag_save(actor, a: Assessment) -> None:
    """``has_veto`` follows the active vetoes; saved with history (a queryset update records nothing)."""
    has = Veto.objects.filter(assessment=a, active=True).exists()
    if a.has_veto != has:
        a.has_veto = has
        a._history_user = actor
        a.save(update_fields=["has_veto"])
        versions.bump(versions.ASSESSMENTS)


@lock_conflicts()
def veto_enter(*, actor, assessment: Assessment, kind: VetoKind, detail: str) -> Veto:
    """An 'other' (or any) veto entered by the committee or the district, with its reason."""
    require(actor, Action.APPROVE, assessment.branch)
    detail = (detail or "").strip()
    if not detail:
        raise DomainError("请写明一票否决的具体情况。", field="detail")
    with transaction.atomic():
        a = _lock_for_veto(actor, assessment.pk)
        v = Veto(assessment=a, kind=kind, source=VetoSource.ENTERED, detail=detail[:300], entered_by=actor)
        v._history_user = actor
        v.save()
        _veto_flag_save(actor, a)
    return v


@lock_conflicts()
def veto_lift(*, actor, veto: Veto, reason: str, _lock_row=True, _after_read=None) -> Veto:
    """``_lock_row`` and ``_after_read`` exist for the concurrency test and its control."""
    require(actor, Action.APPROVE, veto.assessment.branch)
    if not (reason or "").strip():
        raise DomainError("请填写撤销理由。", field="reason")
    with transaction.atomic():
        a = _lock_for_veto(actor, veto.assessment_id, lock=_lock_row)
        v = Veto.objects.get(pk=veto.pk)  # read again under the assessment's lock
        if _after_read:
            _after_read()
        if not v.active:
            raise DomainError("该一票否决情形已经撤销。可能已被他人处理，请刷新页面查看。")
        v.active, v.lifted_reason = False, reason.strip()[:300]
        v._history_user = actor
        v.save()
        _veto_flag_save(actor, a)
    return v


# ---------------------------------------------------------------- freezing records


def activity_is_frozen(activity) -> bool:
    """A record is frozen while a submitted assessment of its branch judges its date."""
    return (
        Assessment.objects.filter(
            branch_id=activity.branch_id,
            period__window_start__lte=activity.held_on,
            period__window_end__gte=activity.held_on,
        )
        .exclude(status__in=EDITABLE_BY_BRANCH)
        .exists()
    )
